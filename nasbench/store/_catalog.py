"""Where the store lives and what its catalog holds: one schema version for the whole store.

Layout under the store home (:func:`default_home`)::

    CURRENT, PREVIOUS                 names of the active and the previous build
    .build.lock                       one builder at a time (filelock)
    refs/<build_id>.<pid>.<tok>.ref   one locked file per open Store (builds in use)
    surrogates/<space>__<dataset>/    surrogate models the user trained (optional)
    builds/<build_id>/                one complete, immutable build
        catalog.json                  schema version, sources (version, sha256), tables
        tables/<space>/<stem>.parquet per-seed rows, zstd (the canonical format)
        arrays/<space>/<stem>.{keys,values,mean,nseeds,official}.npy  numpy mirror (fast path)
        arrays/<space>/strings/<digest>.<form>.txt  arch strings, one per line in row order
                                      (form ``arch``: canonical, ``index``: index string),
                                      shared by the tables whose keys are equal
        curves/<space>/<stem>/<column>.npy                       per-epoch curves (lazy)
        models/<space>/<stem>/<file>  the models a model-served surrogate table predicts
                                      with (XGBoost JSON, transform JSON; darts)
    builds/<build_id>.partial/        a build in progress; finished tables survive a crash

``<stem>`` is the dataset name, with ``.<source>`` appended for non-measured tables.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nasbench.errors import StoreError

#: Version of the on-disk layout and catalog. 3: metric splits / baselines / schedules,
#: official index, curves, string maps. Older stores are rebuilt by ``nasbench.open()``.
SCHEMA_VERSION = 3


def default_home() -> Path:
    """The store home: ``$NASBENCH_HOME`` if set, else ``$XDG_CACHE_HOME/nasbench``
    (``~/.cache/nasbench``). The library, the CLI and the Makefile all use this one place."""
    env = os.environ.get("NASBENCH_HOME")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "nasbench"


def current_build(root: Path) -> str | None:
    """Name of the current build of ``root``, or ``None`` if there is none."""
    try:
        name = (root / "CURRENT").read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise StoreError(f"Cannot read the store at {root}: {exc}.") from None
    return name or None


def read_catalog(build: Path) -> dict[str, Any]:
    """The catalog of one build; a clear error if it is missing or unreadable."""
    try:
        return json.loads((build / "catalog.json").read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise StoreError(f"Store build {build} is unreadable ({exc}); run "
                         "`nasbench build --force`.") from None


def schema_of(root: Path) -> int | None:
    """Schema version of the current build, ``None`` if there is no readable build."""
    name = current_build(root)
    if name is None:
        return None
    try:
        return int(read_catalog(root / "builds" / name).get("schema_version", 0))
    except StoreError:
        return None
