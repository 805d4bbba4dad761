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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import nasbench
from nasbench.predictors import create
from nasbench.predictors._metrics import kendall_tau
from nasbench.predictors._registry import PREDICTORS
from nasbench.predictors._surrogates import XGB_SURROGATE

CANDIDATES = ("ridge", "xgb", "ensemble")

FOLDER = Path(__file__).resolve().parents[1] / "surrogates" / "nb201__cifar10"


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
        mape = float(np.mean(np.abs(p - y) / np.abs(y)) * 100)
        print(f"{m} | {len(have)} | {len(honest)} | {kendall_tau(p, y):.3f} | {mape:.1f}")
        if "--compare" in sys.argv and "cudagraph" in m:
            compare(t, vals, hold, honest)


def compare(t: Any, vals: pd.Series, hold: np.ndarray, honest: np.ndarray) -> None:
    """Refit each candidate on the surrogate's training cells; score on ``honest``."""
    keys = np.asarray(t.keys)
    archs = t.archs()
    train = np.setdiff1d(vals.dropna().index.to_numpy(), hold)
    pos = {int(k): i for i, k in enumerate(keys)}
    x_train = [archs[pos[int(k)]] for k in train]
    x_test = [archs[pos[int(k)]] for k in honest]
    y = vals.loc[honest].to_numpy()
    for name in CANDIDATES:
        params: dict[str, object] = {}
        if "encoding" in PREDICTORS[name]._param_names():
            params["encoding"] = "full"
        if name == "xgb":
            params.update(XGB_SURROGATE)
        t0 = time.perf_counter()
        model = create(name, t.space, seed=0, **params)
        model.fit(x_train, np.log(vals.loc[train].to_numpy()))
        p = np.exp(model.predict(x_test))
        mape = float(np.mean(np.abs(p - y) / np.abs(y)) * 100)
        print(f"    {name:9s} Kendall {kendall_tau(p, y):.3f}  MAPE {mape:5.1f} %  "
              f"({len(train)} training cells, {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
