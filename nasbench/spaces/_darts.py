"""The DARTS cell space of NAS-Bench-301 (Siems et al., 2020; Liu et al., DARTS, 2019).

An architecture is two cells, *normal* and *reduction*. Each cell has two inputs (0: the
output of the cell two back, 1: of the previous cell) and four intermediate nodes 2..5;
node ``n`` adds two edges from two *distinct* earlier nodes (``0 <= i < n``), each with one
of seven ops: ``max_pool_3x3``, ``avg_pool_3x3``, ``skip_connect``, ``sep_conv_3x3``,
``sep_conv_5x5``, ``dil_conv_3x3``, ``dil_conv_5x5``; the cell's output concatenates nodes
2..5. Per cell 1 x 3 x 6 x 10 input pairs x 7**8 op choices = 1,037,664,180 cells; about
1.08e18 architectures.

Arch: :class:`DartsArch` ``(normal, reduce)``, each a tuple of 8 ``(op, input)`` pairs, two
per node in node order, as in DARTS's ``Genotype``. **Canonical form**: the order of the two
edges of a node does not change the network (they are summed), so :meth:`DartsSpace.parse`
sorts each node's two edges by input; equivalent genotypes therefore parse to one arch and
one key. Nothing else is merged (e.g. relabelling intermediate nodes), as in NAS-Bench-301.

Key (int64): ``normal_code * 1,037,664,180 + reduce_code``; a cell's code is the
mixed-radix number of (input pair of node 2, 3, 4, 5 among the sorted pairs ``(i, j)``,
``i < j``, in lexicographic order; then the 8 ops as base-7 digits in the order above).

Forms read by :meth:`~DartsSpace.parse`: a :class:`DartsArch`, a DARTS ``Genotype`` (or any
object with ``normal`` / ``reduce``), a dict ``{"normal": [...], "reduce": [...]}``, the
``repr`` of a DARTS ``Genotype`` (``"Genotype(normal=[('sep_conv_3x3', 0), ...], ...)"``), our
string form, and NAS-Bench-301's configuration dict (``NetworkSelectorDatasetInfo:darts:
edge_normal_<k>`` / ``inputs_node_normal_<n>`` keys; other keys ignored). String form:
``"normal=sep_conv_3x3~0,sep_conv_3x3~1|...;reduce=..."`` (nodes separated by ``|``).

Search conventions: :meth:`~DartsSpace.sample` draws uniformly (each node's input pair and
each op uniform: NAS-Bench-301's random configuration); :meth:`~DartsSpace.neighbours`
changes one op of one edge, or moves one edge of a node to another input that the node does
not use (keeping its op). A space restricted to some archs (``DartsSpace(keys=...)``: the
table of an import) enumerates, samples and walks only those.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message
from nasbench.spaces._base import SearchSpace, check_sample_size
from nasbench.spaces._common import is_int_like, key_restriction, not_parseable, short

OPS: tuple[str, ...] = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                        "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
CELLS = ("normal", "reduce")
#: input pairs of intermediate node 2 + k, sorted
PAIRS: tuple[tuple[tuple[int, int], ...], ...] = tuple(
    tuple(itertools.combinations(range(n), 2)) for n in range(2, 6))
_PAIR_INDEX = [{p: i for i, p in enumerate(ps)} for ps in PAIRS]
_PAIR_RADIX = tuple(len(p) for p in PAIRS)  # (1, 3, 6, 10)
CELL_SIZE = int(np.prod(_PAIR_RADIX)) * len(OPS) ** 8  # 1,037,664,180
#: NAS-Bench-301's first edge number of each intermediate node (edges 0..13)
EDGE_OFFSET = (0, 2, 5, 9)
_PREFIX = "NetworkSelectorDatasetInfo:darts:"
_ACCEPTED = ("a DartsArch, a DARTS Genotype (or its repr string), a dict {'normal': [(op, "
             "input), ...], 'reduce': [...]}, a NAS-Bench-301 configuration dict, or a string "
             "'normal=op~i,op~j|...;reduce=...'")

Cell = tuple[tuple[str, int], ...]


class DartsArch(NamedTuple):
    """Normal and reduction cells: 8 ``(op, input)`` pairs each (see module docstring)."""

    normal: Cell
    reduce: Cell


def _cell(edges: Any, which: str) -> Cell:
    if isinstance(edges, (str, bytes, Mapping)) or not isinstance(edges, (Sequence, np.ndarray)):
        raise InvalidArchitectureError(f"The {which} cell must be a list of 8 (op, input) "
                                       f"pairs. Got {short(edges)}.")
    edges = list(edges)
    if len(edges) != 8:
        raise InvalidArchitectureError(f"The {which} cell needs 8 (op, input) pairs (2 per "
                                       f"node 2..5). Got {len(edges)}: {short(edges)}.")
    out: list[tuple[str, int]] = []
    for node in range(4):
        pair = []
        for e in (2 * node, 2 * node + 1):
            item = edges[e]
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise InvalidArchitectureError(
                    f"{which} edge {e}: expected (op, input). Got {short(item)}.")
            op, inp = item
            if isinstance(inp, str) and not isinstance(op, str):
                op, inp = inp, op
            if is_int_like(op) and 0 <= int(op) < len(OPS):
                op = OPS[int(op)]
            if not isinstance(op, str) or op not in _OP_INDEX:
                raise InvalidArchitectureError(
                    f"{which} edge {e} (node {node + 2}): "
                    + unknown_choice_message("DARTS op", op, OPS))
            if not is_int_like(inp) or not 0 <= int(inp) < node + 2:
                raise InvalidArchitectureError(
                    f"{which} edge {e}: node {node + 2} reads nodes 0..{node + 1}; "
                    f"got input {short(inp)}.")
            pair.append((op, int(inp)))
        if pair[0][1] == pair[1][1]:
            raise InvalidArchitectureError(
                f"{which} node {node + 2}: its two edges read the same input {pair[0][1]} "
                "(DARTS cells use two distinct inputs per node).")
        pair.sort(key=lambda x: x[1])
        out.extend(pair)
    return tuple(out)


def _cell_code(c: Cell) -> int:
    code = 0
    for node in range(4):
        code = code * _PAIR_RADIX[node] + _PAIR_INDEX[node][(c[2 * node][1], c[2 * node + 1][1])]
    for op, _ in c:
        code = code * 7 + _OP_INDEX[op]
    return code


def _cell_of(code: int) -> Cell:
    ops = []
    for _ in range(8):
        ops.append(OPS[code % 7])
        code //= 7
    ops.reverse()
    pairs = []
    for node in (3, 2, 1, 0):
        pairs.append(PAIRS[node][code % _PAIR_RADIX[node]])
        code //= _PAIR_RADIX[node]
    pairs.reverse()
    return tuple((ops[2 * n + k], pairs[n][k]) for n in range(4) for k in range(2))


def _format_cell(c: Cell) -> str:
    return "|".join(f"{c[2 * n][0]}~{c[2 * n][1]},{c[2 * n + 1][0]}~{c[2 * n + 1][1]}"
                    for n in range(4))


def from_config(config: Mapping[str, Any]) -> DartsArch:
    """The arch of a NAS-Bench-301 configuration dict (``optimized_hyperparamater_config``)."""
    cells = []
    for which in CELLS:
        edges: list[tuple[Any, int]] = []
        for node in range(4):
            if node == 0:
                inputs: tuple[int, ...] = (0, 1)
            else:
                raw = config.get(f"{_PREFIX}inputs_node_{which}_{node + 2}")
                try:
                    inputs = tuple(int(v) for v in str(raw).split("_"))
                except ValueError:
                    inputs = ()
                if len(inputs) != 2:
                    raise InvalidArchitectureError(
                        f"NAS-Bench-301 config: inputs_node_{which}_{node + 2} is "
                        f"{short(raw)}, not 'i_j'.")
            for i in inputs:
                key = f"{_PREFIX}edge_{which}_{EDGE_OFFSET[node] + i}"
                if key not in config:
                    raise InvalidArchitectureError(
                        f"NAS-Bench-301 config: node {node + 2} of the {which} cell reads input "
                        f"{i} but {key.removeprefix(_PREFIX)} is missing.")
                edges.append((config[key], i))
        cells.append(_cell(edges, which))
    return DartsArch(cells[0], cells[1])


def to_config(arch: DartsArch) -> dict[str, str]:
    """NAS-Bench-301's architecture keys of ``arch`` (the inverse of :func:`from_config`)."""
    out: dict[str, str] = {}
    for which, c in zip(CELLS, arch, strict=True):
        for node in range(4):
            (op1, i), (op2, j) = c[2 * node], c[2 * node + 1]
            if node:
                out[f"{_PREFIX}inputs_node_{which}_{node + 2}"] = f"{i}_{j}"
            out[f"{_PREFIX}edge_{which}_{EDGE_OFFSET[node] + i}"] = op1
            out[f"{_PREFIX}edge_{which}_{EDGE_OFFSET[node] + j}"] = op2
    return out


