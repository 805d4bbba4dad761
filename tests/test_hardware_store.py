"""Our measured hardware tables inside the store: the `hardware` view and the joined columns."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from nasbench.recipes._hardware import hardware_files

FILES = hardware_files()
pytestmark = pytest.mark.skipif(not FILES, reason="no data/hardware tables shipped")


def test_hardware_view_holds_every_shipped_row(db) -> None:
    n = sum(pq.read_metadata(f).num_rows for f in FILES)
    sql = "SELECT count(*) AS n FROM hardware WHERE method <> 'estimated'"
    assert db.sql(sql)["n"][0] == n
    methods = set(db.sql("SELECT DISTINCT method FROM hardware")["method"])
    assert methods <= {"measured", "estimated", "surrogate"}


def test_joined_columns_equal_the_measurements(db) -> None:
    t = db.table("nb201", "cifar10")
    rows = pq.read_table(FILES[0]).to_pandas()
    family = FILES[0].stem.removeprefix("nb201_")
    lat = rows[(rows.metric == "latency") & (rows.batch_size == 1) & (rows["pass"] == 1)]
    col = t.array(f"latency_{family}_b1")
    for arch, value in list(zip(lat.arch, lat.value))[:200]:
        assert col[t.row(arch)] == pytest.approx(value)
    assert np.isnan(col).sum() == len(t) - lat.arch.nunique()


def test_energy_alias_and_pareto(db) -> None:
    t = db.table("nb201", "cifar10")
    info = t.describe("energy")
    assert info["unit"] == "joules" and "measured" in info["description"]
    assert info["name"] == t.aliases["energy"]
    front = t.pareto({"val_acc": "max", "energy": "min"})
    energy = t.array("energy")
    acc = t.array("val_acc")
    assert len(front) >= 1
    assert not front["energy"].isna().any()
    ok = ~np.isnan(energy)
    # the most accurate measured cell is on the front
    assert front["val_acc"].max() == pytest.approx(acc[ok].max())
    sql = db.sql(f"SELECT count({t.aliases['energy']}) AS n FROM nb201_cifar10")["n"][0]
    assert sql == ok.sum()


def test_estimated_energy_is_stored_apart_from_measurements(db) -> None:
    t = db.table("nb201", "cifar10")
    est = t.array("energy_analytic_45nm_b1_estimated")
    assert not np.isnan(est).any() and (est > 0).all()
    assert "estimated" in t.describe("energy_analytic_45nm_b1_estimated")["description"]
    assert all("estimated" not in target for target in t.aliases.values())
    n = db.sql("SELECT count(*) AS n FROM hardware WHERE method = 'estimated'")["n"][0]
    assert n == 2 * 15625
    # more conv work, more estimated energy: all-3x3 vs all-skip cell
    name = "energy_analytic_45nm_b1_estimated"
    assert t.query("333333", name)[name] > t.query("111111", name)[name]


def test_demo_prints_the_measured_energy_front(db, capsys) -> None:
    from nasbench._demo import run_demo

    run_demo(db)
    out = capsys.readouterr().out
    t = db.table("nb201", "cifar10")
    n = int((~np.isnan(t.array("energy"))).sum())
    assert n >= 2000  # 1,025 measured H100 classes, propagated to their members
    assert f"Measured energy ({t.aliases['energy']}, {n:,} cells)" in out
