"""The recipe conformance suite on every recipe the builder runs, and proof it catches faults."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError
from nasbench.recipes import (
    PACKAGE_RECIPES,
    PackageRecipe,
    TableData,
    TableSpec,
    default_recipes,
)
from nasbench.recipes._hardware import HardwareRecipe
from nasbench.recipes._nb201 import NB201
from nasbench.recipes._surrogate import SurrogateRecipe
from nasbench.store import MetricInfo
from nasbench.testing import check_recipe, check_table_data


@pytest.mark.parametrize("recipe", PACKAGE_RECIPES, ids=lambda r: r.name)
def test_package_recipes_conform(recipe: PackageRecipe) -> None:
    tables = check_recipe(recipe, check_sha256=True)
    assert [t.dataset for t in tables] == list(recipe.datasets)


def test_nb201_recipe_values_and_official_index() -> None:
    (t,) = check_recipe(NB201, max_tables=1)
    from nasbench.spaces import get_space

    nb = get_space("nb201")
    row = int(np.flatnonzero(t.keys == nb.key("333132"))[0])
    assert t.official_index is not None
    assert t.official_index[row] == 6111  # the best cifar10 cell's official index
    assert np.nanmean(t.values["val_acc"][row]) == pytest.approx(91.607, abs=1e-3)
    assert t.metrics["analog_acc"].split == "test"  # AnalogNAS-Bench evaluates on test
    assert t.metrics["val_acc"].split == "valid" and t.metrics["val_acc"].schedule == "200"


def test_hardware_recipe_conforms_and_only_adds_columns() -> None:
    hw = HardwareRecipe()
    assert hw.tables() == []
    check_recipe(hw, others=[NB201])
    data = NB201.load(TableSpec("nb201", "cifar10"), {})
    hw.augment(data)
    assert "energy" in data.aliases and data.metrics[data.aliases["energy"]].split == "none"


def test_surrogate_recipe_conforms(db: nasbench.Store) -> None:
    recipe = SurrogateRecipe.for_home(None)
    built = {TableSpec(e["space"], e["dataset"], e["source"]): e for e in db.catalog["tables"]}
    tables = check_recipe(recipe, built=built)
    assert all(t.source == "surrogate" for t in tables)


def test_default_recipes_order() -> None:
    names = [r.name for r in default_recipes()]
    assert names == ["nb201", "nbgraph", "fcnet", "imported", "nasbench_hardware",
                     "nasbench_proxies", "nasbench_surrogate"]


# ---- the suite catches broken recipes ---------------------------------------------------

def _tiny(**changes: object) -> TableData:
    from nasbench.spaces import get_space

    nb = get_space("nb201")
    keys = np.array(sorted(nb.key(a) for a in ("421211", "333132", "000001")), dtype=np.int64)
    info = MetricInfo("val_acc", "percent", "max", "valid", "toy", "1 epoch", "toy", True)
    data = TableData("nb201", "toy", keys, {"val_acc": np.array([[1.0], [2.0], [3.0]])},
                     {"val_acc": info})
    return dataclasses.replace(data, **changes)


class _Broken(PackageRecipe):
    def __init__(self, data: TableData) -> None:
        super().__init__("nb201", ("toy",), lambda _d: data, ())


def test_suite_accepts_the_tiny_table() -> None:
    check_recipe(_Broken(_tiny()))


@pytest.mark.parametrize(("change", "message"), [
    ({"values": {"val_acc": np.ones((3, 1)), "extra": np.ones((3, 1))}}, "not both declared"),
    ({"keys": np.array([5, 3, 9], dtype=np.int64)}, "strictly increasing"),
    ({"values": {"val_acc": np.array([[1.0], [np.inf], [3.0]])}}, "inf"),
    ({"aliases": {"energy": "nope"}}, "alias"),
    ({"official_index": np.array([1, 1, 2])}, "duplicates"),
    ({"curves": {"val_acc": np.ones((3, 2))}}, "curve"),
    ({"values": {"val_acc": np.array([[1.0], [np.nan], [3.0]])}}, "no value at all"),
])
def test_suite_rejects_broken_tables(change: dict, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_recipe(_Broken(_tiny(**change)))


def test_suite_rejects_an_augment_that_changes_columns() -> None:
    class Clobber(HardwareRecipe):
        def augment(self, data: TableData) -> None:
            data.values["val_acc"] = data.values["val_acc"] + 1.0

    with pytest.raises(AssertionError, match="changed existing column 'val_acc'"):
        check_recipe(Clobber(), others=[_Broken(_tiny())])


def test_metric_semantics_are_validated() -> None:
    with pytest.raises(NasbenchError, match="split"):
        MetricInfo("x", "percent", "max", "validation", "", "", "toy", True)
    check_table_data(_tiny())


def test_user_trained_surrogates_are_served_from_the_home(tmp_path) -> None:
    from nasbench.predictors._surrogates import build_surrogates
    from nasbench.recipes._nbgraph import NBGRAPH
    from nasbench.store import build

    def recipes(home):
        return [NBGRAPH, SurrogateRecipe.for_home(home)]

    build(tmp_path, recipes=recipes(tmp_path), progress=lambda _l: None)
    db = nasbench.open(tmp_path, build=False)
    folder = build_surrogates(db, "nbgraph", "proteins", "val_acc", predictor="ridge", seed=0)
    assert folder == tmp_path / "surrogates" / "nbgraph__proteins"
    build(tmp_path, recipes=recipes(tmp_path), progress=lambda _l: None)
    t = nasbench.open(tmp_path, build=False).table("nbgraph", "proteins", source="surrogate")
    assert len(t) == 2021 and 0 < t.array("val_acc").mean() < 100
