"""What the NATS-Bench importers share: safe unpickling, the state-dict layout, chunks, tables.

The official NATS-Bench files (Dong et al., TPAMI 2021) are bz2-compressed pickles written
by the official API (``nats_bench.api_utils.pickle_save``). Two layouts exist:

* the single file ``NATS-{tss,sss}-v1_0-<hash>.pickle.pbz2``: a dict ``{"meta_archs": [arch
  strings, official index order], "arch2infos": {index: {hp: ArchResults state dict}},
  "evaluated_indexes": [...]}``;
* the ``-simple`` folder: ``meta.pickle.pbz2`` (``{"meta_archs": [...]}``) plus one
  ``{index:06d}.pickle.pbz2`` per architecture holding ``{hp: ArchResults state dict}``.

An ArchResults state dict is ``{"arch_index", "arch_str", "dataset_seed": {dataset:
[seeds]}, "all_results": {(dataset, seed): ResultsCount state dict}, "clear_net_done"}``;
a ResultsCount state dict holds ``epochs``, per-epoch ``train_acc1es`` / ``train_losses``
/ ``train_times`` (epoch -> value), ``eval_names`` and per-epoch ``eval_acc1es`` /
``eval_losses`` / ``eval_times`` keyed ``"<set>@<epoch>"`` (sets ``x-valid``, ``x-test``,
``ori-test``), ``params`` (millions), ``flop`` (millions), ``latency`` (list of seconds, or
None) and ``seed``. Either layout may hold a subset of the architectures.

Files are read with :class:`NatsUnpickler`, which builds only builtin containers and
scalars, ``collections.OrderedDict`` and numpy scalars; any other global in a file (a class,
a function, a torch tensor of a ``-full`` archive) stops the import with an error that names
it, before anything from the file has run.
"""

from __future__ import annotations

import bz2
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.importers._base import Importer, ImportError_, ImportWriter
from nasbench.recipes._base import TableData
from nasbench.store._metrics import MetricInfo

PICKLE_EXT = ".pickle.pbz2"
META = "meta" + PICKLE_EXT
_ARCH_FILE = re.compile(r"^(\d+)\.pickle\.pbz2$")
#: Globals a NATS-Bench file may name; everything else is refused.
ALLOWED_GLOBALS = frozenset({
    ("collections", "OrderedDict"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
})
#: NATS-Bench evaluation sets (the ``eval_names`` of a ResultsCount) plus ``train``.
SETS = ("train", "x-valid", "x-test", "ori-test")
#: NATS-Bench dataset names, in the order tables are written.
NATS_DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
CHUNK = 250  # architectures per resumable chunk


class NatsUnpickler(pickle.Unpickler):
    """An unpickler that admits only :data:`ALLOWED_GLOBALS` (see the module docstring)."""

    def __init__(self, file: Any, where: Path) -> None:
        super().__init__(file)
        self.where = where

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        hint = (" (a torch tensor: this looks like a '-full' archive with network weights; "
                "import the '-simple' folder or the single .pickle.pbz2 file instead)"
                if module.startswith("torch") else "")
        raise ImportError_(
            f"{self.where}: refusing to unpickle the global {module}.{name}{hint}. NATS-Bench "
            "files hold only plain containers, numbers, strings and OrderedDicts; nothing "
            "from this file was run, and the import stopped.")


def load_pickle(path: Path) -> Any:
    """Read one (bz2-compressed or plain) NATS-Bench pickle with :class:`NatsUnpickler`."""
    try:
        with path.open("rb") as raw:
            compressed = raw.read(3) == b"BZh"
        opener: Callable[[], Any] = ((lambda: bz2.open(path, "rb")) if compressed
                                     else (lambda: path.open("rb")))
        with opener() as f:
            return NatsUnpickler(f, path).load()
    except ImportError_:
        raise
    except (EOFError, OSError, pickle.UnpicklingError, ValueError, TypeError, KeyError,
            AttributeError, IndexError, MemoryError) as exc:
        raise ImportError_(f"{path} is not a readable NATS-Bench pickle (truncated or "
                           f"corrupt?): {type(exc).__name__}: {exc}") from None


# ---- reading the state dicts -----------------------------------------------------------

def _num(x: Any, where: str) -> float:
    """A finite-or-NaN float from a number in the file; anything else is an error."""
    if x is None:
        return float("nan")
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer,
                                                             np.floating)):
        raise ImportError_(f"{where}: expected a number, found {type(x).__name__} {x!r}.")
    v = float(x)
    if np.isinf(v):
        raise ImportError_(f"{where}: the value is infinite.")
    return v


