"""Measure latency (and energy, where a counter exists) of NB201 networks: the worker side.

:func:`measure_chunk` runs in a fresh worker process per chunk (see ``_profiler``); it imports
torch, builds each network, and returns plain dict rows.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from nasbench.hardware._counters import EnergyCounter, energy_counter
from nasbench.hardware._nb201 import dataset_shape

__all__ = ["MeasureSettings", "measure_chunk", "latency_summary"]


@dataclass(frozen=True)
class MeasureSettings:
    """How one cell is measured (all times in seconds).

    A visit runs ``warmup`` untimed and ``repeats`` timed passes. ``rounds`` is used by the
    profiler: the whole plan is visited that many times, minutes apart, and the reported
    value is the median over rounds (a slow spell of a shared machine hits one round).
    """

    device: str = "cpu"
    dataset: str = "cifar10"
    batch_sizes: tuple[int, ...] = (1,)
    threads: int = 1
    warmup: int = 3
    repeats: int = 15
    energy_window: float = 1.0
    seed: int = 0
    rounds: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latency_summary(times: list[float]) -> dict[str, float]:
    """Median, quartiles and extremes (seconds) of repeated timings."""
    s = sorted(times)
    q = statistics.quantiles(s, n=4, method="inclusive") if len(s) > 1 else [s[0]] * 3
    return {"value": q[1], "q25": q[0], "q75": q[2], "min": s[0], "max": s[-1]}


def _timer(torch: Any, device: str) -> Callable[[Callable[[], Any]], float]:
    if device.startswith("cuda"):

        def cuda_once(fn: Callable[[], Any]) -> float:
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            return float(start.elapsed_time(end)) / 1000.0

        return cuda_once

    def host_once(fn: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return host_once


def _host_times(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and calling-thread CPU seconds of one call.

    With one torch thread the forward pass runs on the calling thread, so its CPU time is
    the compute the pass needs, without the time the thread spent descheduled by other
    processes: on a shared machine it ranks cells far more reliably than wall-clock time.
    """
    w0, c0 = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - w0, time.thread_time() - c0


def _energy_rows(
    fn: Callable[[], Any], sync: Callable[[], None], per_call: float, counter: EnergyCounter,
    window: float,
) -> dict[str, float]:
    n_iter = max(10, math.ceil(window / max(per_call, 1e-6)))
    sync()
    e0, t0 = counter.read(), time.perf_counter()
    for _ in range(n_iter):
        fn()
    sync()
    e1, t1 = counter.read(), time.perf_counter()
    return {"value": (e1 - e0) / n_iter, "n": n_iter, "window_s": t1 - t0}


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def measure_chunk(cells: list[str], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Measure each cell (6-digit strings) at every batch size; one error row per failed cell.

    Returns rows with keys ``cell, batch_size, metric, value, q25, q75, min, max, n,
    window_s, load_1min, error``; latency in seconds and energy in joules per forward pass of
    the batch; ``load_1min`` is the host's 1-minute load average when the cell was timed.
    """
    import torch

    from nasbench.hardware._network import build_network

    cfg = MeasureSettings(**{**settings, "batch_sizes": tuple(settings["batch_sizes"])})
    torch.set_num_threads(cfg.threads)
    num_classes, size = dataset_shape(cfg.dataset)
    gen = torch.Generator().manual_seed(cfg.seed)
    inputs = {
        b: torch.randn(b, 3, size, size, generator=gen).to(cfg.device) for b in cfg.batch_sizes
    }
    once = _timer(torch, cfg.device)
    on_gpu = cfg.device.startswith("cuda")
    sync = torch.cuda.synchronize if on_gpu else (lambda: None)
    counter = energy_counter(cfg.device)
    rows: list[dict[str, Any]] = []
    for cell in cells:
        try:
            model = build_network(cell, num_classes).eval().to(cfg.device)
            with torch.inference_mode():
                for b in cfg.batch_sizes:
                    x = inputs[b]

                    def fn(model: Any = model, x: Any = x) -> Any:
                        return model(x)

                    for _ in range(cfg.warmup):
                        fn()
                    sync()
                    if on_gpu:
                        lat = latency_summary([once(fn) for _ in range(cfg.repeats)])
                    else:
                        wall, cpu = zip(*(_host_times(fn) for _ in range(cfg.repeats)))
                        lat = latency_summary(list(wall))
                        rows.append({"cell": cell, "batch_size": b, "metric": "cpu_time",
                                     **latency_summary(list(cpu)), "n": cfg.repeats,
                                     "load_1min": _load()})
                    rows.append({"cell": cell, "batch_size": b, "metric": "latency", **lat,
                                 "n": cfg.repeats, "load_1min": _load()})
                    if counter is not None:
                        e = _energy_rows(fn, sync, lat["value"], counter, cfg.energy_window)
                        rows.append({"cell": cell, "batch_size": b, "metric": "energy", **e})
        except Exception as exc:  # a failing cell is recorded, the chunk goes on
            rows.append({"cell": cell, "metric": "error", "error": repr(exc)[:300]})
    return rows
