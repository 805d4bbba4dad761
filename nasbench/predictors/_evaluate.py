"""The evaluation protocol: many train sizes, repeated random splits, one row per fit.

Protocol (per repetition ``r``, with ``numpy.random.default_rng([seed, r])``):

1. Shuffle the archs that have a value of ``metric`` (NaN rows are left out).
2. Draw ONE training seed per arch uniformly among the seeds it has: the label a user who
   trained the arch once would see. Test labels are the mean over all seeds.
3. For each train size ``n``, the training set is the first ``n`` archs of the shuffle (so
   training sets are nested within a repetition). The test set is every other arch, or,
   with ``test_size``, the last ``test_size`` archs of the shuffle (the same for every train
   size, never used for training).
4. Each predictor is fitted on the training set and scored on the test set
   (:func:`~nasbench.predictors.score`), with wall-clock fit time and predict time.

The noise ceiling (``predictor="noise_ceiling"``) scores, on the test archs that have at
least two seeds, a "predictor" that returns each arch's value at one seed (the one drawn in
step 2) against the seed mean: no model trained on single-seed labels can be expected to
beat the noise in its own labels by much. Tables with one seed per arch get no ceiling.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.predictors._metrics import score
from nasbench.predictors._registry import create

if TYPE_CHECKING:
    import pandas as pd

    from nasbench._table import Table

DEFAULT_TRAIN_SIZES: tuple[int, ...] = (10, 25, 50, 100, 200, 500, 1000, 1563)
PredictorSpec = str | tuple[str, Mapping[str, Any]] | Mapping[str, Any]


@dataclass(frozen=True)
class Split:
    """One (repetition, train size) split: row positions of the table and labels."""

    repetition: int
    train_size: int
    train_rows: np.ndarray  # (n,) intp
    train_labels: np.ndarray  # (n,) one seed per arch
    test_rows: np.ndarray  # (m,) intp, disjoint from train_rows
    test_labels: np.ndarray  # (m,) seed means
    ceiling_pred: np.ndarray  # (m,) value at one seed (NaN where the arch has one seed)


def splits(table: Table, metric: str, train_sizes: Sequence[int] = DEFAULT_TRAIN_SIZES,
           repetitions: int = 5, seed: int = 0, test_size: int | None = None,
           ) -> Iterator[Split]:
    """The protocol's splits, in (repetition, train size) order; see the module docstring."""
    per_seed = table.seed_array(metric)
    mean = table.array(metric)
    valid = np.flatnonzero(~np.isnan(mean))
    n_seeds = (~np.isnan(per_seed)).sum(axis=1)
    sizes = _check_sizes(train_sizes, len(valid), test_size)
    for r in range(int(repetitions)):
        rng = np.random.default_rng([int(seed), r])
        perm = valid[rng.permutation(len(valid))]
        u = rng.random(len(per_seed))
        draw = np.minimum((u * n_seeds).astype(np.intp), np.maximum(n_seeds - 1, 0))
        # position j among the *present* seeds -> column index
        present_cols = np.argsort(np.isnan(per_seed), axis=1, kind="stable")
        label_col = present_cols[np.arange(len(per_seed)), draw]
        one_seed = per_seed[np.arange(len(per_seed)), label_col]
        ceiling = np.where(n_seeds >= 2, one_seed, np.nan)
        for n in sizes:
            train = perm[:n]
            test = perm[n:] if test_size is None else perm[len(perm) - int(test_size):]
            yield Split(r, n, train, one_seed[train], test, mean[test], ceiling[test])


