"""The comparison grid: (optimizer x table x seed) cells, run resumably, saved as Parquet.

Layout of an output folder::

    out/config.json                                    budget, unit, workers, params
    out/runs/<optimizer>/<space>/<dataset>/s<first>-<last>.parquet   one finished cell

A cell is one optimizer on one table for a contiguous range of seeds (all of a range at once
for the vectorised built-ins, one seed per cell otherwise). A cell's file is written to a
temporary name and renamed when complete, so a killed run leaves only whole cells behind;
rerunning the same command runs exactly the seeds no file covers (no duplicate or partial
rows). Executors: ``"process"`` (local worker processes; default), ``"serial"`` (this
process) and ``"ray"`` (tasks on a Ray cluster, ``pip install ray``; each node needs the
store, e.g. ``nasbench build`` with the same packages; results come back to the driver, which
writes the files, so the output folder need not be shared).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbench.errors import NasbenchError
from nasbench.harness._base import VectorizedOptimizer
from nasbench.harness._registry import get_optimizer

if TYPE_CHECKING:
    import pandas as pd

_FILE = re.compile(r"^s(\d+)-(\d+)\.parquet$")
#: Seeds per cell for vectorised optimizers (one batch); others run one seed per cell.
BATCH_SEEDS = 100
EXECUTORS = ("process", "serial", "ray")
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class GridConfigError(NasbenchError, ValueError):
    """An output folder holds runs made with different settings."""


@dataclass(frozen=True)
class Cell:
    """One unit of work: ``optimizer`` on ``table`` ("space/dataset") for ``seeds``."""

    optimizer: str
    table: str
    seeds: tuple[int, ...]

    def path(self, out: Path) -> Path:
        """Where the finished cell's Parquet file lives under ``out``."""
        space, dataset = self.table.split("/", 1)
        return (out / "runs" / self.optimizer / space / dataset /
                f"s{self.seeds[0]:06d}-{self.seeds[-1]:06d}.parquet")


@dataclass
class GridSpec:
    """What to run; ``params`` maps optimizer name -> hyper-parameters.

    ``metric`` is the search metric of every table (default: each table's ``val_acc`` /
    ``val_loss``); a test-split metric needs ``allow_test_metric=True``, which config.json
    records and the report states.
    """

    optimizers: Sequence[str]
    tables: Sequence[str]
    seeds: Sequence[int]
    budget: float
    unit: str = "evals"
    n_workers: int = 1
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    metric: str | None = None
    allow_test_metric: bool = False

    def config(self) -> dict[str, Any]:
        """The settings every cell of one output folder must share (stored in config.json).

        ``metric`` and ``allow_test_metric`` appear only when set, so folders written
        before they existed still resume."""
        cfg = {"budget": float(self.budget), "unit": self.unit, "n_workers": self.n_workers,
               "params": {k: v for k, v in sorted(self.params.items()) if v}}
        if self.metric is not None:
            cfg["metric"] = self.metric
        if self.allow_test_metric:
            cfg["allow_test_metric"] = True
        return cfg


def covered_seeds(out: Path, optimizer: str, table: str) -> set[int]:
    """Seeds that finished cell files already cover for (optimizer, table)."""
    space, dataset = table.split("/", 1)
    folder = out / "runs" / optimizer / space / dataset
    seeds: set[int] = set()
    if folder.is_dir():
        for f in folder.iterdir():
            m = _FILE.match(f.name)
            if m:
                seeds.update(range(int(m.group(1)), int(m.group(2)) + 1))
    return seeds


def plan(spec: GridSpec, out: Path) -> list[Cell]:
    """Cells still to run: missing seeds, grouped into contiguous ranges."""
    cells = []
    for opt in spec.optimizers:
        vectorised = issubclass(get_optimizer(opt), VectorizedOptimizer)
        for tab in spec.tables:
            missing = sorted(set(spec.seeds) - covered_seeds(out, opt, tab))
            for run in _contiguous(missing):
                step = BATCH_SEEDS if vectorised else 1
                for i in range(0, len(run), step):
                    cells.append(Cell(opt, tab, tuple(run[i:i + step])))
    # Slow (one-seed) cells first so worker processes stay busy until the end.
    return sorted(cells, key=lambda c: len(c.seeds))


