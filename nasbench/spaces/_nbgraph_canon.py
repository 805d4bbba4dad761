"""Canonical keys of NAS-Bench-Graph macro architectures.

A raw arch is ``(link, ops)``: computing node ``i`` (1-based) reads ``link[i-1]`` (0 = the
graph input, ``j`` = node ``j``), applies ``ops[i-1]``, and every node that no other node
reads (a leaf) feeds the output. The links form a rooted tree on the input.

Two raw archs are the same network when they reduce to the same *reduced tree*:

1. Contract every ``skip`` node: a non-skip node hangs from its nearest non-skip ancestor
   (or the input), and each leaf becomes an output term of its nearest non-skip
   ancestor-or-self. Terms that reach the input itself (a chain of skips) are dropped.
2. Give a non-skip node ``v`` with ``m`` output terms ``m`` skip-leaf children, except when
   ``v`` has no non-skip child and ``m == 1`` (then ``v`` is simply a leaf).

Up to relabelling, the reduced tree has ``r <= 4`` nodes; the other ``p = 4 - r`` nodes
are placeholders: a chain of ``skip`` nodes ``1..p`` off the input, from whose end the
reduced tree hangs. A *layout* numbers the reduced nodes ``p+1..4`` parents-first.

The key is the benchmark's integer hash of the representative layout: with ``pattern`` the
index of the layout's link vector in :data:`LINK_PATTERNS` (the 9 rooted-tree shapes),
``key = pattern * 10**4 + sum(op_index[i] * 10**(3-i))`` over ops in :data:`OPS` order, and
the representative is the layout, among those whose link vector is one of the 9 patterns,
with the smallest key. This reproduces ``nas_bench_graph.Arch(link, ops).valid_hash()``
for all 24 x 9**4 = 157,464 raw archs (``tests/spaces/test_nbgraph.py`` checks every one):
26,206 keys plus 88888 for the all-skip arch, which has no reduced tree and no table row.
"""

from __future__ import annotations

import itertools
from functools import cache, lru_cache

import numpy as np

OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
SKIP = 8
#: The 9 canonical link vectors (rooted-tree shapes), in the benchmark's hash order.
LINK_PATTERNS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 1), (0, 0, 1, 2), (0, 0, 1, 3),
    (0, 1, 1, 1), (0, 1, 1, 2), (0, 1, 2, 2), (0, 1, 2, 3),
)
_PATTERN_INDEX = {lk: i for i, lk in enumerate(LINK_PATTERNS)}
#: All 24 valid link vectors (``link[i] <= i``), in raw-index order.
ALL_LINKS: tuple[tuple[int, ...], ...] = tuple(
    lk for lk in itertools.product(range(4), repeat=4) if all(lk[i] <= i for i in range(4))
)
N_RAW = len(ALL_LINKS) * 9**4
_OP_POW = 9 ** np.arange(3, -1, -1, dtype=np.int64)
_DIGIT_POW = 10 ** np.arange(3, -1, -1, dtype=np.int64)

# A layout: (pattern index, slots) where slot i names what computing node i+1 holds:
# an original node index 0..3 (its op moves there) or -1 (a skip).
Layout = tuple[int, tuple[int, ...]]


def link_index(link: tuple[int, ...]) -> int:
    """Position of a valid link vector in :data:`ALL_LINKS` (mixed radix 1, 2, 3, 4)."""
    return link[1] * 12 + link[2] * 4 + link[3]


def _reduced_tree(link: tuple[int, ...], skip: tuple[bool, ...]) -> list[tuple[int, int]]:
    """Reduced tree as ``[(original node or -1 for skip, parent entry or -1 for root)]``.

    Entries are listed parents-first; original nodes are 0-based.
    """
    def anchor(v: int) -> int:  # nearest non-skip ancestor-or-self, 1-based; 0 = input
        while v and skip[v - 1]:
            v = link[v - 1]
        return v

    terms = [0] * 5
    for v in range(1, 5):
        if v not in link:
            terms[anchor(v)] += 1
    kept = [v for v in range(1, 5) if not skip[v - 1]]
    parent = {v: anchor(link[v - 1]) for v in kept}
    entries: list[tuple[int, int]] = []
    entry_of = {0: -1}
    for v in kept:  # 1..4 is already parents-first, and contraction keeps that order
        entry_of[v] = len(entries)
        entries.append((v - 1, entry_of[parent[v]]))
    for v in kept:
        has_kids = any(parent[c] == v for c in kept)
        n_skips = terms[v] if has_kids or terms[v] > 1 else 0
        entries.extend((-1, entry_of[v]) for _ in range(n_skips))
    return entries


@cache
def layouts(link: tuple[int, ...], skip: tuple[bool, ...]) -> tuple[Layout, ...]:
    """Every layout of the reduced tree of ``(link, skip mask)`` whose links form a pattern.

    Empty for the all-skip arch (no reduced tree).
    """
    entries = _reduced_tree(link, skip)
    p = 4 - len(entries)
    if p == 4:
        return ()
    found: set[Layout] = set()
    for order in itertools.permutations(range(len(entries))):
        slot_of = {e: p + 1 + i for i, e in enumerate(order)}  # 1-based node number
        links = list(range(p))
        for e in order:
            par = entries[e][1]
            if par >= 0 and slot_of[par] > slot_of[e]:
                break
            links.append(slot_of[par] if par >= 0 else p)
        else:
            pattern = _PATTERN_INDEX.get(tuple(links))
            if pattern is not None:
                found.add((pattern, (-1,) * p + tuple(entries[e][0] for e in order)))
    return tuple(sorted(found))


def key_of(link: tuple[int, ...], op_idx: tuple[int, ...]) -> int:
    """Canonical key of one raw arch (op indices into :data:`OPS`); -1 for all-skip."""
    best = -1
    for pattern, slots in layouts(link, tuple(o == SKIP for o in op_idx)):
        k = pattern
        for s in slots:
            k = k * 10 + (SKIP if s < 0 else op_idx[s])
        if best < 0 or k < best:
            best = k
    return best


@lru_cache(maxsize=1)
def raw_key_table() -> np.ndarray:
    """Key of every raw arch: int64 array, shape (157464,), read-only; -1 for all-skip.

    Index = ``link_index(link) * 9**4 + sum(op_idx[i] * 9**(3-i))``. Built once (~0.1 s)
    by evaluating each (link, skip mask) group's layouts over all its op labellings at once.
    """
    table = np.full(N_RAW, -1, dtype=np.int64)
    for li, link in enumerate(ALL_LINKS):
        for skip in itertools.product((False, True), repeat=4):
            free = [i for i in range(4) if not skip[i]]
            grid = np.array(list(itertools.product(range(SKIP), repeat=len(free))),
                            dtype=np.int64).reshape(SKIP ** len(free), len(free))
            ops = np.full((len(grid), 4), SKIP, dtype=np.int64)
            ops[:, free] = grid
            best = np.full(len(grid), -1, dtype=np.int64)
            for pattern, slots in layouts(link, skip):
                digits = np.stack([ops[:, s] if s >= 0 else np.full(len(grid), SKIP)
                                   for s in slots], axis=1)
                k = pattern * 10**4 + digits @ _DIGIT_POW
                best = k if best[0] < 0 else np.minimum(best, k)
            table[li * 9**4 + ops @ _OP_POW] = best
    table.setflags(write=False)
    return table
