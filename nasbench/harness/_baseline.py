"""Random baselines in closed form, from the whole table (no sampling).

* :func:`relative_improvement` — RI of Yang et al. (ICLR 2020): ``100 * (acc - base) / base``
  against the exact baseline of every architecture (sign flipped for lower-is-better
  metrics, so RI > 0 always means better than the baseline architecture). The baseline is
  the statistic the metric declares (:func:`score_baseline`): the mean, or the median for
  heavy-tailed metrics such as FCNet ``val_loss``, whose mean (4,314 on slice_localization)
  a few diverged runs dominate while the median architecture scores 0.0325; against the
  mean every non-diverged configuration would get RI ~ 100 %.
* :func:`random_search_distribution` — the exact distribution of random search's incumbent
  score after ``k`` evaluations under the harness protocol: ``k`` archs drawn uniformly with
  replacement, each observed through one training seed drawn uniformly, the incumbent is the
  first draw with the best observed value, scored by its mean over seeds. With ``noisy=False``
  the observation is the mean itself (the textbook best-of-k). The harness averages repeated
  observations of one arch; that changes random search's incumbent only when the arch with
  the best single observation was drawn twice or more, an event of probability at most
  ``(k - 1) / n`` (1.3 % for k = 200 on NB201's 15,625 cells), so the distribution is exact
  up to that event.

Derivation: an evaluation is a pair (arch i, seed j) with probability ``1 / (n * n_i)``. Let
the distinct observed utilities be levels ``L`` with probability ``q_L`` and CDF ``F``. The best
level after ``k`` draws is ``L`` with probability ``F(L)^k - F(L-)^k``; given that, the incumbent
(the first draw at level ``L``) is a pair drawn conditionally on level ``L``. So the incumbent
is pair ``(i, j)`` with probability ``(F(L)^k - F(L-)^k) * p_ij / q_L``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def score_baseline(table: Any, metric: str | None = None) -> dict[str, Any]:
    """The random-architecture baseline relative scores of ``metric`` use: ``statistic``
    (``"mean"`` or ``"median"``, from ``table.describe(metric)["baseline"]``) and its exact
    ``value`` over every architecture of ``table`` (seed means)."""
    from nasbench.harness._oracle import baseline_of, default_metric

    metric = metric or default_metric(table)
    stat = baseline_of(table, metric)
    rb = table.random_baseline(metric)
    return {"statistic": stat, "value": float(rb[stat]), "metric": metric}


def relative_improvement(value: Any, mean: float, direction: str = "max") -> Any:
    """RI in percent of ``value`` (scalar or array) over the baseline value ``mean`` (the
    space mean, or the median where the metric declares it: :func:`score_baseline`)."""
    v = np.asarray(value, dtype=np.float64)
    ri = 100.0 * (v - mean) / mean if direction == "max" else 100.0 * (mean - v) / mean
    return float(ri) if ri.ndim == 0 else ri


@dataclass(frozen=True)
class Distribution:
    """A discrete distribution of scores: ``values`` sorted ascending, ``probs`` summing to 1."""

    values: np.ndarray
    probs: np.ndarray

    @property
    def mean(self) -> float:
        """Expected score."""
        return float(self.values @ self.probs)

    @property
    def std(self) -> float:
        """Standard deviation of the score."""
        return float(np.sqrt(max(0.0, ((self.values - self.mean) ** 2) @ self.probs)))

    def cdf(self, x: Any) -> Any:
        """P(score <= x), vectorised over ``x``."""
        c = np.concatenate([[0.0], np.cumsum(self.probs)])
        return c[np.searchsorted(self.values, np.asarray(x, dtype=np.float64), side="right")]

    def prob_below(self, x: Any, direction: str = "max") -> Any:
        """P(a draw is worse than ``x``) + half P(tie): the probability that ``x`` beats a
        draw (``direction`` says which way is better)."""
        x = np.asarray(x, dtype=np.float64)
        c = np.concatenate([[0.0], np.cumsum(self.probs)])
        lt = c[np.searchsorted(self.values, x, side="left")]
        le = c[np.searchsorted(self.values, x, side="right")]
        below = 0.5 * (lt + le)
        return below if direction == "max" else 1.0 - below


def _pairs(table: Any, metric: str, noisy: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(observed value, mean score, probability) of every (arch, seed) evaluation outcome."""
    mean = table.array(metric)
    if not noisy:
        return mean, mean, np.full(len(mean), 1.0 / len(mean))
    vals = table.seed_array(metric)
    ok = ~np.isnan(vals)
    n_valid = ok.sum(axis=1)
    prob = np.where(ok, 1.0 / (len(mean) * np.maximum(n_valid, 1))[:, None], 0.0)
    return vals[ok], np.broadcast_to(mean[:, None], vals.shape)[ok], prob[ok]


def random_search_distribution(table: Any, k: int, metric: str | None = None,
                               noisy: bool = True) -> Distribution:
    """Exact distribution of random search's incumbent score (mean ``metric``) after ``k``
    evaluations on ``table``; see the module docstring."""
    from nasbench.harness._oracle import default_metric

    metric = metric or default_metric(table)
    sign = 1.0 if table.direction(metric) == "max" else -1.0
    obs, score, prob = _pairs(table, metric, noisy)
    order = np.argsort(sign * obs, kind="stable")
    util, score, prob = sign * obs[order], score[order], prob[order]
    new = np.r_[True, util[1:] != util[:-1]]
    level = np.cumsum(new) - 1
    q = np.bincount(level, weights=prob)
    cdf = np.minimum(np.cumsum(q), 1.0)
    before = np.r_[0.0, cdf[:-1]]
    w_level = cdf**k - before**k
    weight = w_level[level] * prob / q[level]
    s_order = np.argsort(score, kind="stable")
    vals, w = score[s_order], weight[s_order]
    first = np.r_[True, vals[1:] != vals[:-1]]
    grp = np.cumsum(first) - 1
    return Distribution(vals[first], np.bincount(grp, weights=w) / w.sum())


def expected_best_of_k(values: np.ndarray, k: int) -> float:
    """E[max of k iid uniform draws from ``values``] (with replacement), by order statistics:
    ``sum_i v_(i) * ((i/n)^k - ((i-1)/n)^k)``."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    i = np.arange(1, n + 1)
    return float(v @ ((i / n) ** k - ((i - 1) / n) ** k))
