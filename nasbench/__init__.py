"""nasbench: tabular NAS benchmarks and surrogate tables behind one fast API.

>>> import nasbench
>>> db = nasbench.open()                       # doctest: +SKIP
>>> db.table("nb201", "cifar10").query("421211")   # doctest: +SKIP

Importing this package loads numpy only; pandas, pyarrow and DuckDB are imported when a call
needs them, and torch / xgboost only by the predictor and hardware subpackages.
"""

from __future__ import annotations

from nasbench._optional import lazy_attributes
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


# ``convert``, ``canonical_dataset`` and ``import_benchmark``, imported on first use
__getattr__ = lazy_attributes(__name__, {"convert": "nasbench.spaces",
                                         "canonical_dataset": "nasbench.spaces",
                                         "import_benchmark": "nasbench.importers"})


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
