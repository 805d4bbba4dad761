"""Every search space as categorical fields: for ConfigSpace (SMAC, DEHB) and Optuna.

An architecture is a (nested) tuple; flattened, its positions are the *fields* (an NB201 edge's
op, a NAS-Bench-Graph link or op, an FCNet hyper-parameter). Each field's choices are the
values it takes over the space's architectures, sorted. Encoding an arch gives one choice
per field; decoding a combination gives the arch with exactly those choices, or, when no
arch of the table has them (e.g. an unlisted NAS-Bench-Graph wiring), the arch at the
smallest Hamming distance (first in :meth:`~nasbench.spaces.SearchSpace.enumerate` order on
ties). Fields named ``x00``, ``x01``, ... in flattened order.

>>> cs = space.to_configspace(seed=0)                # doctest: +SKIP  (pip install ConfigSpace)
>>> arch = space.from_configuration(cs.sample_configuration())   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_CODECS: dict[int, tuple[Any, CategoricalCodec]] = {}


@dataclass(frozen=True)
class Field:
    """One categorical field: its name and sorted choices (str, int or float values)."""

    name: str
    choices: tuple[Any, ...]


def _flatten(x: Any) -> tuple[Any, ...]:
    if isinstance(x, tuple):
        return tuple(v for item in x for v in _flatten(item))
    return (x,)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


class CategoricalCodec:
    """Archs of ``space`` <-> one choice per categorical field (see the module docstring)."""

    def __init__(self, space: Any) -> None:
        self.space = space
        self.archs = list(space.enumerate())
        flat = [_flatten(a) for a in self.archs]
        d = len(flat[0])
        if any(len(f) != d for f in flat):
            raise ValueError(f"Space {space.name!r} has archs of different lengths; it has no "
                             "fixed categorical encoding.")
        fields, cols = [], []
        for j in range(d):
            values = [f[j] for f in flat]
            choices = tuple(sorted(set(values), key=lambda v: (str(type(v)), v)))
            lookup = {v: i for i, v in enumerate(choices)}
            cols.append(np.fromiter((lookup[v] for v in values), np.int64, len(values)))
            fields.append(Field(f"x{j:02d}", tuple(_plain(c) for c in choices)))
        self.fields: tuple[Field, ...] = tuple(fields)
        self.codes = np.stack(cols, axis=1)  # (n, d) choice indices
        self._card = np.array([len(f.choices) for f in fields], np.int64)
        self._radix = np.r_[np.cumprod(self._card[::-1])[::-1][1:], 1].astype(np.int64)
        self._row = {int(c): i for i, c in enumerate(self.codes @ self._radix)}
        self._pos = {a: i for i, a in enumerate(self.archs)}

    @classmethod
    def of(cls, space: Any) -> CategoricalCodec:
        """The (cached) codec of ``space``."""
        hit = _CODECS.get(id(space))
        if hit is None or hit[0] is not space:
            hit = (space, cls(space))
            _CODECS[id(space)] = hit
        return hit[1]

    def encode(self, arch: Any) -> dict[str, Any]:
        """``{field name: choice}`` of ``arch`` (any encoding the space parses)."""
        a = self.space.parse(arch)
        i = self._pos.get(a)
        if i is None:
            i = self._pos[self.space.from_key(self.space.key(a))]
        return {f.name: f.choices[int(c)] for f, c in zip(self.fields, self.codes[i])}

    def decode(self, values: Mapping[str, Any]) -> Any:
        """The arch with these choices, or the nearest arch (Hamming). Fields missing from
        ``values`` (constant ones, which the exported spaces leave out) take their only or
        first choice."""
        target = np.zeros(len(self.fields), np.int64)
        for j, f in enumerate(self.fields):
            if f.name in values:
                v = _plain(values[f.name])
                try:
                    target[j] = f.choices.index(v)
                except ValueError:
                    raise ValueError(f"Field {f.name} of space {self.space.name!r} has no "
                                     f"choice {v!r}; choices: {list(f.choices)}.") from None
        row = self._row.get(int(target @ self._radix))
        if row is None:
            row = int(np.argmin((self.codes != target).sum(axis=1)))
        return self.archs[row]

    def varying(self) -> list[Field]:
        """The fields with more than one choice (the ones worth searching over)."""
        return [f for f in self.fields if len(f.choices) > 1]


def to_configspace(space: Any, seed: int | None = None) -> Any:
    """A ``ConfigSpace.ConfigurationSpace`` with one categorical hyper-parameter per varying
    field of ``space``; decode configurations with :func:`from_configuration`."""
    try:
        from ConfigSpace import Categorical, ConfigurationSpace
    except ImportError:
        from nasbench.errors import NasbenchError

        raise NasbenchError("to_configspace needs ConfigSpace: pip install "
                            "'nasbench[configspace]' (or pip install ConfigSpace).") from None
    codec = CategoricalCodec.of(space)
    cs = ConfigurationSpace(name=str(space.name), seed=seed)
    cs.add([Categorical(f.name, list(f.choices)) for f in codec.varying()])
    return cs


def from_configuration(space: Any, config: Any) -> Any:
    """The arch of ``space`` a ConfigSpace ``Configuration`` (or any mapping) stands for."""
    values = dict(config) if not isinstance(config, Mapping) else config
    return CategoricalCodec.of(space).decode(values)


def fields(space: Any) -> Sequence[Field]:
    """The categorical fields of ``space`` (all of them, constant ones included)."""
    return CategoricalCodec.of(space).fields