#: Exact types of the numbers a file may hold (bool is not among them; None = missing).
_NUMBER_TYPES = frozenset({float, int, type(None), np.float64, np.float32, np.float16,
                           np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16,
                           np.uint32, np.uint64})


def _floats(vals: list[Any], where: str) -> np.ndarray:
    """A list of numbers (None: missing) as float64; anything else raises with its position."""
    types = set(map(type, vals))
    if not types <= _NUMBER_TYPES:
        for i, v in enumerate(vals):
            _num(v, f"{where}[{i}]")  # names the first bad entry
    if type(None) in types:
        vals = [np.nan if v is None else v for v in vals]
    out = np.array(vals, dtype=np.float64) if vals else np.zeros(0)
    if np.isinf(out).any():
        i = int(np.flatnonzero(np.isinf(out))[0])
        raise ImportError_(f"{where}[{i}]: the value is infinite.")
    return out


@lru_cache(maxsize=256)
def _eval_keys(name: str, epochs: int) -> tuple[str, ...]:
    return tuple(f"{name}@{e}" for e in range(epochs))


def _series(obj: Any, n: int, where: str) -> np.ndarray:
    """Per-epoch values (a dict epoch -> value or a list) as a float64 array of length n."""
    if obj is None:
        return np.full(n, np.nan)
    if isinstance(obj, dict):
        return _floats(list(map(obj.get, range(n))), where)
    if isinstance(obj, (list, tuple)):
        out = np.full(n, np.nan)
        got = _floats(list(obj[:n]), where)
        out[: len(got)] = got
        return out
    raise ImportError_(f"{where}: expected per-epoch values, found {type(obj).__name__}.")


@dataclass
class Run:
    """One training run (one arch, schedule, dataset and seed) as arrays."""

    seed: int
    epochs: int
    curves: dict[str, np.ndarray]  # "<set>.<acc|loss|time>" -> (epochs,)
    params: float
    flops: float
    latency: float


def read_run(state: Any, where: str) -> Run:
    """One ResultsCount state dict (see the module docstring) as a :class:`Run`."""
    if not isinstance(state, dict):
        raise ImportError_(f"{where}: expected a ResultsCount state dict, found "
                           f"{type(state).__name__}.")
    try:
        epochs = state["epochs"]
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ImportError_(f"{where}: 'epochs' must be a positive int, got {epochs!r}.")
        epochs = int(epochs)
        curves = {"train.acc": _series(state.get("train_acc1es"), epochs, f"{where} train_acc1es"),
                  "train.loss": _series(state.get("train_losses"), epochs,
                                        f"{where} train_losses"),
                  "train.time": _series(state.get("train_times"), epochs, f"{where} train_times")}
        names = state.get("eval_names") or []
        for kind, field in (("acc", "eval_acc1es"), ("loss", "eval_losses"),
                            ("time", "eval_times")):
            table = state.get(field) or {}
            if not isinstance(table, dict):
                raise ImportError_(f"{where}: {field} must be a dict.")
            for name in names:
                if name not in SETS:
                    continue
                curves[f"{name}.{kind}"] = _floats(
                    list(map(table.get, _eval_keys(name, epochs))), f"{where} {field}[{name}@]")
        lat = state.get("latency")
        if lat is None:
            latency = float("nan")
        elif isinstance(lat, (list, tuple)):
            vals = [_num(v, f"{where} latency") for v in lat]
            latency = float(np.mean(vals)) if vals else float("nan")
        else:
            latency = _num(lat, f"{where} latency")
        if not latency > 0:  # the official API: -1 / None / non-positive = not available
            latency = float("nan")
        seed = state.get("seed")
        return Run(int(_num(seed, f"{where} seed")) if seed is not None else -1, epochs,
                   curves, _num(state.get("params"), f"{where} params"),
                   _num(state.get("flop"), f"{where} flop"), latency)
    except KeyError as exc:
        raise ImportError_(f"{where}: the ResultsCount state dict lacks {exc}.") from None


