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
import struct
import sys
import weakref
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasbench.errors import StoreError

#: The optional C look-up (``setup.py``; None where it is not built, on big-endian machines,
#: whose index tables it would read in the wrong byte order, or with ``NASBENCH_NATIVE=0``).
#: The numpy steps answer the same without it.
_native: ModuleType | None
try:
    from nasbench.store import _strindex as _native
except ImportError:  # pragma: no cover - built wherever a C compiler is
    _native = None
if sys.byteorder != "little" or os.environ.get("NASBENCH_NATIVE", "1") == "0":
    _native = None

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


class StringIndex:
    """Rows of exact canonical strings in a few vectorised steps, no ``str -> row`` map.

    The build writes one file per key set (:meth:`encode`): a 64-byte header, the canonical
    strings as one fixed-width ``S{w}`` array in row order (``w`` a multiple of 8, so each
    string is ``w / 8`` uint64 words), a perfect hash of them (hash and displace: a 64-bit
    hash of each string's words; its top bits name a bucket, the bucket's odd multiplier
    times the hash names a slot, and the build picks each bucket's multiplier so that no two
    strings share a slot), the row of each slot (uint32; 0 where no string lands) and the
    strings' lengths (uint32). The file is memory-mapped on first use and read through numpy
    views. A look-up is two small gathers, no probing; since any string lands on *some*
    slot, :meth:`rows` accepts the answer only when every input equals its row's string
    word for word and the input lengths add up to the rows' lengths (a longer input would
    have been cut to ``w``; a trailing NUL would pad like the fixed width): anything else
    returns None and the maps answer as before. A first pass over NB201's 15,625 official
    strings skips reading, splitting and hashing the text into a dict (docs/performance.md).

    Where the optional C extension ``nasbench.store._strindex`` is built (``setup.py``; any
    C compiler), it does the same steps per string from the same file, checks each
    string's exact length and bytes against its row, and prefetches the look-ups of a
    batch of strings together; the numpy steps below are the fallback and answer the same
    (tests run both).
    """

    __slots__ = ("_path", "_map", "_fixed", "_words", "_lengths", "_mult", "_slot_row",
                 "_bbits", "_sbits", "_bshift", "_sshift", "__weakref__")
    _cache: ClassVar[weakref.WeakValueDictionary[str, StringIndex]] = (
        weakref.WeakValueDictionary())

    #: Largest key set indexed (FCNet's 62,208 are; NB101's 423,624 module hashes keep the
    #: maps).
    MAX_ROWS = 1 << 17
    #: Widest string indexed, in bytes.
    MAX_WIDTH = 256
    #: File magic and header layout: magic, then n, width, log2 buckets, log2 slots
    #: (little-endian uint64).
    MAGIC = b"NBSIDX04"
    _HEADER = struct.Struct("<8s4Q")
    _HEADER_SIZE = 64
    #: Multipliers tried per bucket before the build gives up (and the maps answer).
    MAX_TRIES = 1 << 12
    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._fixed: np.ndarray | None = None

    @classmethod
    def shared(cls, path: Path) -> StringIndex:
        """The instance for this file, shared while any table holds it."""
        token = str(path)
        obj = cls._cache.get(token)
        if obj is None:
            obj = cls._cache[token] = cls(path)
        return obj

    @classmethod
    def encode(cls, strings: Sequence[str]) -> bytes | None:
        """The index file of ``strings`` (row order), or None where no index is built (no
        strings, too many, too wide, not ASCII, a NUL, equal hashes, or no multiplier found
        for a bucket)."""
        n = len(strings)
        if not n or n > cls.MAX_ROWS:
            return None
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=n)
        width = -(-int(lengths.max()) // 8) * 8
        if width > cls.MAX_WIDTH or not all(s.isascii() and "\0" not in s for s in strings):
            return None
        fixed = np.array(strings, dtype=f"S{width}")
        h = cls._hash(fixed)
        if len(np.unique(h)) != n:
            return None  # a collision: the maps answer for this key set
        bbits = max(1, (n - 1).bit_length() - 2)  # ~4 strings per bucket
        sbits = max(2, (n - 1).bit_length() + 1)  # at most half the slots filled
        buckets: dict[int, list[int]] = {}
        for row, b in enumerate((h >> np.uint64(64 - bbits)).tolist()):
            buckets.setdefault(b, []).append(row)
        hs = h.tolist()
        mults = cls._multipliers(cls.MAX_TRIES).tolist()
        taken = bytearray(1 << sbits)
        mult = np.ones(1 << bbits, dtype=np.uint64)
        slot_row = np.zeros(1 << sbits, dtype=np.uint32)
        mask, shift = (1 << 64) - 1, 64 - sbits
        for b in sorted(buckets, key=lambda k: (-len(buckets[k]), k)):  # largest first
            rows = buckets[b]
            for m in mults:
                slots = [((hs[r] * m) & mask) >> shift for r in rows]
                if len(set(slots)) == len(slots) and not any(taken[x] for x in slots):
                    break
            else:
                return None
            for r, x in zip(rows, slots, strict=True):
                taken[x] = 1
                slot_row[x] = r
            mult[b] = m
        head = cls._HEADER.pack(cls.MAGIC, n, width, bbits, sbits).ljust(cls._HEADER_SIZE,
                                                                         b"\0")
        return b"".join([head, fixed.tobytes(), mult.astype("<u8").tobytes(),
                         slot_row.astype("<u4").tobytes(), lengths.astype("<u4").tobytes()])

    @classmethod
    def _hash(cls, fixed: np.ndarray) -> np.ndarray:
        """One uint64 per string of a fixed-width ``S`` array: its words times fixed odd
        multipliers, summed (mod 2**64), then mixed."""
        words = fixed.view(np.uint64).reshape(len(fixed), -1)
        h = words @ cls._multipliers(words.shape[1])  # integer arrays wrap without warning
        h ^= h >> np.uint64(29)
        h *= cls._MULT
        h ^= h >> np.uint64(32)
        return h

    @staticmethod
    @lru_cache(maxsize=8)
    def _multipliers(k: int) -> np.ndarray:
        """``k`` fixed odd 64-bit multipliers (a splitmix64 sequence: the same in every
        process and on every machine)."""
        out, x = [], 0x243F6A8885A308D3
        for _ in range(k):
            x = (x + 0x9E3779B97F4A7C15) & (2**64 - 1)
            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
            out.append((z ^ (z >> 31)) | 1)
        mult = np.array(out, dtype=np.uint64)
        mult.setflags(write=False)
        return mult

    def _load(self) -> None:
        import mmap

        try:
            with open(self._path, "rb") as f:
                m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            magic, n, width, bbits, sbits = self._HEADER.unpack_from(m)
            off = self._HEADER_SIZE + n * width
            body = off + 8 * (1 << bbits) + 4 * (1 << sbits)
            if (magic != self.MAGIC or not width or width % 8 or width > self.MAX_WIDTH
                    or not 0 < bbits < 48 or not 0 < sbits < 48 or len(m) != body + 4 * n):
                raise ValueError(f"{len(m)} bytes, header {magic!r} n={n} width={width} "
                                 f"buckets=2**{bbits} slots=2**{sbits}")
            slot_row = np.frombuffer(m, dtype="<u4", count=1 << sbits,
                                     offset=off + 8 * (1 << bbits))
            if n and int(slot_row.max()) >= n:
                raise ValueError(f"a slot names row {int(slot_row.max())} of {n}")
        except (OSError, ValueError, struct.error) as exc:
            raise StoreError(f"Cannot read the string index {self._path} ({exc}); rebuild "
                             "the store with `nasbench build --force`.") from None
        self._map = m
        fixed = np.frombuffer(m, dtype=f"S{width}", count=n, offset=self._HEADER_SIZE)
        self._mult = np.frombuffer(m, dtype="<u8", count=1 << bbits, offset=off)
        self._slot_row = slot_row
        self._lengths = np.frombuffer(m, dtype="<u4", count=n, offset=body)
        self._bbits, self._sbits = int(bbits), int(sbits)
        self._bshift, self._sshift = np.uint64(64 - bbits), np.uint64(64 - sbits)
        self._words = fixed.view(np.uint64).reshape(n, -1)
        self._fixed = fixed

    #: Strings converted and checked per step: small enough that the step's buffers stay
    #: in the CPU caches and are reused from the heap (NB201's first query_many, fresh
    #: processes, 3 x 7 runs interleaved: 2,048 gave 0.040-0.051x the peer's per-call cost,
    #: 4,096 0.053-0.058x, 1,024 0.054-0.064x).
    CHUNK = 2048

    def rows(self, strings: Sequence[Any]) -> np.ndarray | None:
        """Rows (``intp``, shape (n,)) of ``strings`` when every one is a canonical string
        exactly; None otherwise (a non-str, a non-canonical or unknown string)."""
        if self._fixed is None:
            self._load()
        assert self._fixed is not None
        n = len(strings)
        out = np.empty(n, dtype=np.intp)
        if _native is not None and isinstance(strings, (list, tuple)):
            found = _native.rows(strings, self._fixed, self._multipliers(self._words.shape[1]),
                                 int(self._MULT), self._mult, self._slot_row, self._lengths,
                                 self._fixed.itemsize, self._bbits, self._sbits, out)
            return out if found else None
        # one buffer for every step's gathered words (a fresh one per step is slower)
        buf = np.empty((min(n, self.CHUNK), self._words.shape[1]), dtype=np.uint64)
        total = 0
        for lo in range(0, n, self.CHUNK):
            part = strings[lo:lo + self.CHUNK]
            chars = self._chunk_rows(part, out[lo:lo + len(part)], buf[:len(part)])
            if chars is None:
                return None
            total += chars
        if int(self._lengths[out].sum(dtype=np.int64)) != total:
            return None  # a longer input (cut to the width) or one padded with NULs
        return out

    #: Strings joined at once to count their characters: a joined text above glibc's
    #: 128 kB mmap threshold is a fresh mapping (and its page faults) every time.
    _JOIN = 1024

    def _chunk_rows(self, strings: Sequence[Any], out: np.ndarray, buf: np.ndarray
                    ) -> int | None:
        """Write the rows of ``strings`` into ``out`` when each equals its row's string at
        the fixed width; return the strings' total length (None: not all of them)."""
        assert self._fixed is not None
        try:  # TypeError unless every item is a str
            total = sum(len("".join(strings[i:i + self._JOIN]))
                        for i in range(0, len(strings), self._JOIN))
            fixed = np.array(strings, dtype=self._fixed.dtype)  # non-ASCII: an error
        except (TypeError, UnicodeError, ValueError):
            return None
        if fixed.ndim != 1 or len(fixed) != len(out):
            return None
        h = self._hash(fixed)
        h *= self._mult[h >> self._bshift]  # the bucket's multiplier (uint64 indices)
        out[:] = self._slot_row[h >> self._sshift]
        np.take(self._words, out, axis=0, out=buf)
        same = np.array_equal(buf, fixed.view(np.uint64).reshape(len(fixed), -1))
        return total if same else None


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
