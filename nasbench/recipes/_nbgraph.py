"""NAS-Bench-Graph recipe: nas-bench-graph's ``light/<dataset>.bench`` pickles."""

from __future__ import annotations

import numpy as np

from nasbench.recipes._base import PackageRecipe, TableData, load_source_pickle, source_path
from nasbench.store._metrics import MetricInfo

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
            "proteins")


def nbgraph_metrics(dataset: str) -> dict[str, MetricInfo]:
    """Metric semantics of the NAS-Bench-Graph tables."""
    score = "ROC-AUC x 100" if dataset == "proteins" else "accuracy"
    split = f"{dataset}: NAS-Bench-Graph's fixed train/validation/test node split"
    src = "nasbench_graph"
    note = ("the source publishes one value per architecture (already averaged over the "
            "benchmark's repeated runs); it is stored as seed 0")
    return {
        "val_acc": MetricInfo("val_acc", "percent", "max", "valid", split,
                              "NAS-Bench-Graph schedule", src, False,
                              f"validation {score}; {note}"),
        "test_acc": MetricInfo("test_acc", "percent", "max", "test", split,
                               "NAS-Bench-Graph schedule", src, False,
                               f"test {score}; never give it to a search algorithm"),
        "latency": MetricInfo("latency", "seconds", "min", "none", "inference", "n/a", src, False,
                              "inference latency as published by NAS-Bench-Graph"),
        "params": MetricInfo("params", "millions", "min", "none", "n/a", "n/a", src, False,
                             "number of parameters, in millions"),
    }


def load_nbgraph(dataset: str) -> TableData:
    """Read one NAS-Bench-Graph dataset; accuracies converted from fractions to percent."""
    raw = load_source_pickle(source_path("nasbench_graph", dataset))
    keys = np.fromiter(raw, dtype=np.int64, count=len(raw))
    recs = list(raw.values())

    def col(field: str, scale: float) -> np.ndarray:
        return np.array([float(r[field]) * scale for r in recs])[:, None]

    values = {
        "val_acc": col("valid_perf", 100.0),
        "test_acc": col("perf", 100.0),
        "latency": col("latency", 1.0),
        "params": col("para", 1.0),
    }
    why = ("NAS-Bench-Graph's light files (nas-bench-graph 1.4.0) hold validation and test "
           "scores, latency and parameters only; training curves are in its full .bench files, "
           "which this nasbench version cannot import yet")
    data = TableData("nbgraph", dataset, keys, values, nbgraph_metrics(dataset),
                     [("nasbench_graph", dataset)],
                     lacks=dict.fromkeys(("train_acc", "val_loss", "train_loss"), why))
    if dataset == "proteins":  # the proteins benchmark uses five of the nine ops
        from nasbench.spaces import PROTEINS_OPS

        data.space_options = {"ops": list(PROTEINS_OPS)}
    return data.sort()


NBGRAPH = PackageRecipe("nbgraph", DATASETS, load_nbgraph, ("nasbench_graph",))
