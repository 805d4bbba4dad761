"""The conformance suite every optimizer must pass (used by ``tests/harness``).

>>> from nasbench.harness.conformance import check_optimizer
>>> check_optimizer("rea", db.table("nb201", "cifar10"))        # doctest: +SKIP

Checks, on a real table: asks are archs of the table's space; the same seed gives the same
trajectory; different seeds differ; the scalar ask/tell protocol tolerates outstanding asks
(async workers) and answers in any order; it never sees test data (the run guard); and, for
vectorised optimizers, a seed's run is identical alone or in a batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench.harness._base import Optimizer, VectorizedOptimizer
from nasbench.harness._oracle import search_space
from nasbench.harness._registry import get_optimizer
from nasbench.harness._run import run, run_seeds


class ConformanceError(AssertionError):
    """An optimizer broke the ask/tell contract."""


def check_optimizer(optimizer: str | type[Optimizer], table: Any, budget: int = 30,
                    **params: Any) -> None:
    """Raise :class:`ConformanceError` naming the first broken rule."""
    cls = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    space = search_space(table)
    direction = table.direction("val_acc" if "val_acc" in table.metrics else "val_loss")
    _check(issubclass(cls, Optimizer), f"{cls!r} is not an Optimizer subclass")
    _check(bool(cls.name), f"{cls.__name__} has no registry name")

    opt = cls(space, seed=0, direction=direction, **params)
    asked = [opt.ask() for _ in range(3)]  # three outstanding asks (async workers)
    for a in asked:
        _check(space.parse(a) is not None, f"{cls.name}.ask returned {a!r}")
        table.row(a)  # raises if the arch has no row in the table
    for a in reversed(asked):  # tells in another order than the asks
        opt.tell(a, float(table.query(a, "val_acc" if direction == "max" else "val_loss")[
            "val_acc" if direction == "max" else "val_loss"]))
    opt.ask()

    a = run(cls, table, budget, seed=7, **params)
    b = run(cls, table, budget, seed=7, **params)
    _check(len(a) == budget, f"{cls.name}: {len(a)} rows for a budget of {budget}")
    _check(list(a["arch"]) == list(b["arch"]), f"{cls.name}: same seed, different runs")
    c = run(cls, table, budget, seed=8, **params)
    _check(list(a["arch"]) != list(c["arch"]), f"{cls.name}: seeds 7 and 8 give the same run")
    w = run(cls, table, budget, seed=7, n_workers=3, **params)
    _check(len(w) == budget, f"{cls.name}: async run returned {len(w)} rows")
    if issubclass(cls, VectorizedOptimizer):
        batch = run_seeds(cls, table, budget, [3, 7, 11], **params)
        alone = batch[batch["seed"] == 7]["arch"].tolist()
        _check(alone == list(a["arch"]), f"{cls.name}: seed 7 differs inside a batch")
    scores = a["incumbent_score"].to_numpy()
    sign = 1.0 if direction == "max" else -1.0
    best_obs = sign * a["incumbent_observed"].to_numpy()
    fresh = a["n_distinct"].to_numpy() == a["step"].to_numpy()  # before any re-evaluation
    _check(bool(np.all(np.diff(best_obs[fresh]) >= 0)), f"{cls.name}: incumbent got worse")
    _check(bool(np.isfinite(scores).all()), f"{cls.name}: non-finite incumbent scores")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConformanceError(message)
