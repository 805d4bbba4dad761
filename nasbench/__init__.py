"""nasbench: tabular NAS benchmarks and surrogate tables behind one fast API.

>>> import nasbench
>>> db = nasbench.open()                       # doctest: +SKIP
>>> db.table("nb201", "cifar10").query("421211")   # doctest: +SKIP

Importing this package loads numpy only; pandas, pyarrow and DuckDB are imported when a call
needs them, and torch / xgboost only by the predictor and hardware subpackages.
"""

from __future__ import annotations

from nasbench.errors import (
    InvalidArchitectureError,
    NasbenchError,
    StoreError,
    StoreNotFoundError,
    UnknownDatasetError,
    UnknownMetricError,
    UnknownSpaceError,
)
from nasbench.store import Store, Table, default_home, open

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``convert``, ``canonical_dataset`` and ``import_benchmark``, imported on first use."""
    if name in ("convert", "canonical_dataset"):
        import nasbench.spaces

        return getattr(nasbench.spaces, name)
    if name == "import_benchmark":
        from nasbench.importers import import_benchmark

        return import_benchmark
    raise AttributeError(f"module 'nasbench' has no attribute {name!r}")


__all__ = [
    "InvalidArchitectureError",
    "NasbenchError",
    "Store",
    "StoreError",
    "StoreNotFoundError",
    "Table",
    "UnknownDatasetError",
    "UnknownMetricError",
    "UnknownSpaceError",
    "__version__",
    "canonical_dataset",
    "convert",
    "default_home",
    "import_benchmark",
    "open",
]
