"""Benchmark files the user imported (``nasbench import``) as store tables.

Every complete import under ``<home>/imports/<source>/<digest>/`` holds tables written by
:func:`nasbench.importers.save_table_data`. A table of a (space, dataset) that no earlier
recipe makes becomes a table of its own; one that an earlier recipe makes (the wheel's
NB201 tables) joins it through :meth:`ImportedRecipe.augment`: new columns, schedules,
curves and the official index are added, and every column both hold is compared (values
that differ by more than :data:`AGREE_ATOL` are counted in ``mismatches`` of the catalog
entry of the import, never silently replaced).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.recipes._base import Recipe, TableData, TableSpec

#: Absolute tolerance for "the same value" between an import and the table it joins.
AGREE_ATOL = 1e-6


class ImportedRecipe(Recipe):
    """All imports of one store home (see the module docstring).

    Args:
        home: store home whose ``imports/`` folder is read.
        taken: tables made by recipes earlier in the list; imports of those join them.
    """

    name = "imported"

    def __init__(self, home: Path | None, taken: set[TableSpec]) -> None:
        from nasbench.importers._base import MANIFEST, imported_folders

        self.folders = imported_folders(home) if home is not None else []
        self.taken = taken
        self.manifests = {f: json.loads((f / MANIFEST).read_text()) for f in self.folders}
        self.mismatches: dict[str, dict[str, int]] = {}

    def _table_folders(self) -> list[tuple[Path, str]]:
        return [(f / "tables" / t, m["source"]) for f, m in self.manifests.items()
                for t in m["tables"]]

    def sources(self) -> dict[str, dict[str, Any]]:
        out = {}
        for folder, m in self.manifests.items():
            files = {rel: {"path": str(Path(m["input"]) / rel) if len(m["files"]) > 1
                           else m["input"], **f} for rel, f in m["files"].items()}
            out[f"import:{m['source']}"] = {
                "title": f"{m['source']} (imported by the user from {m['input']})",
                "citation": m["citation"], "data_licence": m["data_licence"],
                "package": "user file", "package_version": "n/a",
                "installed_version": "n/a", "imported_at": m["imported_at"],
                "import_folder": str(folder), "files": files}
        return out

    def _spec(self, folder: Path) -> TableSpec:
        meta = json.loads((folder / "meta.json").read_text())
        return TableSpec(meta["space"], meta["dataset"], meta["source"])

    def tables(self) -> list[TableSpec]:
        return [s for s in (self._spec(f) for f, _ in self._table_folders())
                if s not in self.taken]

    def load(self, spec: TableSpec, built: dict[TableSpec, dict[str, Any]]) -> TableData:
        from nasbench.importers._base import load_table_data

        folder = next(f for f, _ in self._table_folders() if self._spec(f) == spec)
        return load_table_data(folder)

    def notes(self) -> dict[str, Any]:
        """Per imported table joined to another recipe's: column -> values that differ."""
        return {"mismatches": self.mismatches} if self.mismatches else {}

    def augment(self, data: TableData) -> None:
        from nasbench.importers._base import load_table_data

        spec = TableSpec(data.space, data.dataset, data.source)
        if spec not in self.taken:
            return
        for folder, source in self._table_folders():
            if self._spec(folder) != spec:
                continue
            imp = load_table_data(folder)
            _join(data, imp, self.mismatches.setdefault(f"{source}:{data.dataset}", {}))
            data.sources.extend(s for s in imp.sources if s not in data.sources)


def _join(data: TableData, imp: TableData, mismatches: dict[str, int]) -> None:
    """Add the columns of ``imp`` to ``data`` (same space and dataset), row by key."""
    pos = np.searchsorted(data.keys, imp.keys)
    pos = np.minimum(pos, len(data.keys) - 1)
    hit = data.keys[pos] == imp.keys
    rows, src = pos[hit], np.flatnonzero(hit)
    seeds = max(data.n_seeds, imp.n_seeds)
    if seeds > data.n_seeds:  # widen every column to the larger number of seeds
        pad = seeds - data.n_seeds
        data.values = {m: np.pad(v, ((0, 0), (0, pad)), constant_values=np.nan)
                       for m, v in data.values.items()}
        data.curves = {m: np.pad(v, ((0, 0), (0, pad), (0, 0)), constant_values=np.nan)
                       for m, v in data.curves.items()}
    for m, v in imp.values.items():
        col = np.full((len(data.keys), seeds), np.nan)
        col[rows, : v.shape[1]] = v[src]
        if m in data.values:
            a, b = data.values[m], col
            both = ~np.isnan(a) & ~np.isnan(b)
            mismatches[m] = int((np.abs(a[both] - b[both]) > AGREE_ATOL).sum())
            continue
        data.values[m] = col
        data.metrics[m] = imp.metrics[m]
    for m, c in imp.curves.items():
        if m in data.curves:
            continue
        out = np.full((len(data.keys), seeds, c.shape[2]), np.nan)
        out[rows, : c.shape[1]] = c[src]
        data.curves[m] = out
    if imp.official_index is not None and data.official_index is None:
        off = np.full(len(data.keys), -1, dtype=np.int64)
        off[rows] = imp.official_index[src]
        data.official_index = off
    data.aliases.update({a: c for a, c in imp.aliases.items() if a not in data.metrics})
    data.lacks = {k: v for k, v in data.lacks.items() if k not in data.values}
