"""Multi-objective search: ``mo_rs`` (random search) and ``nsga2`` (steady-state NSGA-II).

``tell(arch, values)`` takes one observed value per objective, in the order of
``directions``. ``nsga2`` (Deb et al. 2002, steady-state (mu + 1) form): after ``population``
random archs, each ask picks two parents by binary tournament on (front rank, crowding
distance), recombines their encodings field by field (uniform crossover, mapped to the
nearest arch of the table) and mutates the child to a random neighbour; each tell inserts the
child and drops the worst member (last front, smallest crowding distance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.harness._base import Optimizer, check_direction
from nasbench.harness._index import SpaceIndex
from nasbench.harness._pareto_hv import crowding_distance, non_dominated_ranks


class MultiObjectiveOptimizer(Optimizer):
    """Base of multi-objective optimizers: ``directions`` has one entry per objective."""

    multi_objective = True

    def __init__(self, space: Any, *, seed: int | None = None,
                 directions: Sequence[str] = ("max", "min"), **params: Any) -> None:
        super().__init__(space, seed=seed, direction=directions[0])
        self.directions = tuple(directions)
        self.signs = np.array([check_direction(d) for d in self.directions])
        self.index = SpaceIndex.of(space)

    def utilities(self, values: Sequence[float]) -> np.ndarray:
        """Observed values as larger-is-better utilities, shape (n_objectives,)."""
        return self.signs * np.asarray(values, dtype=np.float64)


class MORandomSearch(MultiObjectiveOptimizer):
    """Uniform random archs; the harness keeps the observed Pareto front."""

    name = "mo_rs"

    def ask(self) -> Any:
        return self.index.archs[int(self.rng.integers(len(self.index)))]

    def tell(self, arch: Any, value: Any) -> None:
        pass


class NSGA2(MultiObjectiveOptimizer):
    """Steady-state NSGA-II with ``population=20`` members."""

    name = "nsga2"

    def __init__(self, space: Any, *, seed: int | None = None,
                 directions: Sequence[str] = ("max", "min"), population: int = 20) -> None:
        super().__init__(space, seed=seed, directions=directions)
        if population < 2:
            raise ValueError(f"The 'population' parameter of nsga2 must be >= 2. Got "
                             f"{population} instead.")
        self.population = int(population)
        self._pos: list[int] = []
        self._util: list[np.ndarray] = []
        self._asked = 0

    def ask(self) -> Any:
        self._asked += 1
        n = len(self.index)
        if self._asked <= self.population or len(self._pos) < 2:
            return self.index.archs[int(self.rng.integers(n))]
        a, b = self._tournament(), self._tournament()
        codes = self.index.codes
        mask = self.rng.random(codes.shape[1]) < 0.5
        child = int(self.index.nearest(np.where(mask, codes[a], codes[b])[None])[0])
        child = int(self.index.random_neighbour(np.array([child]),
                                                np.array([self.rng.random()]))[0])
        return self.index.archs[child]

    def _tournament(self) -> int:
        u = np.array(self._util)
        rank = non_dominated_ranks(u)
        crowd = np.zeros(len(u))
        for r in np.unique(rank):
            crowd[rank == r] = crowding_distance(u[rank == r])
        i, j = self.rng.integers(len(self._pos), size=2)
        better = i if (rank[i], -crowd[i]) <= (rank[j], -crowd[j]) else j
        return self._pos[better]

    def tell(self, arch: Any, value: Any) -> None:
        self._pos.append(self.index.position(arch))
        self._util.append(self.utilities(value))
        if len(self._pos) > self.population:
            u = np.array(self._util)
            rank = non_dominated_ranks(u)
            last = np.flatnonzero(rank == rank.max())
            worst = int(last[np.argmin(crowding_distance(u[last]))])
            del self._pos[worst], self._util[worst]
