"""TransNAS-Bench-101's two search spaces (Duan et al., CVPR 2021).

``transnas_micro`` (4,096 cells): the network ``64-41414-<cell>``; the cell has nodes 0..3,
node ``j`` sums one op per earlier node; ops ``0`` none, ``1`` skip-connect, ``2`` conv1x1,
``3`` conv3x3. Cell string ``"a_bc_def"`` (node 1 from 0; node 2 from 0, 1; node 3 from
0, 1, 2), the official arch string ``"64-41414-1_02_333"``. Key = the six digits read as a
base-4 number (``int("102333", 4)``). Isomorphic cells are *not* merged (the benchmark
trained all 4,096).

``transnas_macro`` (3,256 networks): ``64-<skeleton>-basic``, a skeleton of 4 to 6 modules,
each ``1`` (normal), ``2`` (channels x 2), ``3`` (resolution / 2) or ``4`` (both). Key =
the skeleton digits as a decimal number (``"1234"`` -> 1234). :meth:`enumerate` lists the
skeletons with 1..4 resolution halvings (digits 3, 4) and 1..3 channel doublings (digits 2,
4): 3,256, the published count (our reading of the paper's rule; an imported table's space
is always exactly its file's networks, ``space_options``).

Forms: the official arch string, the bare cell / skeleton string, an int key is refused
(say ``from_key``). Neighbours: micro, one op changed; macro, one module changed, one
inserted or one deleted (staying in the space). Sampling: uniform over :meth:`enumerate`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces._base import SearchSpace
from nasbench.spaces._common import is_int_like, key_restriction, short

MICRO_OPS = ("none", "skip_connect", "conv1x1", "conv3x3")
MICRO_PREFIX = "64-41414-"
MACRO_SUFFIX = "-basic"


class _Restricted(SearchSpace):
    """Shared: an optional restriction to some keys (an import's archs)."""

    _members: frozenset[int] | None = None

    def _restrict(self, keys: Sequence[int] | None) -> None:
        if keys is None:
            return
        self._members, _, self._repr = key_restriction(self, keys)

    def __repr__(self) -> str:
        return self.__dict__.get("_repr") or super().__repr__()

    def _all(self) -> list[Any]:
        raise NotImplementedError

    def enumerate(self) -> list[Any]:
        archs = self._all()
        if self._members is None:
            return archs
        return [a for a in archs if self.key(a) in self._members]

    def canonical(self, arch: Any, **options: Any) -> Any:
        if options:
            raise TypeError(f"Unexpected option(s) for {self.name} canonical: {sorted(options)}.")
        return self.parse(arch)

    def _keep(self, cands: list[Any], own: Any) -> list[Any]:
        valid = self.__dict__.get("_valid")
        if valid is None:
            valid = self.__dict__["_valid"] = frozenset(self.key(a) for a in self._enumerated())
        out, seen = [], {self.key(own)}
        for c in cands:
            k = self.key(c)
            if k in valid and k not in seen:
                seen.add(k)
                out.append(c)
        return out

    def _check_int(self, x: Any) -> None:
        if is_int_like(x):
            raise InvalidArchitectureError(
                f"A bare integer ({short(x)}) is not a {self.name} architecture form; for a "
                "key use space.from_key(k).")


class TransNASMicroSpace(_Restricted):
    """TransNAS-Bench-101's cell space (see the module docstring)."""

    name = "transnas_micro"

    def __init__(self, keys: Sequence[int] | None = None) -> None:
        self._restrict(keys)

    def parse(self, x: Any, encoding: str | None = None) -> str:
        """The cell string ``"a_bc_def"`` of an official arch string or a cell string."""
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        self._check_int(x)
        if not isinstance(x, str):
            raise InvalidArchitectureError(
                f"Cannot read {short(x)} as a TransNAS micro cell: give '1_02_333' or "
                "'64-41414-1_02_333'.")
        s = x.strip()
        if s.startswith(MICRO_PREFIX):
            s = s[len(MICRO_PREFIX):]
        parts = s.split("_")
        if [len(p) for p in parts] != [1, 2, 3] or not all(c in "0123" for c in "".join(parts)):
            raise InvalidArchitectureError(
                f"Bad TransNAS micro cell {short(x)}: expected 'a_bc_def' with digits 0..3 "
                f"({', '.join(f'{i} {o}' for i, o in enumerate(MICRO_OPS))}).")
        return s

    def to_string(self, arch: Any) -> str:
        return MICRO_PREFIX + self.parse(arch)

    def key(self, arch: Any) -> int:
        return int(self.parse(arch).replace("_", ""), 4)

    def from_key(self, key: int) -> str:
        if not is_int_like(key) or not 0 <= int(key) < 4096:
            raise InvalidArchitectureError(f"{short(key)} is not a TransNAS micro key.")
        d = np.base_repr(int(key), 4).rjust(6, "0")
        return f"{d[0]}_{d[1:3]}_{d[3:]}"

    def _all(self) -> list[Any]:
        return [self.from_key(k) for k in range(4096)]

    def neighbours(self, arch: Any) -> list[Any]:
        d = self.parse(arch).replace("_", "")
        cands = []
        for i in range(6):
            for v in "0123":
                if v != d[i]:
                    e = d[:i] + v + d[i + 1:]
                    cands.append(f"{e[0]}_{e[1:3]}_{e[3:]}")
        return self._keep(cands, arch)

    def to_graph(self, arch: Any) -> Any:
        """Nodes 0..3 (``"input"``, ``"add"``...) plus one node per non-``none`` edge
        carrying its op; node 3 is the output (``"output"``)."""
        import networkx as nx

        d = self.parse(arch).replace("_", "")
        g = nx.DiGraph()
        for n, op in enumerate(("input", "add", "add", "output")):
            g.add_node(n, op=op)
        e = 0
        for j in range(1, 4):
            for i in range(j):
                op = MICRO_OPS[int(d[e])]
                if op != "none":
                    g.add_node(("edge", i, j), op=op)
                    g.add_edge(i, ("edge", i, j))
                    g.add_edge(("edge", i, j), j)
                e += 1
        return g

    def onehot(self, archs: Sequence[Any]) -> np.ndarray:
        """Op one-hot of the 6 edges: float64 (n, 24)."""
        out = np.zeros((len(archs), 24))
        for r, a in enumerate(archs):
            for e, c in enumerate(self.parse(a).replace("_", "")):
                out[r, 4 * e + int(c)] = 1.0
        return out


class TransNASMacroSpace(_Restricted):
    """TransNAS-Bench-101's macro skeleton space (see the module docstring)."""

    name = "transnas_macro"

    def __init__(self, keys: Sequence[int] | None = None) -> None:
        self._restrict(keys)

    def parse(self, x: Any, encoding: str | None = None) -> str:
        """The skeleton digits (``"1234"``) of an official arch string or a skeleton."""
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        self._check_int(x)
        if not isinstance(x, str):
            raise InvalidArchitectureError(
                f"Cannot read {short(x)} as a TransNAS macro network: give '1234' or "
                "'64-1234-basic'.")
        s = x.strip()
        if s.startswith("64-") and s.endswith(MACRO_SUFFIX):
            s = s[3:-len(MACRO_SUFFIX)]
        if not 4 <= len(s) <= 6 or not all(c in "1234" for c in s):
            raise InvalidArchitectureError(
                f"Bad TransNAS macro skeleton {short(x)}: expected 4 to 6 modules, each 1 "
                "(normal), 2 (channels x 2), 3 (resolution / 2) or 4 (both).")
        return s

    def to_string(self, arch: Any) -> str:
        return f"64-{self.parse(arch)}{MACRO_SUFFIX}"

    def key(self, arch: Any) -> int:
        return int(self.parse(arch))

    def from_key(self, key: int) -> str:
        if not is_int_like(key):
            raise InvalidArchitectureError(f"{short(key)} is not a TransNAS macro key.")
        return self.parse(str(int(key)))

    def _all(self) -> list[Any]:
        out = []
        for n in range(4, 7):
            for s in itertools.product("1234", repeat=n):
                down = sum(c in "34" for c in s)
                wide = sum(c in "24" for c in s)
                if 1 <= down <= 4 and 1 <= wide <= 3:
                    out.append("".join(s))
        return sorted(out, key=int)

    def neighbours(self, arch: Any) -> list[Any]:
        s = self.parse(arch)
        cands = [s[:i] + v + s[i + 1:] for i in range(len(s)) for v in "1234" if v != s[i]]
        cands += [s[:i] + v + s[i:] for i in range(len(s) + 1) for v in "1234"
                  if len(s) < 6]
        cands += [s[:i] + s[i + 1:] for i in range(len(s)) if len(s) > 4]
        return self._keep(cands, arch)

    def to_graph(self, arch: Any) -> Any:
        """A chain: ``input`` -> one node per module (op ``normal`` / ``channel_x2`` /
        ``resolution_half`` / ``both``) -> ``output``."""
        import networkx as nx

        names = {"1": "normal", "2": "channel_x2", "3": "resolution_half", "4": "both"}
        s = self.parse(arch)
        g = nx.DiGraph()
        g.add_node(0, op="input")
        for i, c in enumerate(s, start=1):
            g.add_node(i, op=names[c])
            g.add_edge(i - 1, i)
        g.add_node(len(s) + 1, op="output")
        g.add_edge(len(s), len(s) + 1)
        return g

    def onehot(self, archs: Sequence[Any]) -> np.ndarray:
        """One-hot of each of 6 module slots (a fifth value: absent): float64 (n, 30)."""
        out = np.zeros((len(archs), 30))
        for r, a in enumerate(archs):
            s = self.parse(a).ljust(6, "0")
            for i, c in enumerate(s):
                out[r, 5 * i + int(c)] = 1.0
        return out
