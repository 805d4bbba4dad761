"""Proxy tables of NB201 isomorphism classes: a resumable job, and the shipped table.

:func:`compute_table` follows the profiler's pattern (:mod:`nasbench.hardware._profiler`):
the plan (class representatives, all or a stratified sample) is cut into chunks; each chunk
runs in a fresh worker process (one torch thread) and is written to
``<out>/chunk_NNNNN.parquet`` when it ends; re-running with the same ``out`` and settings
skips the chunks on disk; progress and an ETA go to stderr; ``<out>/manifest.json`` holds the
settings, the plan and the machine fingerprint (every resumed session appended).

The shipped table (``nasbench/data/proxies/nb201_proxies.parquet``, see :func:`proxy_table`)
has one row per (variant dataset, class representative, proxy): ``space, dataset, arch, cell,
proxy, value, input, batch_size, seed, time_s, fingerprint``. :func:`proxy_lookup` spreads a
proxy to every cell of each class (``propagated`` where the value comes from the
representative).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.proxies._meta import DATA_FREE, SYNTHETIC_BATCH_SIZE, ProxyError, check_proxies

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compute_table", "read_table_checkpoint", "proxy_table", "proxy_lookup",
           "TABLE_PATH", "assemble_table"]

TABLE_PATH = Path(__file__).resolve().parents[1] / "data" / "proxies" / "nb201_proxies.parquet"
_VARIANTS = ("cifar10", "cifar100", "imagenet16-120")


def proxy_chunk(cells: list[str], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Worker side: score each cell; one row per (cell, proxy), error rows for failures."""
    import torch

    from nasbench.proxies._inputs import synthetic_batch
    from nasbench.proxies._measures import compute_proxies

    torch.set_num_threads(int(settings["threads"]))
    batch = synthetic_batch(settings["dataset"], settings["batch_size"], settings["seed"])
    rows: list[dict[str, Any]] = []
    for cell in cells:
        for group in settings["groups"]:
            timings: dict[str, float] = {}
            try:
                values = compute_proxies(cell, group, batch, dataset=settings["dataset"],
                                         seed=settings["seed"], timings=timings,
                                         allow_synthetic_labels=settings["synthetic_labels"])
            except ProxyError as exc:
                rows.extend({"cell": cell, "proxy": p, "value": np.nan, "time_s": np.nan,
                             "error": str(exc)[:300]} for p in group)
                continue
            spent = sum(timings.values())
            rows.extend({"cell": cell, "proxy": p, "value": v, "time_s": spent, "error": None}
                        for p, v in values.items())
    return rows


def _run_chunk(cells: list[str], settings: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The chunk's rows from a fresh worker process; None if the worker died (the chunk is
    not written, so a resumed job tries it again)."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            return pool.submit(proxy_chunk, cells, settings).result()
    except (BrokenProcessPool, OSError):
        return None


def _groups(proxies: tuple[str, ...]) -> list[list[str]]:
    from nasbench.proxies._measures import GROUPS

    return [[p for p in g if p in proxies] for g in GROUPS if any(p in proxies for p in g)]


