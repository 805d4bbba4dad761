"""Known answers for the random baselines on real tables."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench import harness
from nasbench.harness._baseline import (
    expected_best_of_k,
    random_search_distribution,
    relative_improvement,
)


def test_ri_of_optimum_and_mean_architecture(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    base = t.random_baseline("val_acc")
    # Published anchor: best mean cifar10-valid accuracy of NB201 is 91.607 %.
    assert base["max"] == pytest.approx(91.607, abs=1e-3)
    ri_opt = relative_improvement(base["max"], base["mean"])
    assert ri_opt == pytest.approx(100 * (base["max"] - base["mean"]) / base["mean"])
    assert 9.0 < ri_opt < 10.0
    assert relative_improvement(base["mean"], base["mean"]) == 0.0
    # Lower-is-better metric: the best (smallest) loss has positive RI.
    f = db.table("fcnet", "naval_propulsion").random_baseline("val_loss")
    assert relative_improvement(f["min"], f["mean"], "min") > 0


def test_best_of_k_hand_example() -> None:
    # E[max of 2 draws from {1,2,3}] = 1/9 + 2*3/9 + 3*5/9 = 22/9.
    assert expected_best_of_k(np.array([3.0, 1.0, 2.0]), 2) == pytest.approx(22 / 9)


def test_closed_form_on_real_table(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar100")
    mean = t.array("val_acc")
    one = random_search_distribution(t, 1)
    assert one.probs.sum() == pytest.approx(1.0)
    assert one.mean == pytest.approx(mean.mean(), rel=1e-12)  # best of 1 = space mean
    clean = random_search_distribution(t, 25, noisy=False)
    assert clean.mean == pytest.approx(expected_best_of_k(mean, 25), rel=1e-12)
    noisy = random_search_distribution(t, 25)
    assert noisy.mean < clean.mean  # choosing by one noisy seed costs accuracy


def test_random_search_runs_match_closed_form(db: nasbench.Store) -> None:
    t = db.table("nb201", "imagenet16-120")
    k = 20
    df = harness.run_seeds("rs", t, k, range(3000))
    final = df[df["step"] == k]["incumbent_score"].to_numpy()
    exact = random_search_distribution(t, k)
    se = final.std() / np.sqrt(len(final))
    assert abs(final.mean() - exact.mean) < 4 * se
    assert final.std() == pytest.approx(exact.std, rel=0.1)