_GENOTYPE = re.compile(r"(normal|reduce)\s*=\s*(\[[^\]]*\])")


class DartsSpace(SearchSpace):
    """The DARTS / NAS-Bench-301 space (see the module docstring).

    Args:
        keys: restrict the space to these archs (the table of an import; from the catalog's
            ``space_options``). Unrestricted, :meth:`enumerate` is refused (1e18 archs).
    """

    name = "darts"
    merges_isomorphic = True

    def __init__(self, keys: Sequence[int] | None = None) -> None:
        self._members: frozenset[int] | None = None
        if keys is not None:
            self._members, self._keys_sorted, self._repr = key_restriction(self, keys)

    def __repr__(self) -> str:
        return self.__dict__.get("_repr") or super().__repr__()

    # ---- parsing ------------------------------------------------------------------------

    def parse(self, x: Any, encoding: str | None = None) -> DartsArch:
        """The canonical arch of any accepted form (see the module docstring)."""
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        if isinstance(x, str):
            return self._parse_string(x)
        if isinstance(x, Mapping):
            if any(str(k).startswith(_PREFIX) for k in x):
                return from_config(x)
            missing = [f for f in CELLS if f not in x]
            if missing:
                raise InvalidArchitectureError(
                    f"A DARTS dict needs 'normal' and 'reduce'. Missing: {missing}.")
            return DartsArch(_cell(x["normal"], "normal"), _cell(x["reduce"], "reduce"))
        if isinstance(x, tuple) and len(x) == 2 and not hasattr(x, "normal"):
            return DartsArch(_cell(x[0], "normal"), _cell(x[1], "reduce"))
        if hasattr(x, "normal") and hasattr(x, "reduce"):
            return DartsArch(_cell(x.normal, "normal"), _cell(x.reduce, "reduce"))
        raise not_parseable("DARTS", x, _ACCEPTED)

    def _parse_string(self, s: str) -> DartsArch:
        t = s.strip()
        if t.startswith("Genotype("):
            found = dict(_GENOTYPE.findall(t))
            if set(found) != set(CELLS):
                raise InvalidArchitectureError(f"Cannot read {short(s)}: a Genotype string "
                                               "needs normal=[...] and reduce=[...].")
            try:
                cells = {w: ast.literal_eval(found[w]) for w in CELLS}
            except (ValueError, SyntaxError):
                raise InvalidArchitectureError(f"Cannot read the edge lists of {short(s)}.") \
                    from None
            return DartsArch(_cell(cells["normal"], "normal"), _cell(cells["reduce"], "reduce"))
        parts = dict(p.split("=", 1) for p in t.split(";") if "=" in p)
        if set(parts) != set(CELLS):
            raise InvalidArchitectureError(
                f"Cannot read {short(s)} as a DARTS string: expected "
                "'normal=op~i,op~j|...;reduce=op~i,op~j|...'.")
        out: list[Cell] = []
        for which in CELLS:
            edges: list[tuple[str, Any]] = []
            for node in parts[which].split("|"):
                for e in node.split(","):
                    op, sep, inp = e.strip().partition("~")
                    if not sep or not inp.isdigit():
                        raise InvalidArchitectureError(
                            f"Bad DARTS string {short(s)}: edge {e.strip()!r} of the {which} "
                            "cell is not 'op~input'.")
                    edges.append((op, int(inp)))
            out.append(_cell(edges, which))
        return DartsArch(out[0], out[1])

    def to_string(self, arch: Any) -> str:
        a = self.parse(arch)
        return f"normal={_format_cell(a.normal)};reduce={_format_cell(a.reduce)}"

    def to_genotype_string(self, arch: Any) -> str:
        """DARTS's ``Genotype`` repr of ``arch`` (concat nodes 2..5)."""
        a = self.parse(arch)
        return (f"Genotype(normal={list(a.normal)!r}, normal_concat=[2, 3, 4, 5], "
                f"reduce={list(a.reduce)!r}, reduce_concat=[2, 3, 4, 5])")

    # ---- keys ---------------------------------------------------------------------------

    def key(self, arch: Any) -> int:
        a = arch if type(arch) is DartsArch else self.parse(arch)
        try:
            return _cell_code(a.normal) * CELL_SIZE + _cell_code(a.reduce)
        except (KeyError, TypeError, IndexError, AttributeError):
            a = self.parse(tuple(arch))
            return _cell_code(a.normal) * CELL_SIZE + _cell_code(a.reduce)

    def from_key(self, key: int) -> DartsArch:
        if not is_int_like(key) or not 0 <= int(key) < CELL_SIZE * CELL_SIZE:
            raise InvalidArchitectureError(f"{short(key)} is not a DARTS key.")
        n, r = divmod(int(key), CELL_SIZE)
        return DartsArch(_cell_of(n), _cell_of(r))

    # ---- structure ----------------------------------------------------------------------

    def enumerate(self) -> list[Any]:
        if self._members is None:
            raise InvalidArchitectureError(
                "The DARTS space has about 1.08e18 architectures and cannot be enumerated; "
                "use the space of a table (t.space), DartsSpace(keys=...), or sample().")
        return [self.from_key(k) for k in self._keys_sorted]

    def __len__(self) -> int:
        return CELL_SIZE * CELL_SIZE if self._members is None else len(self._members)

    def sample(self, n: int, seed: int | None = None) -> list[Any]:
        """``n`` archs, uniform over the space (or over the restricted space's archs)."""
        if self._members is not None:
            return super().sample(n, seed)
        check_sample_size(n)
        rng = np.random.default_rng(seed)
        codes = rng.integers(0, CELL_SIZE, size=(int(n), 2))
        return [DartsArch(_cell_of(int(a)), _cell_of(int(b))) for a, b in codes.tolist()]

    def canonical(self, arch: Any, **options: Any) -> DartsArch:
        if options:
            raise TypeError(f"Unexpected option(s) for DARTS canonical: {sorted(options)}.")
        return self.parse(arch)

    def neighbours(self, arch: Any) -> list[Any]:
        a = self.parse(arch)
        own = self.key(a)
        seen = {own}
        out: list[Any] = []
        members = self._members
        for ci in range(2):
            c = list(a[ci])
            for e in range(8):
                op, inp = c[e]
                node = e // 2
                cands = [(o, inp) for o in OPS if o != op]
                other = c[e ^ 1][1]
                cands += [(op, i) for i in range(node + 2) if i not in (inp, other)]
                for new in cands:
                    d = c[:]
                    d[e] = new
                    cell = _cell(d, CELLS[ci])
                    b = DartsArch(cell, a.reduce) if ci == 0 else DartsArch(a.normal, cell)
                    k = self.key(b)
                    if k not in seen and (members is None or k in members):
                        seen.add(k)
                        out.append(b)
        return out

    def to_graph(self, arch: Any) -> Any:
        """``networkx.DiGraph``: per cell, input nodes (``"input"``), one node per edge with
        its op, intermediate nodes (``"add"``) and the concatenated output (``"output"``);
        the normal cell's nodes are ``("normal", ...)``, the reduction cell's
        ``("reduce", ...)``."""
        import networkx as nx

        a = self.parse(arch)
        g = nx.DiGraph()
        for which, c in zip(CELLS, a, strict=True):
            for i in range(2):
                g.add_node((which, "in", i), op="input")
            for n in range(2, 6):
                g.add_node((which, "node", n), op="add")
                g.add_edge((which, "node", n), (which, "out"))
            g.add_node((which, "out"), op="output")
            for e, (op, inp) in enumerate(c):
                src = (which, "in", inp) if inp < 2 else (which, "node", inp)
                g.add_node((which, "edge", e), op=op)
                g.add_edge(src, (which, "edge", e))
                g.add_edge((which, "edge", e), (which, "node", e // 2 + 2))
        return g

    def onehot(self, archs: Sequence[Any]) -> np.ndarray:
        """Per cell and node: one-hot of the input pair (1 + 3 + 6 + 10) and of each edge's
        op (8 x 7); float64 (n, 2 x 76)."""
        width = sum(_PAIR_RADIX) + 8 * len(OPS)
        out = np.zeros((len(archs), 2 * width))
        for r, x in enumerate(archs):
            a = self.parse(x)
            for ci, c in enumerate(a):
                base = ci * width
                off = 0
                for node in range(4):
                    p = _PAIR_INDEX[node][(c[2 * node][1], c[2 * node + 1][1])]
                    out[r, base + off + p] = 1.0
                    off += _PAIR_RADIX[node]
                for e, (op, _) in enumerate(c):
                    out[r, base + off + 7 * e + _OP_INDEX[op]] = 1.0
        return out
