"""The ask/tell protocol every search algorithm of the harness speaks.

Two levels:

* :class:`Optimizer` — the public protocol, one seed, archs in and out::

      opt = OPTIMIZERS["rea"](table.space, seed=0, direction="max")
      arch = opt.ask()                  # any encoding the space accepts
      opt.tell(arch, observed_value)    # raw metric value; ``direction`` says which is better

  A new algorithm is a subclass with ``name``, ``ask`` and ``tell`` (see ``docs/harness.md``).
  Several asks may be outstanding before their tells arrive (asynchronous workers); tells may
  come in any order. ``ask`` must not mutate anything the caller owns.

* :class:`BatchOptimizer` — the same algorithm for many seeds in lockstep on integer positions
  of a :class:`~nasbench.harness._index.SpaceIndex`. Built-ins implement this (it is what makes
  100 seeds x 300 evaluations take well under a second) and get the scalar protocol for free
  from :class:`VectorizedOptimizer`. The runner wraps plain scalar optimizers in
  :class:`PerSeedBatch`, so both kinds run through the same engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.harness._index import SpaceIndex
from nasbench.harness._streams import OPTIMIZER, SeedStreams, generator

DIRECTIONS = ("max", "min")


def resolve_seed(seed: int | None) -> int:
    """``seed`` itself, or a fresh non-negative 32-bit seed drawn from OS entropy."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(f"The 'seed' parameter must be a non-negative int or None. Got {seed!r} "
                     "instead.")


def check_direction(direction: str) -> float:
    """+1.0 for ``"max"``, -1.0 for ``"min"``; raises on anything else."""
    if direction not in DIRECTIONS:
        raise ValueError(f"The 'direction' parameter must be 'max' or 'min'. Got {direction!r} "
                         "instead.")
    return 1.0 if direction == "max" else -1.0


class Optimizer(ABC):
    """One seeded search run speaking ask/tell over the archs of ``space``.

    Args:
        space: the table's :class:`~nasbench.spaces.SearchSpace` (never the table itself:
            an optimizer must not see test values; the harness enforces it).
        seed: seeds the optimizer's own generator (``self.rng``); ``None`` draws one.
        direction: ``"max"`` if larger observed values are better, ``"min"`` otherwise.
    """

    #: Registry name, e.g. ``"rea"``.
    name: ClassVar[str] = ""
    #: True for optimizers whose ``tell`` takes a tuple of values (one per objective).
    multi_objective: ClassVar[bool] = False

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max") -> None:
        self.space = space
        self.seed = resolve_seed(seed)
        self.direction = direction
        self.sign = check_direction(direction)
        self.rng = generator(self.seed, OPTIMIZER)

    @abstractmethod
    def ask(self) -> Any:
        """Return the next architecture to evaluate."""

    @abstractmethod
    def tell(self, arch: Any, value: Any) -> None:
        """Report the observed value of an architecture returned by :meth:`ask`."""

    def utility(self, value: float) -> float:
        """``value`` turned into higher-is-better (negated for ``direction="min"``)."""
        return self.sign * float(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(space={self.space.name!r}, seed={self.seed})"


class BatchOptimizer(ABC):
    """``len(seeds)`` independent runs of one algorithm, advanced in lockstep.

    Archs are positions into ``index.archs``. Every call to :meth:`ask` issues one ticket
    per seed (tickets count 0, 1, 2, ... and are equal across seeds at ask time); :meth:`tell`
    returns, per seed, the ticket being answered, its position and its raw observed value.
    Randomness comes only from ``self.streams`` and each call must consume the same number
    of uniforms whatever the state, so that a seed's run does not depend on its batch.
    """

    def __init__(self, index: SpaceIndex, seeds: Sequence[int], *, direction: str = "max",
                 **params: Any) -> None:
        if params:
            raise TypeError(f"{type(self).__name__} got unknown parameters {sorted(params)}.")
        self.index = index
        self.seeds = [resolve_seed(s) for s in seeds]
        self.sign = check_direction(direction)
        self.streams = SeedStreams(self.seeds, OPTIMIZER)
        self.n_seeds = len(self.seeds)
        self.n_asked = 0
        self.n_told = 0

    def ask(self) -> np.ndarray:
        """Positions to evaluate next, one per seed: ``intp`` shape (n_seeds,)."""
        out = self._ask()
        self.n_asked += 1
        return out

    def tell(self, tickets: np.ndarray, positions: np.ndarray, values: np.ndarray) -> None:
        """Report observations: tickets, positions and raw values, each shape (n_seeds,)."""
        self._tell(np.asarray(tickets, np.intp), np.asarray(positions, np.intp),
                   self.sign * np.asarray(values, np.float64))
        self.n_told += 1

    @abstractmethod
    def _ask(self) -> np.ndarray:
        """Positions to evaluate next (ticket ``self.n_asked``)."""

    @abstractmethod
    def _tell(self, tickets: np.ndarray, positions: np.ndarray, utility: np.ndarray) -> None:
        """Observations as *utilities* (higher is better; sign already applied)."""


class VectorizedOptimizer(Optimizer):
    """Scalar ask/tell face of a :class:`BatchOptimizer` run with one seed.

    Subclasses set ``kernel`` (the batch class) and may take keyword hyper-parameters,
    which are passed to the kernel.
    """

    kernel: ClassVar[type[BatchOptimizer]]

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 **params: Any) -> None:
        super().__init__(space, seed=seed, direction=direction)
        self.index = SpaceIndex.of(space)
        self._batch = self.kernel(self.index, [self.seed], direction=direction, **params)
        self._outstanding: list[tuple[int, int]] = []  # (ticket, position), ask order

    def ask(self) -> Any:
        ticket = self._batch.n_asked
        pos = int(self._batch.ask()[0])
        self._outstanding.append((ticket, pos))
        return self.index.archs[pos]

    def tell(self, arch: Any, value: Any) -> None:
        pos = self.index.position(arch)
        for i, (ticket, p) in enumerate(self._outstanding):
            if p == pos:
                del self._outstanding[i]
                self._batch.tell(np.array([ticket]), np.array([pos]), np.array([float(value)]))
                return
        raise NasbenchError(f"tell() got architecture {arch!r}, which has no outstanding "
                            f"ask() in this {self.name} run.")


class PerSeedBatch(BatchOptimizer):
    """Runs one scalar :class:`Optimizer` per seed behind the batch protocol (a loop)."""

    def __init__(self, index: SpaceIndex, seeds: Sequence[int], *, direction: str = "max",
                 factory: Any = None, optimizers: Sequence[Optimizer] | None = None,
                 **params: Any) -> None:
        super().__init__(index, seeds, direction=direction)
        if optimizers is None:
            optimizers = [factory(index.space, seed=s, direction=direction, **params)
                          for s in self.seeds]
        self.optimizers = list(optimizers)

    def _ask(self) -> np.ndarray:
        return self.index.positions([o.ask() for o in self.optimizers])

    def _tell(self, tickets: np.ndarray, positions: np.ndarray, utility: np.ndarray) -> None:
        values = self.sign * utility
        for opt, pos, val in zip(self.optimizers, positions, values):
            opt.tell(self.index.archs[int(pos)], float(val))
