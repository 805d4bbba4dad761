"""``rea``: regularized (aging) evolution, Real et al. (AAAI 2019).

Population of the ``population`` most recently told archs (the oldest dies). Until
``population`` archs were asked, asks are random; then each ask samples ``tournament``
members uniformly (with replacement), takes the best by observed value and returns a random
neighbour of it (one op / edge / choice changed). NB201 defaults: population 10, tournament 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.harness._base import BatchOptimizer, VectorizedOptimizer
from nasbench.harness._index import SpaceIndex


class RegularizedEvolutionBatch(BatchOptimizer):
    """Vectorised aging evolution over seeds (population arrays of shape (n_seeds, P))."""

    def __init__(self, index: SpaceIndex, seeds: Sequence[int], *, direction: str = "max",
                 population: int = 10, tournament: int = 3, **params: Any) -> None:
        super().__init__(index, seeds, direction=direction, **params)
        if population < 1 or tournament < 1:
            raise ValueError(f"The 'population' and 'tournament' parameters of rea must be >= 1."
                             f" Got {population} and {tournament} instead.")
        self.population, self.tournament = int(population), int(tournament)
        self._pos = np.zeros((self.n_seeds, self.population), np.intp)
        self._val = np.full((self.n_seeds, self.population), -np.inf)

    def _ask(self) -> np.ndarray:
        u = self.streams.uniform(1 + self.tournament)
        n_pop = min(self.n_told, self.population)
        if self.n_asked < self.population or n_pop == 0:
            return np.minimum((u[:, 0] * len(self.index)).astype(np.intp), len(self.index) - 1)
        idx = np.minimum((u[:, 1:] * n_pop).astype(np.intp), n_pop - 1)  # (S, T)
        vals = np.take_along_axis(self._val, idx, axis=1)
        best = idx[np.arange(self.n_seeds), np.argmax(vals, axis=1)]
        parent = self._pos[np.arange(self.n_seeds), best]
        return self.index.random_neighbour(parent, u[:, 0])

    def _tell(self, tickets: np.ndarray, positions: np.ndarray, utility: np.ndarray) -> None:
        slot = self.n_told % self.population  # the oldest member dies
        self._pos[:, slot] = positions
        self._val[:, slot] = np.where(np.isnan(utility), -np.inf, utility)


class RegularizedEvolution(VectorizedOptimizer):
    """Regularized evolution (``population=10, tournament=3`` by default)."""

    name = "rea"
    kernel = RegularizedEvolutionBatch
