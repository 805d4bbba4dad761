"""The honest protocol: one random validation seed per evaluation, no test data to optimizers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nasbench
from nasbench import harness
from nasbench.harness import Optimizer, TestDataLeakError


def test_observations_are_single_seed_validation_values(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    df = harness.run("rs", t, 300, seed=0)
    per_seed = t.seed_array("val_acc")[t.rows(list(df["arch"]))]
    chosen = per_seed[np.arange(len(df)), df["eval_seed"].to_numpy()]
    np.testing.assert_array_equal(chosen, df["observed"].to_numpy())
    assert df["eval_seed"].nunique() >= 2  # several training seeds were drawn
    means = t.array("val_acc")[t.rows(list(df["arch"]))]
    assert np.mean(df["observed"].to_numpy() != means) > 0.9  # never the seed mean


def test_incumbent_scored_by_mean_and_test(db: nasbench.Store) -> None:
    t = db.table("nbgraph", "cora")
    df = harness.run("rea", t, 60, seed=1)
    last = df.iloc[-1]
    q = t.query(last["incumbent"], ["val_acc", "test_acc"])
    assert last["incumbent_score"] == pytest.approx(q["val_acc"])
    assert last["incumbent_test"] == pytest.approx(q["test_acc"])
    assert last["incumbent_observed"] == df["observed"].max()


def test_minimisation_metric(db: nasbench.Store) -> None:
    t = db.table("fcnet", "protein_structure")
    df = harness.run("ls", t, 80, seed=2)
    assert df.attrs["metric"] == "val_loss" and df.attrs["direction"] == "min"
    assert np.all(np.diff(df["incumbent_observed"].to_numpy()) <= 0)
    assert df["incumbent_observed"].iloc[-1] == df["observed"].min()
    assert (df["regret"] >= 0).all()


def test_test_metric_is_refused(db: nasbench.Store) -> None:
    with pytest.raises(TestDataLeakError, match="test_acc"):
        harness.run("rs", db.table("nbgraph", "cora"), 10, seed=0, metric="test_acc")


class _Peeker(Optimizer):
    """Holds a table: the guard must stop it before the first ask."""

    name = "peeker"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 bench: Any = None) -> None:
        super().__init__(space, seed=seed, direction=direction)
        self.helpers = {"bench": bench}

    def ask(self) -> Any:
        return self.space.sample(1, seed=int(self.rng.integers(1 << 30)))[0]

    def tell(self, arch: Any, value: Any) -> None:
        pass


class _LatePeeker(_Peeker):
    """Grabs the store in the middle of the run."""

    name = "late_peeker"

    def tell(self, arch: Any, value: Any) -> None:
        self.later = [nasbench.open(build=False)]


def test_guard_stops_optimizers_holding_a_table(db: nasbench.Store) -> None:
    t = db.table("nbgraph", "cora")
    with pytest.raises(TestDataLeakError, match="Table"):
        harness.run(_Peeker, t, 5, seed=0, bench=t)
    with pytest.raises(TestDataLeakError, match="Store"):
        harness.run(_LatePeeker, t, 5, seed=0)


def test_requery_costs_an_evaluation(db: nasbench.Store) -> None:
    t = db.table("nbgraph", "proteins")  # 2,021 archs, restricted op set
    df = harness.run("rs", t, 400, seed=3)
    assert len(df) == 400
    assert df["n_distinct"].iloc[-1] < 400  # repeats were drawn and each one was charged
    assert set(df["arch"]) <= set(t.arch_strings())