def read_arch(hp2state: Any, where: str) -> dict[tuple[str, str], list[Run]]:
    """``{hp: ArchResults state dict}`` -> {(dataset, hp): runs sorted by seed}."""
    if not isinstance(hp2state, dict):
        raise ImportError_(f"{where}: expected {{hp: ArchResults state dict}}, found "
                           f"{type(hp2state).__name__}.")
    out: dict[tuple[str, str], list[Run]] = {}
    for hp, arch in hp2state.items():
        if not isinstance(arch, dict) or "all_results" not in arch:
            raise ImportError_(f"{where} hp {hp!r}: not an ArchResults state dict.")
        results = arch["all_results"]
        if not isinstance(results, dict):
            raise ImportError_(f"{where} hp {hp!r}: all_results must be a dict.")
        for key, state in results.items():
            if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str)):
                raise ImportError_(f"{where} hp {hp!r}: all_results key {key!r} is not "
                                   "(dataset, seed).")
            run = read_run(state, f"{where} hp {hp} {key[0]} seed {key[1]}")
            run.seed = int(_num(key[1], f"{where} seed"))
            out.setdefault((key[0], str(hp)), []).append(run)
    for runs in out.values():
        runs.sort(key=lambda r: r.seed)
    return out


# ---- the two layouts -------------------------------------------------------------------

def layout_inputs(path: Path) -> list[Path]:
    """The files an import of ``path`` reads (meta file + arch files, or the single file)."""
    if path.is_dir():
        files = [path / META] if (path / META).exists() else []
        files += sorted(p for p in path.iterdir() if _ARCH_FILE.match(p.name))
        return files
    return [path]


def open_layout(path: Path, progress: Callable[[str], None]
                ) -> tuple[list[str], list[int], Callable[[int], Any]]:
    """(meta_archs, indexes the file holds, index -> {hp: state dict}) of either layout."""
    if path.is_dir():
        if not (path / META).exists():
            raise ImportError_(f"{path} has no {META}: not a NATS-Bench '-simple' folder.")
        meta = load_pickle(path / META)
        if not isinstance(meta, dict) or "meta_archs" not in meta:
            raise ImportError_(f"{path / META} has no 'meta_archs'.")
        files = {int(m.group(1)): p for p in path.iterdir()
                 if (m := _ARCH_FILE.match(p.name))}
        progress(f"{path}: {len(files)} architecture files")
        return _meta(meta, path), sorted(files), lambda i: load_pickle(files[i])
    progress(f"reading {path} (one file: it is loaded whole) ...")
    meta, indexes, infos = single_file_layout(load_pickle(path), path, "NATS-Bench")
    return meta, indexes, lambda i: infos[i]


