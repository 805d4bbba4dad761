"""Weisfeiler-Lehman subtree features of architecture graphs (as used by NAS-BOWL).

The graph of an arch is ``space.to_graph(space.canonical(arch))`` (for nb201 the
``"functional"`` representative), with zero ops (``"none"``, ``"zero"``) removed and every
node that is not on a path from an input node to an output node dropped. Level 0 labels are
the node ops; level ``t`` relabels each node by its level ``t-1`` label and the sorted
multiset of its predecessors' labels, so a level-``t`` feature is a computation path of
length ``t`` ending at that node. An arch's feature vector counts each label, levels 0..h.
Graph-level attributes (FCNet's learning rate, batch size, schedule) become extra isolated
nodes labelled ``"<name>=<value>"``.

Label ids are shared per search space (a process-wide dictionary), and each arch's labels
are computed once and memoised by key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.spaces import SearchSpace

ZERO_OPS = frozenset({"none", "zero"})
MAX_DEPTH = 4


class _Memo:
    def __init__(self) -> None:
        self.label_ids: dict[tuple[Any, ...], int] = {}
        self.label_level: list[int] = []
        self.per_key: dict[int, np.ndarray] = {}  # key -> label ids (levels 0..MAX_DEPTH)
        self.graph_of: dict[int, tuple[list[str], list[list[int]]]] = {}  # key -> graph


_memos: dict[tuple[str, str], _Memo] = {}


def wl_labels(space: SearchSpace, archs: Sequence[Any]) -> tuple[list[np.ndarray], np.ndarray]:
    """Per arch: the int label ids of every node at every level 0..MAX_DEPTH.

    Returns ``(labels, level)``: ``labels[i]`` is an int64 array (one entry per node and
    level) and ``level[j]`` the WL level of label id ``j``.
    """
    memo = _memos.setdefault((type(space).__name__, repr(space)), _Memo())
    keys = space.keys(archs)
    out = []
    for arch, key in zip(archs, keys.tolist()):
        out.append(_via_representative(memo.per_key, space, arch, key,
                                       lambda rep: _arch_labels(space, rep, memo)))
    return out, np.asarray(memo.label_level, dtype=np.int64)


def _via_representative(cache: dict[int, Any], space: SearchSpace, arch: Any, key: int,
                        make: Any) -> Any:
    """``cache[key]``, computed once per class: isomorphs share their representative's value."""
    value = cache.get(key)
    if value is None:
        rep = representative(space, arch)
        rep_key = space.key(rep)
        value = cache.get(rep_key)
        if value is None:
            value = cache[rep_key] = make(rep)
        cache[key] = value
    return value


def graphs(space: SearchSpace, archs: Sequence[Any]) -> list[tuple[list[str], list[list[int]]]]:
    """:func:`arch_graph` of every arch, memoised by key (isomorphs share one graph)."""
    memo = _memos.setdefault((type(space).__name__, repr(space)), _Memo())
    out = []
    for arch, key in zip(archs, space.keys(archs).tolist()):
        out.append(_via_representative(memo.graph_of, space, arch, key,
                                       lambda rep: arch_graph(space, rep)))
    return out


def representative(space: SearchSpace, arch: Any) -> Any:
    """The arch whose graph stands for ``arch`` (nb201: its functional representative)."""
    if space.name == "nb201":
        return space.canonical(arch, mode="functional")
    return space.canonical(arch)


def arch_graph(space: SearchSpace, arch: Any) -> tuple[list[str], list[list[int]]]:
    """Pruned graph of ``arch``'s representative: node ops and each node's predecessors."""
    g = space.to_graph(representative(space, arch))
    op = {v: str(o) for v, o in g.nodes(data="op")}
    pred = {v: list(g.pred[v]) for v in op}
    succ = {v: list(g.succ[v]) for v in op}
    sources = [v for v in op if not pred[v]]
    sinks = [v for v in op if not succ[v]]
    live = {v for v in op if op[v] not in ZERO_OPS}
    forward = _reach(succ, [v for v in sources if v in live], live)
    backward = _reach(pred, [v for v in sinks if v in live], live)
    nodes = [v for v in op if v in forward and v in backward]
    if not nodes:  # a cell that computes nothing: keep its input and output only
        nodes = sorted(set(sources) | set(sinks))
    pos = {v: i for i, v in enumerate(nodes)}
    ops = [op[v] for v in nodes]
    preds = [[pos[u] for u in pred[v] if u in pos] for v in nodes]
    for key, value in sorted(g.graph.items()):  # graph-level choices (fcnet: lr, batch size)
        ops.append(f"{key}={value}")
        preds.append([])
    return ops, preds


def _reach(nxt: dict[Any, list[Any]], starts: list[Any], allowed: set[Any]) -> set[Any]:
    seen = set(starts)
    stack = list(starts)
    while stack:
        for u in nxt[stack.pop()]:
            if u in allowed and u not in seen:
                seen.add(u)
                stack.append(u)
    return seen


def _arch_labels(space: SearchSpace, rep: Any, memo: _Memo) -> np.ndarray:
    ops, preds = arch_graph(space, rep)
    ids = memo.label_ids
    level_of = memo.label_level

    def lookup(sig: tuple[Any, ...], level: int) -> int:
        j = ids.get(sig)
        if j is None:
            j = ids[sig] = len(level_of)
            level_of.append(level)
        return j

    cur = [lookup((0, op), 0) for op in ops]
    every = list(cur)
    for t in range(1, MAX_DEPTH + 1):
        cur = [lookup((t, cur[v], tuple(sorted(cur[u] for u in preds[v]))), t)
               for v in range(len(ops))]
        every.extend(cur)
    return np.asarray(every, dtype=np.int64)


def count_matrix(labels: list[np.ndarray], columns: np.ndarray, n_cols: int) -> np.ndarray:
    """Dense counts (n, n_cols) of each arch's labels mapped through ``columns`` (-1 = skip)."""
    lengths = np.fromiter((len(x) for x in labels), dtype=np.int64, count=len(labels))
    flat = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(labels)), lengths)
    cols = columns[flat]
    ok = cols >= 0
    out = np.zeros((len(labels), n_cols))
    np.add.at(out, (rows[ok], cols[ok]), 1.0)
    return out


def squared_norms(labels: list[np.ndarray], level: np.ndarray, h: int) -> np.ndarray:
    """Squared norm of each arch's full count vector over levels 0..h, shape (n,)."""
    out = np.empty(len(labels))
    for i, lab in enumerate(labels):
        lab = lab[level[lab] <= h]
        _, counts = np.unique(lab, return_counts=True)
        out[i] = float((counts * counts).sum())
    return out
