"""Build the store from its recipes: idempotent, resumable and atomic.

Contract: :func:`build` runs every recipe of :func:`nasbench.recipes.default_recipes` in
order, writes each table through :func:`write_table` into ``builds/<id>.partial/`` (the
layout is in :mod:`nasbench.store._catalog`), renames the folder when complete, swaps
``CURRENT`` and collects garbage. A crash or kill at any moment leaves the previous build
readable, and the next build reuses every table that was finished. Readers never take the
build lock; builds that an open store uses are never deleted (:mod:`._lifecycle`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.errors import StoreError
from nasbench.recipes import Recipe, TableData, TableSpec, default_recipes
from nasbench.store._atomic import TMP_SUFFIX, atomic_with, atomic_write, fsync_dir
from nasbench.store._catalog import SCHEMA_VERSION, current_build, default_home, read_catalog
from nasbench.store._lifecycle import PARTIAL, build_lock, collect_garbage
from nasbench.store._verify import file_checksums, verify_build

#: Free space a first build needs (bytes): the full store is ~290 MB; later builds need the
#: size of the current one. A margin of 25 % is added.
_FIRST_BUILD_BYTES = 320 * 2**20


def build(
    home: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    recipes: list[Recipe] | None = None,
) -> Path:
    """Build (or reuse) the store and make it current; returns the build folder.

    Args:
        home: store home; defaults to :func:`nasbench.default_home`.
        force: rebuild every table even if an identical build exists.
        progress: called with one line per step (defaults to printing on stderr).
        recipes: the recipes to run (default :func:`nasbench.recipes.default_recipes`).
    """
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    root = Path(home) if home is not None else default_home()
    (root / "builds").mkdir(parents=True, exist_ok=True)
    with build_lock(root, say):
        recipes = default_recipes(root) if recipes is None else recipes
        sources: dict[str, Any] = {}
        for recipe in recipes:
            sources.update(recipe.sources())
        build_id = _build_id(sources)
        final = root / "builds" / build_id
        if _usable(final) and not force:
            problems = verify_build(final, read_catalog(final), full=True)
            if not problems:
                _set_current(root, build_id)
                collect_garbage(root, keep=_kept(root, build_id))
                say(f"store up to date: {final}")
                return final
            say(f"store build {final.name} is damaged ({len(problems)} file(s); first: "
                f"{problems[0]}); rebuilding it")
        _check_free_space(root, say)
        if force or final.exists():  # forced, or a damaged / unusable folder holds the name
            build_id = f"{build_id}-{time.time_ns()}"
            final = root / "builds" / build_id
        work = root / "builds" / f"{build_id}{PARTIAL}"
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        built: dict[TableSpec, dict[str, Any]] = {}
        for recipe in recipes:
            for spec in recipe.tables():
                built[spec] = _build_table(work, spec, recipe, recipes, built, say)
        extras = {}
        for recipe in recipes:
            for name, frame in recipe.extra_tables().items():
                extras[name] = _write_extra(work, name, frame)
        for stray in work.rglob(f"*{TMP_SUFFIX}"):  # left by a killed writer: not ours
            stray.unlink(missing_ok=True)
        catalog = {
            "schema_version": SCHEMA_VERSION,
            "build_id": build_id,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nasbench_version": _our_version(),
            "sources": sources,
            "tables": list(built.values()),
            "extras": extras,
            "notes": {r.name: r.notes() for r in recipes if r.notes()},
            "files": file_checksums(work),
        }
        atomic_write(work / "catalog.json", json.dumps(catalog, indent=1))
        fsync_dir(work)
        os.replace(work, final)
        fsync_dir(final.parent)
        _set_current(root, build_id)
        collect_garbage(root, keep=_kept(root, build_id))
        say(f"built {len(built)} tables in {time.perf_counter() - t0:.1f} s: {final}")
        return final


def _check_free_space(root: Path, say: Callable[[str], None]) -> None:
    """Refuse to start a build that cannot fit on the disk (it would fail half-way)."""
    import shutil

    current = current_build(root)
    need = _FIRST_BUILD_BYTES
    if current:
        try:
            files = read_catalog(root / "builds" / current).get("files", {})
        except StoreError:  # a damaged current build: assume the default size
            files = {}
        need = max(need, sum(int(f["bytes"]) for f in files.values()))
    free = shutil.disk_usage(root).free
    if free < need * 1.25:
        raise StoreError(f"Not enough free disk space to build the store at {root}: a build "
                         f"needs about {need * 1.25 / 2**20:.0f} MB, {free / 2**20:.0f} MB are "
                         "free. Free some space (or set NASBENCH_HOME to another disk) and run "
                         "`nasbench build` again.")


def _usable(final: Path) -> bool:
    """Whether ``final`` is a complete build of this schema (a readable catalog)."""
    try:
        catalog = json.loads((final / "catalog.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(catalog.get("schema_version") == SCHEMA_VERSION)


def _kept(root: Path, build_id: str) -> set[str]:
    previous = (root / "PREVIOUS").read_text().strip() if (root / "PREVIOUS").exists() else ""
    return {build_id, previous} - {""}


def _stem(spec: TableSpec) -> str:
    return spec.dataset if spec.source == "measured" else f"{spec.dataset}.{spec.source}"


def _build_table(
    work: Path, spec: TableSpec, recipe: Recipe, recipes: list[Recipe],
    built: dict[TableSpec, dict[str, Any]], say: Callable[[str], None],
) -> dict[str, Any]:
    name = f"{spec.space}/{_stem(spec)}"
    done = work / "tables" / spec.space / f"{_stem(spec)}.done.json"
    if done.exists():
        say(f"  {name}: reused from an interrupted build")
        return json.loads(done.read_text())  # type: ignore[no-any-return]
    t0 = time.perf_counter()
    data = recipe.load(spec, built)
    for other in recipes:
        other.augment(data)
    entry = write_table(work, data)
    atomic_write(done, json.dumps(entry))
    say(f"  {name}: {entry['n_archs']} archs, {entry['n_rows']} rows "
        f"({time.perf_counter() - t0:.1f} s)")
    return entry


def write_table(work: Path, data: TableData) -> dict[str, Any]:
    """Write one table as Parquet + numpy mirror + arch string forms under ``work``; return
    its catalog entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nasbench.spaces import get_space

    space = get_space(data.space)
    names = list(data.metrics)
    missing = [m for m in names if m not in data.values]
    if missing or set(data.values) - set(names):
        raise ValueError(f"Table {data.name}: columns and metric declarations differ "
                         f"(undeclared: {sorted(set(data.values) - set(names))}, "
                         f"without values: {missing}).")
    values = np.stack([data.values[m] for m in names])  # (M, n, S)
    stem = _stem(TableSpec(data.space, data.dataset, data.source))
    arr = Path("arrays") / data.space / stem
    strings = _write_string_forms(work, space, data.keys)
    string_index = _write_string_index(work, space, data.keys)
    arch = _string_forms(space, data.keys)["arch"]
    present = ~np.all(np.isnan(values), axis=0)  # (n, S): rows that exist
    arch_idx, seed_idx = np.nonzero(present)
    columns = {
        "arch_id": pa.array(data.keys[arch_idx], pa.int64()),
        "arch": pa.array(arch, pa.string()).take(pa.array(arch_idx)),
        "seed": pa.array(seed_idx.astype(np.int16), pa.int16()),
    }
    if data.official_index is not None:
        official = np.asarray(data.official_index, dtype=np.int64)[arch_idx]
        columns["official_index"] = pa.array(official, pa.int64(), mask=official < 0)
    for j, m in enumerate(names):
        # NaN (no value) is stored as SQL NULL so that DuckDB aggregates skip it
        columns[m] = pa.array(values[j][arch_idx, seed_idx], pa.float64(), from_pandas=True)
    meta = {b"nasbench.schema_version": str(SCHEMA_VERSION).encode(),
            b"nasbench.space": data.space.encode(), b"nasbench.dataset": data.dataset.encode()}
    table = pa.table(columns).replace_schema_metadata(meta)
    rel = Path("tables") / data.space / f"{stem}.parquet"
    atomic_with(work / rel, lambda p: pq.write_table(table, p, compression="zstd"))
    with np.errstate(invalid="ignore", divide="ignore"):  # archs lacking a metric stay NaN
        mean = np.where(np.isnan(values), 0.0, values).sum(axis=2) / (~np.isnan(values)).sum(axis=2)
    n_seeds = (~np.isnan(values[0])).sum(axis=1).astype(np.int64)  # what Table.n_seeds is
    arrays: list[tuple[str, np.ndarray]] = [("keys", data.keys), ("values", values),
                                            ("mean", mean), ("nseeds", n_seeds)]
    if data.official_index is not None:
        arrays.append(("official", np.asarray(data.official_index, dtype=np.int64)))
    for suffix, array in arrays:
        _write_npy(work / f"{arr}.{suffix}.npy", array)
    curves = {}
    for column, curve in data.curves.items():
        if column not in data.metrics:
            raise ValueError(f"Table {data.name}: curve {column!r} has no metric declaration.")
        if curve.ndim != 3 or curve.shape[:2] != values.shape[1:]:
            raise ValueError(f"Table {data.name}: curve {column!r} must have shape "
                             f"(n_archs, n_seeds, n_epochs) = {values.shape[1:]} + (E,); got "
                             f"{curve.shape}.")
        crel = Path("curves") / data.space / stem / f"{column}.npy"
        _write_npy(work / crel, np.asarray(curve, dtype=np.float64))
        curves[column] = {"path": str(crel), "n_epochs": int(curve.shape[2])}
    model = _copy_model_files(work, data, Path("models") / data.space / stem)
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
        "official_index": data.official_index is not None,
        "main_metrics": [m for m in data.main_metrics if m in data.metrics] or names[:4],
        "lacks": dict(data.lacks),
        "curves": curves,
        "parquet": str(rel),
        "arrays": str(arr),
        "strings": strings,
        **({"string_index": string_index} if string_index is not None else {}),
        **({"model": model} if model is not None else {}),
    }


