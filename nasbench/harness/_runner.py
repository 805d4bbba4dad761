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

import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
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


#: Most seeds one grid may name, and most local worker processes.
MAX_SEEDS = 100_000
MAX_JOBS = 1024
#: Most trajectory rows one grid may produce (run_grid returns them all: ~478 B each).
MAX_GRID_ROWS = 10_000_000


class GridConfigError(NasbenchError, ValueError):
    """An output folder holds runs made with different settings."""


class OutputBusyError(NasbenchError, RuntimeError):
    """Another run holds the output folder's lock (one writer per folder)."""


class DuplicateRunsError(NasbenchError, ValueError):
    """Two cell files cover one (optimizer, table, seed) with different rows."""


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


def plan(spec: GridSpec, out: Path, max_evals: dict[str, int] | None = None) -> list[Cell]:
    """Cells still to run: missing seeds, grouped into contiguous ranges.

    ``max_evals`` (table -> evaluations per seed, from :func:`validate`) shrinks vectorised
    cells so that one cell holds at most ``MAX_ROWS`` trajectory rows."""
    from nasbench.harness._run import MAX_ROWS

    cells = []
    for opt in spec.optimizers:
        vectorised = issubclass(get_optimizer(opt), VectorizedOptimizer)
        for tab in spec.tables:
            missing = sorted(set(spec.seeds) - covered_seeds(out, opt, tab))
            per_seed = (max_evals or {}).get(tab, 1)
            for run in _contiguous(missing):
                step = max(1, min(BATCH_SEEDS, MAX_ROWS // max(per_seed, 1))) \
                    if vectorised else 1
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
                     allow_test_metric=spec.allow_test_metric, progress=False,
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
        try:
            old = json.loads(cfg_path.read_text())
        except ValueError:
            old = None
        if old != cfg and not any((out / "runs").rglob("s*.parquet")):
            old = None  # no finished cell depends on it (a run stopped before its first)
        if old is None:
            from nasbench.store import atomic_write

            atomic_write(cfg_path, json.dumps(cfg, indent=1, sort_keys=True))
        elif old != cfg:
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
             progress: Callable[[int, int, Cell, float], None] | None = None,
             ray_address: str | None = None, quiet: bool | None = None) -> pd.DataFrame:
    """Run every missing cell of ``spec`` into ``out`` and return the whole grid's rows.

    Args:
        jobs: worker processes for ``executor="process"`` (1 runs in this process).
        home: store home (default: ``$NASBENCH_HOME`` / ``~/.cache/nasbench``).
        progress: called as ``progress(done, total, cell, seconds)`` after every cell;
            default: a progress bar with ETA on stderr (a terminal or a notebook only).
        quiet: ``True`` silences the default bar, ``False`` forces it (default: auto).
        ray_address: with ``executor="ray"``, the address of an existing Ray cluster to
            connect to (default ``$RAY_ADDRESS``); without one a local instance bound to
            127.0.0.1 is started and shut down at the end.

    Everything is validated (:func:`validate`) before anything is written; the output
    folder is then locked (:func:`lock_output`): one writer per folder. All rows come back
    in one DataFrame (~478 B a row); :func:`run_missing` runs the same cells and loads
    nothing (read them with :func:`iter_results`, report them with
    :func:`~nasbench.harness.digest_runs`).
    """
    max_evals = _check_grid(spec, jobs, executor, home)
    with lock_output(out):
        _run_planned(spec, Path(out), max_evals, jobs, executor, home, progress,
                     ray_address, quiet)
        return load_results(out, spec.optimizers, spec.tables, spec.seeds)


def run_missing(spec: GridSpec, out: str | os.PathLike[str], *, jobs: int = 1,
                executor: str = "process", home: str | None = None,
                progress: Callable[[int, int, Cell, float], None] | None = None,
                ray_address: str | None = None, quiet: bool | None = None) -> list[Cell]:
    """:func:`run_grid` without loading any rows: run every cell of ``spec`` that no file
    in ``out`` covers yet (same arguments, checks and lock); returns the cells it ran."""
    max_evals = _check_grid(spec, jobs, executor, home)
    with lock_output(out):
        return _run_planned(spec, Path(out), max_evals, jobs, executor, home, progress,
                            ray_address, quiet)


def _check_grid(spec: GridSpec, jobs: int, executor: str, home: str | None
                ) -> dict[str, int]:
    if executor not in EXECUTORS:
        from nasbench.errors import unknown_choice_message

        raise ValueError(unknown_choice_message("executor", executor, EXECUTORS))
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise GridConfigError(f"The 'jobs' parameter must be an int from 1 to {MAX_JOBS}. Got "
                              f"{jobs!r:.60} instead.")
    return validate(spec, home)  # everything is checked before anything is written


def _run_planned(spec: GridSpec, out: Path, max_evals: dict[str, int], jobs: int,
                 executor: str, home: str | None,
                 progress: Callable[[int, int, Cell, float], None] | None,
                 ray_address: str | None, quiet: bool | None) -> list[Cell]:
    prepare(out, spec)
    cells = plan(spec, out, max_evals)
    from nasbench.harness._progress import GridProgress

    bar = GridProgress(None if quiet is None else not quiet)
    report = progress or bar
    try:
        for i, (cell, _, secs) in enumerate(_execute(cells, spec, out, jobs, executor, home,
                                                     ray_address)):
            report(i + 1, len(cells), cell, secs)
    finally:
        bar.close()
    return cells


def validate(spec: GridSpec, home: str | None = None) -> dict[str, int]:
    """Check a grid without running or writing anything: optimizers (single-objective, their
    parameters), tables, metric, seeds, budget (against each table's cap, see
    :func:`~nasbench.harness._run.max_evaluations`). Returns table -> evaluations per seed."""
    from nasbench.harness._run import MAX_SEED, max_evaluations, prepare_run

    if not spec.optimizers or not spec.tables:
        raise GridConfigError("A grid needs at least one optimizer and one table.")
    seeds = list(spec.seeds)
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise GridConfigError(f"A grid needs 1 to {MAX_SEEDS:,} seeds. Got {len(seeds):,}.")
    if any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED
           for s in seeds):
        raise GridConfigError("Seeds must be ints from 0 to 2**63 - 1.")
    if len(set(seeds)) != len(seeds):
        raise GridConfigError("The grid's seeds repeat a seed.")
    unknown = sorted(set(spec.params) - set(spec.optimizers))
    if unknown:
        raise GridConfigError(f"Parameters name optimizer(s) {', '.join(unknown)} that are "
                              "not in the grid.")
    out: dict[str, int] = {}
    for tab in spec.tables:  # fail fast on unknown tables and refused metrics
        t = _store(home).table(*_split_table(tab))
        if spec.metric is not None:
            from nasbench.harness._guard import check_metric

            check_metric(spec.metric, t, spec.allow_test_metric)
        out[tab] = max_evaluations(t, spec.budget, spec.unit, spec.n_workers)
        for opt in spec.optimizers:
            get_optimizer(opt)
            prepare_run(opt, t, spec.budget, [seeds[0]], metric=spec.metric, unit=spec.unit,
                        n_workers=spec.n_workers, allow_test_metric=spec.allow_test_metric,
                        **spec.params.get(opt, {}))
    total = len(spec.optimizers) * len(seeds) * sum(out.values())
    if total > MAX_GRID_ROWS:
        raise GridConfigError(f"This grid can produce {total:,} trajectory rows, over the "
                              f"{MAX_GRID_ROWS:,} one run returns (~478 B each in memory); "
                              "split it into several runs (fewer seeds, optimizers or tables, "
                              "or a smaller budget).")
    return out


