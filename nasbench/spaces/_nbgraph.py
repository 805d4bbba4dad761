"""NAS-Bench-Graph macro search space (Qin et al., NeurIPS 2022 Datasets & Benchmarks).

Arch: :class:`NBGraphArch` ``(link, ops)``. Computing node ``i`` (0-based) reads
``link[i]`` (0 = the graph input, ``j`` = the output of computing node ``j``, so
``link[i] <= i``) and applies ``ops[i]``, one of ``gat, gcn, gin, cheb, sage, arma, graph,
fc, skip``; nodes that no other node reads feed the output. 24 link vectors x 9**4 op tuples
= 157,464 raw archs fall into 26,206 benchmark archs (plus the all-skip arch, which has no
row). Key: the benchmark's own hash of the class representative (see ``_nbgraph_canon``),
so ``key(a)`` works for every raw arch and equals ``nas_bench_graph.Arch(link,
ops).valid_hash()``. String form: ``"0,0,1,2|gcn,gat,skip,fc"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message
from nasbench.spaces import _nbgraph_canon as canon
from nasbench.spaces import _nbgraph_codecs
from nasbench.spaces._base import SearchSpace
from nasbench.spaces._common import check_index, check_length, is_int_like, not_parseable, short

OPS = canon.OPS
#: The op set of the ``proteins`` table (2,021 archs).
PROTEINS_OPS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
_ACCEPTED = ("an NBGraphArch, a (link, ops) pair, a dict {'link': [...], 'ops': [...]} or "
             "{'lk': [...], 'op': [...]}, a nas_bench_graph.Arch, or a string "
             "'0,0,1,2|gcn,gat,skip,fc'; a valid_hash int with encoding='valid_hash'")


def _raw_key(a: NBGraphArch) -> int:
    """Key of a structurally valid arch (no checks); -1 for the all-skip arch.

    Computed directly (a few microseconds) so that a first query does not pay for the
    157,464-entry table; ``tests/spaces`` checks both paths agree on every raw arch.
    """
    o = _OP_INDEX
    return canon.key_of(a.link, (o[a.ops[0]], o[a.ops[1]], o[a.ops[2]], o[a.ops[3]]))


_VALID_LINKS = frozenset(tuple(lk) for lk in canon.ALL_LINKS)
_ALL_SKIP = ("skip",) * 4


def _format(a: NBGraphArch) -> str:
    return ",".join(map(str, a.link)) + "|" + ",".join(a.ops)


class NBGraphArch(NamedTuple):
    """A NAS-Bench-Graph architecture: 4 input links and 4 op names (see module docstring)."""

    link: tuple[int, ...]
    ops: tuple[str, ...]


class NBGraphSpace(SearchSpace):
    """NAS-Bench-Graph; ``NBGraphSpace(ops=PROTEINS_OPS)`` gives the ``proteins`` variant.

    Args:
        ops: the op names allowed (default: all nine). A restricted space parses, samples,
            enumerates and proposes neighbours only with those ops; keys are unchanged (the
            ``proteins`` table's 2,021 keys are exactly ``NBGraphSpace(ops=PROTEINS_OPS)``'s).
    """

    name = "nbgraph"
    merges_isomorphic = True

    def __init__(self, ops: Sequence[str] | None = None) -> None:
        if ops is None:
            chosen = OPS
        else:
            for op in ops:
                if op not in _OP_INDEX:
                    raise ValueError(unknown_choice_message("NAS-Bench-Graph op", op, OPS))
            chosen = tuple(op for op in OPS if op in set(ops))
        if not chosen or chosen == ("skip",):
            raise ValueError(
                f"The 'ops' parameter of NBGraphSpace needs a non-skip op. Got {ops!r}."
            )
        self.ops: tuple[str, ...] = chosen
        self._allowed = frozenset(_OP_INDEX[op] for op in chosen)
        self._op_set = frozenset(chosen)

    def __repr__(self) -> str:
        extra = "" if self.ops == OPS else f", ops={self.ops!r}"
        return f"NBGraphSpace(name={self.name!r}{extra})"

    # ---- parsing ------------------------------------------------------------------------

    def parse(self, x: Any, encoding: str | None = None) -> NBGraphArch:
        """NBGraphArch from any accepted encoding (see module docstring); not canonicalised.

        Bare forms: :class:`NBGraphArch`, ``(link, ops)``, ``{"link", "ops"}`` and
        ``{"lk", "op"}`` dicts, the string form, and ``nas_bench_graph.Arch`` objects.
        ``encoding`` reads ``x`` as a named encoding (e.g. ``"valid_hash"``); a bare int
        is refused.
        """
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        if type(x) is NBGraphArch and self._is_valid(x):
            return x
        if type(x) is dict and len(x) == 2:
            fast = self._fast_dict(x)
            if fast is not None:
                return fast
        if isinstance(x, str):
            link, ops = self._split_string(x)
        elif isinstance(x, Mapping) and ("lk" in x or "op" in x):
            link, ops = _nbgraph_codecs.lk_op_fields(x)
        elif isinstance(x, Mapping):
            missing = [f for f in ("link", "ops") if f not in x]
            extra = [f for f in x if f not in ("link", "ops")]
            if missing or extra:
                raise InvalidArchitectureError(
                    f"A NAS-Bench-Graph dict needs exactly the fields 'link' and 'ops'. "
                    f"Missing: {missing}; unexpected: {[short(f) for f in extra]}."
                )
            link, ops = x["link"], x["ops"]
        elif isinstance(x, (tuple, list)) and len(x) == 2:
            link, ops = x
        elif _nbgraph_codecs.is_package_arch(x):
            link, ops = x.link, x.ops
        elif is_int_like(x):
            raise InvalidArchitectureError(
                f"A bare integer ({short(x)}) is not a NAS-Bench-Graph architecture form; if it "
                "is NAS-Bench-Graph's Arch.valid_hash() (= our arch_id), say so: "
                "encoding='valid_hash'."
            )
        else:
            raise not_parseable("NAS-Bench-Graph", x, _ACCEPTED)
        arch = NBGraphArch(self._parse_link(link), self._parse_ops(ops))
        if all(op == "skip" for op in arch.ops):
            raise InvalidArchitectureError(
                f"The all-skip architecture {arch.link} x 4 skip computes nothing and has "
                "no row in NAS-Bench-Graph; use at least one non-skip op."
            )
        return arch

    def _memo_token(self, x: Any) -> Any:
        if type(x) is dict and len(x) == 2:
            try:  # ("dict", link, ops): never equal to another accepted encoding
                return ("dict", tuple(x["link"]), tuple(x["ops"]))
            except (KeyError, TypeError):
                return None
        return None

    def _fast_dict(self, x: dict[str, Any]) -> NBGraphArch | None:
        """The arch of a well-formed ``{"link": [...], "ops": [...]}``; None sends it to
        the checking path (which produces the error message)."""
        try:
            arch = NBGraphArch(tuple(x["link"]), tuple(x["ops"]))
        except (KeyError, TypeError):
            return None
        return arch if self._is_valid(arch) else None

    def _is_valid(self, x: NBGraphArch) -> bool:
        lk, ops = x.link, x.ops
        allowed = self._op_set
        return (
            type(lk) is tuple and type(ops) is tuple and len(ops) == 4
            and lk in _VALID_LINKS and all(type(v) is int for v in lk)
            and ops[0] in allowed and ops[1] in allowed and ops[2] in allowed
            and ops[3] in allowed and ops != _ALL_SKIP
        )

    def _split_string(self, s: str) -> tuple[list[Any], list[str]]:
        left, sep, right = s.strip().partition("|")
        if not sep or "|" in right:
            raise InvalidArchitectureError(
                f"Cannot read {short(s)} as a NAS-Bench-Graph string: expected exactly one '|' "
                "between links and ops, as in '0,0,1,2|gcn,gat,skip,fc'."
            )
        links: list[Any] = []
        for i, tok in enumerate(left.split(",")):
            t = tok.strip()
            links.append(int(t) if t.isascii() and t.isdigit() else tok)
            if not is_int_like(links[-1]):
                raise InvalidArchitectureError(
                    f"Bad NAS-Bench-Graph string {short(s)}: link {i} is {tok!r}, "
                    "not a non-negative integer."
                )
        return links, [t.strip() for t in right.split(",")]

    def _parse_link(self, link: Any) -> tuple[int, ...]:
        if isinstance(link, (str, bytes, Mapping)) or not isinstance(link, (Sequence, np.ndarray)):
            raise InvalidArchitectureError(
                f"'link' must be a sequence of 4 ints. Got {short(link)}."
            )
        check_length(link, 4, "NAS-Bench-Graph link list")
        return tuple(check_index(v, i + 1, f"link {i} (input of computing node {i})")
                     for i, v in enumerate(link))

    def _parse_ops(self, ops: Any) -> tuple[str, ...]:
        if isinstance(ops, (str, bytes, Mapping)) or not isinstance(ops, (Sequence, np.ndarray)):
            raise InvalidArchitectureError(
                f"'ops' must be a sequence of 4 op names. Got {short(ops)}."
            )
        check_length(ops, 4, "NAS-Bench-Graph op list")
        out = []
        for i, op in enumerate(ops):
            if is_int_like(op) and 0 <= int(op) < len(OPS):
                op = OPS[int(op)]
            if not isinstance(op, str) or op not in self.ops:
                raise InvalidArchitectureError(
                    f"op {i} (computing node {i}): "
                    + unknown_choice_message("NAS-Bench-Graph op", op, self.ops)
                )
            out.append(op)
        return tuple(out)

    def to_string(self, arch: Any) -> str:
        """``"<link,...>|<op,...>"``, e.g. ``"0,0,1,2|gcn,gat,skip,fc"``."""
        return _format(self.parse(arch))

    # ---- keys ---------------------------------------------------------------------------

    def key(self, arch: Any) -> int:
        """The benchmark's hash of ``arch``'s class (26,206 values; equal for isomorphs)."""
        return _raw_key(self.parse(arch))

    def from_key(self, key: int) -> NBGraphArch:
        """The representative arch of ``key`` (a key that :meth:`enumerate` produces)."""
        if not is_int_like(key) or not 0 <= int(key) < 9 * 10**4:
            raise InvalidArchitectureError(f"{short(key)} is not a NAS-Bench-Graph key.")
        k = int(key)
        digits = [int(c) for c in f"{k % 10**4:04d}"]
        if 9 in digits:
            raise InvalidArchitectureError(f"{k} is not a NAS-Bench-Graph key (digit 9).")
        arch = NBGraphArch(canon.LINK_PATTERNS[k // 10**4], tuple(OPS[d] for d in digits))
        if any(op not in self.ops for op in arch.ops):
            raise InvalidArchitectureError(
                f"Key {k} ({_format(arch)}) uses ops outside this space's {self.ops}."
            )
        own = _raw_key(arch)
        if own != k:
            why = (f"{_format(arch)} is a non-canonical form of key {own}" if own >= 0
                   else "the all-skip architecture has no row")
            raise InvalidArchitectureError(f"{k} is not a NAS-Bench-Graph key: {why}.")
        return arch

    def keys(self, archs: Any, encoding: str | None = None) -> np.ndarray:
        """Keys of many archs (any encodings, or all read as ``encoding``): int64, (n,)."""
        return super().keys(archs, encoding)

    def _codecs(self) -> Mapping[str, Any]:
        return _nbgraph_codecs.CODECS

    # ---- structure ----------------------------------------------------------------------

    def enumerate(self) -> list[Any]:
        """One representative per benchmark arch of this op set, sorted by key."""
        table = canon.raw_key_table()
        keys = np.unique(table[table >= 0])
        out = []
        for k in keys.tolist():
            digits = f"{k % 10**4:04d}"
            if all(int(d) in self._allowed for d in digits):
                out.append(NBGraphArch(canon.LINK_PATTERNS[k // 10**4],
                                       tuple(OPS[int(d)] for d in digits)))
        return out

    def canonical(self, arch: Any, **options: Any) -> NBGraphArch:
        """The representative of ``arch``'s class (the arch :meth:`from_key` returns)."""
        if options:
            raise TypeError(
                f"Unexpected option(s) for NAS-Bench-Graph canonical: {sorted(options)}."
            )
        k = self.key(arch)
        digits = f"{k % 10**4:04d}"
        return NBGraphArch(canon.LINK_PATTERNS[k // 10**4], tuple(OPS[int(d)] for d in digits))

    def neighbours(self, arch: Any) -> list[Any]:
        """Representatives one op change or one link change away, deduplicated, self excluded."""
        a = self.parse(arch)
        own = self.key(a)
        seen = {own}
        out = []
        candidates = [NBGraphArch(a.link, a.ops[:i] + (op,) + a.ops[i + 1:])
                      for i in range(4) for op in self.ops if op != a.ops[i]]
        candidates += [NBGraphArch(a.link[:i] + (j,) + a.link[i + 1:], a.ops)
                       for i in range(4) for j in range(i + 1) if j != a.link[i]]
        for c in candidates:
            if all(op == "skip" for op in c.ops):
                continue
            k = self.key(c)
            if k not in seen:
                seen.add(k)
                out.append(self.canonical(c))
        return out

    def to_graph(self, arch: Any) -> Any:
        """``networkx.DiGraph`` of the arch as given (call :meth:`canonical` first to merge
        isomorphs): node 0 = graph input (op ``"input"``), nodes 1..4 = computing nodes (op
        name), node 5 = output (op ``"output"``); edges ``link[i] -> i+1`` and leaf -> 5.
        """
        import networkx as nx

        a = self.parse(arch)
        g = nx.DiGraph()
        g.add_node(0, op="input")
        for i, op in enumerate(a.ops):
            g.add_node(i + 1, op=op)
            g.add_edge(a.link[i], i + 1)
        g.add_node(5, op="output")
        for v in range(1, 5):
            if v not in a.link:
                g.add_edge(v, 5)
        return g
