"""``nasbench import nb301 PATH``: NAS-Bench-301's training data, the folder
``nb_301_v13_lc_iclr_final`` (or its ``.zip`` as downloaded from figshare, read in place).

Layout: one sub-folder per optimizer that proposed the architectures (``rs``, ``re``,
``darts``, ``bananas``, ...), each holding ``results_<n>.json`` files (also
``results_<n>_ti.json``). Each file is one training run:

* ``optimized_hyperparamater_config``: the architecture as ``NetworkSelectorDatasetInfo:
  darts:edge_{normal,reduce}_<k>`` (op of edge ``k``, 0..13) and ``inputs_node_{normal,
  reduce}_<n>`` (``"i_j"``, the two inputs of node 3..5; node 2 reads 0 and 1), plus the
  training hyperparameters;
* ``info[0]``: ``train_accuracy``, ``val_accuracy`` (percent), ``model_parameters``,
  ``epochs``; ``test_accuracy`` (percent); ``runtime`` (seconds); ``budget`` (epochs);
* ``learning_curves``: per-epoch lists, ``Train/val_accuracy`` (and, where present,
  ``Train/train_accuracy``).

Table ``darts/cifar10``: one row per canonical genotype (the two edges of a node in input
order, :class:`~nasbench.spaces.DartsSpace`), one seed per run of it (files read in sorted
path order); ``val_acc``, ``train_acc``, ``test_acc`` (percent), ``train_time`` (seconds),
``params`` (millions); curves ``val_acc`` (and ``train_acc``) per epoch. The space of the
table is restricted to its genotypes (``space_options``), so the harness searches them.
A file that is not valid JSON or lacks a field raises :class:`ImportError_` naming it.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.importers import register
from nasbench.importers._base import Importer, ImportError_, ImportWriter
from nasbench.recipes._base import TableData
from nasbench.store._metrics import MetricInfo

CHUNK = 5000
_CURVES = {"val_acc": "Train/val_accuracy", "train_acc": "Train/train_accuracy"}


def _is_result(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith("results_") and base.endswith(".json")


def _members(path: Path) -> list[str]:
    """Result files (relative names) of a folder or a zip, sorted."""
    if path.is_dir():
        return sorted(str(p.relative_to(path)) for p in path.rglob("results_*.json"))
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if _is_result(n))


def _read_all(path: Path, names: list[str]) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for n in names:
            yield n, (path / n).read_bytes()
        return
    with zipfile.ZipFile(path) as z:
        for n in names:
            yield n, z.read(n)


def _info(col: str, unit: str, direction: str, split: str, what: str, budget: str) -> MetricInfo:
    return MetricInfo(
        col, unit, direction, split,
        "NAS-Bench-301 training pipeline on CIFAR-10 (train 40k / valid 10k / test 10k "
        "images), one run per seed", budget, "import:nb301", True, what)


class NB301Importer(Importer):
    """NAS-Bench-301 training data (see the module docstring)."""

    name = "nb301"
    description = "NAS-Bench-301 training data nb_301_v13_lc_iclr_final (folder or .zip)"
    citation = ("Siems, Zimmer, Zela, Lukasik, Keuper, Hutter. NAS-Bench-301 and the Case "
                "for Surrogate Benchmarks for Neural Architecture Search. arXiv:2008.09777.")
    licence = "Apache-2.0 (automl/nasbench301; the figshare data record states its own terms)"

    def inputs(self, path: Path) -> list[Path]:
        if path.is_dir():
            return [path / n for n in _members(path)]
        return [path]

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        from nasbench.spaces import get_space

        try:
            names = _members(path)
        except zipfile.BadZipFile:
            raise ImportError_(f"{path} is neither a folder nor a zip file.") from None
        if not names:
            raise ImportError_(f"{path} holds no results_*.json files.")
        space = get_space("darts")
        chunks: list[dict[str, np.ndarray]] = []
        for c0 in range(0, len(names), CHUNK):
            part = names[c0:c0 + CHUNK]
            tag = f"runs_{c0 // CHUNK:05d}"
            if writer.chunk_done(tag):
                chunk = writer.load_chunk(tag)
            else:
                chunk = _convert_chunk(path, part, space)
                writer.save_chunk(tag, chunk)
                progress(f"nb301: {c0 + len(part):,} of {len(names):,} runs read")
            chunks.append(chunk)
        key = np.concatenate([c["key"] for c in chunks])
        vals = np.concatenate([c["values"] for c in chunks])
        budget = np.concatenate([c["budget"] for c in chunks])
        curve = {c: _stack([ch[f"curve_{c}"] for ch in chunks]) for c in _CURVES}
        writer.add_table(_table(key, vals, budget, curve, path))


def _stack(parts: list[np.ndarray]) -> np.ndarray | None:
    """Row-stack per-chunk curves of different lengths (NaN padded); None if any chunk has
    no curve (then the table has none)."""
    if not all(p.size for p in parts):
        return None
    width = max(p.shape[1] for p in parts)
    return np.concatenate([np.pad(p, ((0, 0), (0, width - p.shape[1])),
                                  constant_values=np.nan) for p in parts], axis=0)


def _convert_chunk(path: Path, names: list[str], space: Any) -> dict[str, np.ndarray]:
    from nasbench.errors import InvalidArchitectureError

    keys, rows, budgets = [], [], []
    lcs: dict[str, list[list[float]]] = {c: [] for c in _CURVES}
    for name, raw in _read_all(path, names):
        where = f"{path}/{name}" if path.is_dir() else f"{path}:{name}"
        try:
            d = json.loads(raw.decode("utf-8"))
            arch = space.parse(d["optimized_hyperparamater_config"])
            info = d["info"][0]
            rows.append((float(info["val_accuracy"]), float(info.get("train_accuracy", np.nan)),
                         float(d["test_accuracy"]), float(d["runtime"]),
                         float(info["model_parameters"]) / 1e6))
            budgets.append(int(d.get("budget", -1)))
            lc = d.get("learning_curves") or {}
            for c, src in _CURVES.items():
                lcs[c].append([float(v) for v in lc.get(src, [])])
        except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError,
                InvalidArchitectureError) as exc:
            raise ImportError_(f"{where} is not a NAS-Bench-301 result file: "
                               f"{type(exc).__name__}: {exc}") from None
        keys.append(space.key(arch))
    out = {"key": np.asarray(keys, dtype=np.int64),
           "values": np.asarray(rows, dtype=np.float64).reshape(-1, 5),
           "budget": np.asarray(budgets, dtype=np.int64)}
    for c, lists in lcs.items():
        width = max((len(x) for x in lists), default=0)
        arr = np.full((len(lists), width), np.nan)
        for i, x in enumerate(lists):
            arr[i, : len(x)] = x
        out[f"curve_{c}"] = arr if width else np.zeros((0, 0))
    return out


def _table(key: np.ndarray, vals: np.ndarray, budget: np.ndarray,
           curve: dict[str, np.ndarray | None], path: Path) -> TableData:
    keys, inverse = np.unique(key, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(inverse[order])) + 1]
    seed_sorted = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    seed = np.empty(len(order), dtype=np.int64)
    seed[order] = seed_sorted
    n_seeds = int(seed.max()) + 1
    budgets = sorted(set(budget.tolist()) - {-1})
    when = (f"{budgets[0]} epochs" if len(budgets) == 1
            else f"the run's budget ({', '.join(map(str, budgets))} epochs)")
    names = [("val_acc", "percent", "max", "valid", "validation accuracy at the end of "
              "training (info[0].val_accuracy)"),
             ("train_acc", "percent", "max", "train", "training accuracy at the end of "
              "training (info[0].train_accuracy; with mixup)"),
             ("test_acc", "percent", "max", "test", "test accuracy (test_accuracy)"),
             ("train_time", "seconds", "min", "train", "wall-clock time of the run (runtime)"),
             ("params", "millions", "min", "none", "model parameters (info[0]."
              "model_parameters)")]
    values: dict[str, np.ndarray] = {}
    metrics: dict[str, MetricInfo] = {}
    for j, (col, unit, direction, split, what) in enumerate(names):
        arr = np.full((len(keys), n_seeds), np.nan)
        arr[inverse, seed] = vals[:, j]
        if col == "train_acc" and np.all(np.isnan(arr)):
            continue
        values[col] = arr
        metrics[col] = _info(col, unit, direction, split, what, when)
    curves: dict[str, np.ndarray] = {}
    for col, c in curve.items():
        if c is None or col not in values or not c.size:
            continue
        out = np.full((len(keys), n_seeds, c.shape[1]), np.nan)
        out[inverse, seed] = c
        curves[col] = out
    return TableData("darts", "cifar10", keys, values, metrics, [("import:nb301", path.name)],
                     space_options={"keys": keys.tolist()},
                     main_metrics=["val_acc", "test_acc", "train_time", "params"],
                     curves=curves,
                     lacks={"latency": "NAS-Bench-301's training data has no latency; it "
                                       "records the run's wall-clock time (train_time)."}
                     ).sort()


register(NB301Importer())
