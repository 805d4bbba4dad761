"""NAS-Bench-101 cell space (Ying et al., ICML 2019).

A cell is a DAG of at most 7 vertices and 9 edges given by an upper-triangular adjacency
matrix and one op per vertex: ``input``, then each of ``conv3x3-bn-relu``,
``conv1x1-bn-relu``, ``maxpool3x3``, then ``output``. As in the official ``ModelSpec``, a
spec is *pruned* first: every vertex that is not on some input -> output path is deleted
(rows, columns and op), the rest keep their order. A spec whose input does not reach its
output is invalid; so is one with more than 7 vertices or 9 edges after pruning.

Arch: :class:`NB101Arch` ``(matrix, ops)`` of the pruned spec (``matrix`` a tuple of
row tuples of 0/1, ``ops`` a tuple of names including ``input`` and ``output``). Archs
returned by :meth:`NB101Space.enumerate`, :meth:`~NB101Space.sample`,
:meth:`~NB101Space.neighbours` and :meth:`~NB101Space.from_key` are the canonical
representatives of their isomorphism class (see "Canonical form").

Ids:

* :func:`module_hash` is NAS-Bench-101's own isomorphism-invariant id (``graph_util.
  hash_module``), an MD5 hex string; it is the arch's *index string*, so ``t.query(hash)``
  reads a row directly. Algorithm (our implementation): each vertex starts with
  ``md5(str((out_degree, in_degree, label)))`` with label -1 for the input, -2 for the
  output and the op's position in (conv3x3, conv1x1, maxpool) otherwise; then, ``V`` times
  (``V`` = vertex count), every vertex becomes ``md5(sorted in-neighbour hashes joined +
  "|" + sorted out-neighbour hashes joined + "|" + own hash)``; the id is
  ``md5(str(sorted(final vertex hashes)))`` (``str`` of a Python list of str).
* The integer key is *our* compact numbering of the canonical form (dense enough for the
  store's key -> row array; the 423,624 archs use keys below 450,808):
  ``key = offset[c] + ops_code`` where ``c`` is the position of the canonical unlabelled
  matrix in the sorted list of canonical unlabelled cells (by vertex count, then matrix
  code), ``offset[c]`` the sum of ``3 ** (V - 2)`` over the cells before it, and
  ``ops_code`` the interior ops read as a base-3 number (first interior vertex most
  significant; conv3x3 = 0, conv1x1 = 1, maxpool = 2). The numbering depends only on the
  space's definition, never on a data file, so keys are stable across imports.

Canonical form (exact, not a hash): the unlabelled matrix is relabelled by every
permutation of the interior vertices that keeps it upper-triangular, and the one with the
smallest *matrix code* (the upper triangle read row by row as a binary number, first
entry most significant) is the canonical unlabelled cell ``C``; the ops are carried
along, and among the automorphisms of ``C`` the relabelling giving the smallest
``ops_code`` is chosen. Two specs are isomorphic (same network) exactly when their
canonical forms are equal, and then they have the same :func:`module_hash` too.

Search conventions (documented in ``docs/importing-nb101.md``):

* :meth:`~NB101Space.sample` follows NAS-Bench-101's random spec: each of the 21
  upper-triangular entries of a 7 x 7 matrix is 1 with probability 1/2 and each interior
  op is uniform over the three ops; the spec is drawn again until it is valid (after
  pruning); the canonical form is returned. This is *not* uniform over the 423,624 cells
  (larger cells are more likely), which is the distribution NAS-Bench-101 baselines use;
  :meth:`~NB101Space.sample_uniform` draws uniformly from :meth:`enumerate`.
* :meth:`~NB101Space.neighbours`: the canonical archs one edit away: change one interior op,
  or flip one entry of the upper-triangular 7 x 7 matrix of the spec padded to 7 vertices
  (a cell of ``V < 7`` vertices gets ``7 - V`` unused vertices just before the output, each
  fed by the input; an unused vertex that a flip connects may take any of the three ops),
  keeping the results that are valid after pruning; deduplicated, self excluded.

String form: ``"<adjacency digits row-major>|<op,op,...>"``, e.g.
``"0110000001|input,conv3x3-bn-relu,output"`` is not valid (a 3 x 3 matrix has 9 digits);
``"011001000|input,conv3x3-bn-relu,output"`` is. Op names may be shortened to
``conv3x3``, ``conv1x1``, ``maxpool``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message
from nasbench.spaces._base import SearchSpace, check_sample_size
from nasbench.spaces._common import is_int_like, key_restriction, not_parseable, short

INPUT = "input"
OUTPUT = "output"
#: Interior ops in NAS-Bench-101's ``config['available_ops']`` order (their label / digit).
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
_OP_ALIASES = {"conv3x3": 0, "conv1x1": 1, "maxpool": 2}
_OP_INDEX = {op: i for i, op in enumerate(OPS)} | _OP_ALIASES
MAX_VERTICES = 7
MAX_EDGES = 9
#: Unique cells of NAS-Bench-101 (the paper's count; :meth:`NB101Space.enumerate` gives it).
N_ARCHS = 423_624
_HEX = frozenset("0123456789abcdef")
_ACCEPTED = ("an NB101Arch, a (matrix, ops) pair, a dict {'matrix': ..., 'ops': [...]} "
             "(also 'module_adjacency' / 'module_operations'), an official ModelSpec, or a "
             "string '<adjacency digits>|input,<op>,...,output'")


class NB101Arch(NamedTuple):
    """A pruned NAS-Bench-101 spec: adjacency rows (0/1) and op names (see module docstring)."""

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]


# ---- the module hash ----------------------------------------------------------------------

_md5 = hashlib.md5
_START: dict[tuple[int, int, int], str] = {}  # (out degree, in degree, label) -> first hash


def module_hash(arch: NB101Arch) -> str:
    """NAS-Bench-101's ``module_hash`` of a pruned spec (MD5 hex, isomorphism-invariant)."""
    m, ops = arch.matrix, arch.ops
    n = len(ops)
    succ = [[w for w in range(v + 1, n) if m[v][w]] for v in range(n)]
    pred = [[u for u in range(v) if m[u][v]] for v in range(n)]
    hashes = []
    for v in range(n):
        label = -1 if v == 0 else (-2 if v == n - 1 else _OP_INDEX[ops[v]])
        t = (len(succ[v]), len(pred[v]), label)
        h = _START.get(t)
        if h is None:
            h = _START[t] = _md5(str(t).encode("utf-8")).hexdigest()
        hashes.append(h)
    vertices = range(n)
    for _ in vertices:
        new = []
        for v in vertices:
            p, s = pred[v], succ[v]
            ins = hashes[p[0]] if len(p) == 1 else "".join(sorted([hashes[w] for w in p]))
            outs = hashes[s[0]] if len(s) == 1 else "".join(sorted([hashes[w] for w in s]))
            new.append(_md5(f"{ins}|{outs}|{hashes[v]}".encode()).hexdigest())
        hashes = new
    return _md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


