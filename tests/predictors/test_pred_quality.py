"""Real predictive quality on NB201 cifar10: 200 one-seed labels, 3,000 held-out archs."""

from __future__ import annotations

import pytest

from nasbench.predictors import create, score

# Kendall tau measured on this exact split (seed 3, default class-grouped split: the 3,000
# test archs are whole isomorphism classes never seen in training): ridge 0.32, gp 0.78,
# wl_gp 0.70, xgb 0.77 (on the older random split it was 0.49 / 0.83 / 0.82 / 0.82).
# RMSE on unseen classes is NOT asserted: gp 7.4 and wl_gp 14.1 are worse than the
# constant mean's 7.1 there (xgb 4.4) -- the rank-target back-map extrapolates badly for
# unseen broken cells; only rank metrics are claimed. Floors leave room for BLAS differences.
FLOORS = {"gp": 0.74, "wl_gp": 0.66, "xgb": 0.72}


@pytest.fixture(scope="module")
def baselines(nb201_split) -> dict[str, dict[str, float]]:
    s = nb201_split
    out = {}
    for name in ("mean", "ridge"):
        pred = create(name, "nb201", seed=0).fit(s["train"], s["y"]).predict(s["test"])
        out[name] = score(pred, s["truth"])
    return out


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_beats_mean_and_ridge(name: str, nb201_split, baselines) -> None:
    if name == "xgb":
        pytest.importorskip("xgboost")
    s = nb201_split
    pred = create(name, "nb201", seed=0).fit(s["train"], s["y"]).predict(s["test"])
    got = score(pred, s["truth"])
    assert got["kendall_tau"] >= FLOORS[name]
    assert got["kendall_tau"] > baselines["ridge"]["kendall_tau"] + 0.2
    assert got["spearman"] > baselines["ridge"]["spearman"]
    assert got["precision_top5"] > 0.3  # the top 5% of 3,000 archs, chance is 0.05


def test_gp_uncertainty_is_informative(nb201_split) -> None:
    """Larger predicted std goes with larger error (the GP's std is not a constant)."""
    import numpy as np

    s = nb201_split
    mean, std = create("wl_gp", "nb201", seed=0).fit(s["train"], s["y"]).predict(
        s["test"], return_std=True)
    err = np.abs(mean - s["truth"])
    hi = std > np.quantile(std, 0.8)
    lo = std < np.quantile(std, 0.2)
    assert err[hi].mean() > 1.5 * err[lo].mean()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gin", "gcn"])
def test_graph_networks_beat_ridge(name: str, nb201_split, baselines) -> None:
    pytest.importorskip("torch")
    s = nb201_split
    pred = create(name, "nb201", seed=0).fit(s["train"], s["y"]).predict(s["test"])
    assert score(pred, s["truth"])["kendall_tau"] > baselines["ridge"]["kendall_tau"] + 0.1


@pytest.mark.parametrize(("space", "dataset", "floor"), [
    ("fcnet", "protein_structure", 0.6),  # measured: gp 0.78, xgb 0.77, wl_gp 0.67
    ("nbgraph", "cora", 0.3),  # measured: gp 0.43, xgb 0.43, wl_gp 0.36; ridge 0.29
])
def test_other_spaces(db, space: str, dataset: str, floor: float) -> None:
    from nasbench.predictors._evaluate import splits

    t = db.table(space, dataset)
    metric = t.metrics[0]
    sp = next(iter(splits(t, metric, [200], repetitions=1, seed=0, test_size=2000)))
    archs = t.archs()
    train = [archs[i] for i in sp.train_rows]
    test = [archs[i] for i in sp.test_rows]
    taus = {}
    for name in ("ridge", "gp", "wl_gp"):
        pred = create(name, t.space, seed=0).fit(train, sp.train_labels).predict(test)
        taus[name] = score(pred, sp.test_labels, t.direction(metric))["kendall_tau"]
    assert taus["gp"] >= floor and taus["wl_gp"] >= floor - 0.05
    assert taus["gp"] > taus["ridge"] + 0.05


def test_wl_gp_picks_depth_and_noise_by_marginal_likelihood(nb201_split) -> None:
    import numpy as np

    s = nb201_split
    clean = create("wl_gp", "nb201", seed=0).fit(s["train"], s["y"])
    noisy_y = s["y"] + np.random.default_rng(0).normal(0.0, 15.0, size=len(s["y"]))
    noisy = create("wl_gp", "nb201", seed=0).fit(s["train"], noisy_y)
    assert 0 <= clean.h_ <= 3 and clean.length_scale_ in clean.length_scales
    assert noisy.noise_ > 3 * clean.noise_
