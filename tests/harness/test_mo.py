"""Multi-objective scoring: hypervolume known answers and the NSGA-II style search."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.harness._index import SpaceIndex
from nasbench.harness._mo import Objectives, run_mo
from nasbench.harness._pareto_hv import crowding_distance, hypervolume, non_dominated_ranks


def test_hypervolume_known_answers() -> None:
    ref = np.zeros(2)
    assert hypervolume(np.array([[1.0, 0.5], [0.5, 1.0]]), ref) == pytest.approx(0.75)
    assert hypervolume(np.array([[1.0, 0.5], [0.5, 1.0], [0.4, 0.4]]), ref) == 0.75
    assert hypervolume(np.array([[-1.0, 2.0]]), ref) == 0.0  # not better than ref
    cube = np.array([[1.0, 1.0, 1.0], [2.0, 0.5, 0.5]])
    assert hypervolume(cube, np.zeros(3)) == pytest.approx(1.0 + 1.0 * 0.5 * 0.5)


def test_non_dominated_sort_and_crowding() -> None:
    u = np.array([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0], [1.0, 1.0], [0.5, 0.5]])
    assert non_dominated_ranks(u).tolist() == [0, 0, 0, 1, 2]
    d = crowding_distance(u[:3])
    assert np.isinf(d[0]) and np.isinf(d[1]) and d[2] == pytest.approx(2.0)


def test_true_front_has_ratio_one(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    obj = Objectives(t, {"val_acc": "max", "latency": "min"}, SpaceIndex.of(t.space))
    front = t.pareto({"val_acc": "max", "latency": "min"})
    pts = np.stack([front["val_acc"], front["latency"]], axis=1)
    assert hypervolume(obj.normalise(pts), np.zeros(2)) == pytest.approx(obj.true_hv)
    assert 0.5 < obj.true_hv <= 1.0


def test_nsga2_beats_random_search_on_hypervolume(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    res = {}
    for name in ("mo_rs", "nsga2"):
        runs = [run_mo(name, t, 120, seed=s) for s in range(6)]
        for r in runs:
            hv = r["hv_ratio"].to_numpy()
            assert np.all((hv > 0) & (hv <= 1 + 1e-12))
        res[name] = np.mean([r["hv_ratio"].iloc[-1] for r in runs])
    assert res["nsga2"] > res["mo_rs"]


def test_single_objective_optimizer_is_refused(db: nasbench.Store) -> None:
    with pytest.raises(ValueError, match="single-objective"):
        run_mo("rea", db.table("nb201", "cifar10"), 10, seed=0)
