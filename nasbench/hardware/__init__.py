"""Hardware cost of NAS-Bench-201 networks: builder, analytic cost, profiler, energy.

>>> from nasbench.hardware import network_cost, build_network       # doctest: +SKIP
>>> network_cost("333333").macs                                       # doctest: +SKIP
220119680
>>> net = build_network("333333", num_classes=10).eval()              # needs torch

Importing this package does not import torch: :func:`build_network` and :func:`profile`
load it on first use.
"""

from __future__ import annotations

from typing import Any

from nasbench._optional import lazy_attributes
from nasbench.hardware._cost import Layer, NetworkCost, cost_table, network_cost, network_layers
from nasbench.hardware._energy import ENERGY_PJ, estimate_energy, estimate_energy_table
from nasbench.hardware._hwnasbench import read_hwnasbench
from nasbench.hardware._tables import (
    COLUMNS,
    estimated_energy,
    from_gpu_script,
    from_profile,
    propagate,
    repeatability,
)

__all__ = [
    "COLUMNS",
    "ENERGY_PJ",
    "Layer",
    "NetworkCost",
    "build_network",
    "cost_table",
    "estimate_energy",
    "estimate_energy_table",
    "estimated_energy",
    "from_gpu_script",
    "from_profile",
    "network_cost",
    "network_layers",
    "profile",
    "propagate",
    "read_hardware_tables",
    "read_hwnasbench",
    "repeatability",
]

_LAZY = {
    "build_network": "nasbench.hardware._network",
    "profile": "nasbench.hardware._profiler",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


def read_hardware_tables(folder: Any = None, *, propagated: bool = True) -> Any:
    """Read the shipped measurement tables (``nasbench/data/hardware/*.parquet``) as one frame.

    Args:
        folder: folder of the Parquet files (default: the package's ``nasbench/data/hardware``).
        propagated: copy each measurement to every member of its isomorphism class
            (pass-1 rows only); False returns the raw rows, re-measurements included.
    """
    from pathlib import Path

    import pandas as pd

    from nasbench.hardware._tables import propagate
    from nasbench.recipes._hardware import HARDWARE_DIR

    root = Path(folder) if folder is not None else HARDWARE_DIR
    files = sorted(root.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"No hardware tables (*.parquet) in {root}.")
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if "propagated" in df.columns:  # shipped files already carry propagated copies
        copies = df["propagated"].fillna(False).astype(bool)
        raw = df[~copies].drop(columns="propagated").reset_index(drop=True)
    else:
        raw = df
    return propagate(raw) if propagated else raw
