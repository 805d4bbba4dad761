"""The store: a built set of tables, opened read-only.

Contract: :func:`open` returns a :class:`Store` on the current build of a home, building it
first when it is missing or has an older schema (one notice line on stderr). A ``Store``
reads one immutable build for its whole life and holds a reference to it, so no rebuild, in
any process, deletes it while the store (or any table opened from it) is alive.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbench.errors import (
    StoreError,
    StoreNotFoundError,
    UnknownDatasetError,
    UnknownSpaceError,
    unknown_choice_message,
)
from nasbench.store._catalog import (
    SCHEMA_VERSION,
    current_build,
    default_home,
    read_catalog,
    schema_of,
)
from nasbench.store._lifecycle import BuildRef
from nasbench.store._table import _leak_check

if TYPE_CHECKING:
    import pandas as pd

    from nasbench.store._table import Table

#: What every "the store is damaged" message tells the user to run.
REPAIR = ("Run `nasbench build`: it re-hashes every file and rebuilds a damaged store "
          "(`nasbench verify --full` lists the damaged files).")


def open(  # noqa: A001 - the public name is part of the API contract
    home: str | os.PathLike[str] | None = None,
    *,
    build: bool | None = None,
    verify: str = "size",
) -> Store:
    """Open the store read-only.

    Args:
        home: store home; defaults to :func:`default_home` (``$NASBENCH_HOME`` or
            ``~/.cache/nasbench``).
        build: ``None`` (default) builds the store from the installed data packages if it is
            missing or was written by an older schema; ``False`` raises
            :class:`StoreNotFoundError` instead; ``True`` always runs the (idempotent) build
            first.
        verify: ``"size"`` (default) checks each table's files against the catalog's sizes
            when the table is opened; ``"full"`` also re-hashes them (sha256), so a changed
            byte raises :class:`StoreError` instead of returning a wrong number.
    """
    root = Path(home) if home is not None else default_home()
    if build is None:
        version = schema_of(root)
        if version is not None and version != SCHEMA_VERSION:
            print(f"nasbench: the store at {root} has schema version {version}; this nasbench "
                  f"reads {SCHEMA_VERSION}. Rebuilding it (one time) ...", file=sys.stderr,
                  flush=True)
        build = version != SCHEMA_VERSION
    if build:
        from nasbench.store._build import build as run_build

        run_build(root)
    return Store(root, verify=verify)


class Store:
    """A read-only view of one complete build.

    The build that was current when the store was opened stays in use for the object's life,
    even if another process rebuilds meanwhile (builds are immutable folders).
    """

    def __init__(self, home: str | os.PathLike[str], *, verify: str = "size") -> None:
        if verify not in ("size", "full"):
            raise ValueError(f"The 'verify' parameter of Store must be 'size' or 'full'. "
                             f"Got {verify!r} instead.")
        self.verify_mode = verify
        _leak_check("nasbench.open / Store()")
        self.home = Path(home)
        build_id = current_build(self.home)
        if build_id is None:
            raise StoreNotFoundError(
                f"No nasbench store at {self.home}. Build it with `nasbench build` "
                f"(or nasbench.open(build=True)); set NASBENCH_HOME to use another location."
            )
        self.path = self.home / "builds" / build_id
        # Reference the build before reading it: from here on no rebuild may delete it.
        self._ref = BuildRef(self.home, build_id)
        self.catalog: dict[str, Any] = read_catalog(self.path)
        version = self.catalog.get("schema_version")
        if version != SCHEMA_VERSION:
            self._ref.release()
            raise StoreError(
                f"Store at {self.path} has schema version {version}, this nasbench reads "
                f"{SCHEMA_VERSION}; rebuild it with `nasbench build` (nasbench.open() does it "
                "for you)."
            )
        self._entries = {(e["space"], e["dataset"], e.get("source", "measured")): e
                         for e in self.catalog["tables"]}
        self._tables: dict[tuple[str, str, str], Table] = {}
        self._con: Any = None

    # ---- tables -------------------------------------------------------------------------

    @property
    def spaces(self) -> list[str]:
        """Search-space names, in catalog order."""
        return list(dict.fromkeys(space for space, _, _ in self._entries))

    def datasets(self, space: str) -> list[str]:
        """Dataset names of ``space`` (those with a measured table)."""
        self._check_space(space)
        return [d for s, d, src in self._entries if s == space and src == "measured"]

    def tables(self) -> pd.DataFrame:
        """One row per table: ``space, dataset, source, n_archs, n_seeds, metrics``."""
        import pandas as pd

        rows = [{"space": e["space"], "dataset": e["dataset"],
                 "source": e.get("source", "measured"), "n_archs": e["n_archs"],
                 "n_seeds": e["n_seeds"], "metrics": list(e["metrics"])}
                for e in self.catalog["tables"]]
        return pd.DataFrame(rows)

    def table(self, space: str, dataset: str, source: str = "measured") -> Table:
        """Open one table (cached per store). Unknown names raise with the valid choices.

        Args:
            space: search-space name (``nb201``, ``nbgraph``, ``fcnet``).
            dataset: dataset name (a few aliases such as ``imagenet`` are accepted).
            source: ``"measured"`` (the published / profiled values, default) or
                ``"surrogate"`` (every arch predicted by a trained surrogate model; see
                ``Table.model_id``). Measured tables are never modified by surrogates.
                A DARTS surrogate is a :class:`~nasbench.store.ModelSurrogateTable`: its
                ``query`` predicts any valid genotype of the whole space.
        """
        _leak_check("Store.table")
        key = (space, self._resolve_dataset(space, dataset), source)
        if key not in self._entries:
            have = sorted({src for s, d, src in self._entries if (s, d) == key[:2]})
            raise UnknownDatasetError(unknown_choice_message(
                f"source for table {space}/{key[1]}:", source, have))
        table = self._tables.get(key)
        if table is None:
            from nasbench.store._table import SurrogateTable, Table

            entry = self._entries[key]
            cls = SurrogateTable if source == "surrogate" else Table
            if entry.get("model"):  # served by its saved models (darts: the whole space)
                from nasbench.store._model_table import ModelSurrogateTable

                cls = ModelSurrogateTable
            self._check_files(entry)
            try:
                table = cls(self.path, entry, ref=self._ref)
            except (OSError, ValueError, EOFError) as exc:
                raise StoreError(f"Table {space}/{key[1]} of the store at {self.path} is "
                                 f"unreadable ({type(exc).__name__}: {exc}). {REPAIR}") from None
            self._tables[key] = table
        return table

    def _check_files(self, entry: dict[str, Any]) -> None:
        """Check one table's files against the catalog: sizes always, sha256 with
        ``verify="full"``; a damaged file raises :class:`StoreError` naming it."""
        from nasbench.store._verify import Problem, sha256_file

        files = self.catalog.get("files", {})
        prefix = entry["arrays"] + "."
        for rel, want in files.items():
            if rel != entry["parquet"] and not rel.startswith(prefix):
                continue
            path = self.path / rel
            try:
                size = path.stat().st_size
            except OSError:
                problem = Problem(rel, "missing")
            else:
                if size != want["bytes"]:
                    problem = Problem(rel, f"{size} bytes, expected {want['bytes']}")
                elif self.verify_mode == "full" and sha256_file(path) != want["sha256"]:
                    problem = Problem(rel, "content differs from its recorded sha256")
                else:
                    continue
            raise StoreError(f"Store file {self.path / rel} is damaged ({problem.reason}). "
                             f"{REPAIR}")

    def verify(self, full: bool = False) -> list[Any]:
        """Check every file of this build against the catalog's checksums.

        Args:
            full: re-hash every byte (about a second for the whole store); the default
                checks that every file exists with its recorded size.

        Returns:
            The problems found (``Problem(path, reason)``); empty when the build is intact.
        """
        from nasbench.store._verify import verify_build

        return verify_build(self.path, self.catalog, full=full)

    def _check_space(self, space: str) -> None:
        if space not in self.spaces:
            raise UnknownSpaceError(unknown_choice_message("search space", space, self.spaces))

    def _resolve_dataset(self, space: str, dataset: str) -> str:
        self._check_space(space)
        datasets = self.datasets(space)
        if dataset in datasets:
            return dataset
        from nasbench.spaces._datasets import ALIASES  # names users type (docs/concepts.md)

        low = str(dataset).strip().lower()
        alias = ALIASES.get(space, {}).get(low, low)
        if alias in datasets:
            return alias
        raise UnknownDatasetError(
            unknown_choice_message(f"dataset for space {space!r}:", dataset, self.datasets(space))
        )

    # ---- SQL ----------------------------------------------------------------------------

    def sql(
        self,
        query: str,
        params: Sequence[Any] | None = None,
        *,
        timeout: float | None = 30.0,
        max_rows: int | None = 1_000_000,
    ) -> pd.DataFrame:
        """Run one read-only SQL ``SELECT`` over the store with DuckDB.

        Each table is a view named ``<space>_<dataset>`` (per-arch means over seeds, one row
        per arch) and ``<space>_<dataset>_seeds`` (one row per arch and seed); ``-`` in names
        becomes ``_``. ``catalog_tables``, ``catalog_metrics`` and ``catalog_sources`` describe
        the store. Values are bound as parameters (``$1``, ``$2``...), never formatted in.

        The statement runs in a sandbox: it reads only this build, spills only to a private
        temporary folder, is interrupted after ``timeout`` seconds (:class:`SQLTimeoutError`)
        and may return at most ``max_rows`` rows (``None`` lifts either limit).
        """
        from nasbench.store._sql import run_select

        _leak_check("Store.sql")
        if self._con is None:
            import tempfile

            import duckdb

            from nasbench.store._sql import connect

            damaged = self.verify(full=self.verify_mode == "full")
            if damaged:
                raise StoreError(f"Store file {self.path / damaged[0].path} is damaged "
                                 f"({damaged[0].reason}). {REPAIR}")
            self._tmp = tempfile.TemporaryDirectory(prefix="nasbench-duckdb-")
            try:
                self._con = connect(self.path, self.catalog, Path(self._tmp.name))
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise StoreError(f"The store at {self.path} cannot be opened for SQL "
                                 f"({first}). {REPAIR}") from None
        return run_select(self._con, query, params, timeout=timeout, max_rows=max_rows)

    def close(self) -> None:
        """Close the DuckDB connection, if one was opened. Tables opened from this store
        keep the build referenced until they are garbage collected."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, tables={len(self._entries)})"
