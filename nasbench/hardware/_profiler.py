"""Profile NB201 networks on this machine: one representative per isomorphism class.

The job is split into chunks of cells; each chunk runs in a fresh worker process (so a crash
costs one chunk, never the job) and is written to ``<out>/chunk_NNNNN.parquet`` as soon as it
ends. Re-running with the same ``out`` and settings skips the chunks already on disk, so a
killed job resumes where it stopped. Progress and an ETA go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import NasbenchError, StoreError, UnknownSpaceError, unknown_choice_message
from nasbench.hardware._fingerprint import device_fingerprint
from nasbench.hardware._measure import MeasureSettings, measure_chunk

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["profile", "class_representatives", "stratified_sample", "read_checkpoint",
           "read_checkpoint_rounds"]

SPACES = ("nb201",)
MANIFEST = "manifest.json"


def class_representatives() -> list[str]:
    """The 6,466 NB201 class representatives (smallest-key members), as 6-digit strings."""
    from nasbench.spaces import get_space

    space = get_space("nb201")
    reps = np.unique(space.isomorphism_classes())
    return [space.to_index_string(space.from_key(int(k))) for k in reps]


def stratified_sample(cells: Sequence[str], n: int, seed: int | None) -> list[str]:
    """Draw about ``n`` cells stratified by (#3x3 convs, #1x1 convs), at least one per stratum.

    Proportional allocation; the result is shuffled so any prefix is itself spread out.
    """
    rng = np.random.default_rng(seed)
    strata: dict[tuple[int, int], list[str]] = {}
    for cell in cells:
        strata.setdefault((cell.count("3"), cell.count("2")), []).append(cell)
    picked: list[str] = []
    for key in sorted(strata):
        members = strata[key]
        take = min(len(members), max(1, round(n * len(members) / len(cells))))
        picked.extend(rng.choice(members, size=take, replace=False).tolist())
    return [picked[i] for i in rng.permutation(len(picked))]


def _plan(
    sample: int | None, repeat_cells: int, seed: int | None, rounds: int = 1
) -> list[tuple[int, int, str]]:
    """``(round, pass, cell)`` visits: each round visits every cell (pass 1), then the repeat
    subset (pass 2), so both passes of a cell are medians over visits spread over the run."""
    cells = class_representatives()
    if sample is not None:
        cells = stratified_sample(cells, sample, seed)
    rng = np.random.default_rng(None if seed is None else seed + 1)
    repeat = rng.choice(cells, size=min(repeat_cells, len(cells)), replace=False).tolist()
    return [(r, p, c) for r in range(1, rounds + 1)
            for p, part in ((1, cells), (2, repeat)) for c in part]


def _plan_label(r: int, p: int, c: str) -> str:
    return f"{p}:{c}" if r == 1 else f"{r}.{p}:{c}"


def _check_manifest(out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Create the manifest, or check that a resumed job has the same settings and plan.

    Every start (first or resumed) is appended to ``fingerprint.sessions`` (date, parallel
    jobs, load), so a table assembled from a job resumed under other conditions says so.
    """
    path = out / MANIFEST
    manifest = json.loads(json.dumps(manifest))  # tuples -> lists, as read back from disk
    fp = manifest["fingerprint"]
    session = {k: fp.get(k) for k in ("date_utc", "parallel_jobs", "load_1min_at_start")}
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        fp["sessions"] = [session]
        _atomic_json(path, manifest)
        return manifest
    old = json.loads(path.read_text())
    for key in ("settings", "plan"):
        if old.get(key) != manifest[key]:
            raise StoreError(
                f"Checkpoint {out} was made with other {key} ({old.get(key)!r:.200}); "
                "use a new --out folder or the same settings to resume."
            )
    old_fp = old.setdefault("fingerprint", {})
    old_fp.setdefault("sessions", []).append(session)
    _atomic_json(path, old)
    return old


def _atomic_json(path: Path, obj: dict[str, Any]) -> None:
    from nasbench.store import atomic_write

    atomic_write(path, json.dumps(obj, indent=2))


def _pin(cpu: int | None) -> None:
    """Pin the worker process to one CPU (Linux), so parallel workers do not swap cores."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _worker_start(cpu: int | None, parent_pid: int) -> None:
    """Worker initializer: pin, and exit with the parent (the harness's watchdog)."""
    from nasbench.harness._runner import worker_init

    worker_init(parent_pid)
    _pin(cpu)


def _run_chunk(
    cells: list[str], settings: dict[str, Any], cpu: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """``(rows, failed)``: failed when the worker died or raised, or no cell was measured;
    a failed chunk is saved as ``failed_NNNNN.parquet`` and retried on resume."""
    ctx = get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_worker_start,
                                 initargs=(cpu, os.getpid())) as pool:
            rows = pool.submit(measure_chunk, cells, settings).result()
    except (BrokenProcessPool, OSError) as exc:
        message = f"worker died: {exc!r}"[:300]
        return [{"cell": c, "metric": "error", "error": message} for c in cells], True
    except Exception as exc:  # raised inside the worker (bad settings, CUDA errors)
        message = f"chunk failed: {type(exc).__name__}: {exc}"[:300]
        return [{"cell": c, "metric": "error", "error": message} for c in cells], True
    return rows, all(r.get("metric") == "error" for r in rows)


def _write_chunk(path: Path, rows: list[dict[str, Any]], round_id: int, pass_id: int) -> None:
    import pandas as pd

    df = pd.DataFrame(rows)
    df["pass"] = pass_id
    df["round"] = round_id
    from nasbench.store import atomic_path

    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


class ProfileUsageError(NasbenchError, ValueError):
    """Invalid ``profile`` settings, or nothing to profile with (no PyTorch, no GPU)."""


def _check_settings(device: str, batch_sizes: Sequence[int], sample: int | None,
                    seed: int | None, threads: int, warmup: int, repeats: int, rounds: int,
                    jobs: int, repeat_cells: int, chunk_size: int,
                    time_limit: float | None) -> None:
    import math

    def whole(name: str, value: Any, low: int, high: int = 2**31 - 1) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or not low <= value <= high:
            raise ProfileUsageError(f"{name} must be an int from {low} to {high:,}. Got "
                                    f"{value!r:.60}.")

    whole("threads", threads, 1, 4096)
    whole("warmup", warmup, 0, 100_000)
    whole("repeats", repeats, 1, 100_000)
    whole("rounds", rounds, 1, 10_000)
    whole("jobs", jobs, 1, 4096)
    whole("repeat_cells", repeat_cells, 0, 1_000_000)
    whole("chunk_size", chunk_size, 1, 1_000_000)
    if sample is not None:
        whole("sample", sample, 1, 1_000_000)
    if seed is not None:
        whole("seed", seed, 0, 2**32 - 1)
    if not batch_sizes:
        raise ProfileUsageError("batch_sizes needs at least one size.")
    for b in batch_sizes:
        whole("batch size", b, 1, 65_536)
    if time_limit is not None and not (isinstance(time_limit, (int, float))
                                       and math.isfinite(time_limit) and time_limit > 0):
        raise ProfileUsageError(f"time_limit must be a positive number of seconds. Got "
                                f"{time_limit!r:.60}.")
    if not (device in ("cpu", "cuda") or (device.startswith("cuda:")
                                           and device[5:].isdigit())):
        raise ProfileUsageError(f"device must be cpu, cuda or cuda:<i>. Got {device!r:.60}.")
    try:
        import torch
    except ImportError:
        raise ProfileUsageError("Profiling needs PyTorch: pip install torch (or "
                                "pip install nasbench[hardware]).") from None
    if device != "cpu" and not torch.cuda.is_available():
        raise ProfileUsageError(f"device {device!r} asked for, but PyTorch sees no CUDA "
                                "device here; use --device cpu.")


def _cpus(jobs: int) -> list[int | None]:
    """One CPU per parallel job (from this process's affinity set); None: do not pin."""
    if jobs == 1 or not hasattr(os, "sched_getaffinity"):
        return [None] * jobs
    available = sorted(os.sched_getaffinity(0))
    if jobs > len(available):
        raise ValueError(f"jobs={jobs} exceeds the {len(available)} CPUs available")
    return list(available[-jobs:])


def _eta(done: int, total: int, elapsed: float) -> str:
    if done == 0:
        return "?"
    return time.strftime("%H:%M:%S", time.gmtime(elapsed / done * (total - done)))


def profile(
    space: str = "nb201",
    *,
    out: str | Path,
    device: str = "cpu",
    batch_sizes: Sequence[int] = (1,),
    sample: int | None = None,
    seed: int | None = 0,
    threads: int = 1,
    warmup: int = 3,
    repeats: int = 15,
    rounds: int = 1,
    jobs: int = 1,
    repeat_cells: int = 0,
    chunk_size: int = 100,
    dataset: str = "cifar10",
    energy_window: float = 1.0,
    time_limit: float | None = None,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Measure latency (and energy where a counter exists) of NB201 class representatives.

    Args:
        out: checkpoint folder (created); re-running with it resumes.
        device: ``"cpu"`` or ``"cuda"``/``"cuda:i"`` (CUDA events time the GPU).
        batch_sizes: images per forward pass.
        sample: profile a stratified sample of about this many classes (None: all 6,466).
        seed: seeds the sample and the repeat subset.
        threads: torch intra-op threads (fixed for the whole job).
        warmup, repeats: untimed and timed forward passes per visit of a cell.
        rounds: visit the whole plan this many times (minutes apart on a full profile); the
            reported value is the median over rounds, robust to a slow spell of the machine.
        jobs: chunks measured at once, each worker pinned to its own CPU (CPU profiling on
            a machine with spare cores; the fingerprint records it). Use 1 for a GPU.
        repeat_cells: this many cells are measured again at the end (``pass`` 2) to report
            repeatability.
        chunk_size: cells per worker process and per checkpoint file.
        energy_window: seconds of repeated inference per energy reading (RAPL/NVML only).
        time_limit: stop starting new chunks after this many seconds (resume later).
        log: progress sink (default: stderr).

    Returns:
        DataFrame of every row measured so far, columns ``cell, pass, batch_size, metric,
        value, q25, q75, min, max, n, window_s, error``; latency in seconds and energy in joules
        per forward pass of the whole batch. The fingerprint is in ``<out>/manifest.json``.
    """
    if space not in SPACES:
        raise UnknownSpaceError(unknown_choice_message("hardware space", space, SPACES))
    write = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    settings = MeasureSettings(device, dataset, tuple(int(b) for b in batch_sizes), threads,
                               warmup, repeats, energy_window, 0 if seed is None else seed,
                               rounds)
    _check_settings(device, batch_sizes, sample, seed, threads, warmup, repeats, rounds, jobs,
                    repeat_cells, chunk_size, time_limit)
    plan = _plan(sample, repeat_cells, seed, rounds)
    out = Path(out)
    _check_manifest(out, {"space": space, "settings": settings.to_dict(),
                          "plan": [_plan_label(*v) for v in plan],
                          "fingerprint": {**device_fingerprint(device, threads),
                                          "parallel_jobs": jobs}})
    chunks = [
        part[i:i + chunk_size]
        for part in ([v for v in plan if v[:2] == (r, p)]
                     for r in range(1, rounds + 1) for p in (1, 2))
        for i in range(0, len(part), chunk_size)
    ]
    todo = [(i, chunk) for i, chunk in enumerate(chunks)
            if not (out / f"chunk_{i:05d}.parquet").exists()]
    done_before = len(plan) - sum(len(chunk) for _, chunk in todo)
    start, measured = time.perf_counter(), 0
    cpus = _cpus(jobs)
    lock = threading.Lock()
    failed: list[int] = []
    crashed: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            _work(slot)
        except BaseException as exc:  # re-raised in the calling thread
            with lock:
                crashed.append(exc)
                todo.clear()

    def _work(slot: int) -> None:
        nonlocal measured
        while True:
            with lock:
                if not todo or crashed:
                    return
                if time_limit is not None and time.perf_counter() - start > time_limit:
                    todo.clear()
                    write(f"[profile] time limit reached; resume with the same --out {out}")
                    return
                i, chunk = todo.pop(0)
            rows, bad = _run_chunk([c for _, _, c in chunk], settings.to_dict(), cpus[slot])
            name = f"failed_{i:05d}.parquet" if bad else f"chunk_{i:05d}.parquet"
            _write_chunk(out / name, rows, chunk[0][0], chunk[0][1])
            if not bad:
                (out / f"failed_{i:05d}.parquet").unlink(missing_ok=True)
            with lock:
                if bad:
                    failed.append(i)
                    write(f"[profile] chunk {i} failed ({rows[0].get('error', '')!s:.150}); "
                          "rerun with the same --out to retry it")
                measured += len(chunk)
                done = done_before + measured
                elapsed = time.perf_counter() - start
                write(f"[profile] {done}/{len(plan)} cells, {elapsed:.0f}s elapsed, "
                      f"ETA {_eta(measured, len(plan) - done_before, elapsed)}")

    # daemon: on Ctrl-C the main thread raises and the process exits; the chunk workers
    # then exit with it (watchdog), and the same command resumes.
    threads_ = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(jobs)]
    for t in threads_:
        t.start()
    for t in threads_:
        t.join()
    if crashed:
        raise crashed[0]
    if failed:
        write(f"[profile] {len(failed)} of {len(chunks)} chunks failed; rerun with the same "
              f"--out {out} to retry them")
    return read_checkpoint(out)


def read_checkpoint(out: str | Path) -> pd.DataFrame:
    """All rows of the chunks in a checkpoint folder; rounds merged.

    With several rounds a cell's row is the median over its rounds of ``value``, ``q25`` and
    ``q75``, the extremes over rounds, ``n`` summed, ``load_1min`` the highest seen, and
    ``rounds`` the number of rounds measured; the per-round rows are
    :func:`read_checkpoint_rounds`.
    """
    import pandas as pd

    raw = read_checkpoint_rounds(out)
    if raw.empty or raw["round"].max() <= 1:
        return raw.drop(columns=["round"], errors="ignore")
    errors = raw[raw["metric"] == "error"]
    ok = raw[raw["metric"] != "error"]
    keys = ["cell", "pass", "batch_size", "metric"]
    agg = {"value": "median", "q25": "median", "q75": "median", "min": "min", "max": "max",
           "n": "sum", "load_1min": "max", "window_s": "sum", "round": "nunique"}
    merged = ok.groupby(keys, sort=False).agg(
        {k: v for k, v in agg.items() if k in ok}).reset_index()
    merged = merged.rename(columns={"round": "rounds"})
    if errors.empty:
        return merged
    return pd.concat([merged, errors.drop(columns=["round"])], ignore_index=True)


def read_checkpoint_rounds(out: str | Path) -> pd.DataFrame:
    """Every row of every chunk in a checkpoint folder, one row per visit, in chunk order
    (then the error rows of failed chunks that no rerun has measured yet)."""
    import pandas as pd

    done = sorted(Path(out).glob("chunk_*.parquet"))
    names = {f.name for f in done}
    failed = [f for f in sorted(Path(out).glob("failed_*.parquet"))
              if f.name.replace("failed_", "chunk_") not in names]
    files = done + failed  # a failed chunk's error rows until a rerun measures it
    if not files:
        return pd.DataFrame(columns=["cell", "pass", "batch_size", "metric", "value"])
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if "round" not in df:
        df["round"] = 1
    return df
