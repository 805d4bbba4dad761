"""The store: built tables on disk, and everything that reads or writes them.

Modules (each opens with its contract):

* :mod:`._catalog` — where the store lives, its layout, the one schema version;
* :mod:`._build` — runs the recipes (:mod:`nasbench.recipes`) into an immutable build;
* :mod:`._lifecycle` — build lock, references to builds in use, garbage collection;
* :mod:`._atomic` — the atomic-write helper every file the project writes goes through;
* :mod:`._store` / :mod:`._table` — read-only access: look-ups, arrays, Pareto fronts;
* :mod:`._model_table` — surrogate tables that predict any arch from their saved models;
* :mod:`._sql` — DuckDB views over the Parquet files, read-only;
* :mod:`._metrics` — the metric registry (:class:`MetricInfo`);
* :mod:`._pareto` — non-dominated sorting.
"""

from __future__ import annotations

from nasbench._optional import lazy_attributes
from nasbench.store._atomic import atomic_path, atomic_write
from nasbench.store._catalog import SCHEMA_VERSION, default_home
from nasbench.store._metrics import BASELINES, SPLITS, MetricInfo
from nasbench.store._store import Store, open
from nasbench.store._table import SurrogateTable, Table

__all__ = ["BASELINES", "SCHEMA_VERSION", "SPLITS", "MetricInfo", "ModelSurrogateTable", "Store",
           "SurrogateTable", "Table", "atomic_path", "atomic_write", "build", "default_home",
           "open", "write_table"]

# ``build`` and ``write_table`` load the recipes on first use, not at import;
# ``ModelSurrogateTable`` loads the predictors (xgboost only when a table is opened)
__getattr__ = lazy_attributes(__name__, {
    **dict.fromkeys(("build", "write_table"), "nasbench.store._build"),
    "ModelSurrogateTable": "nasbench.store._model_table"})
