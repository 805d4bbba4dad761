"""A search space as arrays: positions, neighbour lists and a categorical encoding.

Optimizers work on *positions* ``0..n-1`` into ``space.enumerate()``; the index turns them
into archs and back, and gives every arch's neighbours as a padded integer matrix so that
mutation and local search are a gather, not a Python call. One index per space and process.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError

_CACHE: dict[str, SpaceIndex] = {}


class SpaceIndex:
    """Arrays describing one search space (built lazily, cached per space name).

    Attributes:
        archs: canonical archs in :meth:`SearchSpace.enumerate` order (length n).
        keys: their row keys, ``int64`` shape (n,).
    """

    def __init__(self, space: Any) -> None:
        self.space = space
        self.archs: list[Any] = list(space.enumerate())
        self.keys: np.ndarray = np.asarray(space.keys(self.archs), dtype=np.int64)
        self._order = np.argsort(self.keys, kind="stable")
        self._sorted = self.keys[self._order]
        self._nbr = np.full((len(self.archs), 0), -1, dtype=np.int32)
        self._deg = np.zeros(len(self.archs), dtype=np.int64)
        self._done = np.zeros(len(self.archs), dtype=bool)
        self._codes: np.ndarray | None = None
        self._code_of: dict[int, int] | None = None

    @classmethod
    def of(cls, space: Any) -> SpaceIndex:
        """The cached index of ``space`` (one per distinct ``repr(space)`` and process)."""
        name = repr(space)
        idx = _CACHE.get(name)
        if idx is None:
            idx = _CACHE[name] = cls(space)
        return idx

    def __len__(self) -> int:
        return len(self.archs)

    # ---- positions ----------------------------------------------------------------------

    def positions_of_keys(self, keys: np.ndarray) -> np.ndarray:
        """Positions of arch ``keys`` (``intp``, shape (m,)); -1 where a key is not indexed."""
        keys = np.asarray(keys, dtype=np.int64)
        at = np.searchsorted(self._sorted, keys)
        at = np.minimum(at, len(self._sorted) - 1)
        found = self._sorted[at] == keys
        return np.where(found, self._order[at], -1).astype(np.intp)

    def positions(self, archs: Iterable[Any]) -> np.ndarray:
        """Positions of archs in any encoding; raises on an arch that is not indexed."""
        archs = list(archs)
        pos = self.positions_of_keys(self.space.keys(archs))
        bad = np.flatnonzero(pos < 0)
        if len(bad):
            raise InvalidArchitectureError(
                f"Architecture {archs[int(bad[0])]!r} is not one of the {len(self)} archs of "
                f"search space {self.space.name!r}.")
        return pos

    def position(self, arch: Any) -> int:
        """Position of one arch (any encoding)."""
        return int(self.positions([arch])[0])

    # ---- neighbours (computed lazily: only rows an optimizer touches) --------------------

    def neighbours_of(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour positions of ``pos`` (shape (m,)): ``int32`` (m, width) padded with -1,
        and the number of neighbours ``int64`` (m,). Neighbours without a table row are left
        out. Rows are computed from ``space.neighbours`` on first use and cached."""
        pos = np.asarray(pos, dtype=np.intp)
        todo = np.unique(pos[~self._done[pos]])
        if len(todo):
            self._compute(todo)
        return self._nbr[pos], self._deg[pos]

    def all_neighbours(self) -> np.ndarray:
        """The full neighbour matrix, ``int32`` shape (n, width), padded with -1."""
        return self.neighbours_of(np.arange(len(self)))[0]

    def _compute(self, rows: np.ndarray) -> None:
        lists = [self.space.neighbours(self.archs[int(r)]) for r in rows]
        flat = [b for nb in lists for b in nb]
        counts = np.fromiter((len(nb) for nb in lists), dtype=np.int64, count=len(lists))
        pos = self.positions_of_keys(self.space.keys(flat)) if flat else np.empty(0, np.intp)
        owner = np.repeat(np.arange(len(lists)), counts)
        keep = pos >= 0  # neighbours without a table row are not reachable
        owner, pos = owner[keep], pos[keep]
        deg = np.bincount(owner, minlength=len(lists))
        width = int(deg.max()) if len(deg) else 0
        if width > self._nbr.shape[1]:
            pad = np.full((len(self), width - self._nbr.shape[1]), -1, dtype=np.int32)
            self._nbr = np.concatenate([self._nbr, pad], axis=1)
        starts = np.r_[0, np.cumsum(deg)[:-1]]
        self._nbr[rows[owner], np.arange(len(owner)) - starts[owner]] = pos
        self._deg[rows] = deg
        self._done[rows] = True

    def random_neighbour(self, pos: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One neighbour of each position, chosen by uniforms ``u`` (same shape as ``pos``);
        an arch without neighbours maps to itself."""
        nbr, deg = self.neighbours_of(pos)
        j = np.minimum((u * deg).astype(np.int64), np.maximum(deg - 1, 0))
        out = nbr[np.arange(len(pos)), j].astype(np.intp) if nbr.shape[1] else pos
        return np.where(deg > 0, out, pos)

    # ---- categorical encoding -----------------------------------------------------------

    @property
    def codes(self) -> np.ndarray:
        """Categorical encoding of every arch, ``int64`` shape (n, d): arch fields flattened."""
        if self._codes is None:
            flat = [_flatten(a) for a in self.archs]
            cols = [np.unique(np.array([f[j] for f in flat]), return_inverse=True)[1]
                    for j in range(len(flat[0]))]
            self._codes = np.stack(cols, axis=1).astype(np.int64)
        return self._codes

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of categories of every encoded field, shape (d,)."""
        return self.codes.max(axis=0) + 1

    def nearest(self, target: np.ndarray) -> np.ndarray:
        """Position of the arch whose codes equal ``target`` (shape (m, d)), or else the
        indexed arch at the smallest Hamming distance (first in index order on ties)."""
        target = np.atleast_2d(np.asarray(target, dtype=np.int64))
        radix = np.r_[np.cumprod(self.cardinalities[::-1])[::-1][1:], 1]
        if self._code_of is None:
            self._code_of = {int(c): i for i, c in enumerate(self.codes @ radix)}
        out = np.empty(len(target), dtype=np.intp)
        for i, (t, c) in enumerate(zip(target, target @ radix)):
            hit = self._code_of.get(int(c))
            out[i] = hit if hit is not None else int(np.argmin((self.codes != t).sum(axis=1)))
        return out


def _flatten(x: Any) -> tuple[Any, ...]:
    if isinstance(x, tuple):
        return tuple(v for item in x for v in _flatten(item))
    return (x,)
