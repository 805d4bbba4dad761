"""Statistics on SciPy, cross-checked against SciPy calls, published tables and hand values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench.harness._stats import (
    chi2_sf,
    critical_difference,
    friedman,
    holm,
    nemenyi_q,
    rankdata,
    vargha_delaney_a,
    wilcoxon,
)

stats = pytest.importorskip("scipy.stats")


def test_rankdata_averages_ties() -> None:
    a = np.array([3.0, 1.0, 3.0, 2.0, 3.0])
    assert rankdata(a).tolist() == [4.0, 1.0, 4.0, 2.0, 4.0]
    rng = np.random.default_rng(0)
    b = rng.integers(0, 5, size=50).astype(float)
    np.testing.assert_allclose(rankdata(b), stats.rankdata(b))


@pytest.mark.parametrize("dof", [1, 2, 5, 13])
def test_chi2_sf_matches_scipy(dof: int) -> None:
    for x in (0.01, 0.5, 1.0, dof, 3.0 * dof, 40.0):
        assert chi2_sf(x, dof) == pytest.approx(stats.chi2.sf(x, dof), rel=1e-9, abs=1e-14)


def test_wilcoxon_exact_small_sample() -> None:
    # Hand check: d = 1..6 all positive -> W+ = 21, two-sided exact p = 2 / 2^6.
    r = wilcoxon(np.arange(1, 7, dtype=float), np.zeros(6))
    assert r.method == "exact" and r.statistic == 21.0
    assert r.pvalue == pytest.approx(2 / 64)
    rng = np.random.default_rng(1)
    x, y = rng.normal(0.3, 1, 15), rng.normal(0, 1, 15)
    ref = stats.wilcoxon(x, y, method="exact")
    assert wilcoxon(x, y).pvalue == pytest.approx(ref.pvalue, rel=1e-9)


def test_wilcoxon_one_sided_follows_the_signed_ranks_not_the_median() -> None:
    from scipy import stats

    # three small gains, two large losses: the median difference is positive, the signed
    # ranks say "worse" -- a one-sided p from the two-sided one and the median's sign
    # would call it better at p/2
    x = np.array([1.0, 1.1, 1.2, -10.0, -11.0])
    y = np.zeros(5)
    greater, less = wilcoxon(x, y, "greater"), wilcoxon(x, y, "less")
    assert greater.median_diff > 0 and greater.pvalue > 0.5 > less.pvalue
    assert greater.pvalue == pytest.approx(stats.wilcoxon(x, y, alternative="greater",
                                                          method="exact").pvalue, rel=1e-9)
    # exact, n = 5: P(W+ >= 6) + P(W+ <= 6) = 1 + P(W+ = 6), three of the 32 sign patterns
    assert greater.pvalue + less.pvalue == pytest.approx(1 + 3 / 32)
    with pytest.raises(ValueError, match="'bigger'.*greater"):
        wilcoxon(x, y, "bigger")


def test_wilcoxon_normal_with_ties_and_zeros() -> None:
    rng = np.random.default_rng(2)
    x = np.round(rng.normal(0.2, 1, 60), 1)
    y = np.round(rng.normal(0.0, 1, 60), 1)
    ours = wilcoxon(x, y)
    ref = stats.wilcoxon(x, y, zero_method="wilcox", correction=True, method="approx")
    assert ours.method == "normal"
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-6)


def test_holm_known_answer() -> None:
    # p sorted: 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04)
    np.testing.assert_allclose(holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04])
    assert holm([0.5, 0.9]).max() <= 1.0


def test_friedman_matches_scipy_and_cd() -> None:
    rng = np.random.default_rng(3)
    s = rng.normal(size=(12, 4)) + np.array([0.0, 0.5, 1.0, 0.2])
    ours = friedman(s, higher_is_better=True)
    ref = stats.friedmanchisquare(*s.T)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-7)
    assert ours.avg_ranks.sum() == pytest.approx(4 * 5 / 2)
    # Demsar (2006): q_0.05 = 2.569 for k = 4; CD = q sqrt(k (k + 1) / (6 N)).
    # (the published q are rounded to 3 decimals; ours come from the studentized range)
    assert critical_difference(4, 12) == pytest.approx(2.569 * math.sqrt(20 / 72), rel=2e-4)


def test_nemenyi_cd_any_k_and_published_values() -> None:
    # Demsar (2006), Table 5a (alpha = 0.05): q = 2.569 (k = 4), 3.164 (k = 10).
    assert nemenyi_q(4) == pytest.approx(2.569, abs=5e-4)
    assert nemenyi_q(10) == pytest.approx(3.164, abs=5e-4)
    cd12 = critical_difference(12, 30)
    assert math.isfinite(cd12) and cd12 > critical_difference(10, 30)
    assert critical_difference(10, 30) == pytest.approx(3.164 * math.sqrt(110 / 180), rel=2e-4)
    assert math.isnan(critical_difference(1, 30))


def test_friedman_labelled_ranks_and_two_treatments() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    wide = pd.DataFrame(rng.normal(size=(20, 12)) + np.arange(12), columns=[
        f"opt{i}" for i in range(12)])
    r = friedman(wide, higher_is_better=True)
    assert r.labels == tuple(wide.columns) and math.isfinite(r.critical_difference)
    assert min(r.ranks, key=r.ranks.get) == "opt11"  # highest scores rank 1
    two = friedman(rng.normal(size=(15, 2)))
    assert 0 <= two.pvalue <= 1 and two.avg_ranks.sum() == pytest.approx(3.0)


def test_wilcoxon_matches_scipy_auto_rule() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(0.2, 1, 40), rng.normal(0, 1, 40)  # 40 untied pairs: exact
    r = wilcoxon(x, y)
    assert r.method == "exact"
    assert r.pvalue == pytest.approx(stats.wilcoxon(x, y, method="exact").pvalue, rel=1e-9)


def test_vargha_delaney() -> None:
    assert vargha_delaney_a(np.array([2.0, 3.0]), np.array([1.0])) == 1.0
    assert vargha_delaney_a(np.array([1.0]), np.array([1.0])) == 0.5
    assert vargha_delaney_a(np.array([0.0, 2.0]), np.array([1.0])) == 0.5
