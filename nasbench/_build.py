"""Build the store from the installed data packages: idempotent, resumable and atomic.

Layout under the store home (``$NASBENCH_HOME`` or the user cache dir)::

    CURRENT                         name of the active build (replaced atomically)
    builds/<build_id>/              one complete, immutable build
        catalog.json                schema version, sources (version, sha256, licence), tables
        tables/<space>/<dataset>.parquet        per-seed rows, zstd (the canonical format)
        arrays/<space>/<dataset>.{keys,values,mean,arch}.npy   numpy mirror (fast path)
    builds/<build_id>.partial/      a build in progress; finished tables survive a crash

A build writes only into its ``.partial`` folder, renames it when complete and then swaps
``CURRENT``; a crash or kill at any moment leaves the previous build readable, and running the
build again reuses every table that was finished. Readers never take the build lock.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.recipes import RECIPES, TableData, load_manifest, source_path
from nasbench.recipes._base import installed_version, sha256_of
from nasbench.recipes._hardware import (
    estimated_rows,
    hardware_columns,
    hardware_files,
    hardware_source,
    load_hardware,
)
from nasbench.recipes._surrogate import load_surrogate, surrogate_folders, surrogate_source

SCHEMA_VERSION = 2
_KEEP_BUILDS = 2


def build(
    home: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Build (or reuse) the store and make it current; returns the build folder.

    Args:
        home: store home; defaults to :func:`nasbench.default_home`.
        force: rebuild every table even if an identical build exists.
        progress: called with one line per step (defaults to printing on stderr).
    """
    import pandas as pd

    from nasbench._store import default_home

    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    root = Path(home) if home is not None else default_home()
    (root / "builds").mkdir(parents=True, exist_ok=True)
    with _build_lock(root):
        hw_files = hardware_files()
        sources = _source_fingerprints()
        if hw_files:
            sources["nasbench_hardware"] = hardware_source(hw_files)
        sur_folders = surrogate_folders()
        if sur_folders:
            sources["nasbench_surrogate"] = surrogate_source(sur_folders)
        build_id = _build_id(sources)
        final = root / "builds" / build_id
        if final.joinpath("catalog.json").exists() and not force:
            _set_current(root, build_id)
            say(f"store up to date: {final}")
            return final
        if force and final.exists():
            build_id = f"{build_id}-{int(time.time())}"
            final = root / "builds" / build_id
        work = root / "builds" / f"{build_id}.partial"
        work.mkdir(parents=True, exist_ok=True)
        entries = []
        t0 = time.perf_counter()
        hw_rows = pd.concat([load_hardware(hw_files), estimated_rows()], ignore_index=True)
        for recipe in RECIPES.values():
            for dataset in recipe.datasets:
                load = functools.partial(_load_with_hardware, recipe.load, hw_rows)
                entries.append(_build_table(work, recipe.space, dataset, load, say))
        for folder in sur_folders:
            twin: dict[str, Any] = next((e for e in entries
                                         if f"{e['space']}__{e['dataset']}" == folder.name), {})
            load = functools.partial(_load_surrogate, folder, twin)
            entries.append(_build_table(work, folder.name.split("__")[0],
                                        folder.name.split("__", 1)[1] + ".surrogate", load, say))
        extras = {"hardware": _write_hardware(work, hw_rows)}
        catalog = {
            "schema_version": SCHEMA_VERSION,
            "build_id": build_id,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nasbench_version": _our_version(),
            "sources": sources,
            "tables": entries,
            **extras,
        }
        _atomic_write(work / "catalog.json", json.dumps(catalog, indent=1).encode())
        _fsync_dir(work)
        os.replace(work, final)
        _set_current(root, build_id)
        _collect_garbage(root, keep=build_id)
        say(f"built {len(entries)} tables in {time.perf_counter() - t0:.1f} s: {final}")
        return final


def _build_table(
    work: Path, space: str, dataset: str, load: Callable[[str], TableData],
    say: Callable[[str], None],
) -> dict[str, Any]:
    done = work / "tables" / space / f"{dataset}.done.json"
    if done.exists():
        say(f"  {space}/{dataset}: reused from an interrupted build")
        return json.loads(done.read_text())  # type: ignore[no-any-return]
    t0 = time.perf_counter()
    data = load(dataset)
    entry = write_table(work, data)
    _atomic_write(done, json.dumps(entry).encode())
    say(f"  {space}/{dataset}: {entry['n_archs']} archs, {entry['n_rows']} rows "
        f"({time.perf_counter() - t0:.1f} s)")
    return entry


