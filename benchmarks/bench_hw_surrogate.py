"""Held-out error of the GPU hardware surrogate (surrogates/nb201__cifar10, xgb).

Run: ``.venv/bin/python benchmarks/bench_hw_surrogate.py``. The surrogate is trained on 80 %
of the measured (and class-propagated) cells of each hardware column. To avoid crediting the
model for copies, the score uses only held-out cells that were measured themselves (their
NB201 class representative) and whose class has no member in the training split.
Prints Kendall tau and mean absolute percentage error (MAPE) per column.

``--compare`` also refits other predictors on the same split (training cells, log target,
``full`` encoding where the predictor takes one) for the CUDA-graph columns and scores them
on the same held-out cells, to show which predictor the fill should use.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

import nasbench
from nasbench.predictors import create
from nasbench.predictors._metrics import kendall_tau
from nasbench.predictors._surrogates import surrogate_params, surrogate_split
from nasbench.recipes._surrogate import SURROGATE_DIR

CANDIDATES = ("ridge", "xgb", "ensemble")

FOLDER = SURROGATE_DIR / "nb201__cifar10"


def main() -> None:
    db = nasbench.open()
    t = db.table("nb201", "cifar10")
    iso = t.space.isomorphism_classes()  # representative key of every key
    pred = pd.read_parquet(FOLDER / "predictions.parquet").set_index("arch_id")
    split = json.loads((FOLDER / "split.json").read_text())
    print("column | cells with a value | honest held-out cells | Kendall tau | MAPE %")
    for m in [c for c in pred.columns if "_cuda_" in c and not c.endswith("__noise_std")]:
        vals = pd.Series(t.array(m), index=np.asarray(t.keys))
        have = vals.dropna().index.to_numpy()
        hold = np.array(split[m])
        train_classes = set(iso[np.setdiff1d(have, hold)].tolist())
        honest = np.array([k for k in hold if iso[k] == k and iso[k] not in train_classes])
        y, p = vals.loc[honest].to_numpy(), pred.loc[honest, m].to_numpy()
        print(f"{m} | {len(have)} | {len(honest)} | {kendall_tau(p, y):.3f} | {_mape(p, y):.1f}")
        if "--compare" in sys.argv and "cudagraph" in m:
            compare(t, m, honest)


def compare(t: Any, metric: str, honest: np.ndarray) -> None:
    """Refit each candidate on the surrogate's training cells; score on ``honest`` (keys)."""
    archs = t.archs()
    train, _ = surrogate_split(t, metric)  # the shipped surrogate's split (seed 0)
    test = np.searchsorted(np.asarray(t.keys), honest)
    values = t.array(metric)
    y = values[test]
    for name in CANDIDATES:
        t0 = time.perf_counter()
        model = create(name, t.space, seed=0, **surrogate_params(name))
        model.fit([archs[i] for i in train], np.log(values[train]))
        p = np.exp(model.predict([archs[i] for i in test]))
        print(f"    {name:9s} Kendall {kendall_tau(p, y):.3f}  MAPE {_mape(p, y):5.1f} %  "
              f"({len(train)} training cells, {time.perf_counter() - t0:.1f} s)")


def _mape(pred: np.ndarray, true: np.ndarray) -> float:
    """Mean absolute percentage error, in percent."""
    return float(np.mean(np.abs(pred - true) / np.abs(true)) * 100)


if __name__ == "__main__":
    main()
