"""What a report needs from trajectories, reduced one run file at a time.

A report uses few numbers per run: the final scores and AUC of every (optimizer, table,
seed) (:func:`~nasbench.harness._scores.final_scores`), its anytime curve of normalised
regret on the report's grid, and per table the one row that recovers its optimum and baseline
(:func:`~nasbench.harness._scores.table_meta`). A :class:`Digest` holds exactly those;
:func:`digest_runs` computes it from a runner folder reading one cell file at a time, with
the same arithmetic as the in-memory path (:func:`digest_frame`), so a report from either is
identical. Memory: the needed columns of the file being read (``arch`` and the other
per-evaluation strings are skipped), per run its final row and the rows where its curve
changes, and, while its band is computed, one (optimizer, table)'s curve matrix (seeds x grid
points, 8 bytes each). ``benchmarks/bench_report_memory.py`` measures it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import NasbenchError

if TYPE_CHECKING:
    import pandas as pd

#: Columns of a cell file that a digest reads (the others, such as ``arch``, are skipped).
COLUMNS = ("optimizer", "table", "metric", "direction", "baseline", "metric_split", "seed",
           "step", "sim_time", "incumbent", "incumbent_score", "incumbent_test", "regret",
           "normalized_regret", "n_distinct")
_PER_RUN = ("optimizer", "table", "metric", "direction", "baseline", "metric_split")
#: Per-file pieces are merged every this many files (a small table per file adds up).
_COMPACT = 256
_FINAL = ["direction", "step", "incumbent", "incumbent_score", "incumbent_test", "regret",
          "normalized_regret", "n_distinct", "sim_time"]


@dataclass
class Digest:
    """The trajectories of a comparison reduced to what its report states.

    ``finals``: :func:`~nasbench.harness.final_scores` (one row per optimizer, table and
    seed); ``curves``: :func:`~nasbench.harness.anytime` of normalised regret over
    ``step`` (``unit="evals"``) or ``sim_time`` (``unit="seconds"``); ``metas``: each
    table's :func:`~nasbench.harness._scores.table_meta`; ``metrics``: each table's search
    metric; ``optimizers``: in order of appearance; ``test_metrics``: (optimizer, table,
    metric) searched on a test split; ``rows``: trajectory rows digested.
    """

    finals: pd.DataFrame
    curves: pd.DataFrame
    metas: dict[str, dict[str, Any]]
    metrics: dict[str, str]
    optimizers: list[str]
    test_metrics: list[tuple[str, str, str]]
    unit: str = "evals"
    rows: int = 0


def _x(unit: str) -> str:
    from nasbench.harness._engine import UNITS

    if unit not in UNITS:
        from nasbench.errors import unknown_choice_message

        raise ValueError(unknown_choice_message("unit", unit, UNITS))
    return "sim_time" if unit == "seconds" else "step"


def digest_frame(df: pd.DataFrame, unit: str = "evals") -> Digest:
    """The :class:`Digest` of trajectories held in memory (``df``: from
    :func:`~nasbench.harness.run` or :func:`~nasbench.harness.load_results`)."""
    from nasbench.harness._scores import anytime, final_scores, table_meta

    x = _x(unit)
    tables = [str(t) for t in dict.fromkeys(df["table"])]
    test: set[tuple[str, str, str]] = set()
    if "metric_split" in df:
        t = df[df["metric_split"] == "test"]
        test = {(str(o), str(tab), str(m)) for o, tab, m in
                zip(t["optimizer"], t["table"], t["metric"])}
    return Digest(final_scores(df), anytime(df, "normalized_regret", x=x),
                  {tab: table_meta(df, tab) for tab in tables},
                  {str(t): str(g["metric"].iloc[0]) for t, g in df.groupby("table",
                                                                           sort=False)},
                  [*dict.fromkeys(df["optimizer"].astype(str))], sorted(test), unit, len(df))


def digest_runs(out: str | os.PathLike[str], optimizers: Sequence[str] | None = None,
                tables: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
                unit: str = "evals") -> Digest:
    """The :class:`Digest` of the finished runs in a runner folder ``out`` (the rows
    :func:`~nasbench.harness.load_results` would return for the same arguments), reading one
    cell file at a time; ``write_report(digest_runs(out), out, db)`` reports a folder of any
    size. A cell file must hold one run (one optimizer, table, metric, direction, baseline
    and metric split), as the runner writes them."""
    from nasbench.harness._runner import iter_results, mixed_baselines_error

    x = _x(unit)
    groups: dict[tuple[str, str], _Group] = {}
    tabs: dict[str, _Table] = {}
    finals: list[Any] = []  # pyarrow Tables, concatenated every _COMPACT files
    test: set[tuple[str, str, str]] = set()
    rows = 0
    for _, _, path, part in iter_results(out, optimizers, tables, seeds, columns=COLUMNS,
                                         read_dictionary=_PER_RUN + ("incumbent",)):
        if part.num_rows == 0:
            continue
        run = _run_values(part, path)
        rows += part.num_rows
        opt, tab = run["optimizer"], run["table"]
        info = tabs.setdefault(tab, _Table(run["direction"], run["metric"]))
        info.baselines.add(run["baseline"])
        if run["metric_split"] == "test":
            test.add((opt, tab, run["metric"]))
        seed = part.column("seed").to_numpy()
        nreg = part.column("normalized_regret").to_numpy()
        info.offer(nreg, part)
        finals.append(_finals(part, seed, nreg))
        if len(finals) >= _COMPACT:
            finals = [_concat(finals)]
        groups.setdefault((opt, tab), _Group()).add(
            seed, np.asarray(part.column(x).to_numpy(), dtype=np.float64), nreg)
    if not finals:
        raise NasbenchError(f"No finished runs under {str(out)[:200]}.")
    mixed = [tab for tab, info in tabs.items() if len(info.baselines) > 1]
    if mixed:
        raise mixed_baselines_error(mixed, out)
    import pandas as pd

    from nasbench.harness._scores import add_relative_improvement

    metas = {tab: info.meta() for tab, info in tabs.items()}
    finals_df = add_relative_improvement(_finals_frame(finals), metas)
    curves = pd.concat([g.band(opt, tab, x) for (opt, tab), g in groups.items()],
                       ignore_index=True)
    return Digest(finals_df, curves, metas, {tab: info.metric for tab, info in tabs.items()},
                  [*dict.fromkeys(opt for opt, _ in groups)], sorted(test), unit, rows)


def _run_values(part: Any, path: Path) -> dict[str, Any]:
    """The one value of each per-run column of a cell file (``baseline``: ``"mean"`` where
    missing, as in files written before it existed; ``metric_split``: None where missing)."""
    out: dict[str, Any] = {}
    for name in _PER_RUN:
        vals = _distinct(part.column(name)) if name in part.column_names else [None]
        if name == "baseline":
            vals = list(dict.fromkeys("mean" if v is None else v for v in vals))
        if len(vals) != 1 or (vals[0] is None and name != "metric_split"):
            raise NasbenchError(f"The cell file {str(path)[:200]} holds rows of several runs "
                                f"({name}: {', '.join(map(str, vals))[:200]}); a cell file "
                                "holds one run, as the runner writes it. Use "
                                "harness.load_results for such files.")
        out[name] = None if vals[0] is None else str(vals[0])
    return out


def _distinct(col: Any) -> list[Any]:
    """Distinct values of a (possibly dictionary-encoded) pyarrow ChunkedArray."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out: list[Any] = []
    for chunk in col.chunks:
        if pa.types.is_dictionary(chunk.type):
            out += chunk.dictionary.take(pc.unique(chunk.indices)).to_pylist()
        else:
            out += pc.unique(chunk).to_pylist()
    return list(dict.fromkeys(out))


