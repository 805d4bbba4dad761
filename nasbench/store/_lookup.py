"""Architecture look-up structures shared by the tables of a build.

Contract: :class:`_ArchStrings` holds the string forms of one key set (written at build
time, one arch per line in row order) and the ``str -> row`` map built from them on first
use; tables whose keys are equal share one instance per process. :class:`_SparseRows` maps
keys to rows by binary search where keys are too sparse for a dense array. The helpers turn
integer inputs into rows in one vectorised step, and leave everything else to the space's
checking parser. Nothing here reads metric values.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasbench.errors import StoreError

if TYPE_CHECKING:
    from nasbench.spaces import SearchSpace

#: String look-ups a key set answers through the space's parser before its string maps
#: are read (a few ms for 15,625 archs): a cold start with one query reads no map, a first
#: pass over many archs reads them after this many.
PARSE_FIRST = 32


_ROW_INTS: list[int] = []


def _row_ints(n: int) -> list[int]:
    """``list(range(n))`` whose int objects every key set shares (dict values of the maps)."""
    if len(_ROW_INTS) < n:
        _ROW_INTS.extend(range(len(_ROW_INTS), n))
    return _ROW_INTS[:n]


class _SparseRows:
    """``row_of_key[key]`` (a scalar or an int64 array; -1 where no row) and ``len`` for
    sorted keys too sparse for a dense array."""

    __slots__ = ("_keys", "_n")

    def __init__(self, keys: np.ndarray) -> None:
        self._keys = np.asarray(keys, dtype=np.int64)
        self._n = int(self._keys[-1]) + 1

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, key: Any) -> Any:
        k = np.asarray(key, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._keys, k), len(self._keys) - 1)
        rows = np.where(self._keys[pos] == k, pos, -1)
        return rows if rows.ndim else int(rows)


class _ArchStrings:
    """The arch strings of one set of keys, in row order, shared by every open table that
    has those keys (the tables of one space usually do): one copy in memory, not one each.

    The build holds each string form as a UTF-8 text file, one string per line in row
    order, the canonical form (``arch``) first, then the others (``index``: NB201's
    ``"421211"``, FCNet's 9-digit key). :meth:`lookup` maps the strings of the forms read so
    far to rows (a plain dict: a few ms to build for 15,625 archs); a further form is read
    only when a string misses the forms already read. Builds that predate the text files
    have ``<stem>.arch.npy`` (canonical strings only).
    """

    __slots__ = ("_files", "_legacy", "_n", "_next", "_asked", "_canonical", "_lookup", "_rows",
                 "_row_of_key", "_array", "_pandas", "__weakref__")
    _cache: ClassVar[weakref.WeakValueDictionary[str, _ArchStrings]] = (
        weakref.WeakValueDictionary())

    def __init__(self, files: list[Path], legacy: str, n: int) -> None:
        self._files, self._legacy, self._n = files, legacy, n
        self._next = 1  # the next form that load_next_form reads
        self._asked = 0  # strings looked up before the maps were read
        self._canonical: list[str] | None = None
        self._lookup: dict[str, int] | None = None
        self._rows: list[int] | None = None  # one int object per row, shared by the forms
        self._row_of_key: np.ndarray | None = None
        self._array: np.ndarray | None = None
        self._pandas: Any = None

    @classmethod
    def shared(cls, files: list[Path], legacy: str, n: int) -> _ArchStrings:
        """The instance for these files, shared while any table holds it."""
        token = str(files[0]) if files else legacy
        obj = cls._cache.get(token)
        if obj is None or obj._n != n:
            obj = cls._cache[token] = cls(files, legacy, n)
        return obj

    def _read(self, path: Path) -> list[str]:
        """The lines of ``path``: a file up to 2 MiB in one read (NB201's 1.35 MB: one
        decode and split), a larger one in 1 MiB blocks (the whole text never sits in
        memory beside its lines: FCNet's 9 MB of strings peak ~8 MB lower)."""
        lines: list[str] = []
        rest = b""
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                step = size + 1 if size <= 2 << 20 else 1 << 20
                while block := f.read(step):
                    block = rest + block
                    cut = block.rfind(b"\n") + 1
                    part = block[:cut].decode("utf-8").split("\n")
                    part.pop()  # "" after the block's last newline
                    lines += part
                    rest = block[cut:]
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"Cannot read the arch strings {path} ({exc}); rebuild the store "
                             "with `nasbench build --force`.") from None
        if rest or len(lines) != self._n:
            raise StoreError(f"{path} holds {len(lines)} arch strings for {self._n} archs; "
                             "rebuild the store with `nasbench build --force`.")
        return lines

    def canonical(self) -> list[str]:
        """Canonical strings (``space.to_string``) in row order."""
        if self._canonical is None:
            if self._files:
                self._canonical = self._read(self._files[0])
            else:
                self._canonical = np.load(self._legacy).tolist()
        return self._canonical

    def lookup(self) -> dict[str, int]:
        """string -> row for the forms read so far (at least the canonical one)."""
        if self._lookup is None:
            self._rows = _row_ints(self._n)
            self._lookup = dict(zip(self.canonical(), self._rows))
        return self._lookup

    def lookup_after(self, n: int) -> dict[str, int] | None:
        """:meth:`lookup` once ``n`` more strings (counted over the calls, shared by the
        tables of this key set) take the total past :data:`PARSE_FIRST`; None before: a
        handful of strings costs less through the parser than reading the maps."""
        if self._lookup is None:
            self._asked += n
            if self._asked <= PARSE_FIRST:
                return None
        return self.lookup()

    def load_next_form(self) -> bool:
        """Add the next string form to :meth:`lookup`; False when every form is in."""
        lookup = self.lookup()
        if self._next >= len(self._files):
            return False
        strings = self._read(self._files[self._next])
        self._next += 1
        lookup.update(zip(strings, self._rows or ()))
        return True

    def row_of_key(self, keys: np.ndarray) -> np.ndarray:
        """Dense key -> row array (-1 where no row), read-only; ``keys`` are this set's.
        Keys too sparse for one (DARTS genotype numbers, up to 1e18) get a
        :class:`_SparseRows` that answers the same indexing by binary search."""
        if self._row_of_key is None and len(keys) and int(keys[-1]) > 8 * len(keys) + (1 << 24):
            self._row_of_key = _SparseRows(keys)  # type: ignore[assignment]
        if self._row_of_key is None:
            row_of_key = np.full(int(keys[-1]) + 1 if len(keys) else 0, -1, dtype=np.int64)
            row_of_key[keys] = np.arange(len(keys))
            row_of_key.setflags(write=False)
            self._row_of_key = row_of_key
        return self._row_of_key

    def array(self) -> np.ndarray:
        """Canonical strings as a read-only numpy object array."""
        if self._array is None:
            array = np.empty(self._n, dtype=object)
            array[:] = self.canonical()
            array.setflags(write=False)
            self._array = array
        return self._array

    def pandas(self) -> Any:
        """Canonical strings as a pandas ``string`` array. Python storage: it holds the
        same ``str`` objects as :meth:`array` (no copy) and needs no pyarrow."""
        if self._pandas is None:
            import pandas as pd

            self._pandas = pd.array(self.array(), dtype=pd.StringDtype("python"))
        return self._pandas


def _index_radix(space: SearchSpace) -> tuple[int, ...] | None:
    """Choices per position of the space's index encoding, whose mixed-radix number (first
    position most significant) is the key; None for a space without one."""
    from nasbench.spaces import FCNetSpace, NB201Space

    if isinstance(space, NB201Space):
        return (len(space.ops),) * len(space.edges)
    if isinstance(space, FCNetSpace):
        return tuple(len(values) for _, values in space.params)
    return None


def _element_kind(items: Sequence[Any]) -> str:
    """``"int"`` when ``items`` are tuples / lists holding only integers, ``"bool"`` when
    they are tuples / lists and a bool is among the values, else ``"other"``."""
    if not set(map(type, items)) <= {tuple, list}:
        return "other"
    types = set(map(type, chain.from_iterable(items)))
    if types <= {int}:
        return "int"
    if any(issubclass(t, (bool, np.bool_)) for t in types):
        return "bool"
    return "int" if all(issubclass(t, (int, np.integer)) for t in types) else "other"


def _int_matrix(items: Sequence[Any], width: int) -> np.ndarray | None:
    """``items`` (tuples of ints) as an int64 array of shape (n, width), or None."""
    try:
        arr = np.array(items, dtype=np.int64)
    except (ValueError, TypeError, OverflowError):
        return None
    return arr if arr.ndim == 2 and arr.shape[1] == width else None
