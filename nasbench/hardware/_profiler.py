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
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import StoreError, UnknownSpaceError, unknown_choice_message
from nasbench.hardware._fingerprint import device_fingerprint
from nasbench.hardware._measure import MeasureSettings, measure_chunk

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["profile", "class_representatives", "stratified_sample"]

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


def _plan(sample: int | None, repeat_cells: int, seed: int | None) -> list[tuple[int, str]]:
    cells = class_representatives()
    if sample is not None:
        cells = stratified_sample(cells, sample, seed)
    rng = np.random.default_rng(None if seed is None else seed + 1)
    repeat = rng.choice(cells, size=min(repeat_cells, len(cells)), replace=False).tolist()
    return [(1, c) for c in cells] + [(2, c) for c in repeat]


def _check_manifest(out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    path = out / MANIFEST
    manifest = json.loads(json.dumps(manifest))  # tuples -> lists, as read back from disk
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=2))
        return manifest
    old = json.loads(path.read_text())
    for key in ("settings", "plan"):
        if old.get(key) != manifest[key]:
            raise StoreError(
                f"Checkpoint {out} was made with other {key} ({old.get(key)!r:.200}); "
                "use a new --out folder or the same settings to resume."
            )
    return old


def _run_chunk(cells: list[str], settings: dict[str, Any]) -> list[dict[str, Any]]:
    ctx = get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            return pool.submit(measure_chunk, cells, settings).result()
    except (BrokenProcessPool, OSError) as exc:
        message = f"worker died: {exc!r}"[:300]
        return [{"cell": c, "metric": "error", "error": message} for c in cells]


def _write_chunk(path: Path, rows: list[dict[str, Any]], pass_id: int) -> None:
    import pandas as pd

    df = pd.DataFrame(rows)
    df["pass"] = pass_id
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


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
        warmup, repeats: untimed and timed forward passes per cell and batch size.
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
                               warmup, repeats, energy_window, 0 if seed is None else seed)
    plan = _plan(sample, repeat_cells, seed)
    out = Path(out)
    _check_manifest(out, {"space": space, "settings": settings.to_dict(),
                          "plan": [f"{p}:{c}" for p, c in plan],
                          "fingerprint": device_fingerprint(device, threads)})
    chunks = [
        part[i:i + chunk_size]
        for part in ([x for x in plan if x[0] == 1], [x for x in plan if x[0] == 2])
        for i in range(0, len(part), chunk_size)
    ]
    start, measured = time.perf_counter(), 0
    for i, chunk in enumerate(chunks):
        path = out / f"chunk_{i:05d}.parquet"
        if path.exists():
            continue
        if time_limit is not None and time.perf_counter() - start > time_limit:
            write(f"[profile] time limit reached; resume with the same --out {out}")
            break
        rows = _run_chunk([c for _, c in chunk], settings.to_dict())
        _write_chunk(path, rows, chunk[0][0])
        measured += len(chunk)
        done = sum(len(c) for j, c in enumerate(chunks)
                   if (out / f"chunk_{j:05d}.parquet").exists())
        elapsed = time.perf_counter() - start
        remaining = len(plan) - done
        write(f"[profile] {done}/{len(plan)} cells, {elapsed:.0f}s elapsed, "
              f"ETA {_eta(measured, measured + remaining, elapsed)}")
    return read_checkpoint(out)


def read_checkpoint(out: str | Path) -> pd.DataFrame:
    """All rows of the chunks in a checkpoint folder, in chunk order."""
    import pandas as pd

    files = sorted(Path(out).glob("chunk_*.parquet"))
    if not files:
        return pd.DataFrame(columns=["cell", "pass", "batch_size", "metric", "value"])
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
