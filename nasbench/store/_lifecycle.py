"""Store lifecycle: the build lock, references to builds in use, and garbage collection.

Contract:

* One builder at a time per store home: :func:`build_lock` is an exclusive
  :class:`filelock.FileLock` on ``<home>/.build.lock`` (works on every OS).
* Every open :class:`~nasbench.Store` holds a :class:`BuildRef`: an exclusively locked file
  ``<home>/refs/<build_id>.<pid>.<token>.ref`` (``flock`` on POSIX, filelock elsewhere).
  The OS drops the lock when the process exits, however it exits, so a ref whose lock can
  be taken is stale.
* :func:`collect_garbage` (run by the builder, under the build lock) deletes only builds that
  are neither current, previous, nor referenced by a live ref, plus abandoned ``.partial``
  folders and stray temporary files. No build any open store uses is ever deleted.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nasbench.store._atomic import TMP_SUFFIX

PARTIAL = ".partial"


@contextlib.contextmanager
def build_lock(root: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the store's exclusive build lock; say so once if another builder holds it."""
    import filelock

    lock = filelock.FileLock(str(root / ".build.lock"))
    try:
        lock.acquire(timeout=1.0)
    except filelock.Timeout:
        say(f"waiting for another nasbench build of {root} to finish ...")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


class BuildRef:
    """A live reference to one build; released by :meth:`release` or garbage collection."""

    def __init__(self, root: Path, build_id: str) -> None:
        refs = root / "refs"
        refs.mkdir(parents=True, exist_ok=True)
        self.build_id = build_id
        self.path = refs / f"{build_id}.{os.getpid()}.{secrets.token_hex(6)}.ref"
        lock = _try_lock(self.path)
        if lock is None:  # pragma: no cover - a fresh random name is never locked
            raise OSError(f"Cannot lock the new store reference {self.path}.")
        self._finalizer = weakref.finalize(self, _release, lock, self.path)

    def release(self) -> None:
        """Drop the reference now (idempotent)."""
        self._finalizer()


def _try_lock(path: Path) -> Any:
    """An exclusive, non-blocking lock on ``path`` (created if missing), or ``None`` if a
    live process holds it. ``flock`` where the OS has it (readers skip importing filelock,
    a quarter of a cold start), :mod:`filelock` elsewhere; both release on process exit."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import filelock

        lock = filelock.FileLock(str(path), thread_local=False)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return None
        return lock
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlock(lock: Any) -> None:
    if isinstance(lock, int):
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    else:  # pragma: no cover - Windows
        lock.release()


def _release(lock: Any, path: Path) -> None:
    _unlock(lock)
    with contextlib.suppress(OSError):
        path.unlink()


def live_refs(root: Path) -> set[str]:
    """Build ids referenced by a live process; stale ref files are removed."""
    refs = root / "refs"
    live: set[str] = set()
    if not refs.is_dir():
        return live
    for ref in refs.glob("*.ref"):
        build_id = ref.name.split(".", 1)[0]
        try:
            probe = _try_lock(ref)
        except OSError:  # unreadable ref: keep its build, to be safe
            live.add(build_id)
            continue
        if probe is None:
            live.add(build_id)
            continue
        with contextlib.suppress(OSError):
            ref.unlink()
        _unlock(probe)
    return live


def collect_garbage(root: Path, keep: set[str]) -> list[str]:
    """Delete unreferenced builds and abandoned work; return the names removed.

    Must run under :func:`build_lock` (so no ``.partial`` folder is being written).
    """
    builds = root / "builds"
    protected = set(keep) | live_refs(root)
    removed = []
    for child in sorted(builds.iterdir()) if builds.is_dir() else []:
        name = child.name
        build_id = name.removesuffix(PARTIAL)
        if child.is_dir() and (name.endswith(PARTIAL) or build_id not in protected):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(name)
        elif child.is_file() and name.endswith(TMP_SUFFIX):
            child.unlink(missing_ok=True)
            removed.append(name)
    for stray in root.glob(f".*{TMP_SUFFIX}"):
        stray.unlink(missing_ok=True)
    return removed
