"""Pareto utilities for the multi-objective harness: non-dominated sorting, crowding distance
and hypervolume, on *utilities* (every objective turned into larger-is-better)."""

from __future__ import annotations

import numpy as np


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """True when utility vector ``a`` is at least as good as ``b`` everywhere and better once."""
    return bool(np.all(a >= b) and np.any(a > b))


def non_dominated_ranks(u: np.ndarray) -> np.ndarray:
    """Front number of every row of ``u`` (shape (m, k)); 0 = non-dominated (NSGA-II sort)."""
    m = len(u)
    ge = np.all(u[:, None, :] >= u[None, :, :], axis=2)
    gt = np.any(u[:, None, :] > u[None, :, :], axis=2)
    dom: np.ndarray = ge & gt  # dom[i, j]: i dominates j
    count: np.ndarray = dom.sum(axis=0)
    ranks = np.full(m, -1, np.int64)
    front = np.flatnonzero(count == 0)
    r = 0
    while len(front):
        ranks[front] = r
        count = count - np.asarray(dom[front].sum(axis=0))
        count[ranks >= 0] = -1
        front = np.flatnonzero(count == 0)
        r += 1
    return ranks


def crowding_distance(u: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each row of ``u`` (shape (m, k)); boundaries are inf."""
    m, k = u.shape
    dist = np.zeros(m)
    if m <= 2:
        return np.full(m, np.inf)
    for j in range(k):
        order = np.argsort(u[:, j], kind="stable")
        span = u[order[-1], j] - u[order[0], j]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (u[order[2:], j] - u[order[:-2], j]) / span
    return dist


def hypervolume(u: np.ndarray, ref: np.ndarray) -> float:
    """Volume dominated by utility points ``u`` (shape (m, k)) and bounded below by ``ref``
    (shape (k,)); points not better than ``ref`` in every objective add nothing.

    Exact: a sweep for k = 2, recursive slicing over the last objective for k > 2.
    """
    u = np.asarray(u, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    u = u[np.all(u > ref, axis=1)] if len(u) else u.reshape(0, len(ref))
    if len(u) == 0:
        return 0.0
    if u.shape[1] == 1:
        return float(u[:, 0].max() - ref[0])
    if u.shape[1] == 2:
        order = np.argsort(-u[:, 0], kind="stable")
        total, best_y = 0.0, ref[1]
        for x, y in u[order]:
            if y > best_y:
                total += (x - ref[0]) * (y - best_y)
                best_y = y
        return float(total)
    levels = np.unique(u[:, -1])[::-1]
    total = 0.0
    for i, z in enumerate(levels):
        below = levels[i + 1] if i + 1 < len(levels) else ref[-1]
        total += hypervolume(u[u[:, -1] >= z][:, :-1], ref[:-1]) * (z - below)
    return float(total)
