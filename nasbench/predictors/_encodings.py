"""Vectorised fixed-length encodings of architectures, one matrix row per arch.

Kinds (``encode(space, archs, kind)``), all float64 of shape (n, d):

``"onehot"``      op one-hot per position (nb201: 6 edges x 5 ops = 30; fcnet: one-hot of each
                  of the 9 choices = 34; nbgraph: input-link one-hot 4 x 5 + op one-hot 4 x 9
                  = 56, i.e. adjacency + ops).
``"path"``        nb201 path encoding: counts of the op sequences along the 4 input->output
                  paths of the cell (5 + 25 + 125 = 155 columns), plus ``"onehot"``.
``"structural"``  nb201: computed on the cell's functional representative (zero terms and
                  dead edges removed, isomorphs merged; ``space.canonical(mode="functional")``):
                  its one-hot (30) plus 30 path statistics (per path: alive, #conv3x3,
                  #conv1x1, #pool, #skip; number of live paths, any live path, max / min convs
                  on a live path, a conv-free live path, longest live path, live op counts).
                  nbgraph: ``"onehot"`` of the class representative plus op counts (9), node
                  depths (4), leaf count, depth of the deepest op. fcnet: ``"numeric"``.
``"full"``        ``"structural"`` plus, for nb201, the one-hot of the cell as given: cost
                  metrics (parameters, latency, training time) depend on dead edges too.
``"numeric"``     fcnet: the 9 hyperparameters as numbers (log2 units and batch size, log10
                  learning rate, dropout rates, 0/1 for tanh and the constant schedule).

``cells`` (``encode(..., cells=...)`` and the predictors' ``cells`` parameter):
``"merged"`` (default) is the above: ``structural`` / ``full`` describe the cell's functional
representative (nb201) or class representative (nbgraph), so isomorphic cells and cells
differing only in dead edges share their structural features. ``"raw"`` describes the cell
exactly as given: nb201 ``structural`` and ``full`` become the one-hot of the cell as given
(30) plus the same 30 path statistics computed on it; nbgraph ``onehot`` / ``structural``
use the arch as given instead of its class representative. ``onehot`` and ``path`` of nb201
and every fcnet encoding are of the cell as given in both modes. Use ``"raw"`` for targets
that depend on the exact ops (your own labels of raw cells, costs of dead edges).

Every matrix is computed once per (space, kind, cells) for all of ``space.enumerate()`` and
cached; later calls gather rows by arch key (raw nbgraph archs are encoded directly, since
nbgraph keys are shared by isomorphs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nasbench.errors import unknown_choice_message
from nasbench.spaces import SearchSpace

KINDS: tuple[str, ...] = ("onehot", "path", "structural", "numeric", "full")
#: Default encoding per space for the tree / kernel models.
DEFAULT_KIND = {"nb201": "structural", "nbgraph": "structural", "fcnet": "numeric"}

_NB201_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
_NB201_EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
_cache: dict[tuple[str, str, str, str], tuple[np.ndarray, np.ndarray]] = {}


def encode(space: SearchSpace, archs: Sequence[Any], kind: str = "default",
           cells: str = "merged") -> np.ndarray:
    """Encoding ``kind`` of ``archs`` (parsed archs of ``space``): float64, (n, d).

    ``cells="merged"`` (default) or ``"raw"``: see the module docstring.
    """
    from nasbench.predictors._wl import check_cells

    kind = DEFAULT_KIND.get(space.name, "onehot") if kind == "default" else kind
    if space.name not in _ENCODERS and hasattr(space, "onehot"):
        # spaces that bring their own encoding (nb101, darts, transnas_*, nats_sss): their
        # ``onehot`` of the canonical arch; no cache over enumerate() (it may be huge)
        if kind not in ("onehot", "structural", "full"):
            raise ValueError(unknown_choice_message(f"encoding for space {space.name!r}:",
                                                    kind, ["onehot"]))
        check_cells(cells)
        return np.asarray(space.onehot(list(archs)), dtype=np.float64)
    fn = _encoder(space, kind, check_cells(cells))
    if cells == "raw" and space.name == "nbgraph":
        return fn(space, list(archs))
    cache_id = (type(space).__name__, repr(space), kind, cells)
    if cache_id not in _cache:
        every = space.enumerate()
        keys = space.keys(every)
        order = np.argsort(keys)
        _cache[cache_id] = (keys[order], fn(space, [every[i] for i in order]))
    keys_sorted, matrix = _cache[cache_id]
    keys = space.keys(archs)
    pos = np.minimum(np.searchsorted(keys_sorted, keys), len(keys_sorted) - 1)
    found = keys_sorted[pos] == keys
    if found.all():
        return matrix[pos]
    out = np.empty((len(keys), matrix.shape[1]))
    out[found] = matrix[pos[found]]
    missing = np.flatnonzero(~found)
    out[missing] = fn(space, [archs[int(i)] for i in missing])
    return out


def _encoder(space: SearchSpace, kind: str, cells: str = "merged",
             ) -> Callable[[SearchSpace, list[Any]], np.ndarray]:
    table = {**_ENCODERS.get(space.name, {}),
             **(_RAW_ENCODERS.get(space.name, {}) if cells == "raw" else {})}
    if kind not in table:
        raise ValueError(unknown_choice_message(f"encoding for space {space.name!r}:", kind,
                                                list(table)))
    return table[kind]


# ---- NAS-Bench-201 -------------------------------------------------------------------------

def _nb201_rows(archs: Sequence[Any]) -> np.ndarray:
    return np.asarray(archs, dtype=np.int64).reshape(len(archs), 6)


def _onehot_rows(rows: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    out = np.zeros((len(rows), int(sum(sizes))))
    np.put_along_axis(out, rows + offsets, 1.0, axis=1)
    return out


def nb201_onehot(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """nb201 op one-hot, (n, 30); column ``5 * edge + op``."""
    return _onehot_rows(_nb201_rows(archs), [5] * 6)


def nb201_path(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """nb201 path encoding (n, 155) followed by the one-hot (n, 30)."""
    rows = _nb201_rows(archs)
    out = np.zeros((len(rows), 155))
    offset = {1: 0, 2: 5, 3: 30}
    for path in _NB201_PATHS:
        idx = np.zeros(len(rows), dtype=np.int64)
        for e in path:
            idx = idx * 5 + rows[:, e]
        out[np.arange(len(rows)), offset[len(path)] + idx] += 1.0
    return np.hstack([out, nb201_onehot(space, archs)])


def nb201_live(rows: np.ndarray) -> np.ndarray:
    """Ops with every edge that cannot carry signal from input to output set to ``none``."""
    on = rows != 0
    alive = {0: np.ones(len(rows), bool), 1: on[:, 0]}
    alive[2] = on[:, 1] | (alive[1] & on[:, 2])
    reach = {3: np.ones(len(rows), bool), 2: on[:, 5]}
    reach[1] = on[:, 4] | (on[:, 2] & reach[2])
    out = rows.copy()
    for e, (target, source) in enumerate(_NB201_EDGES):
        out[~(on[:, e] & alive[source] & reach[target]), e] = 0
    return out


def nb201_structural(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """Features of the functional representative: one-hot (30) + path statistics (30)."""
    reps = space.isomorphism_classes("functional")[space.keys(archs)]  # type: ignore[attr-defined]
    digits = (reps[:, None] // 5 ** np.arange(5, -1, -1)) % 5
    return _nb201_stats(digits, _onehot_rows(nb201_live(digits), [5] * 6))


def nb201_structural_raw(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """Raw-cell ``structural``: one-hot of the cell as given (30) + its path statistics (30)."""
    rows = _nb201_rows(archs)
    return _nb201_stats(rows, _onehot_rows(rows, [5] * 6))


def _nb201_stats(digits: np.ndarray, head: np.ndarray) -> np.ndarray:
    live = nb201_live(digits)
    cols: list[np.ndarray] = []
    convs, alive_paths, lengths = [], [], []
    for path in _NB201_PATHS:
        ops = live[:, list(path)]
        alive = (ops != 0).all(axis=1)
        counts = [((ops == op).sum(axis=1) * alive) for op in (3, 2, 4, 1)]
        cols += [alive, *counts]
        convs.append(counts[0] + counts[1])
        alive_paths.append(alive)
        lengths.append(alive * len(path))
    a = np.stack(alive_paths, axis=1)
    c = np.stack(convs, axis=1)
    any_alive = a.any(axis=1)
    cols += [a.sum(axis=1), np.asarray(any_alive),
             np.where(a, c, -1).max(axis=1) * any_alive,
             np.where(a, c, 99).min(axis=1) * any_alive,
             (a & (c == 0)).any(axis=1), np.stack(lengths, axis=1).max(axis=1)]
    cols += [(live == op).sum(axis=1) for op in range(1, 5)]
    stats = np.stack([np.asarray(x, dtype=np.float64) for x in cols], axis=1)
    return np.hstack([head, stats])


# ---- NAS-Bench-Graph -----------------------------------------------------------------------

def _nbgraph_parts(space: SearchSpace, archs: Sequence[Any], raw: bool = False,
                   ) -> tuple[np.ndarray, np.ndarray]:
    from nasbench.spaces._nbgraph import OPS

    index = {op: i for i, op in enumerate(OPS)}
    canon: list[Any] = list(archs) if raw else [space.canonical(a) for a in archs]
    links = np.array([a.link for a in canon], dtype=np.int64).reshape(len(canon), 4)
    ops = np.array([[index[o] for o in a.ops] for a in canon], dtype=np.int64)
    return links, ops.reshape(len(canon), 4)


def nbgraph_onehot(space: SearchSpace, archs: Sequence[Any], raw: bool = False) -> np.ndarray:
    """Input-link one-hot (4 x 5) and op one-hot (4 x 9) of the class representative."""
    links, ops = _nbgraph_parts(space, archs, raw)
    return np.hstack([_onehot_rows(links, [5] * 4), _onehot_rows(ops, [9] * 4)])


def nbgraph_structural(space: SearchSpace, archs: Sequence[Any], raw: bool = False,
                       ) -> np.ndarray:
    """``nbgraph_onehot`` + op counts (9) + node depths (4) + #leaves + max depth (n, 71)."""
    links, ops = _nbgraph_parts(space, archs, raw)
    depth = np.zeros((len(links), 5))
    for i in range(4):
        depth[:, i + 1] = depth[np.arange(len(links)), links[:, i]] + 1
    used = np.zeros((len(links), 5), dtype=bool)
    used[np.arange(len(links))[:, None], links] = True
    leaves = ~used[:, 1:]
    counts = _onehot_rows(ops, [9] * 4).reshape(len(ops), 4, 9).sum(axis=1)
    extra = np.column_stack([counts, depth[:, 1:], leaves.sum(axis=1),
                             np.where(leaves, depth[:, 1:], 0).max(axis=1)])
    return np.hstack([_onehot_rows(links, [5] * 4), _onehot_rows(ops, [9] * 4), extra])