def single_file_layout(raw: Any, path: Path, kind: str
                       ) -> tuple[list[str], list[int], dict[Any, Any]]:
    """``(meta_archs, evaluated indexes, arch2infos)`` of a whole-file benchmark dict (the
    NATS-Bench single file and the NAS-Bench-201 ``.pth`` share this layout)."""
    if not isinstance(raw, dict) or not {"meta_archs", "arch2infos"} <= set(raw):
        raise ImportError_(f"{path} is not a {kind} file: it lacks 'meta_archs' / "
                           "'arch2infos'.")
    infos = raw["arch2infos"]
    if not isinstance(infos, dict):
        raise ImportError_(f"{path}: 'arch2infos' must be a dict.")
    evaluated = raw.get("evaluated_indexes", infos.keys())
    indexes = sorted(int(_num(i, f"{path} evaluated_indexes")) for i in evaluated)
    missing = [i for i in indexes if i not in infos]
    if missing:
        raise ImportError_(f"{path}: evaluated index {missing[0]} has no entry in arch2infos.")
    return _meta(raw, path), indexes, infos


def _meta(raw: dict[str, Any], where: Path) -> list[str]:
    archs = raw["meta_archs"]
    if not isinstance(archs, (list, tuple)) or not all(isinstance(a, str) for a in archs):
        raise ImportError_(f"{where}: 'meta_archs' must be a list of arch strings.")
    return list(archs)


# ---- conversion: chunks, then one table per plan ---------------------------------------

@dataclass(frozen=True)
class Column:
    """One family of our columns: ``<name>_{acc,loss,time}`` read from a NATS (dataset, set)."""

    name: str          # our prefix: "val", "test", "ori_test", "train"
    dataset: str       # NATS dataset name
    set: str           # NATS set name ("train", "x-valid", "x-test", "ori-test")
    split: str         # our split of the accuracy / loss columns
    protocol: str      # what was trained on what, in words


@dataclass(frozen=True)
class Plan:
    """One output table: which NATS columns make it."""

    dataset: str              # our dataset (table) name
    columns: tuple[Column, ...]
    costs: str                # NATS dataset whose params / FLOPs / latency the table carries


def convert_layout(path: Path, writer: ImportWriter, progress: Callable[[str], None], *,
                   source: str, space_name: str, keys_of: Callable[[list[str]], np.ndarray],
                   main_hp: str, plans: tuple[Plan, ...],
                   check_meta: Callable[[list[str]], None] | None = None,
                   opened: tuple[list[str], list[int], Callable[[int], Any]] | None = None
                   ) -> None:
    """Read ``path`` in resumable chunks, then write one table per plan that has data.

    ``opened`` = (meta_archs, indexes, index -> {hp: state dict}) of a file the caller read
    (default: :func:`open_layout` of ``path``).
    """
    meta_archs, indexes, load = opened if opened is not None else open_layout(path, progress)
    if check_meta is not None:
        check_meta(meta_archs)
    n_chunks = (len(indexes) + CHUNK - 1) // CHUNK
    for c in range(n_chunks):
        name = f"c{c:05d}"
        if writer.chunk_done(name):
            continue
        part = indexes[c * CHUNK:(c + 1) * CHUNK]
        writer.save_chunk(name, _chunk_arrays(part, load, path))
        progress(f"{source}: chunk {c + 1}/{n_chunks} ({len(part)} archs)")
    bad = [i for i in indexes if not 0 <= i < len(meta_archs)]
    if bad:
        raise ImportError_(f"{path}: architecture index {bad[0]} is outside meta_archs "
                           f"({len(meta_archs)} entries).")
    chunks = _Chunks(writer, [f"c{c:05d}" for c in range(n_chunks)])
    for plan in plans:
        data = _table(chunks, plan, meta_archs, space_name, keys_of, main_hp, source)
        if data is not None:
            writer.add_table(data)
            progress(f"{source}: table {space_name}/{plan.dataset}: {len(data.keys)} archs, "
                     f"{len(data.values)} columns, {len(data.curves)} curves")


