"""``nasbench import transnas101 PATH``: TransNAS-Bench-101's ``transnas-bench_v10141024.pth``
(or a folder holding one ``.pth``). Needs torch (``pip install 'nasbench[torch]'``).

The file is a ``torch.save`` of a plain dict: ``task_list`` (seven tasks), ``metrics_dict``
(task -> metric names), ``info_names`` and ``data`` = {``"micro"`` / ``"macro"``:
{official arch string: {task: {``"metrics"``: {metric: per-epoch list}, ``"model_info"``:
{info: value}, ``"total_epochs"``: int}}}}. It is read with ``torch.load(...,
weights_only=True)`` (no arbitrary unpickling); a file that needs more is refused.

Tables ``transnas_micro/<task>`` and ``transnas_macro/<task>``, one seed (the benchmark has one
run per network and task). Every metric is imported at the final epoch (the official API's
``mode="final"``) under our name (``valid_`` -> ``val_``; ``time_elapsed`` -> ``train_time``)
with its per-epoch curve; ``model_info``: ``inference_time`` -> ``latency``,
``model_params`` -> ``params``, ``model_FLOPs`` -> ``flops``, ``encoder_params``,
``encoder_FLOPs`` -> ``encoder_flops`` (units as the file records them). Classification
tasks alias ``val_acc`` / ``train_acc`` / ``test_acc`` to the ``*_top1`` columns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.importers import register
from nasbench.importers._base import Importer, ImportError_, ImportWriter
from nasbench.recipes._base import TableData
from nasbench.store._metrics import MetricInfo

SPACES = {"micro": "transnas_micro", "macro": "transnas_macro"}
INFO = {"inference_time": "latency", "model_params": "params", "model_FLOPs": "flops",
        "encoder_params": "encoder_params", "encoder_FLOPs": "encoder_flops"}


def our_name(metric: str) -> str:
    """Our column of an official metric (``valid_top1`` -> ``val_top1``)."""
    if metric == "time_elapsed":
        return "train_time"
    return "val_" + metric[len("valid_"):] if metric.startswith("valid_") else metric


def _semantics(metric: str) -> tuple[str, str, str]:
    """(split, direction, unit) of an official metric name."""
    split = ("valid" if metric.startswith("valid_") else "test" if metric.startswith("test_")
             else "train")
    low = metric.lower()
    if "neg_loss" in low:
        return split, "max", "negative loss"
    if "loss" in low:
        return split, "min", "loss"
    if "time" in low:
        return split, "min", "seconds"
    unit = "percent" if ("top" in low or low.endswith("_acc")) else "score"
    return split, "max", unit


def _num(v: Any) -> float:
    try:
        return float(v.item() if hasattr(v, "item") else v)
    except (TypeError, ValueError):
        return float("nan")


class TransNASImporter(Importer):
    """TransNAS-Bench-101 (see the module docstring)."""

    name = "transnas101"
    description = "TransNAS-Bench-101 transnas-bench_v10141024.pth (needs torch)"
    citation = ("Duan, Chen, Xu, Chen, Liang, Zhang, Li. TransNAS-Bench-101: Improving "
                "Transferability and Generalizability of Cross-Task Neural Architecture "
                "Search. CVPR 2021.")
    licence = "MIT (yawen-d/TransNASBench)"

    def inputs(self, path: Path) -> list[Path]:
        if path.is_dir():
            return sorted(path.glob("*.pth"))[:1]
        return [path]

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        (file,) = self.inputs(path)
        try:
            import torch
        except ImportError:
            raise ImportError_("The transnas101 importer needs torch to read the .pth file: "
                               "pip install 'nasbench[torch]'.") from None
        try:
            db = torch.load(file, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - torch raises many kinds for bad files
            raise ImportError_(f"{file} cannot be read as a TransNAS-Bench-101 file with "
                               f"torch.load(weights_only=True): {exc}") from None
        try:
            tasks = list(db["task_list"])
            metrics_of = {t: list(db["metrics_dict"][t]) for t in tasks}
            data = db["data"]
        except (KeyError, TypeError) as exc:
            raise ImportError_(f"{file} lacks TransNAS-Bench-101's fields ({exc}).") from None
        from nasbench.spaces import get_space

        for ss, space_name in SPACES.items():
            archs = data.get(ss) or {}
            if not archs:
                continue
            space = get_space(space_name)
            names = list(archs)
            try:
                keys = np.asarray([space.key(a) for a in names], dtype=np.int64)
            except Exception as exc:  # noqa: BLE001
                raise ImportError_(f"{file}: a {ss} arch string is not valid: {exc}") from None
            full = len(keys) == len(space) and set(keys.tolist()) == set(
                space.keys(space.enumerate()).tolist())
            options = {} if full else {"keys": sorted(keys.tolist())}
            for task in tasks:
                writer.add_table(_table(file, space_name, task, names, keys, archs,
                                        metrics_of[task], options))
                progress(f"transnas101: {space_name}/{task}: {len(keys)} archs")


def _table(file: Path, space_name: str, task: str, names: list[str], keys: np.ndarray,
           archs: dict[str, Any], metrics: list[str], options: dict[str, Any]) -> TableData:
    n = len(names)
    values: dict[str, np.ndarray] = {}
    infos: dict[str, MetricInfo] = {}
    curves: dict[str, np.ndarray] = {}
    for m in metrics:
        lists = []
        for a in names:
            try:
                lists.append([_num(v) for v in archs[a][task]["metrics"][m]])
            except (KeyError, TypeError):
                lists.append([])
        width = max((len(x) for x in lists), default=0)
        curve = np.full((n, 1, max(width, 1)), np.nan)
        for i, x in enumerate(lists):
            curve[i, 0, : len(x)] = x
        final = np.array([x[-1] if x else np.nan for x in lists])
        col = our_name(m)
        split, direction, unit = _semantics(m)
        values[col] = final[:, None]
        infos[col] = MetricInfo(
            col, unit, direction, split,
            f"TransNAS-Bench-101 {task} (Taskonomy), one run per network", "final epoch",
            "import:transnas101", True, f"official metric {m!r} at the final epoch")
        if width:
            curves[col] = curve
    for info, col in INFO.items():
        v = np.array([_num(archs[a][task].get("model_info", {}).get(info, np.nan))
                      if isinstance(archs[a].get(task), dict) else np.nan for a in names])
        if np.all(np.isnan(v)):
            continue
        values[col] = v[:, None]
        infos[col] = MetricInfo(
            col, "seconds" if info == "inference_time" else "as recorded", "min", "none",
            f"TransNAS-Bench-101 {task} model information", "n/a", "import:transnas101",
            False, f"official model_info {info!r} (units as the file records them)")
    present = ~np.all(np.isnan(np.stack([v[:, 0] for v in values.values()])), axis=0)
    if not present.all():
        keep = np.flatnonzero(present)
        keys = keys[keep]
        values = {c: v[keep] for c, v in values.items()}
        curves = {c: v[keep] for c, v in curves.items()}
        options = {"keys": sorted(keys.tolist())}
    aliases = {}
    if "val_top1" in values:
        aliases = {f"{s}_acc": f"{s}_top1" for s in ("train", "val", "test")
                   if f"{s}_top1" in values and f"{s}_acc" not in values}
    order: tuple[str, ...] = ("val_top1", "val_acc", "val_loss", "val_ssim", "test_top1",
                              "train_time", "params")
    main = [c for c in order if c in values][:4]
    return TableData(space_name, task, keys, values, infos, [("import:transnas101", file.name)],
                     aliases=aliases, space_options=options, curves=curves,
                     main_metrics=main).sort()


register(TransNASImporter())