def _copy_model_files(work: Path, data: TableData, rel: Path) -> dict[str, Any] | None:
    """Copy a model-served table's files into the build; its catalog ``model`` entry (with
    ``dir`` and each file's ``sha256``), or None for a table without models."""
    if not data.model_files:
        return None
    want = dict(data.model.get("sha256", {}))
    digests = {}
    for name, src in sorted(data.model_files.items()):
        blob = Path(src).read_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        if name in want and want[name] != digest:
            raise StoreError(f"Table {data.name}: model file {src} changed while the store "
                             "was being built (sha256 differs from its model card); restore "
                             "it or retrain with `nasbench surrogates build`.")
        atomic_write(work / rel / name, blob)
        digests[name] = digest
    return {**data.model, "dir": rel.as_posix(), "sha256": digests}


#: String forms of each key set, computed once per build process (tables of one space
#: usually share their keys): (space, keys digest) -> form -> strings in row order.
_FORMS: dict[tuple[str, str], dict[str, list[str]]] = {}


def _keys_digest(space: Any, keys: np.ndarray) -> str:
    h = hashlib.sha256(f"{space.name};".encode())
    h.update(np.ascontiguousarray(keys, dtype="<i8").tobytes())
    return h.hexdigest()[:16]


def _string_forms(space: Any, keys: np.ndarray) -> dict[str, list[str]]:
    """Every string form of the archs of ``keys`` that the query fast path resolves.

    ``arch`` (first) is the canonical string (``space.to_string``; NB201's official
    ``|op~0|+...|`` string); ``index`` is the index string (NB201's ``"421211"``, FCNet's
    9-digit key) where the space has one. Forms never share a string.
    """
    cache_key = (space.name, _keys_digest(space, keys))
    forms = _FORMS.get(cache_key)
    if forms is None:
        archs = [space.from_key(int(k)) for k in keys]
        forms = {"arch": [space.to_string(a) for a in archs]}
        to_index = getattr(space, "to_index_string", None)
        if to_index is not None:
            forms["index"] = [to_index(a) for a in archs]
        seen: set[str] = set()
        for name, strings in forms.items():
            if any("\n" in s for s in strings):
                raise ValueError(f"Space {space.name}: a {name} string contains a newline.")
            seen.update(strings)
        if len(seen) != len(keys) * len(forms):
            raise ValueError(f"Space {space.name}: the string forms {list(forms)} are not "
                             "distinct across archs and forms.")
        if len(_FORMS) >= 8:
            _FORMS.clear()
        _FORMS[cache_key] = forms
    return forms


