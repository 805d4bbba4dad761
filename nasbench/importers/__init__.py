"""Import benchmark files users hold: ``nasbench import SOURCE PATH``.

>>> import nasbench                                                    # doctest: +SKIP
>>> nasbench.import_benchmark("nats-tss", "~/data/NATS-tss-v1_0-3ffb9-simple")  # doctest: +SKIP

An import reads the file once (resumable, idempotent, atomic; see
:mod:`nasbench.importers._base`), then rebuilds the store so the imported tables and
columns appear beside the wheel-shipped ones. Importers register themselves in
:data:`IMPORTERS` (one module each); ``nasbench import --help`` lists them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nasbench.errors import unknown_choice_message
from nasbench.importers._base import (
    Importer,
    ImportError_,
    ImportWriter,
    imported_folders,
    load_table_data,
    run_import,
    save_table_data,
)

#: SOURCE name -> importer. Importer modules add themselves in :func:`_register`.
IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    """Add ``importer`` under its name (one name, one importer)."""
    if importer.name in IMPORTERS and IMPORTERS[importer.name] is not importer:
        raise ValueError(f"Two importers are named {importer.name!r}.")
    IMPORTERS[importer.name] = importer
    return importer


def _register() -> None:
    """Import every importer module (each calls :func:`register`)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") and info.name not in ("_base", "_cli"):
            importlib.import_module(f"{__name__}.{info.name}")


def get_importer(source: str) -> Importer:
    """The importer of ``source``; unknown names raise with the valid choices."""
    _register()
    if source not in IMPORTERS:
        from nasbench.errors import UnknownDatasetError

        raise UnknownDatasetError(unknown_choice_message("import source", source,
                                                         sorted(IMPORTERS)))
    return IMPORTERS[source]


def import_benchmark(
    source: str,
    path: str | os.PathLike[str],
    home: str | os.PathLike[str] | None = None,
    *,
    build: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Import the user's file ``path`` as ``source`` into the store at ``home``.

    Args:
        source: importer name (``nasbench.importers.IMPORTERS``).
        path: the file or folder as the benchmark distributes it.
        home: store home (default :func:`nasbench.default_home`).
        build: rebuild the store afterwards so the import is queryable (default True).
        progress: called with one line per step (default: print on stderr).

    Returns:
        ``{"folder": ..., "imported": bool (False: already imported), "tables": [...],
        "mismatches": {...}}``; ``mismatches`` counts, per joined column, the values that
        differ from the table the import joined (0 everywhere when the sources agree).
    """
    from nasbench.store import default_home, open
    from nasbench.store._build import build as run_build

    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    importer = get_importer(source)
    root = Path(home) if home is not None else default_home()
    folder, did = run_import(importer, Path(path).expanduser(), root, say)
    out: dict[str, Any] = {"folder": folder, "imported": did, "mismatches": {}}
    if build:
        run_build(root, progress=say)
        db = open(root, build=False)
        notes = db.catalog.get("notes", {}).get("imported", {})
        out["mismatches"] = {k: v for k, v in notes.get("mismatches", {}).items()
                             if k.startswith(f"{source}:")}
        bad = {k: {m: n for m, n in v.items() if n} for k, v in out["mismatches"].items()}
        bad = {k: v for k, v in bad.items() if v}
        if bad:
            say(f"{source}: values that differ from the existing tables: {bad}")
        db.close()
    import json

    out["tables"] = json.loads((folder / "manifest.json").read_text())["tables"]
    return out


__all__ = ["IMPORTERS", "ImportError_", "ImportWriter", "Importer", "get_importer",
           "import_benchmark", "imported_folders", "load_table_data", "register",
           "save_table_data"]