_HELD: set[Path] = set()


@contextlib.contextmanager
def lock_output(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold ``<out>/.lock`` (created with ``out``) for one writer; another process holding
    it raises :class:`OutputBusyError` at once. Re-entrant within this process."""
    from filelock import FileLock, Timeout

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise GridConfigError(f"The output folder {str(path)[:200]} exists and is not a "
                              "folder.")
    path.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    if key in _HELD:
        yield path
        return
    lock = FileLock(str(path / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputBusyError(f"Another run holds the output folder {str(path)[:200]} (lock "
                              f"{str(path / '.lock')[:200]}); wait for it to finish or use "
                              "another --out.") from None
    _HELD.add(key)
    try:
        yield path
    finally:
        _HELD.discard(key)
        lock.release()


def _execute(cells: list[Cell], spec: GridSpec, out: Path, jobs: int, executor: str,
             home: str | None, ray_address: str | None = None
             ) -> Iterable[tuple[Cell, int, float]]:
    if executor == "ray":
        yield from _execute_ray(cells, spec, out, jobs, home, ray_address)
        return
    if executor == "serial" or jobs <= 1 or len(cells) <= 1:
        for cell in cells:
            yield run_cell(cell, spec, out, home)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from nasbench.harness import _external

    # Workers import optimizers by path; classes they cannot import (defined in __main__,
    # a notebook, exec'd code) run here in the parent while the workers run the rest.
    remote, local = _external.split_by_importable(cells, key=lambda c: c.optimizer)
    # Fresh interpreters with one BLAS thread each: with as many processes as cores, BLAS
    # threads only contend (a 150 x 150 eigh is ~7x slower with 2 threads on 2 busy cores).
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    # Children spawned while SIGINT is ignored start with it ignored (no KeyboardInterrupt
    # traceback from a half-started worker on Ctrl-C); the parent's handler is restored.
    sigint = _ignore_sigint()
    try:
        with _external.bare_main():  # children must not re-run the parent's script
            pool = ProcessPoolExecutor(
                max_workers=max(1, min(jobs, len(remote))),
                mp_context=multiprocessing.get_context("spawn"), initializer=worker_init,
                initargs=(os.getpid(), _external.worker_paths(spec.optimizers)))
            futures = [pool.submit(run_cell, c, spec, out, home) for c in remote]
    finally:
        if sigint is not None:
            signal.signal(signal.SIGINT, sigint)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        for cell in local:
            yield run_cell(cell, spec, out, home)
        for fut in as_completed(futures):
            yield fut.result()
    except BaseException:
        # Ctrl-C, a failed cell or a closed generator: stop the workers now instead of
        # waiting for their cells (finished cells are on disk; a rerun resumes).
        for fut in futures:
            fut.cancel()
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _ignore_sigint() -> Any:
    """Ignore SIGINT (main thread only); returns the handler to restore, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        return None


def worker_init(parent_pid: int, paths: dict[str, str] | None = None) -> None:
    """Initializer of local worker processes: Ctrl-C is the parent's to handle (it stops
    the workers), and a watchdog thread ends this process as soon as the parent is gone
    (killed with SIGKILL, say), so no worker outlives its run. ``paths`` maps optimizer
    names to the import paths this worker resolves them by."""
    if paths:
        from nasbench.harness._external import install_paths

        install_paths(paths)
    with contextlib.suppress(ValueError, OSError):  # not the main thread / no signals
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="nasbench-parent-watchdog").start()


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    while True:
        if sentinel is not None:
            try:
                if wait([sentinel], timeout=interval):
                    os._exit(1)
            except (OSError, ValueError):
                sentinel = None
        else:
            time.sleep(interval)
        if os.getppid() != parent_pid:  # re-parented: the parent died
            os._exit(1)


