"""The store: a built set of tables, opened read-only."""

from __future__ import annotations

import json
import os
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

if TYPE_CHECKING:
    import pandas as pd

    from nasbench._table import Table

SCHEMA_VERSION = 2
_DATASET_ALIASES = {"imagenet": "imagenet16-120", "imagenet16": "imagenet16-120",
                    "imagenet16_120": "imagenet16-120"}


def default_home() -> Path:
    """``$NASBENCH_HOME`` if set, else ``$XDG_CACHE_HOME/nasbench`` (``~/.cache/nasbench``)."""
    env = os.environ.get("NASBENCH_HOME")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "nasbench"


def open(  # noqa: A001 - the public name is part of the API contract
    home: str | os.PathLike[str] | None = None,
    *,
    build: bool | None = None,
) -> Store:
    """Open the store read-only.

    Args:
        home: store home; defaults to :func:`default_home`.
        build: ``None`` (default) builds the store from the installed data packages if it is
            missing; ``False`` raises :class:`StoreNotFoundError` instead; ``True`` always runs
            the (idempotent) build first.
    """
    root = Path(home) if home is not None else default_home()
    current = root / "CURRENT"
    if build or (build is None and not current.exists()):
        from nasbench._build import build as run_build

        run_build(root)
    return Store(root)


class Store:
    """A read-only view of one complete build.

    The build that was current when the store was opened stays in use for the object's life,
    even if another process rebuilds meanwhile (builds are immutable folders).
    """

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.home = Path(home)
        current = self.home / "CURRENT"
        if not current.exists():
            raise StoreNotFoundError(
                f"No nasbench store at {self.home}. Build it with `nasbench build` "
                f"(or nasbench.open(build=True)); set NASBENCH_HOME to use another location."
            )
        self.path = self.home / "builds" / current.read_text().strip()
        try:
            self.catalog: dict[str, Any] = json.loads((self.path / "catalog.json").read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"Store at {self.path} is unreadable ({exc}); run `nasbench build`."
            ) from None
        version = self.catalog.get("schema_version")
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"Store at {self.path} has schema version {version}, this nasbench reads "
                f"{SCHEMA_VERSION}; rebuild it with `nasbench build`."
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
        """
        key = (space, self._resolve_dataset(space, dataset), source)
        if key not in self._entries:
            have = sorted({src for s, d, src in self._entries if (s, d) == key[:2]})
            raise UnknownDatasetError(unknown_choice_message(
                f"source for table {space}/{key[1]}:", source, have))
        table = self._tables.get(key)
        if table is None:
            from nasbench._table import SurrogateTable, Table

            cls = SurrogateTable if source == "surrogate" else Table
            table = cls(self.path, self._entries[key])
            self._tables[key] = table
        return table

    def _check_space(self, space: str) -> None:
        if space not in self.spaces:
            raise UnknownSpaceError(unknown_choice_message("search space", space, self.spaces))

    def _resolve_dataset(self, space: str, dataset: str) -> str:
        self._check_space(space)
        datasets = self.datasets(space)
        if dataset in datasets:
            return dataset
        alias = _DATASET_ALIASES.get(str(dataset).lower(), str(dataset).lower())
        if alias in datasets:
            return alias
        raise UnknownDatasetError(
            unknown_choice_message(f"dataset for space {space!r}:", dataset, self.datasets(space))
        )

    # ---- SQL ----------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run one read-only SQL ``SELECT`` over the store with DuckDB.

        Each table is a view named ``<space>_<dataset>`` (per-arch means over seeds, one row
        per arch) and ``<space>_<dataset>_seeds`` (one row per arch and seed); ``-`` in names
        becomes ``_``. ``catalog_tables``, ``catalog_metrics`` and ``catalog_sources`` describe
        the store. Values are bound as parameters (``$1``, ``$2``...), never formatted in.
        """
        from nasbench._sql import run_select

        if self._con is None:
            from nasbench._sql import connect

            self._con = connect(self.path, self.catalog)
        return run_select(self._con, query, params)

    def close(self) -> None:
        """Close the DuckDB connection, if one was opened."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, tables={len(self._entries)})"
