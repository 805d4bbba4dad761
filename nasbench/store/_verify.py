"""Checksums of every built file, and the checks that use them.

Contract: the builder records ``files`` in the catalog (relative path -> ``bytes`` and
``sha256``) for every file of a build except ``catalog.json``. :func:`verify_build` checks
a build against that record: ``quick`` checks that every file exists with its size (a few
``stat`` calls; what ``nasbench.open`` can afford), ``full`` re-hashes every byte (what
``nasbench build`` and ``nasbench verify --full`` do). A damaged build is never repaired in
place: the builder writes a new build, reusing the tables whose files all verify.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Problem:
    """One damaged file of a build."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def file_checksums(build: Path) -> dict[str, dict[str, Any]]:
    """``relative path -> {"bytes", "sha256"}`` of every file under ``build``."""
    out = {}
    for f in sorted(p for p in build.rglob("*") if p.is_file()):
        rel = f.relative_to(build).as_posix()
        if rel == "catalog.json" or rel.endswith(".done.json"):
            continue
        out[rel] = {"bytes": f.stat().st_size, "sha256": sha256_file(f)}
    return out


def verify_build(build: Path, catalog: dict[str, Any], full: bool = False) -> list[Problem]:
    """Problems of ``build`` against its catalog's checksums (empty list: intact)."""
    files = catalog.get("files")
    if not isinstance(files, dict):
        return [Problem("catalog.json", "records no checksums (written by an older nasbench)")]
    problems = []
    for rel, want in files.items():
        path = build / rel
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(Problem(rel, "missing"))
            continue
        if size != want["bytes"]:
            problems.append(Problem(rel, f"{size} bytes, expected {want['bytes']}"))
        elif full and sha256_file(path) != want["sha256"]:
            problems.append(Problem(rel, "content differs from its recorded sha256"))
    return problems