def _finals(part: Any, seed: np.ndarray, nreg: np.ndarray) -> Any:
    """The rows of :func:`~nasbench.harness.final_scores` (before RI) of one cell file, as
    a pyarrow Table: each seed's last row, ordered as those rows are, with its AUC (the
    pandas group mean of its normalised regrets, as ``final_scores`` computes it)."""
    import pandas as pd
    import pyarrow as pa

    _, rev_first = np.unique(seed[::-1], return_index=True)
    last = np.sort(len(seed) - 1 - rev_first)  # each seed's last row, in row order
    names = [c for c in ("optimizer", "table", "seed", *_FINAL) if c in part.column_names]
    taken = part.select(names).take(pa.array(last))
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c
            for c in taken.columns]
    auc = pd.Series(nreg).groupby(seed, sort=False).mean()
    return pa.table([*cols, pa.array(auc.loc[seed[last]].to_numpy())],
                    names=[*names, "auc"])


def _concat(parts: list[Any]) -> Any:
    import pyarrow as pa

    return pa.concat_tables(parts, promote_options="permissive").combine_chunks()


def _finals_frame(parts: list[Any]) -> pd.DataFrame:
    return _concat(parts).to_pandas().reindex(
        columns=["optimizer", "table", "seed", *_FINAL, "auc"])