def _execute_ray(cells: list[Cell], spec: GridSpec, out: Path, jobs: int, home: str | None,
                 address: str | None = None) -> Iterable[tuple[Cell, int, float]]:
    """Cells as Ray tasks (one CPU each). With ``address`` (or ``$RAY_ADDRESS``) it
    connects to that cluster, the user's explicit choice; otherwise it starts a local
    instance with ``jobs`` CPUs whose servers listen on 127.0.0.1 only, without dashboard,
    shut down again at the end."""
    try:
        import ray
    except ImportError:
        raise NasbenchError("executor='ray' needs Ray: pip install ray (or use the default "
                            "executor='process').") from None
    address = address or os.environ.get("RAY_ADDRESS") or None
    started = not ray.is_initialized()
    if started:
        env = {"env_vars": {k: "1" for k in _THREAD_VARS}}
        if address:
            ray.init(address=address, log_to_driver=False, runtime_env=env)
        else:
            _init_local_ray(ray, num_cpus=max(jobs, 1), include_dashboard=False,
                            log_to_driver=False, runtime_env=env)
    try:
        from nasbench.harness import _external

        remote, local = _external.split_by_importable(cells, key=lambda c: c.optimizer)
        task = ray.remote(num_cpus=1)(_timed_frame)
        paths = _external.worker_paths(spec.optimizers)
        pending = {task.remote(c, spec, home, paths): c for c in remote}
        for cell in local:  # classes Ray workers cannot import run in the driver
            yield run_cell(cell, spec, out, home)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            cell = pending.pop(done[0])
            df, secs = ray.get(done[0])
            write_parquet_atomic(df, cell.path(out))
            yield cell, len(df), secs
    finally:
        if started:
            ray.shutdown()


