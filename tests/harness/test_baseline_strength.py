"""Sample efficiency of the model-based built-ins against regularized evolution (slow).

The goal of the issue "Benchmark any optimizer library" is that the best model-based built-in
after 100 evaluations beats ``rea`` after 200 on the NB201 tables, significantly (paired
Wilcoxon over >= 50 seeds). ``bo_zc`` does (docs/harness.md, "Sample efficiency"): its
settings were chosen on seeds 0-49 and the claim is checked here on 100 seeds it was not
chosen on (1000-1099), one-sided signed-rank test. ``bo_wl`` (NAS-BOWL as published) only
ties ``rea``@200; the first test guards that parity.
"""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench import harness
from nasbench.harness._stats import wilcoxon

#: Seeds the bo_zc settings were not chosen on.
HELD_OUT = range(1000, 1100)


def _paired(db: nasbench.Store, name: str, seeds: range, dataset: str = "cifar10",
            **params: object) -> tuple[np.ndarray, np.ndarray]:
    t = db.table("nb201", dataset)
    cand = harness.run_seeds(name, t, 100, seeds, progress=False, **params)
    rea = harness.run_seeds("rea", t, 200, seeds, progress=False)
    a = harness.final_scores(cand, at_step=100).sort_values("seed")["incumbent_score"]
    b = harness.final_scores(rea, at_step=200).sort_values("seed")["incumbent_score"]
    return a.to_numpy(), b.to_numpy()


@pytest.mark.slow
def test_bo_wl_at_100_is_not_worse_than_rea_at_200(db: nasbench.Store) -> None:
    a, b = _paired(db, "bo_wl", range(20))
    assert wilcoxon(a, b, "less").pvalue >= 0.05 and np.median(a) >= np.median(b) - 0.05


@pytest.mark.slow
def test_bo_zc_at_100_beats_rea_at_200_on_held_out_seeds(db: nasbench.Store) -> None:
    # measured: medians 91.525 vs 91.496, means 91.512 vs 91.450, one-sided p = 0.00042
    a, b = _paired(db, "bo_zc", HELD_OUT)
    w = wilcoxon(a, b, "greater")
    assert w.pvalue < 0.01 and np.mean(a) > np.mean(b) + 0.03
