"""``ls``: local search with best-improvement moves and random restarts.

As studied by White et al. ("Local search is state of the art for NAS benchmarks", 2020):
evaluate a random start, then its neighbours in random order (skipping archs this run has
already evaluated); when the neighbourhood is exhausted, move to the best neighbour if its
observed value beats the centre's, otherwise restart from a fresh random arch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.harness._base import BatchOptimizer, VectorizedOptimizer
from nasbench.harness._index import SpaceIndex


class LocalSearchBatch(BatchOptimizer):
    """Vectorised local search; ``visited`` is a (n_seeds, n_archs) bitmap."""

    def __init__(self, index: SpaceIndex, seeds: Sequence[int], *, direction: str = "max",
                 **params: Any) -> None:
        super().__init__(index, seeds, direction=direction, **params)
        s = self.n_seeds
        self._rows = np.arange(s)
        self._visited = np.zeros((s, len(index)), bool)
        self._center = np.zeros(s, np.intp)
        self._center_val = np.full(s, -np.inf)
        self._best_pos = np.zeros(s, np.intp)
        self._best_val = np.full(s, -np.inf)
        self._gen = np.zeros(s, np.int64)
        self._restart = np.ones(s, bool)
        self._ask_gen = np.zeros((s, 64), np.int64)
        self._ask_center = np.zeros((s, 64), bool)

    def _ask(self) -> np.ndarray:
        u = self.streams.uniform(2)
        out = np.full(self.n_seeds, -1, np.intp)
        cnt, nbr, avail = self._available()
        stuck = (cnt == 0) & ~self._restart
        move = stuck & (self._best_val > self._center_val)
        if move.any():
            self._center[move] = self._best_pos[move]
            self._center_val[move] = self._best_val[move]
            self._best_val[move] = -np.inf
            self._gen[move] += 1
            cnt, nbr, avail = self._available()
        self._restart |= (cnt == 0)
        go = ~self._restart
        if go.any():
            k = np.minimum((u[go, 0] * cnt[go]).astype(np.int64), cnt[go] - 1)
            slot = np.argmax(np.cumsum(avail[go], axis=1) > k[:, None], axis=1)
            out[go] = nbr[go, slot]
        new = self._restart
        if new.any():
            start = np.minimum((u[new, 1] * len(self.index)).astype(np.intp), len(self.index) - 1)
            self._center[new] = start
            self._center_val[new] = -np.inf
            self._best_val[new] = -np.inf
            self._gen[new] += 1
            out[new] = start
        self._remember(new)
        self._restart[:] = False
        self._visited[self._rows, out] = True
        return out

    def _available(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per seed: number of unvisited neighbours of the centre, the neighbour rows and
        the mask of unvisited ones."""
        nbr, _ = self.index.neighbours_of(self._center)
        ok = nbr >= 0
        avail = ok & ~self._visited[self._rows[:, None], np.where(ok, nbr, 0)]
        return avail.sum(axis=1), nbr, avail

    def _remember(self, is_center: np.ndarray) -> None:
        t = self.n_asked
        if t >= self._ask_gen.shape[1]:
            self._ask_gen = np.concatenate([self._ask_gen, np.zeros_like(self._ask_gen)], 1)
            self._ask_center = np.concatenate([self._ask_center,
                                               np.zeros_like(self._ask_center)], 1)
        self._ask_gen[:, t] = self._gen
        self._ask_center[:, t] = is_center

    def _tell(self, tickets: np.ndarray, positions: np.ndarray, utility: np.ndarray) -> None:
        util = np.where(np.isnan(utility), -np.inf, utility)
        current = self._ask_gen[self._rows, tickets] == self._gen
        centre = self._ask_center[self._rows, tickets]
        c = current & centre
        self._center_val[c] = util[c]
        b = current & ~centre & (util > self._best_val)
        self._best_val[b] = util[b]
        self._best_pos[b] = positions[b]


class LocalSearch(VectorizedOptimizer):
    """Best-improvement local search with random restarts."""

    name = "ls"
    kernel = LocalSearchBatch
