"""Turn a simulation :class:`Record` into the trajectory DataFrame (one row per evaluation).

Columns, per seed in finish order:

* ``optimizer, table, metric, direction, seed, step`` (1-based);
* ``arch`` (canonical string), ``observed`` (the one-seed validation value the optimizer
  saw), ``eval_seed`` (which training seed that was), ``sim_time`` (simulated seconds at
  which it finished; NaN on tables without ``train_time``), ``worker``;
* ``n_distinct``: distinct archs evaluated so far;
* ``incumbent``: the arch whose observations so far have the best mean (an arch evaluated
  once has one observation; a re-evaluation draws another seed and is averaged in, so
  re-evaluating verifies a candidate instead of fishing for a lucky seed; ties go to the arch
  evaluated first), ``incumbent_observed`` (that mean of observations),
  ``incumbent_score`` (its mean validation value over all the table's seeds),
  ``incumbent_test`` (its ``test_acc``; NaN when the table has none);
* ``regret``: ``|optimum - incumbent_score|`` in metric units (optimum = best mean value of
  the table); ``normalized_regret``: regret / regret of the baseline architecture (0 =
  optimum, 1 = as good as the baseline);
* ``baseline``: ``"mean"`` or ``"median"``, the random-architecture statistic the metric
  declares (``Table.describe(metric)["baseline"]``; FCNet ``val_loss``: median, because a
  few diverged runs dominate its mean); normalised regret and RI are relative to it;
* ``metric_split``: the data split of ``metric`` (``valid`` normally; ``test`` only for a run
  that opted in with ``allow_test_metric=True``);
* ``incumbent_official_index``: the benchmark's own index of the incumbent (NB201: the
  NAS-Bench-201 / NATS-Bench index), only on tables that have one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.harness._engine import Record
from nasbench.harness._oracle import Oracle

if TYPE_CHECKING:
    import pandas as pd


def incumbents(pos: np.ndarray, utility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Incumbent at every step of every seed: (position, mean utility of its observations),
    each shape (n_seeds, n_steps). NaN utilities count as worst; ties go to the arch that was
    evaluated first."""
    u = np.where(np.isnan(utility), -np.inf, utility)
    inc_pos = np.empty(pos.shape, np.intp)
    inc_val = np.empty(pos.shape)
    for i, (p, v) in enumerate(zip(pos, u)):
        _, first, code, count = np.unique(p, return_index=True, return_inverse=True,
                                          return_counts=True)
        repeated = count[code] > 1
        # Archs observed once: running maximum of their single values (first on ties).
        s_step = _running_argmax(np.where(repeated, -np.inf, v))
        s_val = np.where(repeated, -np.inf, v)[s_step]
        at = s_step
        best = s_val
        if repeated.any():
            r_val, r_first = _repeated_means(v, code, first, repeated)
            take = (r_val > s_val) | ((r_val == s_val) & (r_first < s_step))
            at = np.where(take, r_first, s_step)
            best = np.where(take, r_val, s_val)
        inc_pos[i], inc_val[i] = p[at], best
    return inc_pos, inc_val


def _running_argmax(v: np.ndarray) -> np.ndarray:
    """Step holding the running maximum of ``v`` at every step (first step on ties)."""
    steps = np.arange(len(v))
    prev = np.r_[-np.inf, np.maximum.accumulate(v)[:-1]]
    return np.maximum.accumulate(np.where((v > prev) | (steps == 0), steps, 0))


def _repeated_means(v: np.ndarray, code: np.ndarray, first: np.ndarray, repeated: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Best running mean among archs evaluated more than once, and the first-evaluation step
    of that arch, at every step (-inf / 0 before any of them was evaluated)."""
    cols, col_of = np.unique(code[repeated], return_inverse=True)
    order = np.argsort(first[cols], kind="stable")  # columns by first evaluation
    rank = np.empty(len(cols), np.intp)
    rank[order] = np.arange(len(cols))
    steps = np.flatnonzero(repeated)
    hot = np.zeros((len(v), len(cols)))
    hot[steps, rank[col_of]] = 1.0
    counts = np.cumsum(hot, axis=0)
    sums = np.cumsum(np.where(hot > 0, v[:, None], 0.0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, -np.inf)
    means = np.where(np.isnan(means), -np.inf, means)
    best = np.argmax(means, axis=1)
    return means[np.arange(len(v)), best], first[cols[order]][best]


def distinct_counts(pos: np.ndarray) -> np.ndarray:
    """Number of distinct values in ``pos[s, :t+1]`` for every seed and step."""
    first = np.zeros(pos.shape, bool)
    for i, row in enumerate(pos):
        _, at = np.unique(row, return_index=True)
        first[i, at] = True
    return np.cumsum(first, axis=1)


def build_frame(rec: Record, oracle: Oracle, seeds: list[int], meta: dict[str, Any]
                ) -> pd.DataFrame:
    """The trajectory DataFrame of ``rec``; ``meta`` (optimizer, table, ...) goes to
    ``DataFrame.attrs`` and its ``optimizer``/``table`` entries also become columns."""
    import pandas as pd

    sign = 1.0 if oracle.direction == "max" else -1.0
    inc_pos, inc_util = incumbents(rec.pos, sign * rec.observed)
    inc_obs = sign * inc_util
    score = oracle.mean[inc_pos]
    regret = sign * (oracle.optimum - score)
    norm = regret / (sign * (oracle.optimum - oracle.baseline_value))
    n_steps = rec.pos.shape[1]
    keep = rec.valid.ravel()
    sim_time = rec.finish if oracle.has_time else np.full(rec.finish.shape, np.nan)
    test = oracle.test[inc_pos] if oracle.test is not None else np.full(score.shape, np.nan)
    cols: dict[str, Any] = {
        "optimizer": meta["optimizer"],
        "table": meta["table"],
        "metric": meta["metric"],
        "direction": meta["direction"],
        "seed": np.repeat(np.asarray(seeds, np.int64), n_steps),
        "step": np.tile(np.arange(1, n_steps + 1, dtype=np.int64), len(seeds)),
        "arch": oracle.strings[rec.pos.ravel()],
        "observed": rec.observed.ravel(),
        "eval_seed": rec.seed_col.ravel(),
        "sim_time": sim_time.ravel(),
        "worker": rec.worker.ravel(),
        "n_distinct": distinct_counts(rec.pos).ravel(),
        "incumbent": oracle.strings[inc_pos.ravel()],
        "incumbent_observed": inc_obs.ravel(),
        "incumbent_score": score.ravel(),
        "incumbent_test": test.ravel(),
        "regret": regret.ravel(),
        "normalized_regret": norm.ravel(),
        "baseline": oracle.baseline,
        "metric_split": oracle.split,
    }
    if oracle.official is not None:
        cols["incumbent_official_index"] = oracle.official[inc_pos].ravel()
    df = pd.DataFrame({k: (v[keep] if isinstance(v, np.ndarray) else v)
                       for k, v in cols.items()})
    df["arch"] = df["arch"].astype(object)
    df["incumbent"] = df["incumbent"].astype(object)
    df.attrs.update(meta)
    return df
