"""Canonical metric names, units and semantics, shared by every table.

A metric's *semantics* say what was trained on what, evaluated on what, for how long, in which
unit and which direction is better. They are written into the store's catalog so a user can read
them back with ``Table.describe(metric)`` or ``SELECT * FROM metrics`` in SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class MetricInfo:
    """Semantics of one metric column.

    Attributes:
        name: canonical column name.
        unit: ``"percent"``, ``"seconds"``, ``"millions"``, ``"mse"`` ...
        direction: ``"max"`` or ``"min"`` (which value is better).
        split: what the model was trained on and what this value was evaluated on.
        budget: the training budget the value belongs to (e.g. ``"200 epochs"``).
        source: key of the source in ``data/sources.json``.
        per_seed: whether the source gives one value per training seed (else one per arch).
        description: anything else a user must know.
    """

    name: str
    unit: str
    direction: str
    split: str
    budget: str
    source: str
    per_seed: bool
    description: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


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
        "val_acc": MetricInfo("val_acc", "percent", "max", split, "200 epochs", src, True,
                              "top-1 validation accuracy after the last epoch, one value per "
                              "training seed (2 or 3 seeds per cell)"),
        "train_time": MetricInfo("train_time", "seconds", "min", split, "200 epochs", src, True,
                                 "wall-clock training time of the whole 200-epoch run as "
                                 "published (the source repeats one value for every seed)"),
        "latency": MetricInfo("latency", "seconds", "min", "inference", "n/a", src, True,
                              "inference latency as published by NAS-Bench-201 (seconds per "
                              "forward pass on the authors' GPU); same value for every seed"),
        "params": MetricInfo("params", "millions", "min", "n/a", "n/a", src, True,
                             "number of trainable parameters in millions, per seed as "
                             "published; for 204 cells one seed lists another cell's count, "
                             "so prefer params_exact"),
    }


def nb201_cost_metrics() -> dict[str, MetricInfo]:
    """Analytic cost columns of the NB201 tables, counted from each cell's network graph."""
    return {
        "params_exact": MetricInfo(
            "params_exact", "millions", "min", "n/a", "n/a", "nasbench_analytic", False,
            "trainable parameters of the NAS-Bench-201 network in millions, counted from the "
            "graph (nasbench.hardware.cost_table); equals a published per-seed value for every "
            "cell"),
        "flops": MetricInfo(
            "flops", "millions", "min", "inference", "batch size 1", "nasbench_analytic", False,
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
    split = "CIFAR-10, AnalogNAS-Bench's own training and evaluation protocol"
    out: dict[str, MetricInfo] = {}
    for name, desc in _ANALOG_BASE.items():
        out[name] = MetricInfo(name, "percent", "max", split, "see AnalogNAS-Bench",
                               "analognas_bench", False, desc)
    for kind, label in (("baseline", "digital baseline"), ("analog", "analog deployment")):
        for tag in ANALOG_DRIFT_TIMES:
            name = f"analog_{kind}_drift_{tag}_acc"
            out[name] = MetricInfo(name, "percent", "max", split, "see AnalogNAS-Bench",
                                   "analognas_bench", False,
                                   f"mean accuracy of the {label} after {tag} of conductance drift")
            std = f"analog_{kind}_drift_{tag}_std"
            out[std] = MetricInfo(std, "percent", "min", split, "see AnalogNAS-Bench",
                                  "analognas_bench", False,
                                  f"spread (±) reported with {name}")
    return out


def nbgraph_metrics(dataset: str) -> dict[str, MetricInfo]:
    """Metric semantics of the NAS-Bench-Graph tables."""
    score = "ROC-AUC x 100" if dataset == "proteins" else "accuracy"
    split = f"{dataset}: NAS-Bench-Graph's fixed train/validation/test node split"
    src = "nasbench_graph"
    note = ("the source publishes one value per architecture (already averaged over the "
            "benchmark's repeated runs); it is stored as seed 0")
    return {
        "val_acc": MetricInfo("val_acc", "percent", "max", split, "NAS-Bench-Graph schedule", src,
                              False, f"validation {score}; {note}"),
        "test_acc": MetricInfo("test_acc", "percent", "max", split, "NAS-Bench-Graph schedule",
                               src, False, f"test {score}; never give it to a search algorithm"),
        "latency": MetricInfo("latency", "seconds", "min", "inference", "n/a", src, False,
                              "inference latency as published by NAS-Bench-Graph"),
        "params": MetricInfo("params", "millions", "min", "n/a", "n/a", src, False,
                             "number of parameters, in millions"),
    }


def fcnet_metrics(dataset: str) -> dict[str, MetricInfo]:
    """Metric semantics of the HPOLib FCNet tables (100 epochs, 4 seeds)."""
    split = f"{dataset}: HPOLib's fixed train/validation split"
    src = "hpolib_fcnet"
    return {
        "val_loss": MetricInfo("val_loss", "mse", "min", split, "100 epochs", src, True,
                               "validation mean squared error after the last epoch, per seed"),
        "train_time": MetricInfo("train_time", "seconds", "min", split, "100 epochs", src, True,
                                 "wall-clock training time, per seed"),
        "params": MetricInfo("params", "millions", "min", "n/a", "n/a", src, True,
                             "number of parameters in millions (the source gives a count)"),
    }
