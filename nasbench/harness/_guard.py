"""The no-test-data guard: nothing an optimizer can reach may carry test values.

Two checks, both fatal (:class:`TestDataLeakError`):

* the search signal must be a validation metric: metric names starting with ``test`` are
  refused (the store's canonical name for held-out test accuracy is ``test_acc``);
* an optimizer may hold the search space, numbers and its own state, but never a
  :class:`~nasbench.Table` or :class:`~nasbench.Store` (which would let it read test values):
  its attributes are scanned (4 levels deep, 64 items per container) before the run and
  after every tell.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError

_SCAN_DEPTH = 4
_SCAN_ITEMS = 64  # items looked at per container (archs lists can hold 60,000 tuples)


class TestDataLeakError(NasbenchError, RuntimeError):
    """Test data would reach a search algorithm; the run is refused or stopped."""

    __test__ = False  # not a pytest test class despite the name


def check_metric(metric: str, table: Any) -> None:
    """Raise if ``metric`` is a test metric of ``table``."""
    if metric.lower().startswith("test"):
        valid = [m for m in table.metrics if m.startswith("val")]
        raise TestDataLeakError(
            f"Metric {metric!r} of table {table.space_name}/{table.dataset} holds test values; "
            f"an optimizer may only observe validation metrics ({', '.join(valid)}). Test "
            "values are reported in the trajectory's incumbent_test column instead.")


def check_optimizer(optimizer: Any, where: str) -> None:
    """Raise if ``optimizer`` (or anything it holds, a few levels deep) is a Table or Store."""
    from nasbench.store._store import Store
    from nasbench.store._table import Table
    from nasbench.harness._index import SpaceIndex
    from nasbench.spaces import SearchSpace

    safe = (str, bytes, int, float, np.ndarray, np.generic, SpaceIndex, SearchSpace)
    seen: set[int] = set()

    def walk(obj: Any, path: str, depth: int) -> None:
        if isinstance(obj, (Table, Store)):
            raise TestDataLeakError(
                f"{where}: the optimizer holds a {type(obj).__name__} at {path}; an optimizer "
                "may see only its search space and the observed validation values. Pass "
                "table.space instead of the table.")
        if depth >= _SCAN_DEPTH or id(obj) in seen or isinstance(obj, safe):
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            for k, v in itertools.islice(obj.items(), _SCAN_ITEMS):
                walk(v, f"{path}[{k!r}]", depth + 1)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for i, v in enumerate(itertools.islice(obj, _SCAN_ITEMS)):
                walk(v, f"{path}[{i}]", depth + 1)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            for k, v in vars(obj).items():
                walk(v, f"{path}.{k}", depth + 1)

    walk(optimizer, type(optimizer).__name__, 0)
