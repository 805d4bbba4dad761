"""Non-dominated sorting on a cost matrix (lower is better in every column).

Contract: :func:`non_dominated` takes a finite ``(n, k)`` cost matrix (callers negate
maximised objectives and drop rows with NaN first) and returns the sorted row indices of
the first front; exact duplicates of a front point are all kept. Pure, no state.
"""

from __future__ import annotations

import numpy as np


def non_dominated(cost: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows of ``cost`` (shape (n, k), minimisation).

    A row is dominated if another row is <= in every column and < in at least one. Exact
    duplicates of a non-dominated point are all kept. O(n log n) for k <= 2, else
    O(n * front size).
    """
    n, k = cost.shape
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    if k == 1:
        return np.flatnonzero(cost[:, 0] == cost[:, 0].min())
    order = np.lexsort(tuple(cost[:, j] for j in range(k - 1, -1, -1)))
    if k == 2:
        keep: list[int] = []
        best = np.inf
        for i in order:
            a, b = cost[i]
            tie = bool(keep) and a == cost[keep[-1], 0] and b == cost[keep[-1], 1]
            if b < best or tie:
                keep.append(int(i))
                best = min(best, b)
        return np.sort(np.asarray(keep, dtype=np.intp))
    front: list[int] = []
    for i in order:
        c = cost[i]
        if front:
            f = cost[front]
            dominated = np.any(np.all(f <= c, axis=1) & np.any(f < c, axis=1))
            if dominated:
                continue
        front.append(int(i))
    return np.sort(np.asarray(front, dtype=np.intp))
