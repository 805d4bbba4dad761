"""The honest evaluation oracle: the only path from a table to an optimizer.

Each evaluation returns the validation metric of ONE training seed, drawn uniformly from the
seeds the architecture has (what a researcher who trains it once would see), and charges the
``train_time`` of that seed to the simulated clock. Scoring values (mean over seeds, test)
stay here and are used only by the trajectory builder.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench.harness._guard import check_metric
from nasbench.harness._index import SpaceIndex


def default_metric(table: Any) -> str:
    """``val_acc`` if the table has it, else ``val_loss``, else the first ``val_*`` metric."""
    for m in ("val_acc", "val_loss"):
        if m in table.metrics:
            return m
    for m in table.metrics:
        if m.startswith("val"):
            return m
    raise ValueError(f"Table {table.space_name}/{table.dataset} has no validation metric; "
                     f"pass metric= one of {', '.join(table.metrics)}.")


def baseline_of(table: Any, metric: str) -> str:
    """``"mean"`` or ``"median"``: the random-architecture statistic that relative scores of
    ``metric`` use (the catalog's ``baseline``; FCNet ``val_loss`` declares the median,
    because a few diverged runs dominate its mean)."""
    return str(table.describe(metric).get("baseline") or "mean")


def search_space(table: Any) -> Any:
    """The search space whose :meth:`enumerate` is exactly the table's archs.

    ``Table.space`` already is that space (NAS-Bench-Graph ``proteins`` gets its restricted
    op set from the catalog), except for a model-served surrogate (``darts``), whose space
    is the whole space and whose ``rows_space`` is its rows (the imported archs plus the
    sample it was built with).
    """
    rows = getattr(table, "rows_space", None)
    return table.space if rows is None else rows


class Oracle:
    """Evaluations of one table's ``metric``, aligned with a :class:`SpaceIndex`.

    Attributes (all aligned with index positions, shape (n,)):
        mean: mean of ``metric`` over the arch's seeds (the incumbent score).
        test: ``test_acc`` mean, or ``None`` when the table has no test metric.
        strings: canonical arch strings.
        official: the benchmark's own index of every arch (NB201), or ``None``.

    Scalars: ``split`` (the metric's data split; ``"test"`` only with ``allow_test``),
    ``optimum``, ``space_mean``, ``space_median``, and ``baseline`` (``"mean"`` or
    ``"median"``: the random-architecture statistic the metric declares, see
    ``MetricInfo.baseline``) with its value ``baseline_value``, which normalised regret and
    RI are relative to.
    """

    def __init__(self, table: Any, metric: str, index: SpaceIndex,
                 allow_test: bool = False) -> None:
        self.split = check_metric(metric, table, allow_test)
        self.table = table
        self.metric = metric
        self.direction = table.direction(metric)
        self.index = index
        perm = table.rows(index.archs)
        vals = table.seed_array(metric)[perm]
        self._seed_col = np.argsort(np.isnan(vals), axis=1, kind="stable")  # present first
        self._vals = np.take_along_axis(vals, self._seed_col, axis=1)
        self._n_valid = (~np.isnan(vals)).sum(axis=1)
        self._time: np.ndarray | None = None
        if "train_time" in table.metrics:
            t = table.seed_array("train_time")[perm]
            t = np.take_along_axis(t, self._seed_col, axis=1)
            self._time = np.where(np.isnan(t), table.array("train_time")[perm][:, None], t)
        self.mean: np.ndarray = table.array(metric)[perm]
        self.test: np.ndarray | None = (table.array("test_acc")[perm]
                                        if "test_acc" in table.metrics else None)
        self.strings: np.ndarray = table.arch_strings()[perm]
        sign = 1.0 if self.direction == "max" else -1.0
        self.optimum = float(sign * np.nanmax(sign * self.mean))
        self.space_mean = float(np.nanmean(self.mean))
        self.space_median = float(np.nanmedian(self.mean))
        self.baseline = baseline_of(table, metric)
        self.baseline_value = self.space_median if self.baseline == "median" else \
            self.space_mean
        official = getattr(table, "official_index", None)
        self.official: np.ndarray | None = (np.asarray(official, np.int64)[perm]
                                            if official is not None else None)

    @property
    def has_time(self) -> bool:
        """True when the table has ``train_time`` (simulated-seconds budgets work)."""
        return self._time is not None

    def evaluate(self, pos: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
        """Observe positions ``pos`` (shape (m,)) with uniforms ``u`` (shape (m,)).

        Returns the observed values, the training-seed column drawn (``int64``) and the
        training time charged in seconds (NaN-free; 1.0 per evaluation when the table has
        no ``train_time``), each shape (m,).
        """
        n = self._n_valid[pos]
        j = np.minimum((u * n).astype(np.int64), np.maximum(n - 1, 0))
        values = self._vals[pos, j]
        seed = self._seed_col[pos, j]
        dur = self._time[pos, j] if self._time is not None else np.ones(len(pos))
        return values, seed, dur