def compute_table(
    out: str | Path,
    proxies: str | Sequence[str] = DATA_FREE,
    *,
    dataset: str = "cifar10",
    sample: int | None = None,
    seed: int = 0,
    batch_size: int = SYNTHETIC_BATCH_SIZE,
    allow_synthetic_labels: bool = False,
    threads: int = 1,
    chunk_size: int = 50,
    time_limit: float | None = None,
    workers: int = 1,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Score NB201 class representatives with ``proxies`` on the seeded Gaussian batch.

    Args:
        out: checkpoint folder (created); re-running with it resumes.
        proxies: proxy names; default the data-free ones.
        dataset: network variant (classifier width and image size) and batch shape.
        sample: a stratified sample of about this many classes (by #3x3 and #1x1 convs, as
            the profiler draws it; shuffled, so any finished prefix is spread out);
            None: all 6,466.
        seed: seeds the networks, the batch and the sample.
        allow_synthetic_labels: needed for the label proxies (random labels; see
            :func:`~nasbench.proxies.compute_proxies`).
        time_limit: stop starting new chunks after this many seconds (resume later).
        workers: chunks scored at once, each in its own process of ``threads`` torch
            threads (recorded as ``parallel_jobs`` in the fingerprint: timings measured with
            other workers on the machine are not the timings of a quiet one).

    Returns:
        Every row computed so far (:func:`read_table_checkpoint`).
    """
    from nasbench.hardware._fingerprint import device_fingerprint
    from nasbench.hardware._profiler import (
        _check_manifest,
        _eta,
        class_representatives,
        stratified_sample,
    )

    write = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    names = check_proxies(list(proxies) if not isinstance(proxies, str) else proxies)
    cells = class_representatives()
    if sample is not None:
        cells = stratified_sample(cells, sample, seed)
    settings = {"proxies": list(names), "groups": _groups(names), "dataset": dataset,
                "seed": int(seed), "batch_size": int(batch_size), "threads": int(threads),
                "synthetic_labels": bool(allow_synthetic_labels), "sample": sample}
    out = Path(out)
    _check_manifest(out, {"space": "nb201", "settings": settings, "plan": cells,
                          "fingerprint": {**device_fingerprint("cpu", threads),
                                          "parallel_jobs": int(workers)}})
    if workers < 1:
        raise ProxyError(f"workers must be at least 1; got {workers}.")
    chunks = [cells[i:i + chunk_size] for i in range(0, len(cells), chunk_size)]
    todo = [(i, c) for i, c in enumerate(chunks) if not (out / f"chunk_{i:05d}.parquet").exists()]
    before = len(cells) - sum(len(c) for _, c in todo)
    start, done = time.perf_counter(), 0
    attempts = {i: 0 for i, _ in todo}
    import pandas as pd

    # Threads only wait: each chunk runs in its own spawned process (_run_chunk).
    with ThreadPoolExecutor(max_workers=int(workers)) as pool:
        running: dict[Future[Any], tuple[int, list[str]]] = {}
        stopped = False
        while todo or running:
            while todo and len(running) < workers and not stopped:
                if time_limit is not None and time.perf_counter() - start > time_limit:
                    write(f"[proxies] time limit reached; resume with the same out {out}")
                    stopped = True
                    break
                i, chunk = todo.pop(0)
                running[pool.submit(_run_chunk, chunk, settings)] = (i, chunk)
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                i, chunk = running.pop(fut)
                rows = fut.result()
                if rows is None:
                    attempts[i] += 1
                    if attempts[i] < 3:
                        todo.append((i, chunk))  # retried after the others
                    write(f"[proxies] worker died on chunk {i} (try {attempts[i]} of 3); "
                          "not written")
                    continue
                path = out / f"chunk_{i:05d}.parquet"
                pd.DataFrame(rows).astype({"value": "float64", "time_s": "float64"}).to_parquet(
                    path.with_suffix(".tmp"), index=False)
                path.with_suffix(".tmp").replace(path)
                done += len(chunk)
                elapsed = time.perf_counter() - start
                write(f"[proxies] {before + done}/{len(cells)} cells, {elapsed:.0f}s elapsed, "
                      f"ETA {_eta(done, len(cells) - before, elapsed)}")
    return read_table_checkpoint(out)


def read_table_checkpoint(out: str | Path) -> pd.DataFrame:
    """Every row of the chunks in a :func:`compute_table` folder, in chunk order."""
    import pandas as pd

    files = sorted(Path(out).glob("chunk_*.parquet"))
    if not files:
        return pd.DataFrame(columns=["cell", "proxy", "value", "time_s", "error"])
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def assemble_table(folders: Sequence[str | Path]) -> pd.DataFrame:
    """The shipped long table from :func:`compute_table` folders (error rows kept, value
    NaN, so coverage and failures are both visible)."""
    import pandas as pd

    from nasbench.spaces import get_space

    space = get_space("nb201")
    parts = []
    for folder in folders:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        s = manifest["settings"]
        df = read_table_checkpoint(folder)
        labels = " with random labels" if s["synthetic_labels"] else ""
        df["input"] = [
            "none" if p in DATA_FREE and p != "synflow" else
            ("all-ones image (data-free)" if p == "synflow" else
             f"synthetic N(0,1) seed={s['seed']} batch={s['batch_size']}"
             + (labels if p in ("snip", "grad_norm", "grasp", "fisher") else ""))
            for p in df["proxy"]]
        df["space"], df["dataset"] = "nb201", s["dataset"]
        df["batch_size"], df["seed"] = s["batch_size"], s["seed"]
        df["fingerprint"] = json.dumps({**manifest["fingerprint"], "settings": s},
                                       sort_keys=True)
        df["cell"] = df["cell"].astype(str).str.zfill(6)
        df["arch"] = [space.to_string(space.parse(c)) for c in df["cell"]]
        parts.append(df)
    cols = ["space", "dataset", "arch", "cell", "proxy", "value", "input", "batch_size", "seed",
            "time_s", "error", "fingerprint"]
    out = pd.concat(parts, ignore_index=True)[cols]
    # a cell scored by two jobs (a sample, then the full run) is kept once, and only if both
    # gave the same value (same inputs: deterministic on CPU)
    by = ["dataset", "cell", "proxy"]
    dup = out.duplicated(by, keep=False)
    if dup.any():
        same = out[dup].groupby(by)["value"].agg(lambda v: v.nunique(dropna=False) == 1)
        if not same.all():
            d, c, p = same.index[~same.to_numpy()][0]
            raise ProxyError(f"Two checkpoint folders scored {p} of cell {c} ({d}) "
                             "differently; assemble folders made with the same inputs.")
        out = out[~out.duplicated(by, keep="first")]
    return out.astype({"batch_size": "int64", "seed": "int64"}).reset_index(drop=True)


def proxy_table(path: str | Path = TABLE_PATH) -> pd.DataFrame:
    """Our precomputed NB201 proxy table (long form, class representatives only)."""
    import pandas as pd

    if not Path(path).exists():
        return pd.DataFrame(columns=["space", "dataset", "arch", "cell", "proxy", "value"])
    return pd.read_parquet(path)


def proxy_lookup(proxy: str, dataset: str = "cifar10",
                 table: pd.DataFrame | None = None) -> np.ndarray:
    """``proxy`` for every NB201 cell, indexed by arch key (shape (15625,), NaN where the
    class was not computed or failed): each class representative's value spread to its
    class. A plain array keyed by arch, so it can be handed to an optimizer or a predictor.
    """
    from nasbench.spaces import get_space

    check_proxies(proxy)
    key = dataset.lower()
    if key not in _VARIANTS:
        raise ProxyError(f"Unknown NB201 dataset {dataset!r}; valid: {_VARIANTS}.")
    df = proxy_table() if table is None else table
    sel = df[(df["proxy"] == proxy) & (df["dataset"] == key)]
    space = get_space("nb201")
    out = np.full(5**6, np.nan)
    if sel.empty:
        return out
    reps = space.isomorphism_classes()
    rep_value = np.full(5**6, np.nan)
    rep_value[space.keys(sel["cell"].tolist())] = sel["value"].to_numpy(dtype=float)
    out[:] = rep_value[reps]
    return out
