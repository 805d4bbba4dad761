"""No silent wrong numbers: each test here failed on the harness before the fix and asserts
the right number (split-based guard, the guard's reach, median baselines, multi-objective
runs on a partial column, the official NB201 index)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nasbench
from nasbench import harness
from nasbench.harness import Optimizer, TestDataLeakError, _cli
from nasbench.harness._baseline import relative_improvement, score_baseline
from nasbench.harness._runner import GridSpec, run_grid

# ---- 1. the guard decides by the catalog's split ----------------------------------------


def test_analog_columns_are_refused_as_search_signal(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    assert t.describe("analog_acc")["split"] == "test"  # IBM evaluates on CIFAR-10 test
    for metric in ("analog_acc", "analog_baseline_drift_1d_acc", "analog_analog_drift_1h_std"):
        with pytest.raises(TestDataLeakError, match=f"{metric}.*test split"):
            harness.run("rs", t, 5, seed=0, metric=metric)
    with pytest.raises(TestDataLeakError, match="allow_test_metric=True"):
        harness.run_seeds("rea", t, 5, [0, 1], metric="analog_acc")
    with pytest.raises(TestDataLeakError, match="objective 'analog_acc'"):
        harness.run_mo("mo_rs", t, 5, seed=0,
                       objectives={"analog_acc": "max", "latency": "min"})
    cora = db.table("nbgraph", "cora")
    assert cora.describe("test_acc")["split"] == "test"
    with pytest.raises(TestDataLeakError, match="test_acc"):
        harness.run("rs", cora, 5, seed=0, metric="test_acc")
    # validation and cost metrics are still searchable
    assert (harness.run("rs", t, 5, seed=0, metric="latency")["metric_split"] == "none").all()
    assert (harness.run("rs", t, 5, seed=0)["metric_split"] == "valid").all()


def test_test_metric_opt_in_is_recorded_and_reported(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    df = harness.run("rea", t, 40, seed=0, metric="analog_acc", allow_test_metric=True)
    assert (df["metric_split"] == "test").all() and df.attrs["allow_test_metric"] is True
    last = df.iloc[-1]
    assert last["incumbent_score"] == pytest.approx(t.query(last["incumbent"],
                                                            "analog_acc")["analog_acc"])
    md, html = harness.build_report(df, db)
    assert "Searched on test data" in md and "analog_acc on nb201/cifar10" in md
    assert "allow_test_metric=True" in html
    honest_md, _ = harness.build_report(harness.run("rea", t, 40, seed=0), db)
    assert "Searched on test data" not in honest_md
    mo = harness.run_mo("mo_rs", t, 30, seed=0, allow_test_metric=True,
                        objectives={"analog_acc": "max", "latency": "min"})
    assert set(mo["test_objectives"]) == {"analog_acc"}
    mo_md, _ = harness.build_report(df, db, mo=mo)
    assert "TEST-split objectives were searched on (analog_acc on nb201/cifar10)" in mo_md


def test_grid_and_compare_need_the_opt_in(store_home: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    spec = GridSpec(["rs"], ["nb201/cifar10"], [0, 1], 10, metric="analog_acc")
    with pytest.raises(TestDataLeakError, match="analog_acc"):
        run_grid(spec, tmp_path / "refused", executor="serial", home=str(store_home),
                 progress=lambda *a: None)
    assert not (tmp_path / "refused").exists()  # refused before anything was written

    parser = argparse.ArgumentParser()
    _cli.add_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "cmp"
    args = parser.parse_args(["compare", "--optimizers", "rs,rea", "--tables",
                              "nb201/cifar10", "--seeds", "3", "--budget", "20", "--jobs", "1",
                              "--out", str(out), "--metric", "analog_acc",
                              "--allow-test-metric", "--home", str(store_home)])
    _cli.run(args)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["metric"] == "analog_acc" and cfg["allow_test_metric"] is True
    assert (harness.load_results(out)["metric_split"] == "test").all()
    assert "Searched on test data" in (out / "report.md").read_text()
    capsys.readouterr()


# ---- 2. the guard's reach ---------------------------------------------------------------


class _Oracle(Optimizer):
    """Asks for the best arch of a value array it was handed: regret 0 at once."""

    name = "array_oracle"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 values: Any = None, order: Any = None) -> None:
        super().__init__(space, seed=seed, direction=direction)
        self.values = values
        self.order = order  # archs aligned with values (when not in table row order)

    def ask(self) -> Any:
        v = np.asarray(self.values if not isinstance(self.values, dict) else
                       list(self.values.values()), dtype=np.float64)
        best = int(np.nanargmax(v if v.ndim == 1 else v[:, 0]))
        return self.order[best]

    def tell(self, arch: Any, value: Any) -> None:
        pass


@pytest.mark.parametrize("how", ["copy", "view", "permuted", "float32", "list", "dict",
                                 "series", "seed_matrix"])
def test_guard_catches_a_held_column(db: nasbench.Store, how: str) -> None:
    t = db.table("nb201", "cifar10")
    archs = t.archs()
    v = t.array("val_acc")
    held: Any = {"copy": v.copy(), "view": v, "float32": v.astype(np.float32),
                 "list": v.tolist(), "series": pd.Series(v.copy()),
                 "dict": dict(zip(t.arch_strings().tolist(), v.tolist())),
                 "seed_matrix": t.seed_array("val_acc")[:, :2].copy()}.get(how)
    order = archs
    if how == "permuted":
        perm = np.random.default_rng(0).permutation(len(v))
        held, order = v[perm].copy(), [archs[i] for i in perm]
    if how not in ("dict", "seed_matrix"):  # without the guard: regret 0 at once
        best = order[int(np.nanargmax(np.asarray(held, np.float64)))]
        assert t.query(best, "val_acc")["val_acc"] == t.random_baseline("val_acc")["max"]
    with pytest.raises(TestDataLeakError, match="holds a (copy of column|view of table)"):
        harness.run(_Oracle, t, 5, seed=0, values=held, order=order)


class _Opener(Optimizer):
    """Opens the store inside ``ask`` (or reads a table it reaches through a global)."""

    name = "opener"
    table: Any = None

    def ask(self) -> Any:
        if _Opener.table is not None:
            t = _Opener.table
        else:
            t = nasbench.open(build=False).table("nb201", "cifar10")
        return t.archs()[int(np.nanargmax(t.array("val_acc")))]

    def tell(self, arch: Any, value: Any) -> None:
        pass


def test_store_and_table_reads_inside_ask_are_refused(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    _Opener.table = None
    with pytest.raises(TestDataLeakError, match=r"opener on nb201/cifar10: ask.*nasbench.open"):
        harness.run(_Opener, t, 5, seed=0)
    _Opener.table = t  # a table the class reaches (not an attribute: the scan cannot see it)
    try:
        with pytest.raises(TestDataLeakError, match="ask: the optimizer called Table"):
            harness.run(_Opener, t, 5, seed=0)
        with pytest.raises(TestDataLeakError):
            harness.run(_Opener, t, 5, seed=0, n_workers=3)
    finally:
        _Opener.table = None
    # outside a run, reads work again (the guard is scoped to ask / tell)
    assert t.query(t.archs()[0], "val_acc")["val_acc"] > 0
    assert len(db.sql("SELECT 1 AS x")) == 1


class _SqlPeeker(Optimizer):
    name = "sql_peeker"
    db: Any = None

    def __init__(self, space: Any, **kw: Any) -> None:
        super().__init__(space, **kw)
        self.best = _SqlPeeker.db.sql("SELECT max(val_acc) AS m FROM nb201_cifar10")

    def ask(self) -> Any:
        return self.space.sample(1, seed=0)[0]

    def tell(self, arch: Any, value: Any) -> None:
        pass


def test_store_reads_while_the_optimizer_is_built_are_refused(db: nasbench.Store) -> None:
    _SqlPeeker.db = db
    try:
        with pytest.raises(TestDataLeakError, match="building sql_peeker.*Store.sql"):
            harness.run(_SqlPeeker, db.table("nb201", "cifar10"), 5, seed=0)
    finally:
        _SqlPeeker.db = None


def test_builtins_are_not_flagged(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    for name in ("rs", "rea", "ls", "de"):
        assert len(harness.run(name, t, 30, seed=1)) == 30
    assert len(harness.run("bo_wl", t, 20, seed=1)) == 20


# ---- 3. scores against the baseline the metric declares ---------------------------------


def test_fcnet_scores_use_the_median_baseline(db: nasbench.Store) -> None:
    f = db.table("fcnet", "slice_localization")
    rb = f.random_baseline("val_loss")
    assert rb["mean"] > 4000 and rb["median"] == pytest.approx(0.0325, abs=1e-4)
    assert score_baseline(f) == {"statistic": "median", "value": rb["median"],
                                 "metric": "val_loss"}
    v = f.array("val_loss")
    median_arch = f.archs()[int(np.argmin(np.abs(v - rb["median"])))]
    # A run whose incumbent is the median configuration: RI ~0 %, normalised regret ~1.
    df = harness.run(_Oracle, f, 3, seed=0, values=-np.abs(v - rb["median"]) + 1e-3,
                     order=f.archs())
    assert df["incumbent"].iloc[-1] == f.space.to_string(median_arch)
    fin = harness.final_scores(df)
    assert fin["baseline"].iloc[0] == "median"
    assert fin["ri"].iloc[0] == pytest.approx(0.0, abs=0.01)  # was 100.00 % against the mean
    assert fin["normalized_regret"].iloc[0] == pytest.approx(1.0, abs=1e-3)  # was 0.00001
    # RI of the optimum against the median
    best = rb["min"]
    assert relative_improvement(best, rb["median"], "min") == pytest.approx(
        100 * (rb["median"] - best) / rb["median"])
    run = harness.run("rea", f, 100, seed=0)
    r = harness.final_scores(run)["ri"].iloc[0]
    assert r == pytest.approx(100 * (rb["median"] - run["incumbent_score"].iloc[-1])
                              / rb["median"])
    md, _ = harness.build_report(run, db)
    assert "Baseline: the median architecture of the table (val_loss = 0.0325" in md
    assert "RI % vs median" in md and "norm. regret vs median" in md
    assert "AUC (median of seeds)" in md
    many = harness.run_seeds("rs", f, 40, range(30))
    an = harness.analyse(many)
    assert an.summary["auc"].iloc[0] == pytest.approx(np.median(an.finals["auc"]))


def test_nb201_keeps_the_mean_baseline(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    rb = t.random_baseline("val_acc")
    df = harness.run("rea", t, 50, seed=0)
    fin = harness.final_scores(df)
    assert fin["baseline"].iloc[0] == "mean" and df.attrs["baseline"] == "mean"
    score = df["incumbent_score"].iloc[-1]
    assert fin["ri"].iloc[0] == pytest.approx(100 * (score - rb["mean"]) / rb["mean"])
    assert df["normalized_regret"].iloc[-1] == pytest.approx(
        (rb["max"] - score) / (rb["max"] - rb["mean"]))
    assert "Baseline: the mean architecture" in harness.build_report(df, db)[0]


# ---- 4. multi-objective runs on a partial column ----------------------------------------


def test_mo_on_measured_energy_runs_on_complete_cells(db: nasbench.Store, tmp_path: Path
                                                      ) -> None:
    t = db.table("nb201", "cifar10")
    col = t.aliases["energy"]
    n_cells = int((~np.isnan(t.array("energy"))).sum())
    assert n_cells == 2057
    runs = [harness.run_mo(o, t, 100, seed=s, objectives={"val_acc": "max", "energy": "min"})
            for o in ("mo_rs", "nsga2") for s in range(2)]
    mo = pd.concat(runs, ignore_index=True)
    assert f"obs_{col}" in mo and "obs_energy" not in mo
    assert not mo[[f"obs_{col}", "obs_val_acc"]].isna().any().any()  # was 84 NaN of 100
    assert mo.groupby(["optimizer", "seed"])["front_size"].last().max() < 40  # was 90
    assert (mo["n_cells"] == 2057).all() and (mo["n_table_cells"] == 15625).all()
    assert runs[0].attrs["cells"] == "run on 2,057 of 15,625 cells that have every objective"
    assert runs[0].attrs["aliases"] == {"val_acc": "val_acc", "energy": col}
    assert set(mo["arch"]) <= set(t.arch_strings()[~np.isnan(t.array("energy"))])
    assert ((mo["hv_ratio"] > 0) & (mo["hv_ratio"] <= 1 + 1e-12)).all()
    # the front found is expressed in the same column names as query_many and pareto
    front = harness.observed_front(runs[0], t)
    assert list(front.columns) == ["arch", "val_acc", col]
    true = t.pareto({"val_acc": "max", "energy": "min"})
    assert true.attrs["columns"]["energy"] == col and true.attrs["n_complete"] == 2057
    df = harness.run_seeds("rs", t, 30, range(3))
    md_path, html_path = harness.write_report(df, tmp_path, db, mo=mo)  # was KeyError
    md = md_path.read_text()
    assert "nb201/cifar10: run on 2,057 of 15,625 cells that have every objective" in md
    assert f"Objectives val_acc max, {col} min" in md
    assert "latency" not in md.split("## Multi-objective")[1]
    assert html_path.read_text().count("Pareto fronts") == 1


def test_mo_on_a_partial_column_can_be_refused(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    with pytest.raises(ValueError, match="2,057 of its 15,625 cells.*partial='restrict'"):
        harness.run_mo("mo_rs", t, 10, seed=0, partial="refuse",
                       objectives={"val_acc": "max", "energy": "min"})
    full = harness.run_mo("mo_rs", t, 10, seed=0, partial="refuse")  # latency: every cell
    assert full.attrs["cells"] == "run on all 15,625 cells"


# ---- 5. the official NB201 index ---------------------------------------------------------


def test_trajectories_carry_the_official_nb201_index(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar100")
    df = harness.run("rea", t, 30, seed=0)
    official = t.official_index
    assert official is not None
    want = official[t.rows(list(df["incumbent"]))]
    np.testing.assert_array_equal(df["incumbent_official_index"].to_numpy(), want)
    # NB201's own index 0 (a published anchor of the NAS-Bench-201 API)
    zero = t.arch_strings()[int(np.flatnonzero(official == 0)[0])]
    assert zero == ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|"
                    "skip_connect~1|skip_connect~2|")
    assert "incumbent_official_index" not in harness.run("rs", db.table("nbgraph", "cora"), 5,
                                                         seed=0)


def test_grid_refuses_mixing_mean_and_median_scored_cells(store_home: Path, tmp_path: Path
                                                          ) -> None:
    import pyarrow.parquet as pq

    from nasbench.errors import NasbenchError

    spec = GridSpec(["rea"], ["fcnet/slice_localization"], [0, 1], 20)
    run_grid(spec, tmp_path, executor="serial", home=str(store_home), progress=lambda *a: None)
    assert set(harness.load_results(tmp_path)["baseline"]) == {"median"}
    # a cell written before trajectories named their baseline (normalised by the mean)
    spec2 = GridSpec(["rea"], ["fcnet/slice_localization"], [0, 1, 2], 20)
    run_grid(spec2, tmp_path, executor="serial", home=str(store_home),
             progress=lambda *a: None)
    old = next(f for f in (tmp_path / "runs").rglob("s000002-*.parquet"))
    pq.write_table(pq.read_table(old).drop(["baseline"]), old)
    with pytest.raises(NasbenchError, match="different baselines"):
        harness.load_results(tmp_path)
