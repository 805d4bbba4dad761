"""Agreement between predictions and measured values: rank, linear and top-k metrics.

All functions take two float arrays of equal length ``n >= 2`` (NaN-free).
"""

from __future__ import annotations

import numpy as np

from nasbench.predictors._targets import average_ranks

METRICS: tuple[str, ...] = ("kendall_tau", "spearman", "pearson", "r2", "rmse",
                            "precision_top1", "precision_top5")


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _run_pairs(boundaries: np.ndarray) -> int:
    """Pairs within runs, given a boolean array marking where runs start (plus the end)."""
    lengths = np.diff(np.flatnonzero(boundaries)).astype(np.int64)
    return int((lengths * (lengths - 1) // 2).sum())


def _tie_pairs(sorted_values: np.ndarray) -> int:
    """Number of tied pairs in a sorted array."""
    return _run_pairs(np.concatenate([[True], sorted_values[1:] != sorted_values[:-1], [True]]))


def _count_inversions(r: np.ndarray) -> int:
    """Pairs ``i < j`` with ``r[i] > r[j]`` for int ranks ``r`` in [0, n): O(n log^2 n) numpy.

    Bottom-up merge sort: at width ``w`` the array holds sorted blocks of length ``w``; for
    every element of a right block, ``searchsorted`` counts the strictly larger elements of
    its left partner block (blocks are made globally comparable by a per-pair offset).
    """
    n = len(r)
    a = r.astype(np.int64)
    total = 0
    width = 1
    pos = np.arange(n)
    while width < n:
        pair = pos // (2 * width)
        right = (pos // width) % 2 == 1
        keyed = pair * n + a  # sorted within each block
        left_keys = keyed[~right]  # globally sorted: blocks in order, each sorted
        rk = keyed[right]
        # left elements of the same pair strictly greater than rk:
        end_of_left = np.searchsorted(left_keys, pair[right] * n + n, side="left")
        above = np.searchsorted(left_keys, rk, side="right")
        total += int((end_of_left - above).sum())
        a = np.sort(keyed, kind="stable") - pair * n  # merge each pair of blocks
        width *= 2
    return total


def kendall_tau(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b (ties in either array handled as in scipy), O(n log^2 n)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = len(x)
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    n0 = _pairs(n)
    tx = _tie_pairs(xs)
    ty = _tie_pairs(np.sort(y))
    txy = _run_pairs(np.concatenate([[True], (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1]),
                                     [True]]))
    yr = np.searchsorted(np.unique(ys), ys)
    disc = _count_inversions(yr)
    conc_minus_disc = n0 - tx - ty + txy - 2 * disc
    denom = np.sqrt(float(n0 - tx) * float(n0 - ty))
    return float(conc_minus_disc / denom) if denom > 0 else float("nan")


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN if either array is constant."""
    xc, yc = x - np.mean(x), y - np.mean(y)
    denom = float(np.sqrt((xc * xc).sum() * (yc * yc).sum()))
    return float((xc * yc).sum() / denom) if denom > 0 else float("nan")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: Pearson correlation of average ranks."""
    return pearson(average_ranks(x), average_ranks(y))


def precision_top(pred: np.ndarray, true: np.ndarray, fraction: float,
                  direction: str = "max") -> float:
    """Share of the true best ``fraction`` of archs among the predicted best ``fraction``."""
    k = max(1, int(round(fraction * len(true))))
    sign = -1.0 if direction == "max" else 1.0
    best_pred = np.argsort(sign * pred, kind="stable")[:k]
    best_true = np.argsort(sign * true, kind="stable")[:k]
    return float(len(np.intersect1d(best_pred, best_true)) / k)


def score(pred: np.ndarray, true: np.ndarray, direction: str = "max") -> dict[str, float]:
    """Every metric of :data:`METRICS` for predictions ``pred`` of measured ``true``."""
    pred = np.asarray(pred, dtype=np.float64)
    true = np.asarray(true, dtype=np.float64)
    resid = pred - true
    var = float(np.var(true))
    return {
        "kendall_tau": kendall_tau(pred, true),
        "spearman": spearman(pred, true),
        "pearson": pearson(pred, true),
        "r2": 1.0 - float(np.mean(resid**2)) / var if var > 0 else float("nan"),
        "rmse": float(np.sqrt(np.mean(resid**2))),
        "precision_top1": precision_top(pred, true, 0.01, direction),
        "precision_top5": precision_top(pred, true, 0.05, direction),
    }
