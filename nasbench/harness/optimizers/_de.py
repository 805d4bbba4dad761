"""``de``: differential evolution for NAS, as Awad et al. (NAS-HPO workshop 2020).

Each arch is a vector in [0, 1]^d, one coordinate per categorical field of the space's
encoding (an op, an edge source, a hyper-parameter choice); a coordinate maps to category
``floor(x * cardinality)``. A vector whose decoding is not an arch of the table maps to the
nearest one (Hamming distance). rand/1/bin mutation with ``F``, binomial crossover with
``CR``; out-of-range coordinates are re-drawn uniformly; the trial replaces its target when
its observed value is at least as good. The first ``population`` asks are random vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.harness._base import BatchOptimizer, VectorizedOptimizer
from nasbench.harness._index import SpaceIndex


class DifferentialEvolutionBatch(BatchOptimizer):
    """Asynchronous DE: target ``i`` cycles through the population, one trial per ask."""

    def __init__(self, index: SpaceIndex, seeds: Sequence[int], *, direction: str = "max",
                 population: int = 20, f: float = 0.5, cr: float = 0.5, **params: Any) -> None:
        super().__init__(index, seeds, direction=direction, **params)
        if population < 4:
            raise ValueError(f"The 'population' parameter of de must be >= 4. Got {population}"
                             " instead.")
        self.population, self.f, self.cr = int(population), float(f), float(cr)
        self._card = index.cardinalities
        d = len(self._card)
        s = self.n_seeds
        self._rows = np.arange(s)
        self._x = np.zeros((s, self.population, d))
        self._fit = np.full((s, self.population), -np.inf)
        self._trial = np.zeros((s, 64, d))
        self._target = np.zeros((s, 64), np.intp)

    def _ask(self) -> np.ndarray:
        s, d, p = self.n_seeds, len(self._card), self.population
        u = self.streams.uniform(3 * d + p + 1)
        fresh, order, cross, fix = u[:, :d], u[:, d:d + p], u[:, d + p:2 * d + p], u[:, -d - 1:-1]
        t = self.n_asked
        if t < p:
            x, target = fresh, np.full(s, t)
        else:
            i = (t - p) % p
            perm = np.argsort(order, axis=1)
            r = perm[perm != i].reshape(s, p - 1)[:, :3]
            xr = self._x[self._rows[:, None], r]  # (S, 3, d)
            mutant = xr[:, 0] + self.f * (xr[:, 1] - xr[:, 2])
            mutant = np.where((mutant < 0) | (mutant >= 1), fix, mutant)
            mask = cross < self.cr
            mask[self._rows, np.minimum((u[:, -1] * d).astype(np.intp), d - 1)] = True
            x, target = np.where(mask, mutant, self._x[:, i]), np.full(s, i)
        self._store(t, x, target)
        codes = np.minimum((x * self._card).astype(np.int64), self._card - 1)
        return self.index.nearest(codes)

    def _store(self, t: int, x: np.ndarray, target: np.ndarray) -> None:
        if t >= self._trial.shape[1]:
            self._trial = np.concatenate([self._trial, np.zeros_like(self._trial)], axis=1)
            self._target = np.concatenate([self._target, np.zeros_like(self._target)], axis=1)
        self._trial[:, t], self._target[:, t] = x, target

    def _tell(self, tickets: np.ndarray, positions: np.ndarray, utility: np.ndarray) -> None:
        util = np.where(np.isnan(utility), -np.inf, utility)
        tgt = self._target[self._rows, tickets]
        initial = tickets < self.population
        better = initial | (util >= self._fit[self._rows, tgt])
        rows, tgt = self._rows[better], tgt[better]
        self._x[rows, tgt] = self._trial[rows, tickets[better]]
        self._fit[rows, tgt] = util[better]


class DifferentialEvolution(VectorizedOptimizer):
    """Differential evolution (``population=20, f=0.5, cr=0.5``)."""

    name = "de"
    kernel = DifferentialEvolutionBatch