@dataclass
class _Table:
    """Per table: direction and metric of its first row, baselines seen, and the row with
    the largest normalised regret (the first one, NaN counting as largest, as ``argmax``)."""

    direction: str
    metric: str
    baselines: set[str] = field(default_factory=set)
    row: tuple[float, float, float] | None = None  # incumbent_score, regret, norm. regret

    def offer(self, nreg: np.ndarray, part: Any) -> None:
        i = int(np.argmax(nreg))
        best = self.row[2] if self.row is not None else None
        if best is None or (not np.isnan(best) and (np.isnan(nreg[i]) or nreg[i] > best)):
            score = part.column("incumbent_score")[i].as_py()
            regret = part.column("regret")[i].as_py()
            self.row = (float(score), float(regret), float(nreg[i]))

    def meta(self) -> dict[str, Any]:
        """:func:`~nasbench.harness._scores.table_meta` of the table."""
        from nasbench.harness._scores import meta_from_row

        score, regret, norm = self.row or (np.nan, np.nan, np.nan)
        return meta_from_row(self.direction, next(iter(self.baselines)), score, regret, norm)


class _Group:
    """One (optimizer, table)'s anytime curves, kept compact: per seed only the rows where
    its value changes (the value at a grid point is that of the last row at or before it,
    so the rows in between change nothing; seeds whose x is not ascending keep every row)."""

    def __init__(self) -> None:
        # pieces of (seeds, first kept row of each seed, kept xs, kept values); merged
        # into one every _COMPACT files
        self.pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.hi = float("nan")  # largest x (NaN ignored)

    def add(self, seed: np.ndarray, x: np.ndarray, v: np.ndarray) -> None:
        order = np.argsort(seed, kind="stable") if len(seed) > 1 and \
            bool((seed[1:] < seed[:-1]).any()) else None
        if order is not None:  # each seed's rows together, in their order
            seed, x, v = seed[order], x[order], v[order]
        first = np.r_[True, seed[1:] != seed[:-1]]
        starts = np.flatnonzero(first)
        ascending = np.logical_and.reduceat(np.r_[True, x[1:] >= x[:-1]] | first, starts)
        bits = np.ascontiguousarray(v, dtype=np.float64).view(np.int64)
        keep = first | np.r_[True, bits[1:] != bits[:-1]] | \
            np.repeat(~ascending, np.diff(np.r_[starts, len(seed)]))
        kept = np.flatnonzero(keep)
        self.pieces.append((seed[starts], np.searchsorted(kept, starts), x[kept], v[kept]))
        if len(self.pieces) >= _COMPACT:
            self._merge()
        finite = x[~np.isnan(x)]
        if len(finite):
            self.hi = float(np.fmax(self.hi, finite.max()))

    def _merge(self) -> None:
        offsets = np.cumsum([0] + [len(p[2]) for p in self.pieces[:-1]])
        self.pieces = [(np.concatenate([p[0] for p in self.pieces]),
                        np.concatenate([p[1] + o for p, o in zip(self.pieces, offsets)]),
                        np.concatenate([p[2] for p in self.pieces]),
                        np.concatenate([p[3] for p in self.pieces]))]

    def band(self, optimizer: str, table: str, x: str) -> pd.DataFrame:
        """:func:`~nasbench.harness._scores.anytime_band` of the group (seeds ascending)."""
        from nasbench.harness._scores import anytime_band, curves_on_grid, default_grid

        self._merge()
        seeds, starts, xs, vs = self.pieces[0]
        order = np.argsort(seeds, kind="stable")
        if len(seeds) > 1 and bool((np.diff(seeds[order]) == 0).any()):
            raise NasbenchError(f"Runs of {optimizer} on {table} repeat a seed in cell files "
                                "of different folders; report them with harness.load_results.")
        ends = np.r_[starts[1:], len(xs)]
        grid = np.asarray(default_grid(self.hi, x))
        pairs = ((xs[starts[i]:ends[i]], vs[starts[i]:ends[i]]) for i in order)
        values = curves_on_grid(pairs, len(seeds), grid)
        self.pieces = []
        return anytime_band(optimizer, table, grid, values)
