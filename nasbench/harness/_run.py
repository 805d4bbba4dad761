"""``run`` / ``run_seeds``: one optimizer on one table under the honest protocol."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nasbench.harness._base import (
    BatchOptimizer,
    Optimizer,
    PerSeedBatch,
    VectorizedOptimizer,
    resolve_seed,
)
from nasbench.harness._engine import UNITS, simulate
from nasbench.harness._guard import check_optimizer, sealed
from nasbench.harness._index import SpaceIndex
from nasbench.harness._oracle import Oracle, default_metric, search_space
from nasbench.harness._registry import get_optimizer
from nasbench.harness._trajectory import build_frame

if TYPE_CHECKING:
    import pandas as pd


def open_table(table: Any) -> Any:
    """``table`` itself, or the table named ``"space/dataset"`` in the default store."""
    if isinstance(table, str):
        import nasbench

        space, sep, dataset = table.partition("/")
        if not sep:
            raise ValueError(f"A table name must look like 'space/dataset', e.g. "
                             f"'nb201/cifar10'. Got {table!r} instead.")
        return nasbench.open().table(space, dataset)
    return table


def run(optimizer: str | type[Optimizer] | Optimizer, table: Any, budget: float,
        seed: int | None = None, *, metric: str | None = None, unit: str = "evals",
        n_workers: int = 1, allow_test_metric: bool = False, **params: Any) -> pd.DataFrame:
    """Run one search and return its trajectory (one row per finished evaluation).

    Args:
        optimizer: a registry name (``"rea"``), an :class:`Optimizer` class, or an instance
            (already seeded; ``seed`` then seeds only the evaluation noise).
        table: a :class:`~nasbench.Table` or ``"space/dataset"``.
        budget: number of evaluations (``unit="evals"``) or simulated seconds of training
            time (``unit="seconds"``, charged from the table's ``train_time``).
        seed: run seed (optimizer and evaluation-noise streams); ``None`` draws one.
        metric: validation metric to search on (default ``val_acc`` / ``val_loss``).
        n_workers: simulated asynchronous workers.
        allow_test_metric: permit a ``metric`` whose catalog split is ``"test"`` (refused
            otherwise with :class:`TestDataLeakError`); the trajectory's ``metric_split``
            column and ``df.attrs["allow_test_metric"]`` record it, and the report says so.
        **params: hyper-parameters of the optimizer (e.g. ``population=20``).

    Returns:
        The trajectory DataFrame; columns are documented in ``nasbench.harness._trajectory``,
        run settings are in ``df.attrs``.
    """
    return run_seeds(optimizer, table, budget, [resolve_seed(seed)], metric=metric, unit=unit,
                     n_workers=n_workers, allow_test_metric=allow_test_metric, **params)


def run_seeds(optimizer: str | type[Optimizer] | Optimizer, table: Any, budget: float,
              seeds: Sequence[int], *, metric: str | None = None, unit: str = "evals",
              n_workers: int = 1, allow_test_metric: bool = False, **params: Any
              ) -> pd.DataFrame:
    """:func:`run` for many seeds at once (vectorised for the built-in optimizers).

    Each seed's rows are identical to ``run(..., seed=s)``. Returns all seeds' rows, seed-major.
    """
    table = open_table(table)
    seeds = [resolve_seed(s) for s in seeds]
    _check_budget(budget, unit, n_workers)
    metric = metric or default_metric(table)
    space = search_space(table)
    index = SpaceIndex.of(space)
    oracle = Oracle(table, metric, index, allow_test=allow_test_metric)
    if unit == "seconds" and not oracle.has_time:
        raise ValueError(f"Table {table.space_name}/{table.dataset} has no train_time, so a "
                         "budget in simulated seconds is undefined; use unit='evals'.")
    tab = f"{table.space_name}/{table.dataset}"
    with sealed(f"building {_label(optimizer)} for {tab}"):
        batch, name = _make_batch(optimizer, index, seeds, oracle.direction, params)
    where = f"{name} on {tab}"
    check_optimizer(batch, where, table)
    t0 = time.perf_counter()
    rec = simulate(batch, oracle, budget, unit, n_workers,
                   after_tell=lambda: check_optimizer(batch, where, table)
                   if _scan_each(batch) else None, where=where)
    meta = {"optimizer": name, "table": tab,
            "metric": metric, "metric_split": oracle.split,
            "allow_test_metric": bool(allow_test_metric), "direction": oracle.direction,
            "budget": float(budget), "unit": unit, "n_workers": int(n_workers),
            "optimum": oracle.optimum, "space_mean": oracle.space_mean,
            "space_median": oracle.space_median, "baseline": oracle.baseline,
            "baseline_value": oracle.baseline_value, "params": dict(params),
            "wall_seconds": time.perf_counter() - t0}
    return build_frame(rec, oracle, seeds, meta)


def _label(optimizer: Any) -> str:
    if isinstance(optimizer, str):
        return optimizer
    return str(getattr(optimizer, "name", "") or getattr(optimizer, "__name__", "")
               or type(optimizer).__name__)


def _scan_each(batch: BatchOptimizer) -> bool:
    # Built-in vectorised kernels hold only arrays and the index; user-written optimizers
    # (PerSeedBatch) are re-scanned after every tell.
    return isinstance(batch, PerSeedBatch)


def _check_budget(budget: float, unit: str, n_workers: int) -> None:
    if unit not in UNITS:
        raise ValueError(f"The 'unit' parameter must be one of {', '.join(UNITS)}. Got "
                         f"{unit!r} instead.")
    if not budget > 0 or (unit == "evals" and int(budget) != budget):
        raise ValueError(f"The 'budget' parameter must be a positive number (an int for "
                         f"unit='evals'). Got {budget!r} instead.")
    if not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"The 'n_workers' parameter must be an int >= 1. Got {n_workers!r} "
                         "instead.")


def _make_batch(optimizer: Any, index: SpaceIndex, seeds: list[int], direction: str,
                params: dict[str, Any]) -> tuple[BatchOptimizer, str]:
    if isinstance(optimizer, Optimizer):
        if params or len(seeds) != 1:
            raise ValueError("An optimizer instance runs one seed with its own settings; pass "
                             "its class or registry name to run several seeds or set params.")
        if optimizer.direction != direction:
            raise ValueError(f"The optimizer was built with direction={optimizer.direction!r} "
                             f"but the metric's direction is {direction!r}.")
        return PerSeedBatch(index, seeds, direction=direction, optimizers=[optimizer]), \
            optimizer.name or type(optimizer).__name__
    cls = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise TypeError(f"The 'optimizer' parameter must be a registry name, an Optimizer "
                        f"class or instance. Got {optimizer!r} instead.")
    name = cls.name or cls.__name__
    if issubclass(cls, VectorizedOptimizer):
        return cls.kernel(index, seeds, direction=direction, **params), name
    return PerSeedBatch(index, seeds, direction=direction, factory=cls, **params), name
