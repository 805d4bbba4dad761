"""Scoring functions against scipy and against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench.predictors import kendall_tau, score
from nasbench.predictors._metrics import _count_inversions, precision_top, spearman
from nasbench.predictors._targets import RankGauss, average_ranks, norm_ppf


@pytest.mark.parametrize("n", [2, 3, 17, 256, 1001, 5000])
@pytest.mark.parametrize("ties", [False, True])
def test_kendall_tau_matches_scipy(n: int, ties: bool) -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    y = x + rng.normal(size=n)
    if ties:
        x, y = np.round(x, 1), np.round(y)
    expected = stats.kendalltau(x, y).statistic
    got = kendall_tau(x, y)
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-12)


def test_kendall_tau_hand_values() -> None:
    assert kendall_tau(np.array([1.0, 2, 3]), np.array([1.0, 3, 2])) == pytest.approx(1 / 3)
    assert kendall_tau(np.arange(10.0), -np.arange(10.0)) == -1.0
    assert np.isnan(kendall_tau(np.ones(5), np.arange(5.0)))


def test_count_inversions_brute_force() -> None:
    rng = np.random.default_rng(1)
    r = rng.integers(0, 40, size=300)
    brute = sum(int((r[i] > r[i + 1:]).sum()) for i in range(len(r)))
    assert _count_inversions(r) == brute


def test_spearman_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    x, y = np.round(rng.normal(size=500), 1), rng.normal(size=500)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


def test_average_ranks_and_ppf() -> None:
    assert average_ranks(np.array([3.0, 1, 3, 2])).tolist() == [3.5, 1.0, 3.5, 2.0]
    assert norm_ppf(np.array([0.5, 0.975, 0.01]))[1] == pytest.approx(1.959963985, abs=1e-8)
    assert norm_ppf(np.array([0.01]))[0] == pytest.approx(-2.326347874, abs=1e-8)


def test_rank_gauss_round_trip_is_monotone() -> None:
    y = np.array([10.0, 85.0, 90.0, 90.0, 91.5, 70.0])
    t = RankGauss().fit(y)
    assert np.allclose(t.inverse(t.transform_train()), y)
    grid = np.linspace(-5, 5, 201)
    assert np.all(np.diff(t.inverse(grid)) > 0)


def test_precision_top_and_score() -> None:
    true = np.arange(100.0)
    assert precision_top(true, true, 0.05) == 1.0
    assert precision_top(-true, true, 0.05) == 0.0
    assert precision_top(true, true, 0.05, direction="min") == 1.0
    assert precision_top(-true, true, 0.05, direction="min") == 0.0
    s = score(true + 1.0, true)
    assert s["rmse"] == pytest.approx(1.0)
    assert s["kendall_tau"] == 1.0 and s["pearson"] == pytest.approx(1.0)
    assert s["r2"] == pytest.approx(1 - 1 / np.var(true))
