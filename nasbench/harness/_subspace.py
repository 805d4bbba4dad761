"""A search space restricted to some of its archs (the cells a partial column covers).

Multi-objective runs on a column measured for only part of a table (NB201 cifar10 energy:
2,057 of 15,625 cells) run on the cells that have every objective. :class:`SubSpace` is that
space: ``enumerate`` and ``sample`` give only those archs, ``neighbours`` only neighbours
among them; parsing, keys, graphs and encodings are the full space's. Optimizers built from it
(and the :class:`~nasbench.harness.SpaceIndex` of it) never leave the subset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.spaces import SearchSpace

if TYPE_CHECKING:
    from nasbench.spaces._encodings import Encoding


class SubSpace(SearchSpace):
    """``base`` restricted to ``archs`` (canonical archs of ``base``, kept in that order)."""

    def __init__(self, base: SearchSpace, archs: Sequence[Any], reason: str = "") -> None:
        self.base = base
        self.name = base.name
        self.merges_isomorphic = base.merges_isomorphic
        self.reason = reason
        self._archs = list(archs)
        keys = np.asarray(base.keys(self._archs), dtype=np.int64)
        self._members = frozenset(keys.tolist())
        digest = hashlib.sha256(np.sort(keys).tobytes()).hexdigest()[:12]
        self._repr = f"SubSpace({base!r}, n={len(self._archs)}, keys={digest})"

    # The abstract contract, answered by the base space where membership does not matter.
    def parse(self, x: Any, encoding: str | None = None) -> Any:
        return self.base.parse(x, encoding)

    def to_string(self, arch: Any) -> str:
        return self.base.to_string(arch)

    def enumerate(self) -> list[Any]:
        return list(self._archs)

    def neighbours(self, arch: Any) -> list[Any]:
        nbrs = self.base.neighbours(arch)
        if not nbrs:
            return []
        keys = self.base.keys(nbrs)
        return [b for b, k in zip(nbrs, keys.tolist()) if k in self._members]

    def canonical(self, arch: Any, **options: Any) -> Any:
        return self.base.canonical(arch, **options)

    def to_graph(self, arch: Any) -> Any:
        return self.base.to_graph(arch)

    def key(self, arch: Any) -> int:
        return self.base.key(arch)

    def from_key(self, key: int) -> Any:
        return self.base.from_key(key)

    # Fast paths and encodings of the base space.
    def key_of(self, x: Any, encoding: str | None = None) -> int:
        return self.base.key_of(x, encoding)

    def keys(self, archs: Iterable[Any], encoding: str | None = None) -> np.ndarray:
        return self.base.keys(archs, encoding)

    def _codecs(self) -> Mapping[str, Encoding]:
        return self.base._codecs()

    def encode(self, arch: Any, encoding: str) -> Any:
        return self.base.encode(arch, encoding)

    def decode(self, value: Any, encoding: str | None = None) -> Any:
        return self.base.decode(value, encoding)

    def __contains__(self, arch: Any) -> bool:
        return self.base.key_of(arch) in self._members

    def __getattr__(self, name: str) -> Any:
        # Anything else a space offers (op lists, sizes...) is the base space's.
        if name.startswith("__") or "base" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["base"], name)

    def __repr__(self) -> str:
        return self._repr
