"""One benchmark table: the numpy fast path for look-ups, Parquet for everything else."""

from __future__ import annotations

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

if TYPE_CHECKING:
    import pandas as pd

    from nasbench.spaces import SearchSpace

_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Table:
    """Metrics of every architecture of one (search space, dataset).

    Values are stored per training seed; by default every method returns the mean over the
    seeds an architecture has. Units follow the catalog (``describe``): accuracies in percent,
    times in seconds, parameters in millions.
    """

    def __init__(self, build_path: Path, entry: dict[str, Any], *, ref: Any = None) -> None:
        from nasbench.spaces import SPACES, get_space

        self._ref = ref  # keeps the build referenced while the table lives (see Store)
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
        self._arch_path = f"{base}.arch.npy"
        self._arch_str: np.ndarray | None = None
        self._arch_pd: Any = None
        self._mean: np.ndarray = np.load(f"{base}.mean.npy", mmap_mode="r").view(np.ndarray)
        self._archs: list[Any] | None = None
        present = ~np.isnan(self._values[0])
        self.n_seeds: np.ndarray = present.sum(axis=1)  # seeds per arch, shape (n,)
        self._row_of_key = np.full(int(self.keys[-1]) + 1, -1, dtype=np.int64)
        self._row_of_key[self.keys] = np.arange(len(self.keys))
        options = entry.get("space_options") or {}
        #: the table's search space; ``space.enumerate()`` is exactly the table's archs
        self.space: SearchSpace = (SPACES[self.space_name](**options) if options
                                   else get_space(self.space_name))

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
        """Canonical string of every architecture, in row order (numpy unicode array)."""
        if self._arch_str is None:
            self._arch_str = np.load(self._arch_path)
        return self._arch_str

    def _arch_column(self) -> Any:
        """Arch strings as a pandas string array (built once; ``take`` is cheap)."""
        if self._arch_pd is None:
            import pandas as pd

            self._arch_pd = pd.array(self.arch_strings(), dtype="string")
        return self._arch_pd

    # ---- arrays -------------------------------------------------------------------------

    def array(self, metric: str, seed: str | int = "mean") -> np.ndarray:
        """Values of ``metric`` for every row: shape (n_archs,), float64.

        ``seed="mean"`` averages over the seeds each arch has; an int picks that seed (NaN
        where an arch has no such seed).
        """
        j = self._col[self._check_metric(metric)]
        if seed == "mean":
            return self._means()[j]
        s = self._check_seed_index(seed)
        return np.asarray(self._values[j, :, s])

    def seed_array(self, metric: str) -> np.ndarray:
        """Per-seed values of ``metric``: shape (n_archs, max_seeds), NaN where missing."""
        return np.asarray(self._values[self._col[self._check_metric(metric)]])

    def rows(self, archs: Iterable[Any] | np.ndarray) -> np.ndarray:
        """Row positions (``intp``, shape (n,)) of architectures given in any encoding."""
        keys = self.space.keys(archs)
        return self._rows_of_keys(keys, archs)

    def row(self, arch: Any) -> int:
        """Row position of one architecture given in any encoding."""
        key = self.space.key_of(arch)
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
    ) -> dict[str, float]:
        """Metrics of one architecture, as ``{metric: value}``.

        Args:
            arch: any encoding the table's search space accepts.
            metrics: names to return (default: all).
            seed: ``"mean"`` over the arch's seeds, an ``int`` seed index, or ``"sample"``
                for one seed drawn uniformly from those the arch has (needs ``rng``); the same
                seed is used for every metric of the call.
            rng: ``numpy.random.Generator`` or int seed, used only with ``seed="sample"``.
        """
        row = self.row(arch)
        if seed == "mean":
            if metrics is None:
                return dict(zip(self.metrics, self._mean[:, row].tolist()))
            if isinstance(metrics, str):
                return {metrics: float(self._mean[self._col_of(metrics), row])}
            cols = self._metric_cols(metrics)
            vals = self._mean[cols, row]
        else:
            s = self._seed_for(row, seed, rng)
            if isinstance(metrics, str):
                return {metrics: float(self._values[self._col_of(metrics), row, s])}
            cols = self._metric_cols(metrics)
            vals = self._values[cols, row, s]
        return dict(zip([self.metrics[c] for c in cols], vals.tolist()))

    def query_many(
        self,
        archs: Iterable[Any] | np.ndarray,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
    ) -> pd.DataFrame:
        """Vectorised :meth:`query`: one row per input arch, in input order.

        Returns a DataFrame with an ``arch`` column (canonical strings) and one column per
        metric (plus ``seed`` when ``seed="sample"``).
        """
        import pandas as pd

        rows = self.rows(archs)
        cols = self._metric_cols(metrics)
        names = [self.metrics[c] for c in cols]
        data: dict[str, Any] = {"arch": self._arch_column().take(rows)}
        if seed == "mean":
            block = self._means()[np.asarray(cols)][:, rows]
        else:
            if seed == "sample":
                gen = _generator(rng, "query_many")
                seeds = (gen.random(len(rows)) * self.n_seeds[rows]).astype(np.intp)
                data["seed"] = seeds
            else:
                seeds = np.full(len(rows), self._check_seed_index(seed))
                missing = self.n_seeds[rows] <= seeds
                if np.any(missing):
                    raise NasbenchError(f"Seed {seed} is missing for {int(missing.sum())} of "
                                        f"the architectures; use seed='mean' or 'sample'.")
            block = self._values[np.asarray(cols)[:, None], rows[None, :], seeds[None, :]]
        for name, col in zip(names, block, strict=False):
            data[name] = col
        return pd.DataFrame(data)

    def to_pandas(self, seeds: bool = False) -> pd.DataFrame:
        """The whole table: per-arch means (default) or one row per arch and seed."""
        import pandas as pd

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

        Uses per-arch means. Returns ``arch_id``, ``arch`` and the objective columns, sorted
        by the first objective, best first.
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
        return pd.DataFrame(data)

    # ---- internals ----------------------------------------------------------------------

    def _means(self) -> np.ndarray:
        """Seed means, shape (n_metrics, n_archs), computed once at build time."""
        return self._mean

    def _col_of(self, metric: str) -> int:
        col = self._col.get(metric)
        return self._col[self._check_metric(metric)] if col is None else col

    def _check_metric(self, metric: str) -> str:
        """The column name of ``metric`` (aliases resolved); unknown names raise."""
        if metric not in self._col:
            raise UnknownMetricError(unknown_choice_message(
                f"metric for table {self.space_name}/{self.dataset}:", metric,
                [*self.metrics, *self.aliases]))
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

    def _seed_for(self, row: int, seed: str | int, rng: Any) -> int:
        if seed == "sample":  # uniform over the seeds this arch has (random() is the cheap draw)
            return int(_generator(rng, "query").random() * self.n_seeds[row])
        s = self._check_seed_index(seed)
        if s >= self.n_seeds[row]:
            raise NasbenchError(f"Architecture {self.arch_strings()[row]} has seeds "
                                f"0..{int(self.n_seeds[row]) - 1} only. Got seed={s}.")
        return s

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
    ) -> dict[str, float]:
        if seed != "sample":
            return super().query(arch, metrics, seed=seed, rng=rng)
        gen = _generator(rng, "query")
        out = super().query(arch, metrics, seed="mean")
        row = self.row(arch)
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
    ) -> pd.DataFrame:
        if seed != "sample":
            return super().query_many(archs, metrics, seed=seed, rng=rng)
        gen = _generator(rng, "query_many")
        archs = archs if isinstance(archs, (list, tuple, np.ndarray)) else list(archs)
        df = super().query_many(archs, metrics, seed="mean")
        rows = self.rows(archs)
        for name in df.columns[1:]:
            j = self._noise_of.get(self._col[name])
            if j is not None:
                std = np.nan_to_num(self._mean[j, rows])
                df[name] = df[name].to_numpy() + gen.normal(size=len(rows)) * std
        return df
