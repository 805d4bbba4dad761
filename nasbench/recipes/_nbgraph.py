"""NAS-Bench-Graph recipe: nas-bench-graph's ``light/<dataset>.bench`` pickles."""

from __future__ import annotations

import numpy as np

from nasbench._metrics import nbgraph_metrics
from nasbench.recipes._base import Recipe, TableData, load_source_pickle, source_path

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
            "proteins")


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
    data = TableData("nbgraph", dataset, keys, values, nbgraph_metrics(dataset),
                     [("nasbench_graph", dataset)])
    if dataset == "proteins":  # the proteins benchmark uses five of the nine ops
        from nasbench.spaces import PROTEINS_OPS

        data.space_options = {"ops": list(PROTEINS_OPS)}
    return data.sort()


NBGRAPH = Recipe("nbgraph", DATASETS, load_nbgraph)
