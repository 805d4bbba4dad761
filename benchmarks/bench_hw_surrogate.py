"""Held-out error of the GPU hardware surrogate (surrogates/nb201__cifar10, xgb).

Run: ``.venv/bin/python benchmarks/bench_hw_surrogate.py``. The surrogate is trained on 80 %
of the measured (and class-propagated) cells of each hardware column. To avoid crediting the
model for copies, the score uses only held-out cells that were measured themselves (their
NB201 class representative) and whose class has no member in the training split.
Prints Kendall tau and mean absolute percentage error (MAPE) per column.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import nasbench
from nasbench.predictors._metrics import kendall_tau

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


if __name__ == "__main__":
    main()
