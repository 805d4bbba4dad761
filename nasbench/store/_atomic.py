"""Atomic file writes: the one helper every file the project writes goes through.

Contract: :func:`atomic_write` and :func:`atomic_path` never leave a half-written target. The
data goes to a temporary sibling (``.<name>.<pid>.<random>.tmp``), is flushed and fsynced,
renamed over the target with :func:`os.replace`, and the folder is fsynced so the rename
survives a power cut. A crash at any moment leaves either the old file or the new one (and at
worst a stray ``*.tmp`` sibling, which builds clean up).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

TMP_SUFFIX = ".tmp"


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """fsync a folder so that renames inside it are durable (no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target`` atomically.

    >>> with atomic_path("out.parquet") as tmp:      # doctest: +SKIP
    ...     table.to_parquet(tmp)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")
    try:
        yield tmp
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write(target: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``target`` atomically."""
    payload = data.encode() if isinstance(data, str) else data
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)


def atomic_with(target: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and move the result over ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