# ---- pruning -----------------------------------------------------------------------------

def prune(matrix: Sequence[Sequence[int]], ops: Sequence[str]
          ) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]] | None:
    """The official ``ModelSpec`` pruning: keep the vertices that the input reaches and that
    reach the output (in their order); None when the input does not reach the output."""
    n = len(ops)
    fwd = {0}
    stack = [0]
    while stack:
        v = stack.pop()
        for w in range(v + 1, n):
            if matrix[v][w] and w not in fwd:
                fwd.add(w)
                stack.append(w)
    back = {n - 1}
    stack = [n - 1]
    while stack:
        v = stack.pop()
        for u in range(v):
            if matrix[u][v] and u not in back:
                back.add(u)
                stack.append(u)
    keep = sorted(fwd & back)
    if len(keep) < 2 or keep[0] != 0 or keep[-1] != n - 1:
        return None
    if len(keep) == n:
        return tuple(tuple(int(bool(x)) for x in row) for row in matrix), tuple(ops)
    return (tuple(tuple(int(bool(matrix[i][j])) for j in keep) for i in keep),
            tuple(ops[i] for i in keep))


# ---- canonical cells (unlabelled), their automorphisms, the key numbering ---------------

def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


_PAIRS = {n: _pairs(n) for n in range(MAX_VERTICES + 1)}
_FULL_INDEX = {op: i for i, op in enumerate(OPS)}


def _code(matrix: Sequence[Sequence[int]]) -> int:
    """Matrix code: upper triangle row by row as a binary number, first entry most significant."""
    n = len(matrix)
    c = 0
    for i, j in _PAIRS[n]:
        c = (c << 1) | (1 if matrix[i][j] else 0)
    return c