def _init_local_ray(ray: Any, **kwargs: Any) -> None:
    """Start a local Ray instance whose servers listen on 127.0.0.1 only.

    ``_node_ip_address="127.0.0.1"`` alone is not enough on Linux: Ray replaces a loopback
    node address with the machine's routable one unless clusters are "disabled", as they
    are by default on macOS and Windows (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER``); with that
    off for the start, GCS, raylet, workers and agents bind to loopback (tested)."""
    import importlib

    ray_constants: Any
    try:
        ray_constants = importlib.import_module("ray._private.ray_constants")
    except ImportError:  # pragma: no cover - another Ray layout
        ray_constants = None
    saved = getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    if ray_constants is not None:
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        ray.init(address="local", _node_ip_address="127.0.0.1", **kwargs)
    finally:
        if ray_constants is not None:
            ray_constants.ENABLE_RAY_CLUSTER = saved


def _timed_frame(cell: Cell, spec: GridSpec, home: str | None,
                 paths: dict[str, str] | None = None) -> tuple[pd.DataFrame, float]:
    if paths:
        from nasbench.harness._external import install_paths

        install_paths(paths)
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
    """All finished rows under ``out`` (optionally only the given optimizers/tables/seeds),
    in one DataFrame (~478 B a row in memory; :func:`iter_results` reads one file at a time).

    Each (optimizer, table, seed) appears once: where two cell files cover one seed (cells
    written by older versions without the folder lock), the copy in the first file in
    path order is kept if both are identical, otherwise :class:`DuplicateRunsError`."""
    import pandas as pd

    frames = [rows.to_pandas() for _, _, _, rows in iter_results(out, optimizers, tables,
                                                                  seeds)]
    if not frames:
        raise NasbenchError(f"No finished runs under {str(out)[:200]}.")
    df = pd.concat(frames, ignore_index=True)
    _check_baselines(df, out)
    return df


def count_results(out: str | os.PathLike[str], optimizers: Sequence[str] | None = None,
                  tables: Sequence[str] | None = None, seeds: Sequence[int] | None = None
                  ) -> int:
    """The number of rows :func:`load_results` would return, with its checks (duplicate
    seeds, mixed baselines), reading only the ``seed``, ``table`` and ``baseline`` columns."""
    n = 0
    baselines: dict[str, set[str]] = {}
    for *_, rows in iter_results(out, optimizers, tables, seeds,
                                 columns=["seed", "table", "baseline"],
                                 read_dictionary=["table", "baseline"]):
        n += rows.num_rows
        if not rows.num_rows:
            continue
        base = rows.column("baseline").unique().to_pylist() \
            if "baseline" in rows.column_names else ["mean"]
        for t in rows.column("table").unique().to_pylist():
            baselines.setdefault(str(t), set()).update(
                "mean" if b is None else str(b) for b in base)
    mixed = [t for t, b in baselines.items() if len(b) > 1]
    if mixed:
        raise mixed_baselines_error(mixed, out)
    return n


