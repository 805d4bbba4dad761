"""protocol='nats': NATS-Bench's search protocol on an imported table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.harness._nats_protocol import ProtocolError, nats_view, run_nats
from nasbench.importers import IMPORTERS, Importer, ImportWriter, import_benchmark, register
from nasbench.recipes import TableData
from nasbench.store import MetricInfo
from tests.importers.conftest import nb201_only


class _Toy12(Importer):
    """Every NB201 cell with 12-epoch columns (random), as a NATS import would give them."""

    name = "toy-nats12"
    description = "toy 12-epoch columns for the protocol test"
    citation = "nobody"
    licence = "CC0"

    def convert(self, path: Path, writer: ImportWriter, progress) -> None:
        from nasbench.spaces import get_space

        seed = json.loads(path.read_text())["seed"]
        rng = np.random.default_rng(seed)
        keys = np.arange(15625, dtype=np.int64)
        n = len(keys)

        def info(name: str, unit: str, direction: str, split: str, sched: str) -> MetricInfo:
            return MetricInfo(name, unit, direction, split, "toy", f"{sched} epochs", "toy",
                              True, schedule=sched)

        vals = {"val_acc@12": rng.uniform(10, 80, (n, 2)),
                "train_time@12": rng.uniform(100, 300, (n, 2)),
                "val_time@12": rng.uniform(5, 10, (n, 2)),
                "test_acc": rng.uniform(10, 95, (n, 2))}
        metrics = {"val_acc@12": info("val_acc@12", "percent", "max", "valid", "12"),
                   "train_time@12": info("train_time@12", "seconds", "min", "train", "12"),
                   "val_time@12": info("val_time@12", "seconds", "min", "valid", "12"),
                   "test_acc": info("test_acc", "percent", "max", "test", "200")}
        assert len(get_space("nb201").enumerate()) == n
        writer.add_table(TableData("nb201", "cifar10", keys, vals, metrics, [("toy", "c")]))


@pytest.fixture()
def toy_home(tmp_path, monkeypatch):
    nb201_only(monkeypatch)
    imp = register(_Toy12())
    (tmp_path / "toy.json").write_text(json.dumps({"seed": 3}))
    import_benchmark(imp.name, tmp_path / "toy.json", tmp_path / "h", progress=lambda s: None)
    yield nasbench.open(tmp_path / "h", build=False)
    IMPORTERS.pop(imp.name, None)


def test_nats_protocol_observes_12_epochs_and_reports_200_epoch_test(toy_home) -> None:
    t = toy_home.table("nb201", "cifar10")
    df = run_nats("rs", t, seed=0)
    assert df.attrs["protocol"] == "nats" and df.attrs["budget"] == 20_000.0
    assert df.attrs["unit"] == "seconds" and df.attrs["metric"] == "val_acc"
    rows = t.rows(list(df["arch"]))
    seeds = df["eval_seed"].to_numpy()
    np.testing.assert_array_equal(df["observed"].to_numpy(),
                                  t.seed_array("val_acc@12")[rows, seeds])
    cost = (t.seed_array("train_time@12")[rows, seeds]
            + t.seed_array("val_time@12")[rows, seeds] / 12)
    np.testing.assert_allclose(df["sim_time"].to_numpy(), np.cumsum(cost))
    assert df["sim_time"].max() <= 20_000.0 and len(df) > 50
    inc = t.rows(list(df["incumbent"]))
    np.testing.assert_array_equal(df["incumbent_test"].to_numpy(), t.array("test_acc")[inc])


def test_without_imported_data_it_says_which_file(db) -> None:
    with pytest.raises(ProtocolError, match=r"val_acc@12.*nasbench import nats-tss "
                                            r"NATS-tss-v1_0-3ffb9-simple"):
        nats_view(db.table("nb201", "cifar10"))
    with pytest.raises(ProtocolError, match="applies to the NATS-Bench tables"):
        nats_view(db.table("fcnet", "naval_propulsion"))


def test_run_takes_protocol_nats(toy_home) -> None:
    from nasbench.harness import run

    t = toy_home.table("nb201", "cifar10")
    a = run("rea", t, 5_000.0, seed=1, protocol="nats")
    b = run_nats("rea", t, seed=1, budget=5_000.0)
    assert a.attrs["protocol"] == "nats" and a.attrs["unit"] == "seconds"
    assert list(a["arch"]) == list(b["arch"]) and len(a) > 10
    default = run("rs", t, None, seed=2, protocol="nats")  # type: ignore[arg-type]
    assert default.attrs["budget"] == 20_000.0
    with pytest.raises(ProtocolError, match="Unknown protocol 'natz'"):
        run("rs", t, 100.0, seed=0, protocol="natz")
    with pytest.raises(ProtocolError, match="cannot be combined"):
        run("rs", t, 100.0, seed=0, protocol="nats", metric="test_acc")
