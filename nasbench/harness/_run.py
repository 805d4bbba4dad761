"""``run`` / ``run_seeds``: one optimizer on one table under the honest protocol."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nasbench.errors import NasbenchError
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

#: Per-seed evaluation cap: at most this many times the table's number of architectures...
EVALS_PER_ARCH = 10
#: ... and never more than this many evaluations per seed (about 48 MB of trajectory rows).
MAX_EVALS = 100_000
#: Rows one ``run_seeds`` call may produce (seeds x evaluations; ~478 B each in memory).
MAX_ROWS = 2_000_000
#: Simulated asynchronous workers per run.
MAX_WORKERS = 10_000
#: Seeds are stored as int64.
MAX_SEED = 2**63 - 1


class BudgetError(NasbenchError, ValueError):
    """A budget, worker count or seed list that is invalid or would not fit in memory."""


class OptimizerParamError(NasbenchError, TypeError, ValueError):
    """Hyper-parameters an optimizer does not take, or an optimizer of the wrong kind."""


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
        n_workers: int = 1, allow_test_metric: bool = False, protocol: str | None = None,
        **params: Any) -> pd.DataFrame:
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
        protocol: a named protocol instead of the default one: ``"nats"`` (NATS-Bench's:
            12-epoch validation accuracy of one seed, cost = its training time plus one
            validation epoch, ``budget`` in seconds or None for NATS-Bench's default;
            ``nasbench.harness._nats_protocol``; needs the imported NATS-Bench columns).
        **params: hyper-parameters of the optimizer (e.g. ``population=20``).

    Returns:
        The trajectory DataFrame; columns are documented in ``nasbench.harness._trajectory``,
        run settings are in ``df.attrs``.
    """
    return run_seeds(optimizer, table, budget, [resolve_seed(seed)], metric=metric, unit=unit,
                     n_workers=n_workers, allow_test_metric=allow_test_metric,
                     protocol=protocol, **params)


def run_seeds(optimizer: str | type[Optimizer] | Optimizer, table: Any, budget: float,
              seeds: Sequence[int], *, metric: str | None = None, unit: str = "evals",
              n_workers: int = 1, allow_test_metric: bool = False,
              progress: bool | None = None, protocol: str | None = None,
              **params: Any) -> pd.DataFrame:
    """:func:`run` for many seeds at once (vectorised for the built-in optimizers).

    Each seed's rows are identical to ``run(..., seed=s)``. Returns all seeds' rows, seed-major.
    ``progress``: a bar with ETA over evaluation steps (default: on a terminal or in a
    notebook, for runs longer than half a second; ``False`` silences it).
    """
    if protocol is not None:  # a named protocol: the table as it sees it, and its budget
        from nasbench.harness._nats_protocol import apply_protocol

        table, budget, unit, metric = apply_protocol(protocol, table, budget, metric)
    table, seeds, metric, oracle, batch, name, tab = prepare_run(
        optimizer, table, budget, seeds, metric=metric, unit=unit, n_workers=n_workers,
        allow_test_metric=allow_test_metric, **params)
    where = f"{name} on {tab}"
    t0 = time.perf_counter()
    from nasbench.harness._progress import bar

    scan = _scan_each(batch)
    with bar(budget if unit == "evals" else None, f"{where} ({len(seeds)} seeds)",
             unit="step", progress=progress) as steps:

        def after_tell() -> None:
            if scan:
                check_optimizer(batch, where, table)
            steps.update(1)

        rec = simulate(batch, oracle, budget, unit, n_workers, after_tell=after_tell,
                       where=where)
    meta = {"optimizer": name, "table": tab,
            "metric": metric, "metric_split": oracle.split,
            "allow_test_metric": bool(allow_test_metric), "direction": oracle.direction,
            "budget": float(budget), "unit": unit, "n_workers": int(n_workers),
            "optimum": oracle.optimum, "space_mean": oracle.space_mean,
            "space_median": oracle.space_median, "baseline": oracle.baseline,
            "baseline_value": oracle.baseline_value, "params": dict(params),
            "wall_seconds": time.perf_counter() - t0}
    frame = build_frame(rec, oracle, seeds, meta)
    if protocol is not None:
        frame.attrs["protocol"] = protocol
    return frame


