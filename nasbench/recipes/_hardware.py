"""Hardware cost tables we measured ourselves (``data/hardware/*.parquet``).

Each file is one *series family*: one device and toolchain (e.g. ``nb201_cuda_h100_eager``);
its rows follow the long schema of :mod:`nasbench.hardware` (``space, dataset, arch, device,
metric, batch_size, value, unit, method, toolchain, fingerprint``, optional ``pass``). The
builder copies all rows into the store's ``hardware`` table and joins them to the accuracy
table of the same (space, dataset) as extra columns named
``<metric>_<family>_b<batch>[_<method>]``, e.g. ``energy_cuda_h100_eager_b64``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.recipes._base import DATA_DIR, Recipe, TableData, sha256_of
from nasbench.store._metrics import MetricInfo

if TYPE_CHECKING:
    import pandas as pd

HARDWARE_DIR = DATA_DIR / "hardware"
REQUIRED = ("space", "dataset", "arch", "device", "metric", "batch_size", "value", "unit",
            "method", "toolchain", "fingerprint")
METHODS = ("measured", "estimated", "surrogate")
_UNITS = {"s": "seconds", "J": "joules"}
#: Plain names that resolve to the best-covered measured batch-1 series of that metric.
ALIASES = {"energy": "energy", "energy_above_idle": "energy_above_idle", "hw_latency": "latency"}


def hardware_files(folder: Path = HARDWARE_DIR) -> list[Path]:
    """Our own hardware tables, sorted by name (empty if there are none)."""
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def hardware_source(files: list[Path]) -> dict[str, Any]:
    """Catalog entry of our measurements: one file per series family, with sha256."""
    return {
        "title": "nasbench hardware cost tables (our own measurements)",
        "citation": "nasbench project, measured with `nasbench profile` / scripts/gpu_profile.py",
        "data_licence": "Apache-2.0",
        "package": "nasbench",
        "package_version": "repository data/hardware",
        "installed_version": "repository",
        "files": {f.stem: {"path": str(f), "sha256": sha256_of(f), "bytes": f.stat().st_size}
                  for f in files},
    }


def load_hardware(files: list[Path]) -> pd.DataFrame:
    """All rows of ``files`` with a ``family`` column (file stem without the space prefix)."""
    import pandas as pd
    import pyarrow.parquet as pq

    parts = []
    for f in files:
        df = pq.read_table(f).to_pandas()
        missing = [c for c in REQUIRED if c not in df.columns]
        if missing:
            raise NasbenchError(f"Hardware table {f} lacks columns {missing}.")
        bad = sorted(set(df["method"]) - set(METHODS))
        if bad:
            raise NasbenchError(f"Hardware table {f} has unknown methods {bad}; valid: {METHODS}.")
        space = str(df["space"].iloc[0]) if len(df) else ""
        family = f.stem[len(space) + 1:] if f.stem.startswith(space + "_") else f.stem
        parts.append(df.assign(family=_slug(family)))
    if not parts:
        return pd.DataFrame(columns=[*REQUIRED, "family"])
    return pd.concat(parts, ignore_index=True)


def estimated_rows() -> pd.DataFrame:
    """Analytic energy estimate (``method="estimated"``) of every NB201 cell, batch 1 and 64.

    From operation and memory-access counts with published 45 nm per-operation energies
    (:func:`nasbench.hardware.estimated_energy`); family ``analytic_45nm``. Never mixed with
    measurements: its columns end in ``_estimated`` and no alias points at them.
    """
    from nasbench.hardware import estimated_energy

    return estimated_energy().assign(family="analytic_45nm")


def hardware_columns(
    rows: pd.DataFrame, space: Any, dataset: str, keys: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, MetricInfo], dict[str, str]]:
    """Per-arch columns for one accuracy table, their semantics, and the plain-name aliases.

    Only rows of the table's space and dataset (network variant) join. Where a family has
    several passes over the same cell (repeatability checks), pass 1 is used.
    """
    sel = rows[(rows["space"] == space.name) & (rows["dataset"] == dataset)]
    if "pass" in sel.columns:
        sel = sel[sel["pass"].fillna(1) == 1]
    if sel.empty:
        return {}, {}, {}
    row_of = {int(k): i for i, k in enumerate(keys)}
    arch_rows = np.array([row_of.get(space.key_of(a), -1) for a in sel["arch"]])
    if (arch_rows < 0).any():
        raise NasbenchError(f"Hardware rows name archs that are not in {space.name}/{dataset}.")
    sel = sel.assign(_row=arch_rows)
    values: dict[str, np.ndarray] = {}
    infos: dict[str, MetricInfo] = {}
    series: list[tuple[str, str, int, str]] = []  # (name, metric, batch size, method)
    group_cols = ["family", "metric", "batch_size", "method"]
    for (family, metric, bs, method), g in sel.groupby(group_cols, sort=True):
        name = f"{metric}_{family}_b{int(bs)}" + ("" if method == "measured" else f"_{method}")
        col = np.full(len(keys), np.nan)
        med = g.groupby("_row")["value"].median()
        col[med.index.to_numpy()] = med.to_numpy()
        values[name] = col
        series.append((name, str(metric), int(bs), str(method)))
        first = g.iloc[0]
        infos[name] = MetricInfo(
            name, _UNITS.get(str(first["unit"]), str(first["unit"])), "min", "none", "inference",
            f"batch size {int(bs)}", "nasbench_hardware", False,
            f"{metric} per forward pass of a batch of {int(bs)} on {first['device']} "
            f"({first['toolchain']}); {method}; {int((~np.isnan(col)).sum())} of {len(keys)} "
            "cells have a value",
        )
    return values, infos, _aliases(values, series)


def _aliases(
    values: dict[str, np.ndarray], series: list[tuple[str, str, int, str]]
) -> dict[str, str]:
    """Plain name -> the measured series of that metric covering the most cells.

    Ties go to the smaller batch size, then the name; ``t.describe(alias)["name"]`` says
    which series an alias stands for.
    """
    out = {}
    for alias, metric in ALIASES.items():
        cands = [(-int((~np.isnan(values[n])).sum()), bs, n) for n, m, bs, method in series
                 if m == metric and method == "measured"]
        if cands:
            out[alias] = min(cands)[2]
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class HardwareRecipe(Recipe):
    """Our own hardware measurements: columns joined to the accuracy tables they belong to,
    plus the long ``hardware`` SQL view with every row (analytic estimates included)."""

    name = "nasbench_hardware"

    def __init__(self, folder: Path = HARDWARE_DIR) -> None:
        self.files = hardware_files(folder)
        self._rows: pd.DataFrame | None = None

    def sources(self) -> dict[str, dict[str, Any]]:
        return {self.name: hardware_source(self.files)} if self.files else {}

    def rows(self) -> pd.DataFrame:
        """Every measured row plus the analytic estimates (read once per build)."""
        if self._rows is None:
            import pandas as pd

            self._rows = pd.concat([load_hardware(self.files), estimated_rows()],
                                   ignore_index=True)
        return self._rows

    def augment(self, data: TableData) -> None:
        from nasbench.spaces import get_space

        if data.source != "measured":
            return
        rows = self.rows()
        sel = rows[(rows["space"] == data.space) & (rows["dataset"] == data.dataset)]
        if sel.empty:
            return
        cols, infos, aliases = hardware_columns(sel, get_space(data.space), data.dataset,
                                                data.keys)
        present = ~np.all(np.isnan(np.stack(list(data.values.values()))), axis=0)
        for name, col in cols.items():
            data.values[name] = np.where(present, col[:, None], np.nan)
        data.metrics.update(infos)
        data.aliases.update(aliases)
        if cols and self.files:
            data.sources.append((self.name, data.dataset))

    def extra_tables(self) -> dict[str, Any]:
        return {"hardware": self.rows().reset_index(drop=True)}