def _full_masks(n: int) -> np.ndarray:
    """Codes of every n-vertex upper-triangular matrix with at most 9 edges whose every vertex
    lies on an input -> output path (no row of zeros but the last, no column but the first)."""
    pairs = _pairs(n)
    e = len(pairs)
    codes = np.arange(1 << e, dtype=np.uint32)
    codes = codes[np.bitwise_count(codes) <= MAX_EDGES]
    for v in range(n):
        row = sum(1 << (e - 1 - b) for b, (i, _j) in enumerate(pairs) if i == v)
        col = sum(1 << (e - 1 - b) for b, (_i, j) in enumerate(pairs) if j == v)
        if v < n - 1:
            codes = codes[(codes & np.uint32(row)) != 0]
        if v > 0:
            codes = codes[(codes & np.uint32(col)) != 0]
    return codes.astype(np.int64)


def _perms(n: int) -> list[tuple[int, ...]]:
    """Vertex maps old -> new that fix input (0) and output (n - 1)."""
    return [(0, *p, n - 1) for p in itertools.permutations(range(1, n - 1))] if n > 2 \
        else [tuple(range(n))]


def _permuted_codes(n: int, codes: np.ndarray) -> np.ndarray:
    """(n_perms, len(codes)) codes of each matrix relabelled by each of :func:`_perms`;
    -1 where the relabelled matrix is not upper-triangular."""
    pairs = _pairs(n)
    e = len(pairs)
    where = {p: b for b, p in enumerate(pairs)}
    perms = _perms(n)
    out = np.empty((len(perms), len(codes)), dtype=np.int64)
    bits = [(codes >> (e - 1 - b)) & 1 for b in range(e)]
    for k, p in enumerate(perms):
        new = np.zeros_like(codes)
        bad = np.zeros(len(codes), dtype=bool)
        for b, (i, j) in enumerate(pairs):
            pi, pj = p[i], p[j]
            if pi < pj:
                new |= bits[b] << (e - 1 - where[(pi, pj)])
            else:
                bad |= bits[b].astype(bool)
        out[k] = np.where(bad, -1, new)
    return out


class _Cells:
    """Canonical unlabelled cells of every size, with automorphisms and key offsets."""

    def __init__(self) -> None:
        sizes: list[int] = []
        codes: list[int] = []
        self.canon_of: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}
        self.auts: list[list[tuple[int, ...]]] = []
        for n in range(2, MAX_VERTICES + 1):
            full = _full_masks(n)
            pc = _permuted_codes(n, full)
            big = np.iinfo(np.int64).max
            best = np.where(pc >= 0, pc, big).min(axis=0)
            canon = np.unique(best)
            perms = _perms(n)
            base = len(codes)
            pos = {int(c): base + i for i, c in enumerate(canon.tolist())}
            col = {int(c): i for i, c in enumerate(full.tolist())}
            for c in canon.tolist():
                k = col[c]
                self.auts.append([perms[p] for p in np.flatnonzero(pc[:, k] == c).tolist()])
            sizes.extend([n] * len(canon))
            codes.extend(canon.tolist())
            arg = np.argmax(pc == best[None, :], axis=0)
            for code, b, a in zip(full.tolist(), best.tolist(), arg.tolist(), strict=True):
                self.canon_of[(n, code)] = (pos[b], perms[a])
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.codes = codes
        span = 3 ** (self.sizes - 2)
        self.offset = np.r_[0, np.cumsum(span)[:-1]].astype(np.int64)
        self.end = int(span.sum())


@lru_cache(maxsize=1)
def _cells() -> _Cells:
    return _Cells()


def _matrix_of(n: int, code: int) -> tuple[tuple[int, ...], ...]:
    rows = [[0] * n for _ in range(n)]
    pairs = _pairs(n)
    e = len(pairs)
    for b, (i, j) in enumerate(pairs):
        if (code >> (e - 1 - b)) & 1:
            rows[i][j] = 1
    return tuple(tuple(r) for r in rows)


