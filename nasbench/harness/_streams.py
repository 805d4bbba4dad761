"""Per-seed random streams that many seeds can draw from in lockstep.

Every run seed owns one ``numpy.random.Generator`` (from ``SeedSequence([seed, purpose])``).
The vectorised optimizers consume uniforms from all seeds at once; because each seed draws
from its own stream, in the same pattern whatever the batch, a seed's trajectory is identical
whether it runs alone or beside 99 others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Purpose tags: independent streams for the optimizer and for the evaluation noise.
OPTIMIZER, EVALUATION = 0, 1


def generator(seed: int, purpose: int) -> np.random.Generator:
    """The generator of run ``seed`` for ``purpose`` (``OPTIMIZER`` or ``EVALUATION``)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(purpose)]))


class SeedStreams:
    """Uniform [0, 1) draws for ``len(seeds)`` independent seeds, buffered in blocks."""

    def __init__(self, seeds: Sequence[int], purpose: int, block: int = 1024) -> None:
        self._gens = [generator(s, purpose) for s in seeds]
        self._block = block
        self._buf = np.empty((len(self._gens), 0))
        self._ptr = 0

    def __len__(self) -> int:
        return len(self._gens)

    def uniform(self, k: int = 1) -> np.ndarray:
        """Next ``k`` uniforms of every seed: shape (n_seeds, k)."""
        if self._ptr + k > self._buf.shape[1]:
            fresh = max(self._block, k)
            new = np.stack([g.random(fresh) for g in self._gens]) if self._gens else \
                np.empty((0, fresh))
            self._buf = np.concatenate([self._buf[:, self._ptr:], new], axis=1)
            self._ptr = 0
        out = self._buf[:, self._ptr:self._ptr + k]
        self._ptr += k
        return out

    def integers(self, high: np.ndarray | int) -> np.ndarray:
        """One integer in ``[0, high)`` per seed (``high`` scalar or shape (n_seeds,))."""
        h = np.asarray(high)
        return np.minimum((self.uniform(1)[:, 0] * h).astype(np.int64), h - 1)

    def permutations(self, n: int) -> np.ndarray:
        """One random permutation of ``range(n)`` per seed: shape (n_seeds, n)."""
        return np.argsort(self.uniform(n), axis=1, kind="stable")
