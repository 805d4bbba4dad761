"""Weisfeiler-Lehman subtree features of architecture graphs (as used by NAS-BOWL).

The graph of an arch is ``space.to_graph(space.canonical(arch))`` (for nb201 the
``"functional"`` representative), with zero ops (``"none"``, ``"zero"``) removed and every
node that is not on a path from an input node to an output node dropped. Level 0 labels are
the node ops; level ``t`` relabels each node by its level ``t-1`` label and the sorted
multiset of its predecessors' labels, so a level-``t`` feature is a computation path of
length ``t`` ending at that node. An arch's feature vector counts each label, levels 0..h.
Graph-level attributes (FCNet's learning rate, batch size, schedule) become extra isolated
nodes labelled ``"<name>=<value>"``.

With ``cells="raw"`` the graph is ``space.to_graph(arch)`` of the arch exactly as given:
no representative, ``none`` edges kept as nodes, nothing pruned, so cells that compute the
same function but differ in ops (isomorphs, dead edges) get different features.

Label ids are shared per (search space, cells) (a process-wide dictionary; ids differ between
processes, so saved models store the labels themselves: :func:`export_labels`), and each
arch's labels are computed once and memoised by key (raw nbgraph archs: by their string,
since nbgraph keys are shared by isomorphs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.spaces import SearchSpace

ZERO_OPS = frozenset({"none", "zero"})
MAX_DEPTH = 4
#: ``cells`` options of the graph and encoding features.
CELLS: tuple[str, ...] = ("merged", "raw")


class _Memo:
    def __init__(self) -> None:
        self.label_ids: dict[tuple[Any, ...], int] = {}
        self.label_level: list[int] = []
        # key (raw nbgraph archs: their string) -> label ids (levels 0..MAX_DEPTH)
        self.per_key: dict[Any, np.ndarray] = {}
        self.graph_of: dict[Any, tuple[list[str], list[list[int]]]] = {}  # key -> graph


_memos: dict[tuple[str, str, str], _Memo] = {}


def check_cells(cells: str) -> str:
    """``cells`` if it is one of :data:`CELLS`, else ``ValueError`` naming the choices."""
    if cells not in CELLS:
        from nasbench.errors import unknown_choice_message

        raise ValueError(unknown_choice_message("cells option", cells, CELLS))
    return cells


def _memo(space: SearchSpace, cells: str) -> _Memo:
    return _memos.setdefault((type(space).__name__, repr(space), check_cells(cells)), _Memo())


def _raw_ids(space: SearchSpace, archs: Sequence[Any]) -> list[Any]:
    if space.name == "nbgraph":  # keys are shared by isomorphs
        return [space.to_string(a) for a in archs]
    return space.keys(archs).tolist()


def wl_labels(space: SearchSpace, archs: Sequence[Any], cells: str = "merged",
              ) -> tuple[list[np.ndarray], np.ndarray]:
    """Per arch: the int label ids of every node at every level 0..MAX_DEPTH.

    Returns ``(labels, level)``: ``labels[i]`` is an int64 array (one entry per node and
    level) and ``level[j]`` the WL level of label id ``j``.
    """
    memo = _memo(space, cells)
    out = []
    if cells == "raw":
        for arch, rid in zip(archs, _raw_ids(space, archs)):
            value = memo.per_key.get(rid)
            if value is None:
                value = memo.per_key[rid] = _labels_of(raw_graph(space, arch), memo)
            out.append(value)
        return out, np.asarray(memo.label_level, dtype=np.int64)
    keys = space.keys(archs)
    for arch, key in zip(archs, keys.tolist()):
        out.append(_via_representative(memo.per_key, space, arch, key,
                                       lambda rep: _arch_labels(space, rep, memo)))
    return out, np.asarray(memo.label_level, dtype=np.int64)


def _via_representative(cache: dict[Any, Any], space: SearchSpace, arch: Any, key: int,
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


def graphs(space: SearchSpace, archs: Sequence[Any], cells: str = "merged",
           ) -> list[tuple[list[str], list[list[int]]]]:
    """:func:`arch_graph` of every arch, memoised by key (isomorphs share one graph);
    with ``cells="raw"`` :func:`raw_graph` of every arch."""
    memo = _memo(space, cells)
    out = []
    if cells == "raw":
        for arch, rid in zip(archs, _raw_ids(space, archs)):
            g = memo.graph_of.get(rid)
            if g is None:
                g = memo.graph_of[rid] = raw_graph(space, arch)
            out.append(g)
        return out
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


def raw_graph(space: SearchSpace, arch: Any) -> tuple[list[str], list[list[int]]]:
    """``space.to_graph(arch)`` as given (no representative, nothing removed)."""
    g = space.to_graph(arch)
    nodes = list(g.nodes)
    pos = {v: i for i, v in enumerate(nodes)}
    ops = [str(g.nodes[v].get("op")) for v in nodes]
    preds = [[pos[u] for u in g.pred[v]] for v in nodes]
    for key, value in sorted(g.graph.items()):
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
    return _labels_of(arch_graph(space, rep), memo)


def _intern(memo: _Memo, sig: tuple[Any, ...], level: int) -> int:
    j = memo.label_ids.get(sig)
    if j is None:
        j = memo.label_ids[sig] = len(memo.label_level)
        memo.label_level.append(level)
    return j


def _labels_of(graph: tuple[list[str], list[list[int]]], memo: _Memo) -> np.ndarray:
    ops, preds = graph
    cur = [_intern(memo, (0, op), 0) for op in ops]
    every = list(cur)
    for t in range(1, MAX_DEPTH + 1):
        cur = [_intern(memo, (t, cur[v], tuple(sorted(cur[u] for u in preds[v]))), t)
               for v in range(len(ops))]
        every.extend(cur)
    return np.asarray(every, dtype=np.int64)


def export_labels(space: SearchSpace, vocab: np.ndarray, cells: str = "merged",
                  ) -> dict[str, Any]:
    """JSON form of the labels ``vocab`` (ids of this process) and every label they refer to.

    ``{"vocab": [ids], "labels": [[id, 0, op] | [id, t, prev_id, [pred ids]]]}``; ids are
    only names inside the document (:func:`import_labels` re-interns them).
    """
    memo = _memo(space, cells)
    inverse = {j: sig for sig, j in memo.label_ids.items()}
    need, stack = set(), [int(v) for v in vocab]
    while stack:
        j = stack.pop()
        if j in need:
            continue
        need.add(j)
        sig = inverse[j]
        if sig[0] > 0:
            stack.append(int(sig[1]))
            stack.extend(int(u) for u in sig[2])
    rows: list[list[Any]] = []
    for j in sorted(need, key=lambda j: (inverse[j][0], j)):
        sig = inverse[j]
        rows.append([j, 0, sig[1]] if sig[0] == 0 else [j, sig[0], sig[1], list(sig[2])])
    return {"vocab": [int(v) for v in vocab], "labels": rows}


def import_labels(space: SearchSpace, doc: dict[str, Any], cells: str = "merged",
                  ) -> tuple[np.ndarray, int]:
    """Intern :func:`export_labels` output here: (``vocab`` in this process's ids, number of
    label ids now known)."""
    memo = _memo(space, cells)
    new: dict[int, int] = {}
    for row in doc["labels"]:  # ordered by level: operands come first
        j, t = int(row[0]), int(row[1])
        if t == 0:
            new[j] = _intern(memo, (0, str(row[2])), 0)
        else:
            sig = (t, new[int(row[2])], tuple(sorted(new[int(u)] for u in row[3])))
            new[j] = _intern(memo, sig, t)
    vocab = np.asarray([new[int(v)] for v in doc["vocab"]], dtype=np.int64)
    return vocab, len(memo.label_level)


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
