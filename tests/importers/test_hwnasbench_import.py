"""hw-nas-bench: a HW-NAS-Bench pickle written here joins the NB201 tables, validated."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.hardware import read_hwnasbench
from nasbench.importers import ImportError_, import_benchmark
from tests.importers.conftest import nb201_only

N = 15625


def _write(path: Path, mutate=None) -> Path:
    idx = np.arange(N, dtype=np.float64)
    data = {"nasbench201": {
        "cifar10": {"edgegpu_latency": list(idx * 0.5), "edgegpu_energy": np.asarray(idx * 2.0),
                    "fpga_latency": list(idx * 0.1 + 1), "eyeriss_arithmetic_intensity":
                    list(idx), "average_hw_metric": list(idx), "config": []},
        "ImageNet16-120": {"raspi4_latency": list(idx + 3.0), "config": []},
    }, "fbnet": {}}
    if mutate:
        mutate(data["nasbench201"])
    path.write_bytes(pickle.dumps(data))
    return path


def test_import_joins_columns_by_official_index(tmp_path, monkeypatch) -> None:
    nb201_only(monkeypatch)
    out = import_benchmark("hw-nas-bench", _write(tmp_path / "HW-NAS-Bench-v1_0.pickle"),
                           tmp_path / "h", progress=lambda line: None)
    assert sorted(out["tables"]) == ["nb201__cifar10", "nb201__imagenet16-120"]
    assert all(not v for v in out["mismatches"].values())  # new columns only
    db = nasbench.open(tmp_path / "h", build=False)
    t = db.table("nb201", "cifar10")
    # official index 6111 is '333132': 6111 * 0.5 ms
    assert t.query("333132", "latency_edgegpu_hwnasbench")["latency_edgegpu_hwnasbench"] == \
        pytest.approx(6111 * 0.5e-3)
    assert t.query("421211", "energy_edgegpu_hwnasbench", seed=1)[
        "energy_edgegpu_hwnasbench"] == 0.0
    assert t.describe("latency_fpga_hwnasbench_estimated")["unit"] == "seconds"
    assert t.describe("energy_edgegpu_hwnasbench")["split"] == "none"
    im = db.table("nb201", "imagenet16-120")
    assert im.query("333132", "latency_raspi4_hwnasbench")["latency_raspi4_hwnasbench"] == \
        pytest.approx((6111 + 3) * 1e-3)
    # the long-table reader still works on the same file, with our dataset names
    df = read_hwnasbench(tmp_path / "HW-NAS-Bench-v1_0.pickle")
    assert set(df["dataset"]) == {"cifar10", "imagenet16-120"}


def _set(dataset: str, key: str, i: int, value) -> object:
    def mutate(d: dict) -> None:
        vals = list(d[dataset][key])
        vals[i] = value
        d[dataset][key] = vals
    return mutate


@pytest.mark.parametrize("mutate, message", [
    (_set("cifar10", "edgegpu_latency", 7, float("nan")),
     r"cifar10/edgegpu_latency\[7\] is nan: not finite"),
    (_set("cifar10", "edgegpu_latency", 8, float("inf")), r"edgegpu_latency\[8\] is inf"),
    (_set("cifar10", "fpga_latency", 9, -1.0), r"fpga_latency\[9\] is -1.0: negative"),
    (_set("ImageNet16-120", "raspi4_latency", 3, True), r"raspi4_latency\[3\] is True \(bool\)"),
    (_set("cifar10", "edgegpu_latency", 2, "1.5"), r"edgegpu_latency\[2\] is '1.5' \(str\)"),
    (lambda d: d.update(mnist={"edgegpu_latency": [0.0] * N}),
     r"nasbench201/mnist: unknown dataset 'mnist'"),
    (lambda d: d["cifar10"].update(toaster_latency=[0.0] * N), r"unknown device 'toaster'"),
    (lambda d: d["cifar10"].update(edgetpu_latency=[0.0] * 10), r"has 10 values, not 15625"),
])
def test_every_value_is_validated(tmp_path, mutate, message) -> None:
    path = _write(tmp_path / "hw.pickle", mutate)
    with pytest.raises(ImportError_, match=message):
        import_benchmark("hw-nas-bench", path, tmp_path / "h", build=False)
    with pytest.raises(ValueError, match=message):
        read_hwnasbench(path)
