"""Store lifecycle: builds in use survive rebuilds, schema migration, schedules and curves."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.errors import UnknownMetricError
from nasbench.recipes import PackageRecipe, TableData
from nasbench.recipes._nb201 import NB201
from nasbench.store import MetricInfo, build

_FORCE_NB201 = ("import sys; from nasbench.store import build; from nasbench.recipes import "
                "PACKAGE_RECIPES as R; build(sys.argv[1], force=True, recipes=[R[0]], "
                "progress=lambda _l: None)")
BEST = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
        "|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")  # official index 6111


@pytest.fixture()
def small_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    build(home, recipes=[NB201], progress=lambda _l: None)
    return home


def test_open_store_survives_two_forced_rebuilds_in_other_processes(small_home: Path) -> None:
    db = nasbench.open(small_home, build=False)
    t = db.table("nb201", "cifar10")
    want = t.query(BEST, "val_acc")["val_acc"]
    used = db.path
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _FORCE_NB201, str(small_home)], check=True)
    assert (small_home / "CURRENT").read_text() != used.name  # others moved on ...
    assert used.is_dir()  # ... but the build this store reads was not collected
    assert db.sql("SELECT max(val_acc) AS m FROM nb201_cifar10")["m"][0] == pytest.approx(91.607,
                                                                                          abs=1e-3)
    assert t.query(BEST, "val_acc")["val_acc"] == want
    builds = sorted(p.name for p in (small_home / "builds").iterdir())
    assert len(builds) == 3  # the one in use, the current and the previous
    db.close()
    del db, t
    gc.collect()
    subprocess.run([sys.executable, "-c", _FORCE_NB201, str(small_home)], check=True)
    assert not used.exists()  # unreferenced now: collected
    assert len(list((small_home / "builds").iterdir())) == 2


def test_a_dead_process_does_not_pin_a_build(small_home: Path) -> None:
    code = ("import os, nasbench; db = nasbench.open(os.sys.argv[1], build=False); "
            "print(db.path.name)")
    out = subprocess.run([sys.executable, "-c", code, str(small_home)], check=True,
                         capture_output=True, text=True).stdout.strip()
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _FORCE_NB201, str(small_home)], check=True)
    assert not (small_home / "builds" / out).exists()
    assert not list((small_home / "refs").glob(f"{out}.*"))


def test_older_schema_is_rebuilt_with_one_notice(small_home: Path, monkeypatch, capsys) -> None:
    db = nasbench.open(small_home, build=False)
    catalog = db.path / "catalog.json"
    old = json.loads(catalog.read_text())
    old["schema_version"] = 2
    catalog.write_text(json.dumps(old))
    db.close()
    del db
    gc.collect()
    with pytest.raises(nasbench.StoreError, match="schema version 2"):
        nasbench.open(small_home, build=False)
    monkeypatch.setattr("nasbench.store._build.default_recipes", lambda _home: [NB201])
    db = nasbench.open(small_home)
    notice = capsys.readouterr().err
    assert "schema version 2" in notice and "Rebuilding" in notice
    assert db.catalog["schema_version"] == nasbench.store.SCHEMA_VERSION
    assert db.table("nb201", "cifar10").query(BEST, "val_acc")["val_acc"] == pytest.approx(
        91.607, abs=1e-3)


def test_force_rebuilds_a_current_store(small_home: Path) -> None:
    before = (small_home / "CURRENT").read_text()
    lines: list[str] = []
    build(small_home, recipes=[NB201], progress=lines.append)
    assert (small_home / "CURRENT").read_text() == before and "up to date" in lines[-1]
    build(small_home, recipes=[NB201], force=True, progress=lines.append)
    assert (small_home / "CURRENT").read_text() != before and lines[-1].startswith("built")


class _Curves(PackageRecipe):
    """A tiny recipe with two schedules, curves and an official index."""

    def __init__(self) -> None:
        super().__init__("nb201", ("toy",), self._make, ())

    @staticmethod
    def _make(_dataset: str) -> TableData:
        from nasbench.spaces import get_space

        nb = get_space("nb201")
        keys = np.array(sorted(nb.key(a) for a in ("421211", "333132")), dtype=np.int64)
        curve = np.arange(2 * 2 * 12, dtype=float).reshape(2, 2, 12)

        def info(name: str, split: str, sched: str) -> MetricInfo:
            return MetricInfo(name, "percent", "max", split, "toy", f"{sched} epochs", "toy",
                              True, schedule=sched)

        values = {"val_acc": curve[:, :, -1] + 100, "val_acc@12": curve[:, :, -1],
                  "test_acc@12": curve[:, :, -1] - 1}
        metrics = {"val_acc": info("val_acc", "valid", "200"),
                   "val_acc@12": info("val_acc@12", "valid", "12"),
                   "test_acc@12": info("test_acc@12", "test", "12")}
        return TableData("nb201", "toy", keys, values, metrics, curves={"val_acc@12": curve},
                         official_index=np.array([7, 3]), lacks={"train_acc": "toy lacks it"})


def test_schedules_curves_and_official_index(tmp_path: Path) -> None:
    from nasbench.testing import check_recipe

    recipe = _Curves()
    check_recipe(recipe)
    build(tmp_path, recipes=[recipe], progress=lambda _l: None)
    t = nasbench.open(tmp_path, build=False).table("nb201", "toy")
    assert t.schedules == {"200": ["val_acc"], "12": ["val_acc@12", "test_acc@12"]}
    assert t.curve_metrics == ["val_acc@12"]
    row = t.row("421211")
    np.testing.assert_array_equal(t.curve("421211", "val_acc@12", seed=1),
                                  np.arange(12, 24) + 24 * row)
    assert t.curve("421211", "val_acc@12").shape == (12,)
    assert t.official_index is not None and sorted(t.official_index.tolist()) == [3, 7]
    with pytest.raises(UnknownMetricError, match="no per-epoch curve of 'val_acc'"):
        t.curve("421211", "val_acc")
    assert t.query("421211", "val_acc@12", seed=1, epoch=3) == {"val_acc@12": 15.0 + 24 * row}
    with pytest.raises(ValueError, match="epochs 0..11"):
        t.query("421211", "val_acc@12", epoch=12)
    with pytest.raises(ValueError, match="'epoch' parameter"):
        t.query("421211", "val_acc@12", epoch=True)
    with pytest.raises(UnknownMetricError, match="toy lacks it"):
        t.query("421211", "train_acc")
    db = nasbench.open(tmp_path, build=False)
    df = db.sql("SELECT official_index, val_acc FROM nb201_toy ORDER BY official_index")
    assert df.official_index.tolist() == [3, 7]
    sched = db.sql("SELECT metric, split, schedule FROM catalog_metrics ORDER BY metric")
    assert sched.values.tolist() == [["test_acc@12", "test", "12"], ["val_acc", "valid", "200"],
                                     ["val_acc@12", "valid", "12"]]


def test_missing_metrics_say_what_the_source_lacks(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    with pytest.raises(UnknownMetricError, match="nasbench import nats-tss") as info:
        t.query("421211", "test_acc")
    assert "Did you mean" not in str(info.value)
    with pytest.raises(UnknownMetricError) as info:
        t.query("421211", "train_acc")
    assert "Did you mean" not in str(info.value) and len(str(info.value)) < 300
    with pytest.raises(UnknownMetricError, match="Did you mean 'val_acc'"):
        t.query("421211", "val_accc")
    with pytest.raises(UnknownMetricError, match="per-epoch curve .*nats-tss"):
        t.query("421211", "val_acc", epoch=12)  # was a raw TypeError