def prepare_run(optimizer: str | type[Optimizer] | Optimizer, table: Any, budget: float,
                seeds: Sequence[int], *, metric: str | None = None, unit: str = "evals",
                n_workers: int = 1, allow_test_metric: bool = False, **params: Any
                ) -> tuple[Any, list[int], str, Oracle, BatchOptimizer, str, str]:
    """Every check :func:`run_seeds` makes before it simulates (table, metric, budget, seeds,
    optimizer and its parameters), without running anything; returns what it built:
    ``(table, seeds, metric, oracle, batch, name, "space/dataset")``."""
    table = open_table(table)
    seeds = [resolve_seed(s) for s in seeds]
    _check_budget(budget, unit, n_workers)
    _check_seeds(seeds)
    metric = metric or default_metric(table)
    space = search_space(table)
    index = SpaceIndex.of(space)
    oracle = Oracle(table, metric, index, allow_test=allow_test_metric)
    per_seed = max_evaluations(table, budget, unit, n_workers, oracle=oracle)
    if len(seeds) * per_seed > MAX_ROWS:
        raise BudgetError(f"{len(seeds)} seeds x up to {per_seed:,} evaluations exceed "
                          f"{MAX_ROWS:,} trajectory rows in one call; run the seeds in "
                          "smaller batches (run_grid does).")
    tab = f"{table.space_name}/{table.dataset}"
    with sealed(f"building {_label(optimizer)} for {tab}"):
        batch, name = _make_batch(optimizer, index, seeds, oracle.direction, params)
    check_optimizer(batch, f"{name} on {tab}", table)
    return table, seeds, metric, oracle, batch, name, tab


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
        raise BudgetError(f"The 'unit' parameter must be one of {', '.join(UNITS)}. Got "
                          f"{unit!r:.60} instead.")
    number = isinstance(budget, (int, float)) and not isinstance(budget, bool) or \
        type(budget).__module__ == "numpy"
    if not number or not math.isfinite(float(budget)) or not budget > 0 \
            or (unit == "evals" and int(budget) != budget):
        raise BudgetError(f"The 'budget' parameter must be a finite positive number (an int "
                          f"for unit='evals'). Got {budget!r:.60} instead.")
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) \
            or not 1 <= n_workers <= MAX_WORKERS:
        raise BudgetError(f"The 'n_workers' parameter must be an int from 1 to "
                          f"{MAX_WORKERS:,}. Got {n_workers!r:.60} instead.")


def _check_seeds(seeds: Sequence[int]) -> None:
    if not seeds:
        raise BudgetError("At least one seed is needed.")
    if max(seeds) > MAX_SEED:
        raise BudgetError(f"Seeds must be at most 2**63 - 1 (they are stored as int64). Got "
                          f"{max(seeds)}.")


def max_evaluations(table: Any, budget: float, unit: str = "evals", n_workers: int = 1, *,
                    oracle: Oracle | None = None) -> int:
    """Evaluations one seed can make under ``budget`` on ``table``; refuses unbounded work.

    Evaluations: the budget itself. Simulated seconds: ``n_workers * (floor(budget /
    t_min) + 1) + 1``, with ``t_min`` the table's smallest ``train_time`` (each worker
    finishes at most that many evaluations by the deadline). Either must be at most
    ``min(EVALS_PER_ARCH * n_archs, MAX_EVALS)`` (10 x the architectures, at most 100,000),
    otherwise :class:`BudgetError`.
    """
    _check_budget(budget, unit, n_workers)
    tab = f"{table.space_name}/{table.dataset}"
    n_archs = len(table.keys)
    cap = min(EVALS_PER_ARCH * n_archs, MAX_EVALS)
    if unit == "evals":
        if budget > cap:
            raise BudgetError(f"A budget of {budget:.6g} evaluations exceeds the cap for {tab}: "
                              f"{cap:,} (10 x its {n_archs:,} architectures, at most "
                              f"{MAX_EVALS:,}).")
        return int(budget)
    if "train_time" not in table.metrics:
        raise BudgetError(f"Table {tab} has no train_time, so a budget in simulated seconds "
                          "is undefined; use unit='evals'.")
    import numpy as np

    times = oracle._time if oracle is not None and oracle._time is not None else \
        np.asarray(table.seed_array("train_time"), dtype=float)
    t_min = float(np.nanmin(times)) if np.isfinite(times).any() else 0.0
    if not t_min > 0:
        raise BudgetError(f"Table {tab} has architectures with train_time {t_min:g} s, so a "
                          "budget in simulated seconds does not bound the work; use "
                          "unit='evals'.")
    n = n_workers * (budget / t_min + 1) + 1
    if n > cap:
        raise BudgetError(f"A budget of {budget:.6g} simulated seconds allows up to "
                          f"{n:.3g} evaluations per seed on {tab} (fastest architecture "
                          f"trains in {t_min:.4g} s, {n_workers} worker(s)); the cap is "
                          f"{cap:,}. Lower the budget (at most about "
                          f"{((cap - 1) / n_workers - 1) * t_min:.4g} s).")
    return int(n)


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
    if getattr(cls, "multi_objective", False):
        raise OptimizerParamError(f"Optimizer {name!r} is multi-objective; run it with run_mo "
                                  "(nasbench compare --mo) instead.")
    try:
        if issubclass(cls, VectorizedOptimizer):
            return cls.kernel(index, seeds, direction=direction, **params), name
        return PerSeedBatch(index, seeds, direction=direction, factory=cls, **params), name
    except TypeError as exc:
        if not params:
            raise
        raise OptimizerParamError(f"Optimizer {name!r} with parameters {params!r:.100}: "
                                  f"{str(exc):.200}") from None
