"""Columns count their seeds separately: an imported column may hold more seeds than the
first column of its table (NATS test accuracy beside a one-seed validation column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError
from nasbench.recipes import PackageRecipe, TableData
from nasbench.store import MetricInfo
from nasbench.store._build import build

NAN = np.nan
ARCHS = ("000001", "333132", "421211")


def _data(_d: object) -> TableData:
    from nasbench.spaces import get_space

    nb = get_space("nb201")
    keys = np.array(sorted(nb.key(a) for a in ARCHS), dtype=np.int64)
    val = MetricInfo("val_acc", "percent", "max", "valid", "toy", "1 epoch", "toy", True)
    test = MetricInfo("test_acc", "percent", "max", "test", "toy", "1 epoch", "toy", True)
    return TableData(
        "nb201", "toy", keys,
        # val_acc: one seed per arch; test_acc: three seeds (two for the last arch)
        {"val_acc": np.array([[1.0, NAN, NAN], [2.0, NAN, NAN], [3.0, NAN, NAN]]),
         "test_acc": np.array([[10.0, 11.0, 12.0], [20.0, 21.0, 22.0], [30.0, 31.0, NAN]])},
        {"val_acc": val, "test_acc": test})


class _Toy(PackageRecipe):
    def __init__(self) -> None:
        super().__init__("nb201", ("toy",), _data, ())


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> nasbench.Table:
    home = Path(tmp_path_factory.mktemp("seedcols"))
    build(home, recipes=[_Toy()], progress=lambda _l: None)
    return nasbench.open(home, build=False).table("nb201", "toy")


def _key_order(t: nasbench.Table) -> list[str]:
    from nasbench.spaces import get_space

    nb = get_space("nb201")
    return [nb.to_string(nb.parse(a)) for a in sorted(ARCHS, key=nb.key)]


def test_a_seed_only_a_later_column_holds_is_reachable(table: nasbench.Table) -> None:
    a0, _a1, a2 = _key_order(table)
    assert table.query(a0, "test_acc", seed=2) == {"test_acc": 12.0}
    assert table.query(a0, ["test_acc"], seed=1) == {"test_acc": 11.0}
    df = table.query_many([a0, a0], ["test_acc"], seed=2)
    assert df["test_acc"].tolist() == [12.0, 12.0]
    # all columns asked: the seed exists in one of them; val_acc reads NaN there
    out = table.query(a0, seed=1)
    assert out["test_acc"] == 11.0 and np.isnan(out["val_acc"])
    with pytest.raises(NasbenchError, match=r"seeds 0\.\.1 of 'test_acc' only"):
        table.query(a2, "test_acc", seed=2)
    with pytest.raises(NasbenchError, match=r"seeds 0\.\.0 of 'val_acc' only"):
        table.query(a0, ["val_acc", "test_acc"], seed=1)
    with pytest.raises(NasbenchError, match="Seed 2 is missing for 1 of"):
        table.query_many([a0, a2], ["test_acc"], seed=2)


def test_sample_draws_one_run_every_asked_column_holds(table: nasbench.Table) -> None:
    a0, _a1, a2 = _key_order(table)
    draws = {table.query(a0, "test_acc", seed="sample", rng=r)["test_acc"] for r in range(60)}
    assert draws == {10.0, 11.0, 12.0}
    both = {tuple(table.query(a0, ["val_acc", "test_acc"], seed="sample", rng=r).values())
            for r in range(20)}
    assert both == {(1.0, 10.0)}  # val_acc has one run: the draw is that run
    df = table.query_many([a2] * 200, ["test_acc"], seed="sample", rng=0)
    assert set(df["test_acc"]) == {30.0, 31.0} and set(df["seed"]) == {0, 1}
