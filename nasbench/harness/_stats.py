"""Hypothesis tests used by the harness, computed with :mod:`scipy.stats`.

* :func:`wilcoxon` — paired Wilcoxon signed-rank test (``scipy.stats.wilcoxon``; zeros
  dropped, exact null distribution for up to 50 untied non-zero pairs, else the
  tie-corrected normal approximation with continuity correction — stated per result).
* :func:`holm` — Holm–Bonferroni step-down adjustment of a family of p-values (SciPy has
  no Holm; it is four lines of numpy).
* :func:`friedman` — Friedman test over blocks (tasks) x treatments (optimizers)
  (statistic as ``scipy.stats.friedmanchisquare``, also for k = 2), with labelled average
  ranks and the Nemenyi critical difference for any number of treatments (Demšar 2006),
  from the studentized range distribution (``scipy.stats.studentized_range``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _scipy() -> Any:
    from scipy import stats  # imported on first use: `import nasbench.harness` stays light

    return stats

#: Largest number of untied non-zero pairs with an exact Wilcoxon p-value.
EXACT_MAX_N = 50


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
    """Friedman chi-square over ``n_blocks`` blocks and ``k`` treatments.

    ``avg_ranks[i]`` is the average rank of treatment ``labels[i]`` (1 = best); ``ranks``
    gives them by label."""

    statistic: float
    pvalue: float
    avg_ranks: np.ndarray  # shape (k,), rank 1 = best
    critical_difference: float  # Nemenyi CD at ``alpha``
    n_blocks: int
    labels: tuple[str, ...] = field(default=())
    alpha: float = 0.05

    @property
    def ranks(self) -> dict[str, float]:
        """``{label: average rank}`` in the treatments' order."""
        labels = self.labels or tuple(str(i) for i in range(len(self.avg_ranks)))
        return {lab: float(r) for lab, r in zip(labels, self.avg_ranks)}


def rankdata(a: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of a 1-D array; ties share the mean of their ranks."""
    return np.asarray(_scipy().rankdata(np.asarray(a, dtype=np.float64)), dtype=np.float64)


def normal_sf(z: float) -> float:
    """Upper tail P(Z > z) of the standard normal distribution."""
    return float(_scipy().norm.sf(z))


def chi2_sf(x: float, dof: int) -> float:
    """Upper tail P(X > x) of the chi-square distribution with ``dof`` degrees of freedom."""
    return float(_scipy().chi2.sf(x, dof)) if x > 0 else 1.0


def wilcoxon(x: np.ndarray, y: np.ndarray, alternative: str = "two-sided"
             ) -> WilcoxonResult:
    """Paired Wilcoxon signed-rank test of ``x`` against ``y`` (shape (n,) each).

    NaN pairs and zero differences are dropped (Wilcoxon's original treatment). With no
    ties and at most :data:`EXACT_MAX_N` pairs the p-value is exact; otherwise SciPy's normal
    approximation with tie-corrected variance and a 0.5 continuity correction.
    ``alternative``: ``"two-sided"``, ``"greater"`` (``x`` tends to exceed ``y``: the
    signed ranks, not the median difference, decide the direction) or ``"less"``.
    """
    if alternative not in ("two-sided", "greater", "less"):
        from nasbench.errors import unknown_choice_message

        raise ValueError(unknown_choice_message("alternative", alternative,
                                                ("two-sided", "greater", "less")))
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
    w_plus = float(rankdata(np.abs(d))[d > 0].sum())
    tied = len(np.unique(np.abs(d))) < n
    exact = not tied and n <= EXACT_MAX_N
    res = _scipy().wilcoxon(d, zero_method="wilcox", correction=not exact,
                            method="exact" if exact else "asymptotic",
                            alternative=alternative)
    p = float(res.pvalue)
    return WilcoxonResult(w_plus, min(1.0, p) if math.isfinite(p) else 1.0, n, med,
                          "exact" if exact else "normal")


def holm(pvalues: np.ndarray | list[float]) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (same order as the input, shape (m,))."""
    p = np.asarray(pvalues, dtype=np.float64)
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    adj_sorted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj_sorted, 1.0)
    return out


def friedman(scores: Any, higher_is_better: bool = True,
             labels: Sequence[str] | None = None, alpha: float = 0.05) -> FriedmanResult:
    """Friedman test on ``scores`` of shape (n_blocks, k): one row per task, one column per
    treatment (a DataFrame's columns label the treatments, else ``labels``). Ranks within each
    block (1 = best, ties averaged); chi-square with the tie correction; Nemenyi critical
    difference on the average ranks at ``alpha``. Blocks with a NaN are dropped."""
    if labels is None and hasattr(scores, "columns"):
        labels = [str(c) for c in scores.columns]
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] < 2 or s.shape[0] < 1:
        raise ValueError(f"friedman needs scores of shape (n_blocks >= 1, k >= 2). Got shape "
                         f"{s.shape} instead.")
    if labels is not None and len(labels) != s.shape[1]:
        raise ValueError(f"friedman got {len(labels)} labels for {s.shape[1]} treatments.")
    s = s[~np.isnan(s).any(axis=1)]
    n, k = s.shape
    signed = -s if higher_is_better else s
    ranks = _scipy().rankdata(signed, axis=1) if n else np.zeros((0, k))
    avg = ranks.mean(axis=0) if n else np.full(k, np.nan)
    rank_sums = ranks.sum(axis=0)
    ties = sum(float((c**3 - c).sum()) for c in
               (np.unique(row, return_counts=True)[1] for row in ranks))
    denom = n * k * (k + 1) - ties / (k - 1)
    if denom <= 0:
        stat, p = 0.0, 1.0
    else:
        stat = (12.0 * float((rank_sums**2).sum()) - 3.0 * n**2 * k * (k + 1) ** 2) / denom
        p = chi2_sf(stat, k - 1)
    cd = critical_difference(k, n, alpha)
    return FriedmanResult(float(stat), float(p), avg, cd, n,
                          tuple(str(lab) for lab in labels) if labels is not None else (),
                          float(alpha))


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Nemenyi's q_alpha for ``k`` treatments: the studentized range quantile with infinite
    degrees of freedom, divided by sqrt(2) (Demšar 2006, Table 5: 3.164 for k = 10)."""
    if k < 2:
        return math.nan
    return float(_scipy().studentized_range.ppf(1.0 - alpha, k, np.inf) / math.sqrt(2.0))


def critical_difference(k: int, n_blocks: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks for ``k`` treatments over ``n_blocks``
    blocks: ``q_alpha * sqrt(k (k + 1) / (6 n_blocks))`` (NaN for k < 2 or no blocks)."""
    if k < 2 or n_blocks < 1:
        return math.nan
    return nemenyi_q(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n_blocks))


def vargha_delaney_a(x: np.ndarray, y: np.ndarray) -> float:
    """A12: probability that a draw of ``x`` exceeds a draw of ``y`` (ties count one half)."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    y = np.sort(np.asarray(y, dtype=np.float64))
    less = np.searchsorted(y, x, side="left")
    leq = np.searchsorted(y, x, side="right")
    return float((less + 0.5 * (leq - less)).sum() / (len(x) * len(y)))