def write_table(work: Path, data: TableData) -> dict[str, Any]:
    """Write one table as Parquet + numpy mirror under ``work``; return its catalog entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nasbench.spaces import get_space

    space = get_space(data.space)
    names = list(data.metrics)
    values = np.stack([data.values[m] for m in names])  # (M, n, S)
    arch = np.array([space.to_string(space.from_key(int(k))) for k in data.keys])
    present = ~np.all(np.isnan(values), axis=0)  # (n, S): rows that exist
    arch_idx, seed_idx = np.nonzero(present)
    columns = {
        "arch_id": pa.array(data.keys[arch_idx], pa.int64()),
        "arch": pa.array(arch[arch_idx], pa.string()),
        "seed": pa.array(seed_idx.astype(np.int16), pa.int16()),
    }
    for j, m in enumerate(names):
        # NaN (no value) is stored as SQL NULL so that DuckDB aggregates skip it
        columns[m] = pa.array(values[j][arch_idx, seed_idx], pa.float64(), from_pandas=True)
    meta = {b"nasbench.schema_version": str(SCHEMA_VERSION).encode(),
            b"nasbench.space": data.space.encode(), b"nasbench.dataset": data.dataset.encode()}
    table = pa.table(columns).replace_schema_metadata(meta)
    stem = data.dataset if data.source == "measured" else f"{data.dataset}.{data.source}"
    rel = Path("tables") / data.space / f"{stem}.parquet"
    arr = Path("arrays") / data.space / stem
    _atomic(work / rel, lambda p: pq.write_table(table, p, compression="zstd"))
    with np.errstate(invalid="ignore", divide="ignore"):  # archs lacking a metric stay NaN
        mean = np.where(np.isnan(values), 0.0, values).sum(axis=2) / (~np.isnan(values)).sum(axis=2)
    for suffix, array in (("keys", data.keys), ("values", values), ("mean", mean),
                          ("arch", arch)):
        target = work / f"{arr}.{suffix}.npy"
        _atomic(target, functools.partial(_save_npy, array=array))
    return {
        "space": data.space,
        "dataset": data.dataset,
        "source": data.source,
        "model_id": data.model_id,
        "n_archs": int(len(data.keys)),
        "n_rows": int(len(arch_idx)),
        "n_seeds": int(values.shape[2]),
        "metrics": names,
        "metric_info": {m: info.to_dict() for m, info in data.metrics.items()},
        "sources": [list(s) for s in data.sources],
        "aliases": dict(data.aliases),
        "space_options": dict(data.space_options),
        "parquet": str(rel),
        "arrays": str(arr),
    }


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as f:  # a file object: np.save would append ".npy" to a path
        np.save(f, array, allow_pickle=False)


def _load_with_hardware(load: Callable[[str], TableData], hw_rows: Any, dataset: str) -> TableData:
    """Run a recipe, then join our hardware measurements of the same (space, dataset)."""
    from nasbench.spaces import get_space

    data = load(dataset)
    if len(hw_rows) == 0:
        return data
    cols, infos, aliases = hardware_columns(hw_rows, get_space(data.space), dataset, data.keys)
    present = ~np.all(np.isnan(np.stack(list(data.values.values()))), axis=0)
    for name, col in cols.items():
        data.values[name] = np.where(present, col[:, None], np.nan)
    data.metrics.update(infos)
    data.aliases.update(aliases)
    if cols:
        data.sources.append(("nasbench_hardware", dataset))
    return data


def _load_surrogate(folder: Path, twin: dict[str, Any], _name: str) -> TableData:
    """A surrogate folder as a table; ``twin`` is the measured table's catalog entry."""
    return load_surrogate(folder, twin.get("metric_info", {}), twin.get("space_options", {}))


def _write_hardware(work: Path, rows: Any) -> dict[str, Any]:
    """The long ``hardware`` table (every row of data/hardware), as Parquet in the build."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rel = Path("tables") / "hardware.parquet"
    table = pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False)
    _atomic(work / rel, lambda p: pq.write_table(table, p, compression="zstd"))
    return {"parquet": str(rel), "n_rows": int(len(rows))}


def _source_fingerprints() -> dict[str, Any]:
    manifest = load_manifest()["sources"]
    out: dict[str, Any] = {}
    for key, entry in manifest.items():
        files = {}
        for dataset in entry["files"]:
            path = source_path(key, dataset)
            files[dataset] = {"path": str(path), "sha256": sha256_of(path),
                              "bytes": path.stat().st_size}
        out[key] = {**{k: v for k, v in entry.items() if k != "files"},
                    "installed_version": installed_version(entry["package"]), "files": files}
    return out


def _code_fingerprint() -> str:
    """sha256 of the code that decides table contents, so a code change means a new build."""
    pkg = Path(__file__).resolve().parent
    files = [pkg / "_build.py", pkg / "_metrics.py"]
    for sub in ("recipes", "spaces", "hardware"):
        files.extend(sorted((pkg / sub).glob("*.py")))
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _build_id(sources: dict[str, Any]) -> str:
    h = hashlib.sha256(f"schema={SCHEMA_VERSION};code={_our_version()};"
                       f"{_code_fingerprint()}".encode())
    for key in sorted(sources):
        for dataset, f in sorted(sources[key]["files"].items()):
            h.update(f"{key}/{dataset}={f['sha256']}".encode())
    return h.hexdigest()[:16]


def _our_version() -> str:
    import nasbench

    return nasbench.__version__


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Write ``target`` through a temporary sibling and ``os.replace`` (never half-written)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _atomic_write(target: Path, data: bytes) -> None:
    def write(path: Path) -> None:
        path.write_bytes(data)

    _atomic(target, write)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _set_current(root: Path, build_id: str) -> None:
    current = root / "CURRENT"
    previous = current.read_text().strip() if current.exists() else ""
    if previous == build_id:
        return
    if previous:
        _atomic_write(root / "PREVIOUS", previous.encode())
    _atomic_write(current, build_id.encode())
    _fsync_dir(root)


def _collect_garbage(root: Path, keep: str) -> None:
    """Delete builds other than the current and the previous one, and stale partial builds.

    Runs under the build lock, so no other builder is writing a ``.partial`` folder.
    """
    previous = root / "PREVIOUS"
    keep_ids = {keep, previous.read_text().strip() if previous.exists() else ""}
    builds = root / "builds"
    for child in builds.iterdir():
        if child.is_dir() and child.name not in keep_ids:
            shutil.rmtree(child, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Exclusive lock so that two builders never write the same ``.partial`` folder."""
    lock_path = root / ".build.lock"
    with lock_path.open("a") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