def _contiguous(seeds: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for s in seeds:
        if runs and s == runs[-1][-1] + 1:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def cell_frame(cell: Cell, spec: GridSpec, home: str | None) -> pd.DataFrame:
    """The trajectories of one cell (not written anywhere)."""
    from nasbench.harness._run import run_seeds

    table = _store(home).table(*cell.table.split("/", 1))
    return run_seeds(cell.optimizer, table, spec.budget, list(cell.seeds), unit=spec.unit,
                     n_workers=spec.n_workers, metric=spec.metric,
                     allow_test_metric=spec.allow_test_metric,
                     **spec.params.get(cell.optimizer, {}))


def run_cell(cell: Cell, spec: GridSpec, out: Path, home: str | None) -> tuple[Cell, int, float]:
    """Run one cell and write its file atomically; returns (cell, rows, seconds)."""
    t0 = time.perf_counter()
    df = cell_frame(cell, spec, home)
    write_parquet_atomic(df, cell.path(out))
    return cell, len(df), time.perf_counter() - t0


_STORES: dict[str | None, Any] = {}


def _store(home: str | None) -> Any:
    if home not in _STORES:
        import nasbench

        _STORES[home] = nasbench.open(home, build=False)
    return _STORES[home]


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` via a temporary sibling and ``os.replace``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nasbench.store import atomic_path

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {b"nasbench.harness": json.dumps(
        {k: v for k, v in df.attrs.items() if k != "wall_seconds"}, default=str).encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def prepare(out: Path, spec: GridSpec) -> None:
    """Create ``out`` (or check it holds runs with the same settings); drop stale temp files."""
    out.mkdir(parents=True, exist_ok=True)
    cfg_path = out / "config.json"
    cfg = spec.config()
    if cfg_path.exists():
        old = json.loads(cfg_path.read_text())
        if old != cfg:
            raise GridConfigError(
                f"Output folder {out} holds runs made with {old}; this grid uses {cfg}. Use "
                "another output folder (or delete that one) to change budget, unit, workers "
                "or parameters.")
    else:
        from nasbench.store import atomic_write

        atomic_write(cfg_path, json.dumps(cfg, indent=1, sort_keys=True))
    for stale in (out / "runs").rglob(".*.tmp") if (out / "runs").exists() else []:
        stale.unlink(missing_ok=True)


def run_grid(spec: GridSpec, out: str | os.PathLike[str], *, jobs: int = 1,
             executor: str = "process", home: str | None = None,
             progress: Callable[[int, int, Cell, float], None] | None = None) -> pd.DataFrame:
    """Run every missing cell of ``spec`` into ``out`` and return the whole grid's rows.

    Args:
        jobs: worker processes for ``executor="process"`` (1 runs in this process).
        home: store home (default: ``$NASBENCH_HOME`` / ``~/.cache/nasbench``).
        progress: called as ``progress(done, total, cell, seconds)`` after every cell;
            default prints a progress line on stderr.
    """
    if executor not in EXECUTORS:
        from nasbench.errors import unknown_choice_message

        raise ValueError(unknown_choice_message("executor", executor, EXECUTORS))
    out_path = Path(out)
    for opt in spec.optimizers:
        get_optimizer(opt)
    for tab in spec.tables:  # fail fast on unknown tables and refused metrics
        t = _store(home).table(*_split_table(tab))
        if spec.metric is not None:
            from nasbench.harness._guard import check_metric

            check_metric(spec.metric, t, spec.allow_test_metric)
    prepare(out_path, spec)
    cells = plan(spec, out_path)
    report = progress or _print_progress
    for i, (cell, _, secs) in enumerate(_execute(cells, spec, out_path, jobs, executor, home)):
        report(i + 1, len(cells), cell, secs)
    return load_results(out_path, spec.optimizers, spec.tables, spec.seeds)


def _execute(cells: list[Cell], spec: GridSpec, out: Path, jobs: int, executor: str,
             home: str | None) -> Iterable[tuple[Cell, int, float]]:
    if executor == "ray":
        yield from _execute_ray(cells, spec, out, jobs, home)
        return
    if executor == "serial" or jobs <= 1 or len(cells) <= 1:
        for cell in cells:
            yield run_cell(cell, spec, out, home)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Fresh interpreters with one BLAS thread each: with as many processes as cores, BLAS
    # threads only contend (a 150 x 150 eigh is ~7x slower with 2 threads on 2 busy cores).
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    try:
        pool = ProcessPoolExecutor(max_workers=jobs,
                                   mp_context=multiprocessing.get_context("spawn"))
        futures = [pool.submit(run_cell, c, spec, out, home) for c in cells]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    with pool:
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _execute_ray(cells: list[Cell], spec: GridSpec, out: Path, jobs: int, home: str | None
                 ) -> Iterable[tuple[Cell, int, float]]:
    """Cells as Ray tasks (one CPU each); connects to a running cluster (``RAY_ADDRESS``) or
    starts a local instance with ``jobs`` CPUs, shut down again at the end."""
    try:
        import ray
    except ImportError:
        raise NasbenchError("executor='ray' needs Ray: pip install ray (or use the default "
                            "executor='process').") from None
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=None if os.environ.get("RAY_ADDRESS") else max(jobs, 1),
                 include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {k: "1" for k in _THREAD_VARS}})
    try:
        task = ray.remote(num_cpus=1)(_timed_frame)
        pending = {task.remote(c, spec, home): c for c in cells}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            cell = pending.pop(done[0])
            df, secs = ray.get(done[0])
            write_parquet_atomic(df, cell.path(out))
            yield cell, len(df), secs
    finally:
        if started:
            ray.shutdown()


def _timed_frame(cell: Cell, spec: GridSpec, home: str | None) -> tuple[pd.DataFrame, float]:
    t0 = time.perf_counter()
    df = cell_frame(cell, spec, home)
    return df, time.perf_counter() - t0


def _split_table(name: str) -> tuple[str, str]:
    space, sep, dataset = name.partition("/")
    if not sep:
        raise ValueError(f"A table name must look like 'space/dataset', e.g. 'nb201/cifar10'. "
                         f"Got {name!r} instead.")
    return space, dataset


def _print_progress(done: int, total: int, cell: Cell, secs: float) -> None:
    width = 24
    fill = int(width * done / max(total, 1))
    seeds = f"{cell.seeds[0]}" if len(cell.seeds) == 1 else f"{cell.seeds[0]}-{cell.seeds[-1]}"
    tty = sys.stderr.isatty()
    start = "\r" if tty else ""
    sys.stderr.write(f"{start}[{'#' * fill}{'.' * (width - fill)}] {done}/{total} "
                     f"cells  {cell.optimizer} {cell.table} seeds {seeds} ({secs:.1f} s)   ")
    if done == total or not tty:
        sys.stderr.write("\n")
    sys.stderr.flush()


def load_results(out: str | os.PathLike[str], optimizers: Sequence[str] | None = None,
                 tables: Sequence[str] | None = None,
                 seeds: Sequence[int] | None = None) -> pd.DataFrame:
    """All finished rows under ``out`` (optionally only the given optimizers/tables/seeds)."""
    import pandas as pd
    import pyarrow.parquet as pq

    root = Path(out) / "runs"
    frames = []
    for f in sorted(root.rglob("s*.parquet")) if root.exists() else []:
        opt, space, dataset = f.parts[-4], f.parts[-3], f.parts[-2]
        if optimizers is not None and opt not in optimizers:
            continue
        if tables is not None and f"{space}/{dataset}" not in tables:
            continue
        frames.append(pq.read_table(f).to_pandas())
    if not frames:
        raise NasbenchError(f"No finished runs under {out}.")
    df = pd.concat(frames, ignore_index=True)
    if seeds is not None:
        df = df[df["seed"].isin(list(seeds))].reset_index(drop=True)
    _check_baselines(df, out)
    return df


def _check_baselines(df: pd.DataFrame, out: str | os.PathLike[str]) -> None:
    """Cells written before trajectories named their baseline were normalised by the mean;
    refuse a folder where one table mixes them with cells normalised by a median."""
    if "baseline" not in df:
        df["baseline"] = "mean"
        return
    df["baseline"] = df["baseline"].fillna("mean")
    mixed = [str(t) for t, g in df.groupby("table", sort=False) if g["baseline"].nunique() > 1]
    if mixed:
        raise NasbenchError(
            f"The runs under {out} for {', '.join(mixed)} were scored against different "
            "baselines (older cells against the mean, newer ones against the median the "
            "metric declares), so their normalised regrets cannot be compared. Delete those "
            "tables' cells under runs/ and rerun the same command to redo them.")