# ---- FCNet ---------------------------------------------------------------------------------

def _fcnet_rows(archs: Sequence[Any]) -> np.ndarray:
    return np.asarray(archs, dtype=np.int64).reshape(len(archs), 9)


def fcnet_onehot(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """One-hot of each of the 9 choices, (n, 34)."""
    from nasbench.spaces._fcnet import SIZES

    return _onehot_rows(_fcnet_rows(archs), SIZES)


def fcnet_numeric(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """The 9 hyperparameters as numbers (n, 9); see the module docstring."""
    from nasbench.spaces._fcnet import PARAMS

    rows = _fcnet_rows(archs)
    out = np.empty(rows.shape)
    for j, (name, values) in enumerate(PARAMS):
        if name.startswith("activation"):
            table = [float(v == "tanh") for v in values]
        elif name == "lr_schedule":
            table = [float(v == "const") for v in values]
        elif name == "init_lr":
            table = [math.log10(v) for v in values]
        elif name.startswith(("n_units", "batch")):
            table = [math.log2(v) for v in values]
        else:
            table = [float(v) for v in values]
        out[:, j] = np.asarray(table)[rows[:, j]]
    return out


def nb201_full(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """``structural`` (60) + the one-hot of the cell as given (30), dead edges included."""
    return np.hstack([nb201_structural(space, archs), nb201_onehot(space, archs)])


_ENCODERS: dict[str, dict[str, Callable[[SearchSpace, list[Any]], np.ndarray]]] = {
    "nb201": {"onehot": nb201_onehot, "path": nb201_path, "structural": nb201_structural,
              "full": nb201_full},
    "nbgraph": {"onehot": nbgraph_onehot, "structural": nbgraph_structural,
                "full": nbgraph_structural},
    "fcnet": {"onehot": fcnet_onehot, "numeric": fcnet_numeric, "structural": fcnet_numeric,
              "full": fcnet_numeric},
}
_RAW_ENCODERS: dict[str, dict[str, Callable[[SearchSpace, list[Any]], np.ndarray]]] = {
    "nb201": {"structural": nb201_structural_raw, "full": nb201_structural_raw},
    "nbgraph": {"onehot": lambda sp, a: nbgraph_onehot(sp, a, raw=True),
                "structural": lambda sp, a: nbgraph_structural(sp, a, raw=True),
                "full": lambda sp, a: nbgraph_structural(sp, a, raw=True)},
}
