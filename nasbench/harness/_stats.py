"""Hypothesis tests used by the harness, written from their textbook definitions.

* :func:`wilcoxon` — paired Wilcoxon signed-rank test (zeros dropped, average ranks for ties,
  exact null distribution for small untied samples, tie-corrected normal approximation else).
* :func:`holm` — Holm–Bonferroni step-down adjustment of a family of p-values.
* :func:`friedman` — Friedman test over blocks (tasks) x treatments (optimizers), with average
  ranks and the Nemenyi critical difference (Demšar 2006).

Only numpy and :mod:`math`; SciPy is used in the tests as an independent cross-check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Nemenyi q_alpha at alpha = 0.05 for k = 2..10 treatments (studentized range / sqrt(2)),
# the published values of Demšar (2006), Table 5a.
_NEMENYI_Q05 = (1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164)
_EXACT_MAX_N = 30


@dataclass(frozen=True)
class WilcoxonResult:
    """Signed-rank test of ``x - y``: statistic = sum of positive ranks; two-sided p-value."""

    statistic: float
    pvalue: float
    n: int  # pairs left after dropping zero differences
    median_diff: float
    method: str  # "exact" or "normal"


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman chi-square over ``n_blocks`` blocks and ``k`` treatments."""

    statistic: float
    pvalue: float
    avg_ranks: np.ndarray  # shape (k,), rank 1 = best
    critical_difference: float  # Nemenyi CD at alpha = 0.05 (NaN when k > 10)
    n_blocks: int


def rankdata(a: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of a 1-D array; ties share the mean of their ranks."""
    a = np.asarray(a, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    new = np.r_[True, sorted_a[1:] != sorted_a[:-1]]
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(a)]
    avg = (starts + ends + 1) / 2.0  # mean of 1-based ranks start+1 .. end
    ranks = np.empty(len(a))
    ranks[order] = avg[group]
    return ranks


def normal_sf(z: float) -> float:
    """Upper tail P(Z > z) of the standard normal distribution."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def chi2_sf(x: float, dof: int) -> float:
    """Upper tail P(X > x) of the chi-square distribution with ``dof`` degrees of freedom."""
    if x <= 0:
        return 1.0
    return _gamma_q(dof / 2.0, x / 2.0)


def _gamma_q(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x): series below a+1, continued fraction above."""
    log_pre = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_pre))
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return min(1.0, math.exp(log_pre) * h)


def wilcoxon(x: np.ndarray, y: np.ndarray) -> WilcoxonResult:
    """Two-sided paired Wilcoxon signed-rank test of ``x`` against ``y`` (shape (n,) each).

    Zero differences are dropped (Wilcoxon's original treatment). With no ties and at most
    30 pairs the p-value is exact (the null distribution of the positive-rank sum is counted
    by dynamic programming); otherwise the normal approximation with tie-corrected variance
    and a 0.5 continuity correction is used.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"wilcoxon needs two 1-D arrays of equal length. Got shapes "
                         f"{x.shape} and {y.shape} instead.")
    d = x - y
    d = d[~np.isnan(d)]
    med = float(np.median(d)) if len(d) else math.nan
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return WilcoxonResult(0.0, 1.0, 0, med, "exact")
    ranks = rankdata(np.abs(d))
    w_plus = float(ranks[d > 0].sum())
    tied = len(np.unique(np.abs(d))) < n
    if not tied and n <= _EXACT_MAX_N:
        return WilcoxonResult(w_plus, _exact_signed_rank_p(w_plus, n), n, med, "exact")
    mean = n * (n + 1) / 4.0
    _, counts = np.unique(ranks, return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float((counts**3 - counts).sum()) / 48.0
    if var <= 0:
        return WilcoxonResult(w_plus, 1.0, n, med, "normal")
    z = (abs(w_plus - mean) - 0.5) / math.sqrt(var)
    return WilcoxonResult(w_plus, min(1.0, 2.0 * normal_sf(max(z, 0.0))), n, med, "normal")


def _exact_signed_rank_p(w_plus: float, n: int) -> float:
    """Two-sided exact p-value of the positive-rank sum ``w_plus`` for ``n`` untied pairs."""
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1)
    counts[0] = 1.0
    for r in range(1, n + 1):  # each rank is either positive (adds r) or not
        counts[r:] = counts[r:] + counts[:-r].copy()
    probs = counts / 2.0**n
    w = int(round(w_plus))
    lower = probs[: min(w, top - w) + 1].sum()
    return float(min(1.0, 2.0 * lower))


def holm(pvalues: np.ndarray | list[float]) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (same order as the input, shape (m,))."""
    p = np.asarray(pvalues, dtype=np.float64)
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    adj_sorted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj_sorted, 1.0)
    return out


def friedman(scores: np.ndarray, higher_is_better: bool = True) -> FriedmanResult:
    """Friedman test on ``scores`` of shape (n_blocks, k): one row per task, one column per
    treatment. Ranks within each block (1 = best, ties averaged); chi-square with the tie
    correction; Nemenyi critical difference on the average ranks at alpha = 0.05."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] < 2 or s.shape[0] < 1:
        raise ValueError(f"friedman needs scores of shape (n_blocks >= 1, k >= 2). Got shape "
                         f"{s.shape} instead.")
    s = s[~np.isnan(s).any(axis=1)]
    n, k = s.shape
    signed = -s if higher_is_better else s
    ranks = np.vstack([rankdata(row) for row in signed])
    avg = ranks.mean(axis=0)
    rank_sums = ranks.sum(axis=0)
    ties = 0.0
    for row in ranks:
        _, c = np.unique(row, return_counts=True)
        ties += float((c**3 - c).sum())
    denom = n * k * (k + 1) - ties / (k - 1)
    if denom <= 0:
        stat, p = 0.0, 1.0
    else:
        stat = (12.0 * float((rank_sums**2).sum()) - 3.0 * n**2 * k * (k + 1) ** 2) / denom
        p = chi2_sf(stat, k - 1)
    cd = critical_difference(k, n)
    return FriedmanResult(float(stat), float(p), avg, cd, n)


def critical_difference(k: int, n_blocks: int) -> float:
    """Nemenyi critical difference of average ranks, alpha = 0.05 (NaN outside k in 2..10)."""
    if not 2 <= k <= 10 or n_blocks < 1:
        return math.nan
    return _NEMENYI_Q05[k - 2] * math.sqrt(k * (k + 1) / (6.0 * n_blocks))


def vargha_delaney_a(x: np.ndarray, y: np.ndarray) -> float:
    """A12: probability that a draw of ``x`` exceeds a draw of ``y`` (ties count one half)."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    y = np.sort(np.asarray(y, dtype=np.float64))
    less = np.searchsorted(y, x, side="left")
    leq = np.searchsorted(y, x, side="right")
    return float((less + 0.5 * (leq - less)).sum() / (len(x) * len(y)))