def _chunk_arrays(part: list[int], load: Callable[[int], Any], path: Path
                  ) -> dict[str, np.ndarray]:
    """Arrays of one chunk: ``<dataset>~<hp>~<field>`` of shape (n, seeds[, epochs])."""
    runs_of = [read_arch(load(i), f"{path} index {i}") for i in part]
    out: dict[str, np.ndarray] = {"index": np.asarray(part, dtype=np.int64)}
    groups = sorted({g for r in runs_of for g in r})
    for ds, hp in groups:
        seeds = max(len(r.get((ds, hp), ())) for r in runs_of)
        epochs = max(run.epochs for r in runs_of for run in r.get((ds, hp), ()))
        fields = sorted({f for r in runs_of for run in r.get((ds, hp), ()) for f in run.curves})
        tag = f"{ds}~{hp}~"
        curves = {f: np.full((len(part), seeds, epochs), np.nan) for f in fields}
        scal = {f: np.full((len(part), seeds), np.nan)
                for f in ("params", "flops", "latency", "seed")}
        for a, r in enumerate(runs_of):
            for s, run in enumerate(r.get((ds, hp), ())):
                for f, v in run.curves.items():
                    curves[f][a, s, : len(v)] = v
                scal["params"][a, s], scal["flops"][a, s] = run.params, run.flops
                scal["latency"][a, s], scal["seed"][a, s] = run.latency, run.seed
        out.update({tag + f: v for f, v in curves.items()})
        out.update({tag + f: v for f, v in scal.items()})
    return out


class _Chunks:
    """The saved chunks of one import, read lazily (one array at a time, never all)."""

    def __init__(self, writer: ImportWriter, names: list[str]) -> None:
        self.paths = [writer.work / "chunks" / f"{name}.npz" for name in names]
        self.shapes: dict[str, tuple[int, ...]] = {}  # field -> max shape over the chunks
        self.present: dict[str, set[int]] = {}  # NATS dataset -> indexes with any value
        for path in self.paths:
            with np.load(path, allow_pickle=False) as z:
                idx = z["index"]
                for k in z.files:
                    if "~" not in k:
                        continue
                    arr = z[k]
                    old = self.shapes.get(k, (0,) * arr.ndim)
                    self.shapes[k] = tuple(max(x, y) for x, y in zip(old, arr.shape,
                                                                       strict=True))
                    if not k.endswith("~seed"):
                        has = ~np.isnan(arr.reshape(arr.shape[0], -1)).all(axis=1)
                        self.present.setdefault(k.split("~", 1)[0], set()).update(
                            idx[has].tolist())

    def hps(self, dataset: str) -> set[str]:
        return {k.split("~")[1] for k in self.shapes if k.startswith(f"{dataset}~")}

    def stack(self, field: str, rows: dict[int, int], n: int, seeds: int) -> np.ndarray:
        """One field of every chunk into a (n, seeds[, epochs]) array, NaN padded."""
        shape = self.shapes[field]
        out = np.full((n, seeds, *shape[2:]), np.nan)
        for path in self.paths:
            with np.load(path, allow_pickle=False) as z:
                if field not in z.files:
                    continue
                idx, arr = z["index"], z[field]
                pos = np.array([rows.get(int(i), -1) for i in idx], dtype=np.int64)
                ok = pos >= 0
                if arr.ndim == 2:
                    out[pos[ok], : arr.shape[1]] = arr[ok]
                else:
                    out[pos[ok], : arr.shape[1], : arr.shape[2]] = arr[ok]
        return out


def _unit(kind: str) -> tuple[str, str]:
    return {"acc": ("percent", "max"), "loss": ("cross-entropy", "min"),
            "time": ("seconds", "min")}[kind]


