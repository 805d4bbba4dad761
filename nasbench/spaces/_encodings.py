"""Named encodings of architectures: the identities users bring from other tools.

Every space lists its encodings in ``space.encodings``. ``space.encode(arch, name)`` writes
an arch in encoding ``name`` and ``space.decode(value, name)`` reads one back (the same as
``space.parse(value, encoding=name)``). :func:`convert` goes from any encoding to any other.

A bare value (no ``encoding=``) is read only in the space's documented default forms (see
``docs/concepts.md``); a value whose form several encodings share -- a bare int, an
all-digit string that is not the documented digit form -- is refused with a message that
names the readings and the ``encoding=`` that selects each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message
from nasbench.spaces._common import is_int_like, short

if TYPE_CHECKING:
    from nasbench.spaces._base import SearchSpace


@dataclass(frozen=True)
class Encoding:
    """One named encoding of a space's archs.

    Attributes:
        name: the name given to ``encoding=`` (e.g. ``"naslib"``).
        description: one line: what the value looks like and where it comes from.
        decode: ``(space, value) -> arch`` (raises InvalidArchitectureError on bad input).
        encode: ``(space, arch) -> value``; ``arch`` is already parsed.
        decode_keys: optional vectorised ``(space, values) -> int64 keys``.
        requires: module that ``encode`` imports (None: no extra package needed).
    """

    name: str
    description: str
    decode: Callable[[Any, Any], Any]
    encode: Callable[[Any, Any], Any]
    decode_keys: Callable[[Any, Any], np.ndarray | None] | None = None
    requires: str | None = None


def registry(*encodings: Encoding) -> dict[str, Encoding]:
    """``{name: encoding}`` in the given order (names must be distinct)."""
    out = {e.name: e for e in encodings}
    if len(out) != len(encodings):
        raise ValueError("duplicate encoding names")
    return out


def lookup(space: SearchSpace, encoding: str) -> Encoding:
    """The encoding called ``encoding`` of ``space``; unknown names raise with the choices."""
    codecs = space._codecs()
    try:
        return codecs[encoding]
    except (KeyError, TypeError):
        raise InvalidArchitectureError(
            unknown_choice_message(f"encoding for space {space.name!r}:", encoding, codecs)
        ) from None


def int_value(value: Any, n: int, what: str) -> int:
    """``value`` (an int, or a decimal string as typed on a command line) as an int in 0..n-1."""
    if isinstance(value, str):
        s = value.strip()
        if s.isascii() and s.isdigit():
            value = int(s)
    if not is_int_like(value):
        raise InvalidArchitectureError(
            f"A {what} is an integer in 0..{n - 1}. Got {short(value)} "
            f"(type {type(value).__name__})."
        )
    i = int(value)
    if not 0 <= i < n:
        raise InvalidArchitectureError(f"{what} {i} is out of range 0..{n - 1}.")
    return i


def int_array(values: Any, n: int, what: str) -> np.ndarray | None:
    """``values`` as an int64 array of indices in 0..n-1 when it cheaply is one, else None.

    Raises InvalidArchitectureError naming the first out-of-range entry.
    """
    if isinstance(values, np.ndarray):
        arr = values
    else:
        seq = values if isinstance(values, (list, tuple)) else list(values)
        if not all(type(v) is int for v in seq):
            return None
        arr = np.array(seq, dtype=np.int64)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        return None
    bad = np.flatnonzero((arr < 0) | (arr >= n))
    if bad.size:
        raise InvalidArchitectureError(
            f"Entry {int(bad[0])}: {what} {int(arr[bad[0]])} is out of range 0..{n - 1}."
        )
    return arr.astype(np.int64, copy=False)


def encode(space: SearchSpace, arch: Any, encoding: str) -> Any:
    """``arch`` (any bare encoding) written in ``encoding``."""
    codec = lookup(space, encoding)
    return codec.encode(space, space.parse(arch))


def decode(space: SearchSpace, value: Any, encoding: str) -> Any:
    """The arch of ``value`` read as ``encoding``."""
    return lookup(space, encoding).decode(space, value)


def decode_keys(space: SearchSpace, values: Iterable[Any], encoding: str) -> np.ndarray:
    """Keys (int64, shape (n,)) of many values all read as ``encoding``."""
    codec = lookup(space, encoding)
    items = values if isinstance(values, (list, tuple, np.ndarray)) else list(values)
    if codec.decode_keys is not None:
        fast = codec.decode_keys(space, items)
        if fast is not None:
            return fast
    key, dec = space.key, codec.decode
    return np.fromiter((key(dec(space, v)) for v in items), dtype=np.int64, count=len(items))


def convert(space: SearchSpace | str, value: Any, to: str = "all",
            from_: str | None = None) -> Any:
    """Convert ``value`` between encodings of ``space``.

    Args:
        space: a space or its name (``"nb201"``...).
        value: the architecture, read as ``from_`` (default: the space's bare forms).
        to: an encoding name, or ``"all"`` for ``{name: value}`` over ``space.encodings``
            (encodings whose package is not installed are left out).
        from_: the encoding of ``value``; None reads the documented bare forms.

    >>> convert("nb201", (2, 1, 0, 2, 1, 0), from_="naslib", to="official_index")
    11472
    """
    if isinstance(space, str):
        from nasbench.spaces import get_space

        space = get_space(space)
    arch = space.parse(value, encoding=from_)
    if to != "all":
        return lookup(space, to).encode(space, arch)
    out: dict[str, Any] = {}
    for name, codec in space._codecs().items():
        if codec.requires is not None and not _importable(codec.requires):
            continue
        out[name] = codec.encode(space, arch)
    return out


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def describe(space: SearchSpace) -> Mapping[str, str]:
    """``{encoding name: description}`` of ``space``."""
    return {name: c.description for name, c in space._codecs().items()}
