"""The no-test-data guard: nothing an optimizer can reach may carry values it must not see.

Three checks, all fatal (:class:`TestDataLeakError`):

* **The search signal.** A metric whose catalog ``split`` is ``"test"``
  (``Table.describe(metric)["split"]``: NAS-Bench-Graph ``test_acc``, the AnalogNAS-Bench
  columns, which IBM evaluates on the CIFAR-10 test set) is refused as a search signal or a
  multi-objective objective unless the caller opts in with ``allow_test_metric=True``; the
  opt-in is recorded in the trajectory (``metric_split``) and stated in the report.
* **Sealed sections.** While the harness builds an optimizer and during every ``ask`` and
  ``tell`` (:func:`sealed`), opening a store (``nasbench.open()``, ``Store()``),
  ``Store.table``, ``Store.sql`` and the table read methods raise. The check sits in
  ``nasbench/store/_table.py``: one global read outside a harness run.
* **The attribute scan.** An optimizer may hold the search space, numbers and its own state,
  but never a :class:`~nasbench.Table` or :class:`~nasbench.Store`, nor a copy of a table
  column: its attributes are scanned (4 levels deep, 64 items per container) before the run
  and after every tell of a scalar optimizer, and every numeric array (or list, dict values,
  pandas column) with one value per table row is compared with the table's columns (seed
  means and every seed; in any order, float32 copies included), and refused if it shares
  memory with the table.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError

_SCAN_DEPTH = 4
_SCAN_ITEMS = 64  # items looked at per container (archs lists can hold 60,000 tuples)
_LOCK = threading.Lock()
_RTOL = 1e-6  # float32 copies of a column still match
#: Most columns of a 2-D array (n_archs, k) compared one by one (seed matrices are narrow).
_MAX_WIDE = 16


class TestDataLeakError(NasbenchError, RuntimeError):
    """Test data would reach a search algorithm; the run is refused or stopped."""

    __test__ = False  # not a pytest test class despite the name


# ---- the search signal ------------------------------------------------------------------

def metric_split(table: Any, metric: str) -> str:
    """The data split ``metric`` of ``table`` was evaluated on (``train``, ``valid``,
    ``test`` or ``none``), from the catalog; unknown metrics raise."""
    info = table.describe(metric)
    split = info.get("split")
    if split is None:  # a catalog without splits: fall back to the store's naming rule
        return "test" if str(info.get("name", metric)).lower().startswith("test") else "valid"
    return str(split)


def check_metric(metric: str, table: Any, allow_test: bool = False,
                 role: str = "search metric") -> str:
    """Raise if ``metric`` is a test-split metric of ``table`` and ``allow_test`` is False.

    Returns the metric's split (``"test"`` only when ``allow_test`` is True).
    """
    split = metric_split(table, metric)
    if split == "test" and not allow_test:
        info = table.describe(metric)
        valid = [m for m in table.metrics if metric_split(table, m) == "valid"]
        raise TestDataLeakError(
            f"The {role} {metric!r} of table {table.space_name}/{table.dataset} is evaluated "
            f"on the test split ({info.get('protocol') or 'see describe()'}); an optimizer may "
            f"observe validation metrics ({', '.join(valid[:6]) or 'none here'}) and costs. "
            "Searching on test values is an explicit, recorded opt-in: pass "
            "allow_test_metric=True (nasbench compare --allow-test-metric); the trajectory "
            "and the report then say so. Test values of the incumbent are reported in the "
            "incumbent_test column instead.")
    return split


# ---- sealed sections --------------------------------------------------------------------

@contextmanager
def sealed(where: str) -> Iterator[None]:
    """While the block runs (in this thread / context), store and table reads raise
    :class:`TestDataLeakError` naming ``where``."""
    from nasbench.store import _table

    token = _table._LEAK_GUARD.set(where)
    with _LOCK:
        _table._leak_sections += 1
    try:
        yield
    finally:
        with _LOCK:
            _table._leak_sections -= 1
        _table._LEAK_GUARD.reset(token)


# ---- the attribute scan -----------------------------------------------------------------

class _Columns:
    """Every column of one table (seed means and each seed) as cheap summaries, so that an
    array can be matched against all of them without sorting each one."""

    def __init__(self, table: Any) -> None:
        self.n = len(table)
        names: list[str] = []
        cols: list[np.ndarray] = []
        for m in table.metrics:
            names.append(f"{m} (seed mean)")
            cols.append(np.asarray(table.array(m), np.float64))
            per_seed = table.seed_array(m)
            if per_seed.shape[1] > 1:
                for s in range(per_seed.shape[1]):
                    names.append(f"{m} (seed {s})")
                    cols.append(np.asarray(per_seed[:, s], np.float64))
        self.names = names
        self._cols = cols
        k = len(cols)
        self.n_nan = np.zeros(k, np.int64)
        self.lo, self.hi = np.full(k, np.nan), np.full(k, np.nan)
        for j, c in enumerate(cols):
            ok = ~np.isnan(c)
            self.n_nan[j] = self.n - int(ok.sum())
            if ok.any():
                self.lo[j], self.hi[j] = c[ok].min(), c[ok].max()
        full = self.n_nan < self.n
        # A constant column carries no information (and equals many innocent arrays).
        self.informative = full & (self.hi > self.lo)
        self._sorted: dict[int, np.ndarray] = {}
        self.memory = [a for a in (getattr(table, "_values", None),
                                   getattr(table, "_mean", None)) if isinstance(a, np.ndarray)]

    def match(self, v: np.ndarray) -> str | None:
        """Name of a table column equal to ``v`` (shape (n,), any order), or None."""
        nan = np.isnan(v)
        n_nan = int(nan.sum())
        if n_nan == self.n:
            return None
        lo, hi = float(v[~nan].min()), float(v[~nan].max())
        cand = np.flatnonzero(self.informative & (self.n_nan == n_nan)
                              & np.isclose(self.lo, lo, rtol=_RTOL, atol=0)
                              & np.isclose(self.hi, hi, rtol=_RTOL, atol=0))
        if not len(cand):
            return None
        sv = np.sort(v)
        for j in cand:
            sc = self._sorted.get(int(j))
            if sc is None:
                sc = self._sorted[int(j)] = np.sort(self._cols[int(j)])
            if np.allclose(sv, sc, rtol=_RTOL, atol=0, equal_nan=True):
                return self.names[int(j)]
        return None


_COLUMNS: weakref.WeakKeyDictionary[Any, _Columns] = weakref.WeakKeyDictionary()


def _columns(table: Any) -> _Columns:
    cols = _COLUMNS.get(table)
    if cols is None:
        cols = _COLUMNS[table] = _Columns(table)
    return cols


def _vectors(obj: Any, n: int) -> list[np.ndarray] | None:
    """The length-``n`` float vectors ``obj`` holds (an array, a list or dict of numbers, a
    pandas Series / DataFrame), or None when it holds none."""
    arr: Any = None
    if isinstance(obj, np.ndarray):
        arr = obj
    elif isinstance(obj, (list, tuple)) and len(obj) == n and n and _is_number(obj[0]):
        arr = _as_float(obj)
    elif isinstance(obj, dict) and len(obj) == n and n and _is_number(next(iter(obj.values()))):
        arr = _as_float(list(obj.values()))
    elif _is_pandas(obj) and hasattr(obj, "to_numpy"):
        if getattr(obj, "ndim", 0) == 2 and len(obj) == n:
            out = []
            for c in itertools.islice(obj.columns, _SCAN_ITEMS):
                a = _as_float(obj[c].to_numpy())
                if a is not None:
                    out.append(a)
            return out
        if getattr(obj, "ndim", 0) == 1 and len(obj) == n:
            arr = _as_float(obj.to_numpy())
    if arr is None or not (np.issubdtype(arr.dtype, np.floating)):
        return None
    if arr.ndim == 1 and len(arr) == n:
        return [arr.astype(np.float64, copy=False)]
    if arr.ndim == 2:
        if arr.shape[0] == n and arr.shape[1] <= _MAX_WIDE:
            return [arr[:, i].astype(np.float64) for i in range(arr.shape[1])]
        if arr.shape[1] == n and arr.shape[0] <= _MAX_WIDE:
            return [arr[i].astype(np.float64) for i in range(arr.shape[0])]
    return None


def _is_pandas(x: Any) -> bool:
    return type(x).__module__.partition(".")[0] == "pandas"


def _is_number(x: Any) -> bool:
    return isinstance(x, (float, np.floating))


def _as_float(x: Any) -> np.ndarray | None:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a if a.ndim in (1, 2) else None


def check_optimizer(optimizer: Any, where: str, table: Any = None) -> None:
    """Raise if ``optimizer`` (or anything it holds, a few levels deep) is a Table or Store,
    or, with ``table``, a copy or a view of one of ``table``'s columns."""
    from nasbench.harness._base import PerSeedBatch
    from nasbench.harness._index import SpaceIndex
    from nasbench.spaces import SearchSpace
    from nasbench.store._store import Store
    from nasbench.store._table import Table

    safe = (str, bytes, int, float, bool, np.generic, SpaceIndex, SearchSpace)
    seen: set[int] = set()
    cols = _columns(table) if table is not None else None

    def leak(path: str, what: str) -> TestDataLeakError:
        return TestDataLeakError(
            f"{where}: the optimizer holds {what} at {path}; an optimizer may see only its "
            "search space and the observed validation values. Pass table.space instead of "
            "the table, and no values read from it.")

    def check_values(obj: Any, path: str) -> None:
        assert cols is not None
        if isinstance(obj, np.ndarray) and obj.size and any(
                np.may_share_memory(obj, m) for m in cols.memory):
            raise leak(path, f"a view of table {table.space_name}/{table.dataset}'s values")
        for v in _vectors(obj, cols.n) or ():
            name = cols.match(v)
            if name is not None:
                raise leak(path, f"a copy of column {name} of table "
                                 f"{table.space_name}/{table.dataset}")

    def walk(obj: Any, path: str, depth: int) -> None:
        if isinstance(obj, (Table, Store)):
            raise leak(path, f"a {type(obj).__name__}")
        if id(obj) in seen or isinstance(obj, safe):
            return
        seen.add(id(obj))
        if cols is not None and not isinstance(obj, (set, frozenset, type)):
            check_values(obj, path)
        if depth >= _SCAN_DEPTH or isinstance(obj, np.ndarray) \
                or _is_pandas(obj):
            return
        if isinstance(obj, dict):
            for k, v in itertools.islice(obj.items(), _SCAN_ITEMS):
                walk(v, f"{path}[{k!r}]", depth + 1)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for i, v in enumerate(itertools.islice(obj, _SCAN_ITEMS)):
                walk(v, f"{path}[{i}]", depth + 1)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            for k, v in vars(obj).items():
                walk(v, f"{path}.{k}", depth + 1)

    if isinstance(optimizer, PerSeedBatch):  # every seed's optimizer, not the first 64
        for i, opt in enumerate(optimizer.optimizers):
            walk(opt, f"{type(opt).__name__}[seed {optimizer.seeds[i]}]", 0)
        return
    walk(optimizer, type(optimizer).__name__, 0)