def _table(chunks: _Chunks, plan: Plan, meta_archs: list[str], space_name: str,
           keys_of: Callable[[list[str]], np.ndarray], main_hp: str, source: str
           ) -> TableData | None:
    """One plan's table, field by field (peak memory: the table's own arrays)."""
    datasets = {c.dataset for c in plan.columns} | {plan.costs}
    hps = sorted(set().union(*(chunks.hps(d) for d in datasets)),
                 key=lambda h: (h != main_hp, h))
    present = sorted(set().union(*(chunks.present.get(d, set()) for d in datasets)))
    if not present:
        return None
    # rows in key order, so the table needs no re-sorting (a copy of every array)
    keys_all = keys_of([meta_archs[i] for i in present])
    order = np.argsort(keys_all, kind="stable")
    index = np.asarray(present, dtype=np.int64)[order]
    keys = keys_all[order]
    rows = {int(i): r for r, i in enumerate(index)}
    n = len(index)
    seeds = max((shape[1] for k, shape in chunks.shapes.items()
                 if k.split("~", 1)[0] in datasets), default=1)
    cost_hps = chunks.hps(plan.costs)
    cost_hp = main_hp if main_hp in cost_hps else (sorted(cost_hps) or [main_hp])[0]
    values: dict[str, np.ndarray] = {}
    curves: dict[str, np.ndarray] = {}
    metrics: dict[str, MetricInfo] = {}
    for hp in hps:
        suffix = "" if hp == main_hp else f"@{hp}"
        budget = f"{int(hp) if hp.isdigit() else hp} epochs"
        for col in plan.columns:
            for kind in ("acc", "loss", "time"):
                field = f"{col.dataset}~{hp}~{col.set}.{kind}"
                if field not in chunks.shapes:
                    continue
                curve = chunks.stack(field, rows, n, seeds)
                if np.isnan(curve).all():
                    continue
                if kind == "time":
                    np.cumsum(curve, axis=2, out=curve)
                name = f"{col.name}_{kind}{suffix}"
                curves[name] = curve
                values[name] = curve[:, :, -1].copy()
                metrics[name] = MetricInfo(
                    name, *_unit(kind), col.split, col.protocol, budget, source, True,
                    _describe(col, kind, hp), schedule=hp)
    for f, ours, unit, desc in (("params", "params", "millions", "trainable parameters"),
                                ("flops", "flops_official", "millions",
                                 "FLOPs of one forward pass as published"),
                                ("latency", "latency", "seconds",
                                 "inference latency as published (seconds per forward pass)")):
        field = f"{plan.costs}~{cost_hp}~{f}"
        if field in chunks.shapes:
            arr = chunks.stack(field, rows, n, seeds)
            if not np.isnan(arr).all():
                values[ours] = arr
                metrics[ours] = MetricInfo(ours, unit, "min", "none", "n/a", "n/a", source,
                                           True, f"{desc}, NATS-Bench {plan.costs}; per seed "
                                           "as published")
    if not values:
        return None
    keep = ~np.all([np.isnan(v).all(axis=1) for v in values.values()], axis=0)
    if not keep.all():  # rows with curve points but no final value: not rows of the table
        keys, index = keys[keep], index[keep]
        values = {m: v[keep] for m, v in values.items()}
        curves = {m: c[keep] for m, c in curves.items()}
    main: list[str] = [m for m in ("val_acc", "test_acc", "train_time", "params") if m in values]
    return TableData(space_name, plan.dataset, np.asarray(keys, dtype=np.int64), values,
                     metrics, [(f"import:{source}", plan.dataset)], official_index=index,
                     curves=curves, main_metrics=main)


def _describe(col: Column, kind: str, hp: str) -> str:
    what = {"acc": "top-1 accuracy", "loss": "cross-entropy loss",
            "time": "time (cumulative over the epochs; the column is the whole run)"}[kind]
    return (f"{what} on NATS-Bench {col.dataset} '{col.set}' after the last epoch of the "
            f"{hp}-epoch schedule (curve: per epoch); seed index k is the k-th smallest seed "
            "of that dataset and schedule in the file")


class NatsImporter(Importer):
    """Shared :meth:`inputs` of the NATS-Bench importers (both layouts)."""

    def inputs(self, path: Path) -> list[Path]:
        return layout_inputs(path)