def _write_string_forms(work: Path, space: Any, keys: np.ndarray) -> dict[str, str]:
    """Write each string form as UTF-8 text, one arch per line in row order, shared by the
    tables of the build that have the same keys; returns form -> path in the build."""
    digest = _keys_digest(space, keys)
    out = {}
    for name, strings in _string_forms(space, keys).items():
        rel = Path("arrays") / space.name / "strings" / f"{digest}.{name}.txt"
        if not (work / rel).exists():
            atomic_write(work / rel, "".join(s + "\n" for s in strings))
        out[name] = str(rel)
    return out


def _write_string_index(work: Path, space: Any, keys: np.ndarray) -> dict[str, str] | None:
    """Write the index file of the canonical strings (``_lookup.StringIndex``: the strings
    at a fixed width in row order, a hash table of their rows, their lengths). None (no
    index: the maps answer) for strings that are not ASCII, too long, too many, or whose
    hashes collide."""
    from nasbench.store._lookup import StringIndex

    data = StringIndex.encode(_string_forms(space, keys)["arch"])
    if data is None:
        return None
    rel = Path("arrays") / space.name / "strings" / f"{_keys_digest(space, keys)}.arch.index"
    if not (work / rel).exists():
        atomic_write(work / rel, data)
    return {"index": str(rel)}


def _write_npy(target: Path, array: np.ndarray) -> None:
    def save(path: Path) -> None:
        with path.open("wb") as f:  # a file object: np.save would append ".npy" to a path
            np.save(f, array, allow_pickle=False)

    atomic_with(target, save)


def _write_extra(work: Path, name: str, frame: Any) -> dict[str, Any]:
    """A long table (e.g. every row of our hardware measurements) as Parquet in the build."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rel = Path("tables") / f"{name}.parquet"
    table = pa.Table.from_pandas(frame, preserve_index=False)
    atomic_with(work / rel, lambda p: pq.write_table(table, p, compression="zstd"))
    return {"parquet": str(rel), "n_rows": int(len(frame))}


def _code_fingerprint() -> str:
    """sha256 of the code that decides table contents, so a code change means a new build."""
    pkg = Path(__file__).resolve().parents[1]
    files = [*sorted((pkg / "store").glob("*.py"))]
    for sub in ("recipes", "spaces", "hardware"):
        files.extend(sorted((pkg / sub).glob("*.py")))
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.parent.name}/{f.name}".encode() + b"\0" + f.read_bytes())
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


def _set_current(root: Path, build_id: str) -> None:
    previous = current_build(root) or ""
    if previous == build_id:
        return
    if previous:
        atomic_write(root / "PREVIOUS", previous)
    atomic_write(root / "CURRENT", build_id)