def _fast_labels(a: NB101Arch) -> list[int] | None:
    """Interior op digits of an already pruned, valid arch value; None sends it to the
    checking parser (any doubt: wrong types, names, or a matrix that is not a pruned cell)."""
    m, ops = a.matrix, a.ops
    if type(m) is not tuple or type(ops) is not tuple:
        return None
    n = len(ops)
    if not 2 <= n <= MAX_VERTICES or len(m) != n or ops[0] != INPUT or ops[-1] != OUTPUT:
        return None
    try:
        labels = [_FULL_INDEX[o] for o in ops[1:-1]]
        code = 0
        for i, j in _PAIRS[n]:
            v = m[i][j]
            if v.__class__ is not int or v not in (0, 1):
                return None
            code = (code << 1) | v
        for i in range(n):
            row = m[i]
            if type(row) is not tuple or len(row) != n or any(row[: i + 1]):
                return None
    except (KeyError, TypeError, IndexError):
        return None
    return labels if (n, code) in _cells().canon_of else None


def _ops_code(labels: Sequence[int]) -> int:
    c = 0
    for v in labels:
        c = c * 3 + v
    return c


def _apply(perm: Sequence[int], labels: Sequence[int]) -> tuple[int, ...]:
    """Interior labels after relabelling vertex v -> perm[v] (labels[k] is vertex k + 1's)."""
    out = [0] * len(labels)
    for k, v in enumerate(labels):
        out[perm[k + 1] - 1] = v
    return tuple(out)


def canonical_key(matrix: Sequence[Sequence[int]], labels: Sequence[int]) -> int:
    """Key of a pruned spec given as a matrix and interior op digits (no checks)."""
    cells = _cells()
    n = len(matrix)
    c, perm = cells.canon_of[(n, _code(matrix))]
    lab = _apply(perm, labels)
    auts = cells.auts[c]
    best = _ops_code(lab)
    if len(auts) > 1:
        for a in auts[1:]:
            best = min(best, _ops_code(_apply(a, lab)))
    return int(cells.offset[c]) + best


@cache
def _ops_tuple(n: int, ops_code: int) -> tuple[str, ...]:
    labels = []
    for _ in range(n - 2):
        labels.append(ops_code % 3)
        ops_code //= 3
    return (INPUT, *(OPS[v] for v in reversed(labels)), OUTPUT)


# ---- the space ---------------------------------------------------------------------------

