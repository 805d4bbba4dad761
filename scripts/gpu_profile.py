"""Profile NAS-Bench-201 networks on one device: latency (and NVML energy on NVIDIA GPUs).

Runs standalone where only python3 and torch exist (the lent GPU machine): it loads
``nasbench/hardware/_nb201.py`` and ``_network.py`` from this checkout without importing the
``nasbench`` package (whose ``__init__`` needs numpy and DuckDB).

What it does, inside a hard time limit (``--time-limit`` seconds, checked before every unit
of work, so it always finishes and writes its files):

1. fingerprint (GPU, driver, torch, CUDA, cuDNN, CPU, date) -> ``fingerprint.json``;
2. idle power from NVML's total-energy counter over ``--idle`` seconds (GPU context open,
   nothing running);
3. a stratified sample of isomorphism classes (strata = number of 3x3 and 1x1 convs;
   proportional allocation, at least one per stratum); one representative cell per class;
4. latency per cell at each batch size: warm-up forwards, then ``--repeats`` forwards each
   timed alone with CUDA events (host clock on CPU) -> ``latency.csv`` (one row per cell and
   batch size: median, quartiles, min, max in seconds);
5. a second latency pass over a random subset, later in the run, to measure repeatability;
6. energy on a prefix of the (shuffled) sample: repeated inference for ``--energy-window``
   seconds between two reads of the energy counter (mJ), so one window spans many counter
   updates -> ``energy.csv`` with total and above-idle joules per forward pass.

Rows are flushed as they are measured. Example (device machine)::

    python3 scripts/gpu_profile.py --out "$OUT" --time-limit 400
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import datetime as _dt
import importlib
import json
import math
import os
import platform
import random
import statistics
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _load_modules() -> tuple[Any, Any, Any]:
    """Import the hardware and isomorphism modules by path, bypassing ``nasbench/__init__``.

    Needs torch and numpy only (the package ``__init__`` would also import DuckDB).
    """
    base = ROOT / "nasbench"
    for name, folder in (("nasbench", base), ("nasbench.hardware", base / "hardware"),
                         ("nasbench.spaces", base / "spaces")):
        if name not in sys.modules:
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(folder)]
            sys.modules[name] = pkg
    return (
        importlib.import_module("nasbench.hardware._nb201"),
        importlib.import_module("nasbench.hardware._network"),
        importlib.import_module("nasbench.spaces._nb201_iso"),
    )


# ---------------------------------------------------------------- NVML through ctypes


class Nvml:
    """Minimal NVML reader: total energy (mJ since driver load) and power (mW)."""

    def __init__(self, index: int = 0) -> None:
        self.lib = ctypes.CDLL("libnvidia-ml.so.1")
        self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
        self.handle = ctypes.c_void_p()
        self._check(
            self.lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(self.handle)),
            "nvmlDeviceGetHandleByIndex_v2",
        )

    @staticmethod
    def _check(rc: int, what: str) -> None:
        if rc != 0:
            raise RuntimeError(f"{what} returned NVML error {rc}")

    def energy_mj(self) -> int:
        value = ctypes.c_ulonglong()
        self._check(
            self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(value)),
            "nvmlDeviceGetTotalEnergyConsumption",
        )
        return int(value.value)

    def power_mw(self) -> int:
        value = ctypes.c_uint()
        self._check(self.lib.nvmlDeviceGetPowerUsage(self.handle, ctypes.byref(value)), "power")
        return int(value.value)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        buf = ctypes.create_string_buffer(96)
        if self.lib.nvmlSystemGetDriverVersion(buf, 96) == 0:
            out["driver"] = buf.value.decode()
        limit = ctypes.c_uint()
        if self.lib.nvmlDeviceGetPowerManagementLimit(self.handle, ctypes.byref(limit)) == 0:
            out["power_limit_w"] = limit.value / 1000.0
        for key, clock_type in (("sm_clock_max_mhz", 1), ("mem_clock_max_mhz", 2)):
            clock = ctypes.c_uint()
            rc = self.lib.nvmlDeviceGetMaxClockInfo(self.handle, clock_type, ctypes.byref(clock))
            if rc == 0:
                out[key] = clock.value
        return out

    def counter_update_interval(self, seconds: float) -> float:
        """Mean seconds between changes of the energy counter, polled every 1 ms."""
        changes, last, start = 0, self.energy_mj(), time.perf_counter()
        while time.perf_counter() - start < seconds:
            now = self.energy_mj()
            if now != last:
                changes, last = changes + 1, now
            time.sleep(0.001)
        return seconds / changes if changes else math.inf


class FakeNvml:
    """Stand-in counter for testing this script without a GPU: a constant 100 W, updated
    every 100 ms like the H100's counter.

    Used only with ``--fake-energy``; its numbers are not measurements.
    """

    def energy_mj(self) -> int:
        return int(math.floor(time.perf_counter() * 10) * 10_000)

    def power_mw(self) -> int:
        return 100_000

    def info(self) -> dict[str, Any]:
        return {"fake_energy_counter": True}

    def counter_update_interval(self, seconds: float) -> float:
        return 0.1


# ---------------------------------------------------------------- sampling


def stratified_sample(iso: Any, n: int, seed: int) -> list[dict[str, Any]]:
    """Pick ``n`` NB201 isomorphism classes, stratified by (#3x3 convs, #1x1 convs); shuffled.

    Each class is represented by its smallest-key member (the space's canonical cell).
    """
    reps = [int(k) for k in iso.class_representatives("nb201")]
    sizes: dict[int, int] = {}
    for rep in reps:
        sizes[rep] = sizes.get(rep, 0) + 1
    cells = {rep: _cell_of_key(rep) for rep in sizes}
    strata: dict[tuple[int, int], list[int]] = {}
    for rep, cell in cells.items():
        strata.setdefault((cell.count(3), cell.count(2)), []).append(rep)
    rng = random.Random(seed)
    picked: list[int] = []
    for key in sorted(strata):
        members = strata[key]
        take = min(len(members), max(1, round(n * len(members) / len(sizes))))
        picked.extend(rng.sample(members, take))
    rng.shuffle(picked)
    return [
        {
            "cell": "".join(str(o) for o in cells[rep]),
            "class_size": sizes[rep],
            "n_conv3x3": cells[rep].count(3),
            "n_conv1x1": cells[rep].count(2),
        }
        for rep in picked
    ]


def _cell_of_key(key: int) -> tuple[int, ...]:
    digits = []
    for _ in range(6):
        key, d = divmod(key, 5)
        digits.append(d)
    return tuple(reversed(digits))


# ---------------------------------------------------------------- timing


class Timer:
    """Times one callable per call: CUDA events on GPU, ``perf_counter`` on CPU."""

    def __init__(self, torch: Any, device: str) -> None:
        self.torch, self.cuda = torch, device.startswith("cuda")

    def sync(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def once(self, fn: Any) -> float:
        if self.cuda:
            start = self.torch.cuda.Event(enable_timing=True)
            end = self.torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1000.0
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


class _HostEvent:
    """CPU stand-in for ``torch.cuda.Event`` (host clock), so the pipelined path runs on CPU."""

    def __init__(self, enable_timing: bool = False) -> None:
        self.t = 0.0

    def record(self) -> None:
        self.t = time.perf_counter()

    def synchronize(self) -> None:
        pass

    def elapsed_time(self, end: _HostEvent) -> float:
        return (end.t - self.t) * 1000.0


def _quantile(sorted_values: list[float], q: float) -> float:
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def latency_stats(times: list[float]) -> dict[str, float]:
    s = sorted(times)
    return {
        "median_s": statistics.median(s),
        "q25_s": _quantile(s, 0.25),
        "q75_s": _quantile(s, 0.75),
        "min_s": s[0],
        "max_s": s[-1],
    }


# ---------------------------------------------------------------- the run


class Profiler:
    def __init__(self, args: argparse.Namespace) -> None:
        import torch

        self.args, self.torch = args, torch
        self.nb201, self.network, self.iso = _load_modules()
        self.device = args.device
        self.t0 = time.perf_counter()
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.log_file = open(self.out / "log.txt", "a", buffering=1)  # noqa: SIM115
        self.nvml: Nvml | FakeNvml | None = FakeNvml() if args.fake_energy else None
        if self.device.startswith("cuda") and not args.no_energy:
            try:
                self.nvml = Nvml()
            except (OSError, RuntimeError) as exc:
                self.log(f"NVML unavailable, energy skipped: {exc}")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
        if not self.device.startswith("cuda"):
            torch.set_num_threads(args.threads)
        self.timer = Timer(torch, self.device)
        self.inputs = {
            b: torch.randn(b, 3, 32, 32, generator=torch.Generator().manual_seed(b)).to(self.device)
            for b in args.batch_sizes
        }
        self.idle_w = float("nan")

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def log(self, msg: str) -> None:
        line = f"[{self.elapsed():7.1f}s] {msg}"
        print(line, flush=True)
        self.log_file.write(line + "\n")

    def net(self, cell: str) -> Any:
        """The cell's network in eval mode, built (and initialised) on the device."""
        with self.torch.device(self.device):
            return self.network.build_network(cell, 10).eval()

    def fingerprint(self) -> dict[str, Any]:
        torch = self.torch
        fp: dict[str, Any] = {
            "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "device": self.device,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "cpu": _cpu_model(),
            "cpu_count": os.cpu_count(),
            "precision": "fp32 (TF32 off), eval mode, torch.inference_mode",
            "execution": "cuda_graph_replay" if self.args.graph else "eager",
            "cudnn_benchmark": False,
            "network": "NAS-Bench-201 CIFAR-10 (10 classes), input 3x32x32",
        }
        if self.device.startswith("cuda"):
            props = torch.cuda.get_device_properties(0)
            fp.update(
                gpu=torch.cuda.get_device_name(0),
                gpu_memory_gib=round(props.total_memory / 2**30, 1),
                sm_count=props.multi_processor_count,
                cuda=torch.version.cuda,
                cudnn=torch.backends.cudnn.version(),
            )
        else:
            fp["threads"] = self.args.threads
        if self.nvml is not None:
            fp.update(self.nvml.info())
        return fp

    def measure_idle(self, seconds: float) -> float:
        assert self.nvml is not None
        self.timer.sync()
        e0, t0 = self.nvml.energy_mj(), time.perf_counter()
        time.sleep(seconds)
        e1, t1 = self.nvml.energy_mj(), time.perf_counter()
        return (e1 - e0) / 1000.0 / (t1 - t0)

    def runner(self, model: Any, batch: int) -> Any:
        """Return a no-argument callable running one forward pass (eager or graph replay)."""
        x = self.inputs[batch]
        if not self.args.graph:
            return lambda: model(x)
        torch = self.torch
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                model(x)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(x)
        return graph.replay

    def time_cell(self, fn: Any) -> list[float]:
        for _ in range(self.args.warmup):
            fn()
        self.timer.sync()
        return [self.timer.once(fn) for _ in range(self.args.repeats)]

    def latency_pass(
        self, sample: list[dict[str, Any]], writer: Any, pass_id: int, deadline: float
    ) -> int:
        done = 0
        for i, row in enumerate(sample):
            if self.elapsed() > deadline:
                self.log(f"pass {pass_id}: deadline reached after {done} cells")
                break
            if self.prepare(row, pass_id, writer) is not None:
                done += 1
            if i % 100 == 0:
                self.log(f"pass {pass_id}: {i}/{len(sample)} cells")
        return done

    def energy_window(self, model: Any, batch: int, seconds: float) -> dict[str, float]:
        assert self.nvml is not None
        with self.torch.inference_mode():
            fn = self.runner(model, batch)
            per = statistics.median(self.time_cell(fn))
            n_iter = max(10, math.ceil(seconds / max(per, 1e-6)))
            self.timer.sync()
            e0, t0 = self.nvml.energy_mj(), time.perf_counter()
            for _ in range(n_iter):
                fn()
            self.timer.sync()
            e1, t1 = self.nvml.energy_mj(), time.perf_counter()
        joules, window = (e1 - e0) / 1000.0, t1 - t0
        return {
            "n_iter": n_iter,
            "window_s": window,
            "energy_total_j": joules,
            "mean_power_w": joules / window,
            "idle_power_w": self.idle_w,
            "energy_per_forward_j": joules / n_iter,
            "energy_above_idle_per_forward_j": (joules - self.idle_w * window) / n_iter,
            "time_per_forward_s": window / n_iter,
        }

    def energy_pass(
        self, sample: list[dict[str, Any]], writer: Any, pass_id: int, deadline: float
    ) -> int:
        done = 0
        needed = len(self.args.batch_sizes) * (self.args.energy_window + 0.3)
        for row in sample:
            if self.elapsed() + needed > deadline:
                break
            try:
                model = self.net(row["cell"])
                for batch in self.args.batch_sizes:
                    res = self.energy_window(model, batch, self.args.energy_window)
                    writer.writerow({**row, "batch_size": batch, "pass": pass_id, **res,
                                     "error": ""})
                del model
                done += 1
            except Exception as exc:
                writer.writerow({**row, "pass": pass_id, "error": repr(exc)[:200]})
        self.log(f"energy pass {pass_id}: {done} cells")
        return done

    # ------------------------------------------------------------ pipelined (edge-aligned)

    def prepare(
        self, row: dict[str, Any], pass_id: int, writer: Any
    ) -> dict[int, tuple[Any, float]] | None:
        """Build one cell on the device, capture a graph per batch size (``--graph``), time it.

        Writes the latency rows; returns ``{batch: (replay, median seconds)}`` (None after
        an error row).
        """
        try:
            model = self.net(row["cell"])
            fns = {}
            with self.torch.inference_mode():
                for batch in self.args.batch_sizes:
                    fn = self.runner(model, batch)
                    stats = latency_stats(self.time_cell(fn))
                    writer.writerow({**row, "batch_size": batch, "pass": pass_id,
                                     "n_repeats": self.args.repeats, **stats, "error": ""})
                    # the graph reads the module's weights: keep the module alive with it
                    fns[batch] = (lambda f=fn, m=model: f(), stats["median_s"])
            return fns
        except Exception as exc:  # one bad cell must not end the run
            writer.writerow({**row, "pass": pass_id, "error": repr(exc)[:200]})
            return None

    def edge_energy(
        self, items: list[tuple[dict[str, Any], tuple[Any, float]]], batch: int, periods: int,
        pass_id: int, writer: Any,
    ) -> None:
        """Energy of each item's replay, back to back, each over ``periods`` counter updates.

        A poller thread reads the energy counter continuously (an NVML read takes
        milliseconds, so reading it from the launch loop would starve the GPU) and records
        every update. The launch loop keeps about ``--queue-ms`` of replays queued, so the
        GPU never idles, and switches to the next cell at the update that ends the previous
        cell's window: every window is whole counter periods of a busy GPU. Joules per
        forward pass = window energy x (GPU seconds per replay, from CUDA events around the
        window's replays) / (window seconds, from the poller's update times).
        """
        assert self.nvml is not None
        nvml = self.nvml
        event: Any = self.torch.cuda.Event if self.device.startswith("cuda") else _HostEvent
        pending: list[Any] = []
        ticker = _Ticker(nvml, self.args.poll_ms / 1000.0)
        ticker.start()

        def step(fn: Any, depth: int) -> None:
            fn()
            ev = event()
            ev.record()
            pending.append(ev)
            if len(pending) > depth:
                pending.pop(0).synchronize()

        def depth_of(per: float) -> int:
            return max(2, math.ceil(self.args.queue_ms / 1000.0 / max(per, 1e-6)))

        try:
            first, first_per = items[0][1]
            seen = ticker.count
            give_up = time.perf_counter() + 1.0
            while ticker.count == seen:  # pre-roll on the first cell until the counter ticks
                step(first, depth_of(first_per))
                if time.perf_counter() > give_up:
                    raise RuntimeError("energy counter did not change within 1 s")
            seen, e_start, t_start = ticker.snapshot()
            for row, (fn, per_med) in items:
                depth = depth_of(per_med)
                start_ev = event(enable_timing=True)
                start_ev.record()
                n = 0
                while ticker.count < seen + periods:
                    step(fn, depth)
                    n += 1
                end_ev = event(enable_timing=True)
                end_ev.record()
                count, e_end, t_end = ticker.snapshot()
                end_ev.synchronize()
                pending.clear()
                joules, window = (e_end - e_start) / 1000.0, t_end - t_start
                gpu_s = start_ev.elapsed_time(end_ev) / 1000.0
                per = gpu_s / n
                power = joules / window
                writer.writerow({
                    **row, "batch_size": batch, "pass": pass_id, "n_iter": n,
                    "window_s": window, "periods": count - seen, "gpu_busy_s": gpu_s,
                    "energy_total_j": joules, "mean_power_w": power,
                    "idle_power_w": self.idle_w, "energy_per_forward_j": power * per,
                    "energy_above_idle_per_forward_j": (power - self.idle_w) * per,
                    "time_per_forward_s": per, "error": "",
                })
                seen, e_start, t_start = count, e_end, t_end
        finally:
            ticker.stop()

    def pipelined_pass(
        self, sample: list[dict[str, Any]], lat_w: Any, en_w: Any, pass_id: int,
        deadline: float, periods: int, b1_energy_cells: int,
    ) -> int:
        """Chunks of cells: prepare (build, capture, latency), then edge-aligned energy."""
        args, done, chunk_s = self.args, 0, 0.0
        for start in range(0, len(sample), args.chunk):
            if self.elapsed() + chunk_s > deadline:
                self.log(f"pass {pass_id}: deadline reached after {done} cells")
                break
            t0 = self.elapsed()
            ready = []
            for row in sample[start:start + args.chunk]:
                fns = self.prepare(row, pass_id, lat_w)
                if fns is not None:
                    ready.append((row, fns))
            if ready:
                for batch in sorted(args.energy_batch_sizes, reverse=True):
                    todo = [(r, f[batch]) for i, (r, f) in enumerate(ready)
                            if batch != 1 or start + i < b1_energy_cells]
                    if not todo:
                        continue
                    try:
                        self.edge_energy(todo, batch, periods, pass_id, en_w)
                    except Exception as exc:
                        self.log(f"energy failed on chunk at {start}: {exc!r}")
                        for r, _ in todo:
                            en_w.writerow({**r, "batch_size": batch, "pass": pass_id,
                                           "error": repr(exc)[:200]})
            del ready
            done += min(args.chunk, len(sample) - start)
            chunk_s = self.elapsed() - t0
            self.log(f"pass {pass_id}: {done}/{len(sample)} cells, chunk {chunk_s:.1f}s")
        return done

    def run_pipelined(self, sample: list[dict[str, Any]], fp: dict[str, Any]) -> None:
        args, limit = self.args, self.args.time_limit
        lat_fields = ["cell", "class_size", "n_conv3x3", "n_conv1x1", "batch_size", "pass",
                      "n_repeats", "median_s", "q25_s", "q75_s", "min_s", "max_s", "error"]
        e_fields = ["cell", "class_size", "n_conv3x3", "n_conv1x1", "batch_size", "pass",
                    "n_iter", "window_s", "periods", "gpu_busy_s", "energy_total_j",
                    "mean_power_w", "idle_power_w", "energy_per_forward_j",
                    "energy_above_idle_per_forward_j", "time_per_forward_s", "error"]
        with open(self.out / "latency.csv", "w", newline="") as lf, \
                open(self.out / "energy.csv", "w", newline="") as ef:
            lat_w, en_w = csv.DictWriter(lf, lat_fields), csv.DictWriter(ef, e_fields)
            lat_w.writeheader()
            en_w.writeheader()
            lw, ew = _Flushing(lat_w, lf), _Flushing(en_w, ef)
            n1 = self.pipelined_pass(sample, lw, ew, 1, args.latency_until * limit,
                                     args.periods, args.b1_energy_cells)
            self.log(f"pass 1: {n1} cells")
            rng = random.Random(args.seed + 1)
            subset = rng.sample(sample[:n1], min(args.repeat_cells, n1))
            self.pipelined_pass(subset, lw, ew, 2, args.repeat_until * limit, args.periods,
                                len(subset))
            long = subset[:args.long_window_cells]
            self.pipelined_pass(long, lw, ew, 3, args.energy_until * limit,
                                args.long_periods, len(long))
        time.sleep(1.0)
        fp["idle_power_w_end"] = self.measure_idle(args.idle)
        fp["energy_method"] = (
            f"edge-aligned windows of {args.periods} counter updates, cells back to back "
            f"(pass 3: {args.long_periods} updates)")
        fp["elapsed_s"] = self.elapsed()
        _write_json(self.out / "fingerprint.json", fp)
        self.log("done")

    def run(self) -> None:
        args = self.args
        limit = args.time_limit
        fp = self.fingerprint()
        self.log(json.dumps(fp))
        if self.nvml is not None:
            fp["nvml_counter_update_s"] = self.nvml.counter_update_interval(1.0)
            self.idle_w = self.measure_idle(args.idle)
            fp["idle_power_w_start"] = self.idle_w
            fp["idle_power_now_w_start"] = self.nvml.power_mw() / 1000.0
            self.log(f"idle {self.idle_w:.1f} W, counter update every "
                     f"{fp['nvml_counter_update_s'] * 1000:.0f} ms")
        _write_json(self.out / "fingerprint.json", fp)

        sample = stratified_sample(self.iso, args.sample, args.seed)
        self.log(f"sampled {len(sample)} classes")
        # warm the device (clocks up, cuDNN handles created) on a conv-heavy cell
        warm = self.net("333333")
        with self.torch.inference_mode():
            end = time.perf_counter() + args.device_warmup
            while time.perf_counter() < end:
                warm(self.inputs[max(args.batch_sizes)])
            self.timer.sync()
            if self.args.graph:  # fail fast, before spending device time on the sample
                try:
                    self.runner(warm, max(args.batch_sizes))()
                    self.timer.sync()
                except Exception as exc:
                    self.log(f"CUDA graph capture failed, stopping: {exc!r}")
                    return
        del warm
        if args.pipelined:
            if self.nvml is None:
                self.log("--pipelined needs an energy counter (NVML, or --fake-energy)")
                return
            self.run_pipelined(sample, fp)
            return

        lat_fields = ["cell", "class_size", "n_conv3x3", "n_conv1x1", "batch_size", "pass",
                      "n_repeats", "median_s", "q25_s", "q75_s", "min_s", "max_s", "error"]
        with open(self.out / "latency.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, lat_fields)
            writer.writeheader()
            n1 = self.latency_pass(sample, _Flushing(writer, f), 1, args.latency_until * limit)
            rng = random.Random(args.seed + 1)
            subset = rng.sample(sample[:n1], min(args.repeat_cells, n1))
            self.latency_pass(subset, _Flushing(writer, f), 2, args.repeat_until * limit)
        self.log(f"latency: {n1} cells in pass 1")

        if self.nvml is not None:
            e_fields = ["cell", "class_size", "n_conv3x3", "n_conv1x1", "batch_size", "pass",
                        "n_iter", "window_s", "energy_total_j", "mean_power_w", "idle_power_w",
                        "energy_per_forward_j", "energy_above_idle_per_forward_j",
                        "time_per_forward_s", "error"]
            with open(self.out / "energy.csv", "w", newline="") as f:
                writer = csv.DictWriter(f, e_fields)
                writer.writeheader()
                w = _Flushing(writer, f)
                reserve = args.idle + 2 + args.energy_repeat_cells * len(args.batch_sizes) * (
                    args.energy_window + 0.3)
                n_e = self.energy_pass(sample, w, 1, (args.energy_until * limit) - reserve)
                self.energy_pass(sample[:min(args.energy_repeat_cells, n_e)], w, 2,
                                 args.energy_until * limit)
            time.sleep(2.0)
            fp["idle_power_w_end"] = self.measure_idle(args.idle)
            _write_json(self.out / "fingerprint.json", fp)
        fp["elapsed_s"] = self.elapsed()
        _write_json(self.out / "fingerprint.json", fp)
        self.log("done")


class _Ticker(threading.Thread):
    """Polls an energy counter in the background; remembers each update's value and time."""

    def __init__(self, nvml: Any, poll_s: float) -> None:
        super().__init__(daemon=True)
        self.nvml, self.poll_s = nvml, poll_s
        self.lock = threading.Lock()
        self._stop_flag = False
        self.count, self.energy, self.time = 0, nvml.energy_mj(), time.perf_counter()

    def run(self) -> None:
        while not self._stop_flag:
            e = self.nvml.energy_mj()
            now = time.perf_counter()
            if e != self.energy:
                with self.lock:
                    self.count, self.energy, self.time = self.count + 1, e, now
            time.sleep(self.poll_s)

    def snapshot(self) -> tuple[int, int, float]:
        with self.lock:
            return self.count, self.energy, self.time

    def stop(self) -> None:
        self._stop_flag = True
        self.join()


class _Flushing:
    """csv writer that flushes its file after every row (rows survive a kill)."""

    def __init__(self, writer: Any, f: Any) -> None:
        self.writer, self.f = writer, f

    def writerow(self, row: dict[str, Any]) -> None:
        self.writer.writerow(row)
        self.f.flush()


def _write_json(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, indent=2, default=str))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.environ.get("OUT", "out/gpu_profile"))
    p.add_argument("--device", default="cuda")
    p.add_argument("--sample", type=int, default=1300, help="isomorphism classes to sample")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-sizes", default="1,64",
                   type=lambda s: [int(b) for b in s.split(",")])
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=11)
    p.add_argument("--threads", type=int, default=1, help="torch threads on CPU")
    p.add_argument("--time-limit", type=float, default=400.0, help="seconds, hard")
    p.add_argument("--latency-until", type=float, default=0.45, help="fraction of the limit")
    p.add_argument("--repeat-until", type=float, default=0.52, help="fraction of the limit")
    p.add_argument("--energy-until", type=float, default=0.93, help="fraction of the limit")
    p.add_argument("--repeat-cells", type=int, default=100)
    p.add_argument("--energy-window", type=float, default=1.0, help="seconds per window")
    p.add_argument("--energy-repeat-cells", type=int, default=8)
    p.add_argument("--idle", type=float, default=3.0, help="seconds of idle measurement")
    p.add_argument("--device-warmup", type=float, default=2.0, help="seconds")
    p.add_argument("--no-energy", action="store_true")
    p.add_argument("--graph", action="store_true",
                   help="capture each forward in a CUDA graph and time its replays")
    p.add_argument("--pipelined", action="store_true",
                   help="chunks: capture + latency, then edge-aligned energy back to back")
    p.add_argument("--chunk", type=int, default=25, help="cells per pipelined chunk")
    p.add_argument("--periods", type=int, default=2,
                   help="energy-counter updates per pipelined window")
    p.add_argument("--long-periods", type=int, default=10,
                   help="counter updates per window in the long-window check (pass 3)")
    p.add_argument("--long-window-cells", type=int, default=20)
    p.add_argument("--energy-batch-sizes", default="1,64",
                   type=lambda s: [int(b) for b in s.split(",")])
    p.add_argument("--b1-energy-cells", type=int, default=300,
                   help="pipelined: batch-1 energy on this prefix of the sample only")
    p.add_argument("--queue-ms", type=float, default=3.0,
                   help="pipelined energy: GPU work kept queued (ms)")
    p.add_argument("--poll-ms", type=float, default=0.5,
                   help="pipelined energy: energy-counter poll interval (ms)")
    p.add_argument("--fake-energy", action="store_true", help="test the energy code path only")
    return p.parse_args(argv)


if __name__ == "__main__":
    Profiler(parse_args()).run()
