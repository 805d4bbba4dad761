"""DuckDB over the store's Parquet files: views, catalog tables and a read-only sandbox.

Contract: :func:`connect` returns an in-memory connection whose views read the build's
Parquet files; then it locks the configuration so that no statement can read outside the
build folder, spill anywhere but a private temporary folder, or use more than
:data:`MEMORY_LIMIT`. :func:`run_select` runs exactly one ``SELECT`` with bound parameters,
interrupts it after ``timeout`` seconds and refuses results longer than ``max_rows``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbench.errors import NasbenchError

#: Defaults of :meth:`nasbench.Store.sql` (both settable per call).
DEFAULT_TIMEOUT = 30.0  # seconds
DEFAULT_MAX_ROWS = 1_000_000
MEMORY_LIMIT = "2GB"

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


class SQLError(NasbenchError, ValueError):
    """A SQL statement that is not a single read-only SELECT, or that DuckDB rejects."""


class SQLTimeoutError(SQLError, TimeoutError):
    """A SELECT that ran longer than its timeout (it was interrupted)."""


def view_name(space: str, dataset: str) -> str:
    """SQL view name of a table: ``nb201_imagenet16_120``."""
    return f"{space}_{dataset}".replace("-", "_")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect(path: Path, catalog: dict[str, Any], temp_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table, then locked down.

    ``temp_dir`` must be a private, empty folder (DuckDB may spill there); it is set before
    the configuration is locked, so a statement cannot point DuckDB at another folder.
    """
    import duckdb

    con = duckdb.connect(":memory:", config={"enable_external_access": True})
    tmp = str(temp_dir.resolve()).replace("'", "''")
    con.execute(f"SET temp_directory = '{tmp}'")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET max_temp_directory_size = '4GB'")
    con.execute("SET python_enable_replacements = false")
    for e in catalog["tables"]:
        file = str((path / e["parquet"]).resolve()).replace("'", "''")
        name = view_name(e["space"], e["dataset"])
        if e.get("source", "measured") != "measured":
            name += "_" + e["source"]
        metrics = ", ".join(f"avg({_q(m)}) AS {_q(m)}" for m in e["metrics"])
        keys = "arch_id, arch" + (", official_index" if e.get("official_index") else "")
        con.execute(f"CREATE VIEW {_q(name + '_seeds')} AS SELECT * FROM read_parquet('{file}')")
        con.execute(
            f"CREATE VIEW {_q(name)} AS SELECT {keys}, {metrics}, count(*) AS n_seeds "
            f"FROM {_q(name + '_seeds')} GROUP BY {keys}"
        )
    for name, extra in catalog.get("extras", {}).items():
        file = str((path / extra["parquet"]).resolve()).replace("'", "''")
        con.execute(f"CREATE VIEW {_q(name)} AS SELECT * FROM read_parquet('{file}')")
    _catalog_tables(con, catalog)
    # Only the build folder stays readable; the statement guard in run_select blocks writes.
    root = str(path.resolve()).replace("'", "''")
    con.execute(f"SET allowed_directories = ['{root}/']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _catalog_tables(con: duckdb.DuckDBPyConnection, catalog: dict[str, Any]) -> None:
    con.execute("CREATE TABLE catalog_tables (space VARCHAR, dataset VARCHAR, source VARCHAR, "
                "view VARCHAR, n_archs BIGINT, n_rows BIGINT, n_seeds INTEGER, model_id VARCHAR)")
    con.execute("CREATE TABLE catalog_metrics (space VARCHAR, dataset VARCHAR, source VARCHAR, "
                "metric VARCHAR, unit VARCHAR, direction VARCHAR, split VARCHAR, "
                "protocol VARCHAR, budget VARCHAR, schedule VARCHAR, baseline VARCHAR, "
                "data_source VARCHAR, per_seed BOOLEAN, description VARCHAR)")
    con.execute("CREATE TABLE catalog_sources (source VARCHAR, package VARCHAR, "
                "version VARCHAR, dataset VARCHAR, sha256 VARCHAR, licence VARCHAR, "
                "citation VARCHAR)")
    for e in catalog["tables"]:
        source = e.get("source", "measured")
        view = view_name(e["space"], e["dataset"]) + ("" if source == "measured" else f"_{source}")
        con.execute("INSERT INTO catalog_tables VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    [e["space"], e["dataset"], source, view, e["n_archs"], e["n_rows"],
                     e["n_seeds"], e.get("model_id")])
        for m in e["metrics"]:
            i = e["metric_info"][m]
            con.execute("INSERT INTO catalog_metrics VALUES "
                        "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
                        [e["space"], e["dataset"], source, m, i["unit"], i["direction"],
                         i["split"], i["protocol"], i["budget"], i["schedule"], i["baseline"],
                         i["source"], i["per_seed"], i["description"]])
    for key, s in catalog["sources"].items():
        for dataset, f in s["files"].items():
            con.execute("INSERT INTO catalog_sources VALUES ($1,$2,$3,$4,$5,$6,$7)",
                        [key, s["package"], s["installed_version"], dataset, f["sha256"],
                         s["data_licence"], s["citation"]])


def run_select(
    con: duckdb.DuckDBPyConnection,
    query: str,
    params: Sequence[Any] | None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = DEFAULT_MAX_ROWS,
) -> pd.DataFrame:
    """Run exactly one SELECT statement with bound parameters; return a DataFrame.

    Args:
        timeout: seconds before the statement is interrupted (``None``: no limit).
        max_rows: results with more rows raise instead of filling memory (``None``: no
            limit).
    """
    import threading

    import duckdb

    for name, value, integral in (("timeout", timeout, False), ("max_rows", max_rows, True)):
        allowed: type | tuple[type, ...] = int if integral else (int, float)
        limit = threading.TIMEOUT_MAX if name == "timeout" else 2**62
        if value is not None and (isinstance(value, bool) or not isinstance(value, allowed)
                                  or not 0 < value <= limit):
            raise SQLError(f"The {name!r} parameter of sql must be a positive number up to "
                           f"{limit:.3g} or None. Got {value!r} instead.")
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise SQLError(f"SQL syntax error: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise SQLError(f"Expected exactly one SQL statement, got {len(statements)}.")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise SQLError(f"The store is read-only: only SELECT is allowed, got {kind.name}.")
    timer = threading.Timer(timeout, con.interrupt) if timeout is not None else None
    expired = False
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        result = con.execute(query, list(params) if params is not None else None)
        if max_rows is None:
            return result.df()
        import pandas as pd

        chunk = result.fetchmany(max_rows + 1)
        if len(chunk) > max_rows:
            raise SQLError(f"The result has more than {max_rows:,} rows; add a LIMIT, "
                           "aggregate, or pass a larger max_rows (CLI: --max-rows).")
        return pd.DataFrame(chunk, columns=[d[0] for d in result.description])
    except duckdb.InterruptException:
        expired = True
    except KeyboardInterrupt:
        con.interrupt()
        raise
    except duckdb.IOException as exc:
        raise SQLError(f"SQL error: {_first_line(exc)}. The store's files may be damaged: "
                       "run `nasbench build` (it verifies and repairs them).") from None
    except duckdb.Error as exc:
        raise SQLError(f"SQL error: {_first_line(exc)}") from None
    finally:
        if timer is not None:
            timer.cancel()
    if expired:
        raise SQLTimeoutError(f"The query ran longer than {timeout:g} s and was interrupted; "
                              "pass a larger timeout (CLI: --timeout) or narrow the query.")
    raise AssertionError("unreachable")  # pragma: no cover


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
