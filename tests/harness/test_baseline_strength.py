"""Sample efficiency of the model-based built-ins against regularized evolution (slow).

The goal of the issue "Benchmark any optimizer library" is that the best model-based built-in
after 100 evaluations beats ``rea`` after 200 on the NB201 tables, significantly. Measured so
far (docs/harness.md, "Measured"): parity, not superiority. The first test guards the parity
(a regression would make bo_wl@100 significantly worse than rea@200); the second states the
goal and is expected to fail until a built-in reaches it.
"""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench import harness
from nasbench.harness._stats import wilcoxon

SEEDS = range(20)


def _paired(db: nasbench.Store, **params: object) -> tuple[np.ndarray, np.ndarray]:
    t = db.table("nb201", "cifar10")
    bo = harness.run_seeds("bo_wl", t, 100, SEEDS, progress=False, **params)
    rea = harness.run_seeds("rea", t, 200, SEEDS, progress=False)
    a = harness.final_scores(bo, at_step=100).sort_values("seed")["incumbent_score"]
    b = harness.final_scores(rea, at_step=200).sort_values("seed")["incumbent_score"]
    return a.to_numpy(), b.to_numpy()


@pytest.mark.slow
def test_bo_wl_at_100_is_not_worse_than_rea_at_200(db: nasbench.Store) -> None:
    a, b = _paired(db)
    w = wilcoxon(a, b)
    p_worse = w.pvalue / 2 if w.median_diff < 0 else 1 - w.pvalue / 2
    assert p_worse >= 0.05 and np.median(a) >= np.median(b) - 0.05


@pytest.mark.slow
@pytest.mark.xfail(reason="goal not reached yet: bo_wl@100 ties rea@200 on nb201/cifar10 "
                          "(50 seeds: medians 91.496 / 91.496, p = 0.34)", strict=False)
def test_bo_wl_at_100_beats_rea_at_200(db: nasbench.Store) -> None:
    a, b = _paired(db)
    w = wilcoxon(a, b)
    assert w.median_diff > 0 and w.pvalue / 2 < 0.05