class NB101Space(SearchSpace):
    """NAS-Bench-101's 423,624 cells (see the module docstring for forms, ids and keys)."""

    name = "nb101"
    merges_isomorphic = True

    def __init__(self, keys: Sequence[int] | None = None) -> None:
        """Args:
            keys: restrict the space to these cells (an import of a partial file: its table's
                keys, from the catalog's ``space_options``). A restricted space enumerates,
                samples (uniformly: the random-spec rule would almost never hit a small
                subset) and proposes neighbours only among them; parsing and keys are the
                full space's.
        """
        self._members: frozenset[int] | None = None
        if keys is not None:  # raises on a key that is not a cell's
            self._members, self._keys_sorted, self._repr = key_restriction(self, keys)

    def __repr__(self) -> str:
        return self.__dict__.get("_repr") or super().__repr__()

    # ---- parsing ------------------------------------------------------------------------

    def parse(self, x: Any, encoding: str | None = None) -> NB101Arch:
        """The pruned spec of any accepted form (not canonicalised; see :meth:`canonical`).

        Bare forms: :class:`NB101Arch`, ``(matrix, ops)``, dicts ``{"matrix", "ops"}`` or
        ``{"module_adjacency", "module_operations"}``, objects with ``original_matrix`` and
        ``original_ops`` (the official ``ModelSpec``) and the string form. A module hash is
        read by a table (``t.query(hash)``), not by the space alone.
        """
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        if type(x) is NB101Arch and _fast_labels(x) is not None:
            return x
        if isinstance(x, str):
            matrix, ops = self._split_string(x)
        elif isinstance(x, Mapping):
            if "module_adjacency" in x or "module_operations" in x:
                names = ("module_adjacency", "module_operations")
            else:
                names = ("matrix", "ops")
            missing = [f for f in names if f not in x]
            extra = [f for f in x if f not in names]
            if missing or extra:
                raise InvalidArchitectureError(
                    f"A NAS-Bench-101 dict needs exactly the fields {list(names)}. "
                    f"Missing: {missing}; unexpected: {[short(f) for f in extra]}.")
            matrix, ops = x[names[0]], x[names[1]]
        elif isinstance(x, (tuple, list)) and len(x) == 2:
            matrix, ops = x
        elif hasattr(x, "original_matrix") and hasattr(x, "original_ops"):
            matrix, ops = x.original_matrix, x.original_ops
        else:
            raise not_parseable("NAS-Bench-101", x, _ACCEPTED)
        return self._check(matrix, ops)

    def _memo_token(self, x: Any) -> Any:
        if type(x) is dict and len(x) == 2 and "matrix" in x and "ops" in x:
            try:
                return ("dict", tuple(tuple(int(v) for v in r) for r in x["matrix"]),
                        tuple(x["ops"]))
            except (TypeError, ValueError):
                return None
        return None

    def _split_string(self, s: str) -> tuple[list[list[int]], list[str]]:
        t = s.strip()
        if len(t) == 32 and set(t) <= _HEX:
            raise InvalidArchitectureError(
                f"{short(s)} looks like a NAS-Bench-101 module hash: a hash is resolved by a "
                "table that holds it (db.table('nb101', 'cifar10').query(hash)), not by the "
                "space alone; give the spec as {'matrix': ..., 'ops': [...]} instead.")
        digits, sep, right = t.partition("|")
        if not sep or "|" in right:
            raise InvalidArchitectureError(
                f"Cannot read {short(s)} as a NAS-Bench-101 string: expected "
                "'<adjacency digits row-major>|input,<op>,...,output'.")
        ops = [o.strip() for o in right.split(",")]
        n = len(ops)
        if len(digits) != n * n or not set(digits) <= {"0", "1"}:
            raise InvalidArchitectureError(
                f"Bad NAS-Bench-101 string {short(s)}: {n} ops need {n * n} adjacency digits "
                f"(0/1, row-major); got {len(digits)} characters {short(digits)}.")
        return [[int(digits[i * n + j]) for j in range(n)] for i in range(n)], ops

    def _check(self, matrix: Any, ops: Any) -> NB101Arch:
        if isinstance(ops, (str, bytes, Mapping)) or not isinstance(ops, (Sequence, np.ndarray)):
            raise InvalidArchitectureError(f"'ops' must be a list of op names. Got {short(ops)}.")
        ops = list(ops)
        n = len(ops)
        if n < 2:
            raise InvalidArchitectureError(
                f"A NAS-Bench-101 spec needs at least 'input' and 'output'. Got {short(ops)}.")
        try:
            m = np.asarray(matrix)
        except (TypeError, ValueError):
            m = np.asarray([])
        if m.shape != (n, n) or not (np.issubdtype(m.dtype, np.integer)
                                     or m.dtype == np.bool_):
            raise InvalidArchitectureError(
                f"'matrix' must be a {n} x {n} 0/1 integer matrix (one row per op). "
                f"Got {short(matrix)}.")
        if np.any((m != 0) & (m != 1)):
            raise InvalidArchitectureError(f"'matrix' entries must be 0 or 1. Got {short(matrix)}.")
        low = np.argwhere(np.tril(m) != 0)
        if len(low):
            i, j = low[0].tolist()
            raise InvalidArchitectureError(
                f"'matrix' must be upper-triangular (a DAG in vertex order): entry ({i}, {j}) "
                "is 1.")
        if ops[0] != INPUT or ops[-1] != OUTPUT:
            raise InvalidArchitectureError(
                f"The first op must be 'input' and the last 'output'. Got {short(ops)}.")
        names = []
        for i, op in enumerate(ops[1:-1], start=1):
            d = _OP_INDEX.get(op) if isinstance(op, str) else None
            if d is None:
                raise InvalidArchitectureError(
                    f"op {i} (vertex {i}): " + unknown_choice_message("NAS-Bench-101 op", op, OPS))
            names.append(OPS[d])
        pruned = prune(m.tolist(), [INPUT, *names, OUTPUT])
        if pruned is None:
            raise InvalidArchitectureError(
                "Invalid NAS-Bench-101 spec: no path from the input to the output.")
        pm, pops = pruned
        if len(pops) > MAX_VERTICES:
            raise InvalidArchitectureError(
                f"Invalid NAS-Bench-101 spec: {len(pops)} vertices after pruning "
                f"(at most {MAX_VERTICES}).")
        edges = sum(map(sum, pm))
        if edges > MAX_EDGES:
            raise InvalidArchitectureError(
                f"Invalid NAS-Bench-101 spec: {edges} edges after pruning (at most {MAX_EDGES}).")
        return NB101Arch(pm, pops)

    def to_string(self, arch: Any) -> str:
        """``"<adjacency digits row-major>|<op,...>"`` of the pruned spec."""
        a = self.parse(arch)
        return "".join(str(v) for row in a.matrix for v in row) + "|" + ",".join(a.ops)

    def to_index_string(self, arch: Any) -> str:
        """NAS-Bench-101's module hash (the table maps it to the row, ``t.query(hash)``)."""
        return self.module_hash(arch)

    def module_hash(self, arch: Any) -> str:
        """NAS-Bench-101's module hash of any accepted form (remembered per cell, at most
        2**20 of them: the import computes each cell's once, the store build reuses it)."""
        a = self.parse(arch)
        k = self.key(a)
        memo = self.__dict__.setdefault("_hash_memo", {})
        h = memo.get(k)
        if h is None:
            h = module_hash(a)
            if len(memo) < 1 << 20:
                memo[k] = h
        return h  # type: ignore[no-any-return]

    # ---- keys ---------------------------------------------------------------------------

    def key(self, arch: Any) -> int:
        """Our compact number of ``arch``'s isomorphism class (see the module docstring)."""
        if type(arch) is NB101Arch:
            labels = _fast_labels(arch)
            if labels is not None:
                return canonical_key(arch.matrix, labels)
        a = self.parse(arch)
        return canonical_key(a.matrix, [_OP_INDEX[o] for o in a.ops[1:-1]])

    def from_key(self, key: int) -> NB101Arch:
        """The canonical arch of ``key`` (a key that :meth:`enumerate` produces)."""
        cells = _cells()
        if not is_int_like(key) or not 0 <= int(key) < cells.end:
            raise InvalidArchitectureError(f"{short(key)} is not a NAS-Bench-101 key.")
        k = int(key)
        c = int(np.searchsorted(cells.offset, k, side="right")) - 1
        n = int(cells.sizes[c])
        arch = NB101Arch(_matrix_of(n, cells.codes[c]), _ops_tuple(n, k - int(cells.offset[c])))
        own = self.key(arch)
        if own != k:
            raise InvalidArchitectureError(
                f"{k} is not a NAS-Bench-101 key: it names a non-canonical labelling of "
                f"key {own}.")
        return arch

    # ---- structure ----------------------------------------------------------------------

    def enumerate(self) -> list[Any]:
        """All 423,624 canonical cells, sorted by key (under a second), or the restricted
        space's cells."""
        if self._members is not None:
            return [self._from_valid_key(k) for k in self._keys_sorted]
        cells = _cells()
        out: list[Any] = []
        for c, (n, code) in enumerate(zip(cells.sizes.tolist(), cells.codes, strict=True)):
            matrix = _matrix_of(n, code)
            auts = cells.auts[c]
            m = n - 2
            labels = list(itertools.product(range(3), repeat=m))
            keep: Sequence[int]
            if len(auts) == 1:
                keep = range(len(labels))
            else:
                keep = [i for i, lab in enumerate(labels)
                        if all(_ops_code(_apply(a, lab)) >= i for a in auts[1:])]
            out.extend(NB101Arch(matrix, _ops_tuple(n, i)) for i in keep)
        return out

    def canonical(self, arch: Any, **options: Any) -> NB101Arch:
        """The canonical representative of ``arch``'s class (what :meth:`from_key` returns)."""
        if options:
            raise TypeError(f"Unexpected option(s) for NAS-Bench-101 canonical: {sorted(options)}.")
        return self._from_valid_key(self.key(arch))

    def _from_valid_key(self, k: int) -> NB101Arch:
        cells = _cells()
        c = int(np.searchsorted(cells.offset, k, side="right")) - 1
        n = int(cells.sizes[c])
        return NB101Arch(_matrix_of(n, cells.codes[c]), _ops_tuple(n, k - int(cells.offset[c])))

    def _valid_key(self, matrix: Sequence[Sequence[int]], labels: Sequence[int]) -> int | None:
        """Key of a raw 7-vertex spec (digits for interior ops), or None if invalid."""
        ops = [INPUT, *(OPS[v] for v in labels), OUTPUT]
        pruned = prune(matrix, ops)
        if pruned is None:
            return None
        pm, pops = pruned
        if len(pops) > MAX_VERTICES or sum(map(sum, pm)) > MAX_EDGES:
            return None
        return canonical_key(pm, [_OP_INDEX[o] for o in pops[1:-1]])

    def sample(self, n: int, seed: int | None = None) -> list[Any]:
        """``n`` canonical archs by NAS-Bench-101's random spec (see the module docstring)."""
        if self._members is not None:
            return super().sample(n, seed)
        check_sample_size(n)
        rng = np.random.default_rng(seed)
        out: list[Any] = []
        iu = np.triu_indices(MAX_VERTICES, k=1)
        while len(out) < n:
            bits = rng.integers(0, 2, size=len(iu[0]))
            labels = rng.integers(0, 3, size=MAX_VERTICES - 2).tolist()
            m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
            m[iu] = bits
            k = self._valid_key(m.tolist(), labels)
            if k is not None:
                out.append(self._from_valid_key(k))
        return out

    def sample_uniform(self, n: int, seed: int | None = None) -> list[Any]:
        """``n`` archs drawn uniformly (with replacement) from :meth:`enumerate`."""
        return super().sample(n, seed)

    def neighbours(self, arch: Any) -> list[Any]:
        """Canonical archs one op change or one edge flip away (see the module docstring)."""
        a = self.parse(arch)
        own = self.key(a)
        n = len(a.ops)
        pad = MAX_VERTICES - n
        # padded 7-vertex spec: vertices 0..n-2 as given, unused n-1..5, output at 6
        old = list(range(n - 1)) + [MAX_VERTICES - 1]
        m = [[0] * MAX_VERTICES for _ in range(MAX_VERTICES)]
        for i in range(n):
            for j in range(n):
                if a.matrix[i][j]:
                    m[old[i]][old[j]] = 1
        unused = list(range(n - 1, n - 1 + pad))
        for v in unused:
            m[0][v] = 1
        labels = [_OP_INDEX[o] for o in a.ops[1:-1]] + [0] * pad
        seen = {own}
        out: list[Any] = []

        members = self._members

        def add(mat: list[list[int]], lab: Sequence[int]) -> None:
            k = self._valid_key(mat, lab)
            if k is not None and k not in seen and (members is None or k in members):
                seen.add(k)
                out.append(self._from_valid_key(k))

        for v in range(n - 2):
            for d in range(3):
                if d != labels[v]:
                    add(m, labels[:v] + [d] + labels[v + 1:])
        for i in range(MAX_VERTICES):
            for j in range(i + 1, MAX_VERTICES):
                flip = [row[:] for row in m]
                flip[i][j] ^= 1
                free = [v for v in unused if v in (i, j)]
                if not free:
                    add(flip, labels)
                    continue
                for choice in itertools.product(range(3), repeat=len(free)):
                    lab = labels[:]
                    for v, d in zip(free, choice, strict=True):
                        lab[v - 1] = d
                    add(flip, lab)
        return out

    def onehot(self, archs: Sequence[Any]) -> np.ndarray:
        """The usual NAS-Bench-101 adjacency + op encoding of each arch's canonical form,
        float64 (n, 36): the 21 upper-triangular entries of the 7 x 7 matrix (a cell of
        ``V < 7`` vertices padded with empty vertices just before the output), then a
        one-hot of (conv3x3, conv1x1, maxpool) for each of the 5 interior vertices (all
        zero for a padding vertex). Isomorphic specs get the same row."""
        iu = _PAIRS[MAX_VERTICES]
        out = np.zeros((len(archs), len(iu) + 3 * (MAX_VERTICES - 2)))
        for r, x in enumerate(archs):
            a = self.canonical(x)
            n = len(a.ops)
            pos = list(range(n - 1)) + [MAX_VERTICES - 1]
            full = [[0] * MAX_VERTICES for _ in range(MAX_VERTICES)]
            for i in range(n):
                for j in range(n):
                    if a.matrix[i][j]:
                        full[pos[i]][pos[j]] = 1
            out[r, : len(iu)] = [full[i][j] for i, j in iu]
            for v, op in enumerate(a.ops[1:-1]):
                out[r, len(iu) + 3 * v + _FULL_INDEX[op]] = 1.0
        return out

    def to_graph(self, arch: Any) -> Any:
        """``networkx.DiGraph`` of the pruned spec as given: node ``i`` = vertex ``i`` with
        its op (``"input"``, an op name, ``"output"``), an edge per 1 of the matrix."""
        import networkx as nx

        a = self.parse(arch)
        g = nx.DiGraph()
        for i, op in enumerate(a.ops):
            g.add_node(i, op=op)
        for i, row in enumerate(a.matrix):
            for j, v in enumerate(row):
                if v:
                    g.add_edge(i, j)
        return g

