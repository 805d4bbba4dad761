"""Reader for a user-supplied HW-NAS-Bench pickle, on a small file written here."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from nasbench.hardware import read_hwnasbench
from nasbench.hardware._hwnasbench import nb201_index_order


def _write(path: Path, n: int = 15_625, arch0: str | None = None) -> None:
    order = np.arange(n, dtype=np.float64)
    configs = [{"arch_str": arch0}] if arch0 else []
    data = {"nasbench201": {"cifar10": {
        "edgegpu_latency": list(order * 0.5),        # ms
        "edgegpu_energy": np.asarray(order * 2.0),   # mJ, as a numpy array
        "eyeriss_arithmetic_intensity": list(order),  # not a latency/energy: ignored
        "config": configs,
    }}, "fbnet": {}}
    path.write_bytes(pickle.dumps(data))


def test_index_order_starts_with_published_index_0() -> None:
    order = nb201_index_order()
    assert len(order) == 15_625 and len(set(order)) == 15_625
    assert order[:2] == ["421211", "334131"]


def test_reads_units_devices_and_index_mapping(tmp_path: Path) -> None:
    path = tmp_path / "hw.pickle"
    _write(path, arch0="|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|"
                       "skip_connect~1|skip_connect~2|")
    df = read_hwnasbench(path)
    assert len(df) == 2 * 15_625
    lat = df[df["metric"] == "latency"].set_index("cell")
    assert lat.loc["421211", "value"] == 0.0
    assert lat.loc["334131", "value"] == pytest.approx(0.5e-3)  # index 1: 0.5 ms -> seconds
    energy = df[df["metric"] == "energy"].set_index("cell")
    assert energy.loc["334131", "value"] == pytest.approx(2e-3)  # 2 mJ -> joules
    assert set(df["device"]) == {"cuda:NVIDIA Jetson TX2 (HW-NAS-Bench)"}
    assert set(df["unit"]) == {"s", "J"} and set(df["method"]) == {"measured"}


def test_rejects_wrong_order_length_and_format(tmp_path: Path) -> None:
    from nasbench.errors import InvalidArchitectureError

    path = tmp_path / "hw.pickle"
    _write(path, arch0="|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with pytest.raises(InvalidArchitectureError, match="index order"):
        read_hwnasbench(path)
    _write(path, n=10)
    with pytest.raises(ValueError, match="has 10 values"):
        read_hwnasbench(path)
    path.write_bytes(pickle.dumps({"other": 1}))
    with pytest.raises(ValueError, match="not a HW-NAS-Bench file"):
        read_hwnasbench(path)