def evaluate(
    table: Table,
    predictors: Sequence[PredictorSpec] | Mapping[str, PredictorSpec],
    train_sizes: Sequence[int] = DEFAULT_TRAIN_SIZES,
    repetitions: int = 5,
    metric: str | None = None,
    seed: int = 0,
    test_size: int | None = None,
    noise_ceiling: bool = True,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Run the protocol (module docstring) on ``table``; one row per (predictor, rep, size).

    Args:
        table: a :class:`~nasbench.Table`.
        predictors: names (``["xgb", "wl_gp"]``), ``(name, params)`` pairs, or a mapping
            ``label -> name | (name, params) | {"name": ..., **params}``.
        train_sizes: numbers of training archs.
        repetitions: random splits per train size.
        metric: target column (default: the table's first metric, e.g. ``val_acc``).
        seed: seeds the splits, the label seeds and every predictor.
        test_size: score on a fixed sample of this many never-trained archs instead of on
            every arch outside the training set.
        noise_ceiling: add the ``noise_ceiling`` rows (tables with >= 2 seeds).
        progress: called with each finished row (a dict).

    Returns:
        DataFrame with columns ``space, dataset, metric, predictor, train_size, repetition,
        n_test`` + :data:`~nasbench.predictors._metrics.METRICS` + ``fit_seconds,
        predict_seconds_per_1000, load_avg`` (1-minute load average when the fit started).
    """
    import pandas as pd

    metric = table.metrics[0] if metric is None else metric
    direction = table.direction(metric)
    specs = _normalise(predictors)
    archs = table.archs()
    rows: list[dict[str, Any]] = []
    for split in splits(table, metric, train_sizes, repetitions, seed, test_size):
        base = {"space": table.space_name, "dataset": table.dataset, "metric": metric,
                "train_size": split.train_size, "repetition": split.repetition}
        if noise_ceiling:
            ok = ~np.isnan(split.ceiling_pred)
            if ok.sum() >= 2:
                row = {**base, "predictor": "noise_ceiling", "n_test": int(ok.sum()),
                       **score(split.ceiling_pred[ok], split.test_labels[ok], direction),
                       "fit_seconds": 0.0, "predict_seconds_per_1000": 0.0, "load_avg": _load()}
                _emit(rows, row, progress)
        train_archs = [archs[i] for i in split.train_rows]
        test_archs = [archs[i] for i in split.test_rows]
        fit_seed = int(np.random.default_rng([int(seed), split.repetition, 1]).integers(2**31))
        for label, name, params in specs:
            load = _load()
            model = create(name, table.space, seed=fit_seed, **params)
            t0 = time.perf_counter()
            model.fit(train_archs, split.train_labels)
            t1 = time.perf_counter()
            pred = model.predict(test_archs)
            t2 = time.perf_counter()
            row = {**base, "predictor": label, "n_test": len(test_archs),
                   **score(pred, split.test_labels, direction), "fit_seconds": t1 - t0,
                   "predict_seconds_per_1000": (t2 - t1) * 1000.0 / len(test_archs),
                   "load_avg": load}
            _emit(rows, row, progress)
    columns = ["space", "dataset", "metric", "predictor", "train_size", "repetition", "n_test"]
    frame = pd.DataFrame(rows)
    return frame[columns + [c for c in frame.columns if c not in columns]]


def summarize(results: pd.DataFrame, value: str = "kendall_tau") -> pd.DataFrame:
    """Mean and std of ``value`` over repetitions: index predictor, columns train sizes."""
    grouped = results.groupby(["predictor", "train_size"], sort=False)[value]
    mean = grouped.mean().unstack("train_size")
    std = grouped.std().unstack("train_size")
    text = mean.map(lambda v: f"{v:.3f}")
    spread = std.map(lambda v: "" if v != v else f" ± {v:.3f}")
    return text + spread


def _emit(rows: list[dict[str, Any]], row: dict[str, Any],
          progress: Callable[[dict[str, Any]], None] | None) -> None:
    rows.append(row)
    if progress is not None:
        progress(row)


def _load() -> float:
    try:
        return float(os.getloadavg()[0])
    except OSError:  # pragma: no cover - platform without load averages
        return float("nan")


def _check_sizes(train_sizes: Sequence[int], n_valid: int, test_size: int | None) -> list[int]:
    sizes = sorted({int(s) for s in train_sizes})
    if not sizes or sizes[0] < 2:
        raise ValueError(f"The 'train_sizes' parameter must hold ints >= 2. Got "
                         f"{list(train_sizes)!r} instead.")
    room = n_valid - (int(test_size) if test_size is not None else 2)
    if sizes[-1] > room:
        raise ValueError(f"Train size {sizes[-1]} leaves too few test archs: the table has "
                         f"{n_valid} archs with values"
                         + (f" and test_size={test_size}" if test_size is not None else "")
                         + f"; use train sizes <= {room}.")
    return sizes


def _normalise(predictors: Sequence[PredictorSpec] | Mapping[str, PredictorSpec],
               ) -> list[tuple[str, str, dict[str, Any]]]:
    items: list[tuple[str | None, PredictorSpec]]
    if isinstance(predictors, Mapping):
        items = list(predictors.items())
    elif isinstance(predictors, str):
        items = [(None, predictors)]
    else:
        items = [(None, p) for p in predictors]
    out = []
    for label, spec in items:
        if isinstance(spec, str):
            name, params = spec, {}
        elif isinstance(spec, tuple):
            name, params = spec[0], dict(spec[1])
        else:
            params = dict(spec)
            name = params.pop("name")
        out.append((label or name, name, params))
    labels = [o[0] for o in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"Predictor labels must be unique; got {labels}. Pass a mapping "
                         "{label: spec} to compare one predictor under several settings.")
    return out