def iter_results(out: str | os.PathLike[str], optimizers: Sequence[str] | None = None,
                 tables: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
                 columns: Sequence[str] | None = None, read_dictionary: Sequence[str] = ()
                 ) -> Iterator[tuple[str, str, Path, Any]]:
    """The finished rows under ``out``, one cell file at a time, in path order:
    ``(optimizer, table, path, rows)`` with ``optimizer`` and ``table`` from the path and
    ``rows`` a ``pyarrow.Table`` (possibly empty) of that file's ``columns`` that exist (default
    all; ``read_dictionary``: string columns to read dictionary-encoded).

    The rows are those of :func:`load_results`: only the given optimizers, tables and
    seeds, each (optimizer, table, seed) once (a seed already read from an earlier file is
    left out if both copies are identical, else :class:`DuplicateRunsError`). Memory: one
    file's columns, a dict entry per seed of the current (optimizer, table) and 16 bytes per
    seed of the others."""
    import numpy as np
    import pyarrow.parquet as pq

    root = Path(out) / "runs"
    wanted = None if seeds is None else np.asarray(list(seeds), dtype=np.int64)
    paths: list[Path] = []
    done: dict[tuple[str, str], tuple[Any, Any]] = {}  # key -> (seeds, index into paths)
    key: tuple[str, str] | None = None
    owner: dict[int, int] = {}  # seed of ``key`` -> index into paths of its first file
    for f in sorted(root.rglob("s*.parquet")) if root.exists() else []:
        opt, space, dataset = f.parts[-4], f.parts[-3], f.parts[-2]
        tab = f"{space}/{dataset}"
        if optimizers is not None and opt not in optimizers:
            continue
        if tables is not None and tab not in tables:
            continue
        if (opt, tab) != key:  # files of one key are adjacent in path order: compact the last
            if key is not None:
                done[key] = (np.fromiter(owner, np.int64, len(owner)),
                             np.fromiter(owner.values(), np.int64, len(owner)))
            key = (opt, tab)
            old_seeds, old_at = done.pop(key, ((), ()))
            owner = dict(zip((int(x) for x in old_seeds), (int(i) for i in old_at)))
        names = None
        if columns is not None:
            have = set(pq.read_schema(f).names)
            names = [c for c in columns if c in have]
        rows = pq.read_table(f, columns=names, read_dictionary=[
            c for c in read_dictionary if names is None or c in names] or None)
        seed = rows.column("seed").to_numpy()
        keep = np.ones(len(seed), dtype=bool) if wanted is None else np.isin(seed, wanted)
        present = [int(x) for x in np.unique(seed[keep])]
        dup = [x for x in present if x in owner]
        for x in dup:
            first = paths[owner[x]]
            if not _same_rows(_seed_rows(first, x), _seed_rows(f, x)):
                raise DuplicateRunsError(
                    f"Seed {x} of {opt} on {tab} is in two cell files with different rows: "
                    f"{first.name} and {f.name} under {str(f.parent)[:150]}; delete one and "
                    "rerun the same command.")
        if dup:
            keep &= ~np.isin(seed, dup)
        paths.append(f)
        for x in present:
            owner.setdefault(x, len(paths) - 1)
        yield opt, tab, f, rows if keep.all() else rows.filter(keep)


def _seed_rows(path: Path, seed: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(path, filters=[("seed", "==", seed)]).to_pandas()


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if set(a.columns) != set(b.columns) or len(a) != len(b):
        return False
    cols = list(a.columns)
    return bool(a[cols].reset_index(drop=True).equals(b[cols].reset_index(drop=True)))


def _check_baselines(df: pd.DataFrame, out: str | os.PathLike[str]) -> None:
    """Cells written before trajectories named their baseline were normalised by the mean;
    refuse a folder where one table mixes them with cells normalised by a median."""
    if "baseline" not in df:
        df["baseline"] = "mean"
        return
    df["baseline"] = df["baseline"].fillna("mean")
    mixed = [str(t) for t, g in df.groupby("table", sort=False) if g["baseline"].nunique() > 1]
    if mixed:
        raise mixed_baselines_error(mixed, out)


def mixed_baselines_error(tables: Sequence[str], out: str | os.PathLike[str]
                          ) -> NasbenchError:
    """The error for runs of one table scored against different baselines."""
    return NasbenchError(
        f"The runs under {out} for {', '.join(tables)} were scored against different "
        "baselines (older cells against the mean, newer ones against the median the "
        "metric declares), so their normalised regrets cannot be compared. Delete those "
        "tables' cells under runs/ and rerun the same command to redo them.")
