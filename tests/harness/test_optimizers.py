"""Every registered optimizer passes the conformance suite on real tables."""

from __future__ import annotations

import pytest

import nasbench
from nasbench import harness
from nasbench.harness.conformance import check_optimizer

FAST = ["rs", "rea", "ls", "de"]
MODEL = {"bo_wl": {"n_init": 5, "batch": 5}, "bo_zc": {"n_init": 5, "batch": 5},
         "bananas": {"n_init": 5, "batch": 5},
         "np": {"n_train": 10}}


def test_registry_lists_the_builtins() -> None:
    assert {"rs", "rea", "ls", "de", "bo_wl", "bo_zc", "np", "bananas", "mo_rs",
            "nsga2"} <= set(
        harness.OPTIMIZERS)
    with pytest.raises(harness.UnknownOptimizerError, match="Did you mean 'rea'"):
        harness.run("raa", "nb201/cifar10", 5)


@pytest.mark.parametrize("name", FAST)
@pytest.mark.parametrize("table", [("nb201", "cifar10"), ("nbgraph", "proteins"),
                                   ("fcnet", "naval_propulsion")])
def test_vectorised_conformance(db: nasbench.Store, name: str, table: tuple[str, str]) -> None:
    check_optimizer(name, db.table(*table), budget=40)


@pytest.mark.parametrize("name", sorted(MODEL))
def test_model_based_conformance(db: nasbench.Store, name: str) -> None:
    check_optimizer(name, db.table("nb201", "cifar100"), budget=16, **MODEL[name])


def test_model_based_on_other_spaces(db: nasbench.Store) -> None:
    for table in (("nbgraph", "proteins"), ("fcnet", "slice_localization")):
        df = harness.run("bananas", db.table(*table), 14, seed=0, n_init=5, batch=5)
        assert df["n_distinct"].iloc[-1] == 14  # model-based search never re-evaluates


def test_bo_zc_confirms_its_leader_and_uses_proxies_only_on_nb201(db: nasbench.Store) -> None:
    from nasbench.harness.optimizers import BOZC

    t = db.table("nb201", "cifar10")
    assert BOZC(t.space, seed=0).model_params["features"] == "zc"
    df = harness.run("bo_zc", t, 40, seed=0)
    assert df["n_distinct"].iloc[-1] < 40  # leaders re-evaluated (confirm=2)
    obs = df.groupby("arch").size()
    assert obs.max() == 2  # never more than the 2 observations it confirms with
    other = db.table("nbgraph", "proteins")
    assert BOZC(other.space, seed=0).model_params["features"] == "arch"
    df = harness.run("bo_zc", other, 30, seed=0, n_init=5)
    assert len(df) == 30 and df["incumbent_score"].notna().all()


def test_rea_defaults_and_bad_parameters(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    opt = harness.OPTIMIZERS["rea"](t.space, seed=0)
    assert opt._batch.population == 10 and opt._batch.tournament == 3
    with pytest.raises(ValueError, match="population"):
        harness.run("rea", t, 10, seed=0, population=0)
    with pytest.raises(TypeError, match="unknown parameters"):
        harness.run("rs", t, 10, seed=0, populaton=3)


def test_search_beats_random_search(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar100")
    finals = {}
    for name in FAST:
        df = harness.run_seeds(name, t, 150, range(30))
        finals[name] = df[df["step"] == 150]["incumbent_score"].mean()
    for name in ("rea", "ls", "de"):
        assert finals[name] > finals["rs"] + 0.3, finals
