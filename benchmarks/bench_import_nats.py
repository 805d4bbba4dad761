"""Import benchmark: ``nasbench import nats-tss`` against the official API's load, same file.

Run: ``.venv/bin/python benchmarks/bench_import_nats.py [--archs 625] [--keep DIR]``.

1. Writes a synthetic NATS-tss file in the official layouts with the official package's own
   classes (``nats_bench.ArchResults`` / ``ResultsCount`` / ``pickle_save``), shaped like the
   real one: per architecture 4 datasets (cifar10-valid, cifar10, cifar100,
   ImageNet16-120) x 2 schedules (12 and 200 epochs) x 3 seeds, every epoch with train
   accuracy / loss / time and, per evaluation set (x-valid, x-test, ori-test as the dataset
   has them), accuracy / loss / time. Values are random. ``--archs`` scales the number of
   architectures (the real file has 15,625); both the single ``.pickle.pbz2`` file and the
   ``-simple`` folder are written.
2. Measures, each in a fresh subprocess (its time and its peak RSS, ``VmHWM``):
   * ours: ``run_import`` of the single file and of the folder (the conversion into the
     import folder; the store build afterwards is measured separately, ``--build``);
   * theirs: ``nats_bench.create(file, "tss", fast_mode=False)`` (loads the whole file) and,
     for the folder, ``create(folder, fast_mode=True)`` then ``query_meta_info_by_index`` of
     every architecture at both schedules (loads every file).
   With ``--build``, the store build after the folder import and, in a fresh process,
   ``query`` / ``curve`` / ``query_many`` on the built table. ``--layouts simple`` writes
   only the folder (the single file needs every arch in memory: about 2 GB per 1,000);
   ``--theirs-limit-gb`` caps the official API's address space (it keeps every arch it
   loads) and records how many archs it loaded. Full size: ``--archs 15625 --layouts
   simple --build --theirs-limit-gb 8`` (docs/importing.md).
3. Prints one JSON object with the figures of every size and, from two sizes, the line
   (fixed cost + per-architecture cost) through them evaluated at 15,625 archs: conversion
   time is per architecture; peak RSS of the single-file layout grows with the file (it is
   unpickled whole, by both sides), of the folder layout with one chunk plus the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

FULL = 15625
REPO = Path(__file__).resolve().parents[1]


def write_fixture(root: Path, n: int, seed: int = 0,
                  layouts: tuple[str, ...] = ("single", "simple")) -> dict[str, Any]:
    """Write ``n`` archs (official indexes 0..n-1) in ``layouts`` under ``root``.

    The single file needs every arch in memory while it is written (about 2 GB per 1,000
    archs); the folder alone is written one arch at a time.
    """
    import numpy as np
    from nats_bench import ArchResults, ResultsCount, pickle_save

    from nasbench.spaces import get_space

    space = get_space("nb201")
    meta = [space.to_string(space.from_official_index(i)) for i in range(FULL)]
    sets = {"cifar10-valid": ("x-valid", "ori-test"), "cifar10": ("ori-test",),
            "cifar100": ("x-valid", "x-test", "ori-test"),
            "ImageNet16-120": ("x-valid", "x-test", "ori-test")}
    rng = np.random.default_rng(seed)
    simple = root / "NATS-tss-v1_0-3ffb9-simple"
    simple.mkdir(parents=True)
    pickle_save({"meta_archs": meta}, str(simple / "meta.pickle"))
    arch2infos = {}
    t0 = time.perf_counter()
    for idx in range(n):
        hp2 = {}
        for hp, epochs in (("12", 12), ("200", 200)):
            ar = ArchResults(idx, meta[idx])
            for dataset, names in sets.items():
                for s in (777, 888, 999):
                    u = rng.random((3 + 3 * len(names), epochs)).tolist()
                    acc = {e: 100 * u[0][e] for e in range(epochs)}
                    loss = {e: 3 * u[1][e] for e in range(epochs)}
                    times = {e: 10 + u[2][e] for e in range(epochs)}
                    r = ResultsCount(dataset, None, acc, loss, 0.5, 80.0,
                                     {"arch_str": meta[idx], "C": 16, "N": 5, "class_num": 10},
                                     s, epochs, [0.02])
                    r.update_train_info(acc, None, loss, times)
                    ea, el, et = {}, {}, {}
                    for j, name in enumerate(names):
                        for e in range(epochs):
                            key = f"{name}@{e}"
                            ea[key] = 100 * u[3 + 3 * j][e]
                            el[key] = 3 * u[4 + 3 * j][e]
                            et[key] = u[5 + 3 * j][e]
                    r.update_eval(ea, el, et)
                    ar.update(dataset, s, r)
            hp2[hp] = ar.state_dict()
        pickle_save(hp2, str(simple / f"{idx:06d}.pickle"))
        if "single" in layouts:
            arch2infos[idx] = hp2
    gen_simple = time.perf_counter() - t0
    folder_bytes = sum(p.stat().st_size for p in simple.iterdir())
    out: dict[str, Any] = {"simple": str(simple), "simple_mb": round(folder_bytes / 2**20, 1),
                           "generate_simple_s": round(gen_simple, 1)}
    if "single" in layouts:
        single = root / "NATS-tss-v1_0-3ffb9.pickle"
        t1 = time.perf_counter()
        pickle_save({"meta_archs": meta, "arch2infos": arch2infos,
                     "evaluated_indexes": sorted(arch2infos)}, str(single))
        single_path = Path(str(single) + ".pbz2")
        out.update(single=str(single_path),
                   single_mb=round(single_path.stat().st_size / 2**20, 1),
                   generate_single_s=round(time.perf_counter() - t1, 1))
    return out


_PRELUDE = """
import json, sys, time

def _report(t0):
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": time.perf_counter() - t0, "hwm_kb": hwm}))
"""
_OURS = """
import sys, time
from pathlib import Path
from nasbench.importers import get_importer
from nasbench.importers._base import run_import
t = time.perf_counter()
run_import(get_importer("nats-tss"), Path(sys.argv[1]), Path(sys.argv[2]), lambda s: None)
_report(t)
"""
_BUILD = """
import sys, time
from pathlib import Path
from nasbench.store import build
t = time.perf_counter()
build(Path(sys.argv[1]), progress=lambda s: None)
_report(t)
"""
_THEIRS_SINGLE = """
import sys, time
import nats_bench
t = time.perf_counter()
api = nats_bench.create(sys.argv[1], "tss", fast_mode=False, verbose=False)
_report(t)
"""
_THEIRS_SIMPLE = """
import sys, time
import nats_bench
t = time.perf_counter()
api = nats_bench.create(sys.argv[1], "tss", fast_mode=True, verbose=False)
loaded = 0
try:
    for i in range(int(sys.argv[2])):
        for hp in ("12", "200"):
            api.query_meta_info_by_index(i, hp)
            api.clear_params(i, hp)
        loaded = i + 1
except MemoryError:  # under --theirs-limit-gb: report how far it got
    del api
print(json.dumps({"archs_loaded": loaded}))
_report(t)
"""
_QUERY = """
import sys, time
import numpy as np
import pandas as pd  # imported before timing, as in bench_query.py
import nasbench
t_start = time.perf_counter()
db = nasbench.open(sys.argv[1])
tab = db.table("nb201", "cifar10")
space = tab.space
n = int(sys.argv[2])
archs = [space.to_string(space.from_official_index(i)) for i in range(0, n, max(1, n // 3125))]
tab.query(archs[0], ["test_acc"], schedule=12)
tab.curve(archs[0], "val_acc", schedule=200)
t0 = time.perf_counter()
for a in archs:
    tab.query(a, ["test_acc"], schedule=12)
q12 = (time.perf_counter() - t0) / len(archs)
t0 = time.perf_counter()
for a in archs:
    tab.query(a, ["val_acc"])
q200 = (time.perf_counter() - t0) / len(archs)
t0 = time.perf_counter()
for a in archs:
    tab.curve(a, "val_acc", schedule=200)
c = (time.perf_counter() - t0) / len(archs)
t0 = time.perf_counter()
frame = tab.query_many(archs, ["val_acc", "test_acc"])
qm = (time.perf_counter() - t0) / len(archs)
print(json.dumps({"archs": len(archs), "query_test_acc_12_us": q12 * 1e6,
                  "query_val_acc_200_us": q200 * 1e6, "curve_val_acc_200_us": c * 1e6,
                  "query_many_per_arch_us": qm * 1e6,
                  "curve_shape": list(np.shape(tab.curve(archs[1], "val_acc", seed="all")))}))
_report(t_start)
"""


def measure_rss(code: str, *args: str, limit_gb: float | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter: its own timing, the process's wall time and its
    peak RSS in MB (``VmHWM`` of the child: ``ru_maxrss`` would include the parent's size
    at fork time). ``limit_gb`` caps the child's address space (``RLIMIT_AS``); the extra
    JSON objects the child prints before its report are merged in."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def _cap() -> None:
        import resource

        cap = int(limit_gb * 2**30)  # type: ignore[operator]
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _PRELUDE + textwrap.dedent(code), *args],
                              stdout=subprocess.PIPE, stderr=err, env=env, text=True,
                              preexec_fn=_cap if limit_gb else None)
        wall = time.perf_counter() - t0
        if proc.returncode:
            err.seek(0)
            raise RuntimeError(f"measurement failed:\n{err.read()[-2000:]}")
    lines = proc.stdout.strip().splitlines()
    out = json.loads(lines[-1])
    res: dict[str, Any] = {"seconds": round(out["seconds"], 2),
                           "process_wall_s": round(wall, 2),
                           "peak_rss_mb": round(out["hwm_kb"] / 1024, 1)}
    for line in lines[:-1]:
        if line.startswith("{"):
            res.update(json.loads(line))
    if limit_gb:
        res["address_space_limit_gb"] = limit_gb
    return res


def run_once(root: Path, n: int, build: bool, layouts: tuple[str, ...] = ("single", "simple"),
             theirs_limit_gb: float | None = None) -> dict[str, Any]:
    fx = write_fixture(root / f"fixture_{n}", n, layouts=layouts)
    res: dict[str, Any] = {"archs": n, "fixture": fx}
    if "single" in layouts:
        res["ours_single"] = measure_rss(_OURS, fx["single"], str(root / f"home_single_{n}"))
        res["theirs_single"] = measure_rss(_THEIRS_SINGLE, fx["single"])
    home = str(root / f"home_simple_{n}")
    res["ours_simple"] = measure_rss(_OURS, fx["simple"], home)
    res["theirs_simple"] = measure_rss(_THEIRS_SIMPLE, fx["simple"], str(n),
                                       limit_gb=theirs_limit_gb)
    if build:
        res["build_after_import"] = measure_rss(_BUILD, home)
        res["queries_after_build"] = measure_rss(_QUERY, home, str(n))
    shutil.rmtree(root / f"fixture_{n}", ignore_errors=True)
    return res


def extrapolate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A line through the two sizes (fixed cost + per-arch cost), evaluated at 15,625."""
    a, b = runs[0], runs[-1]
    out: dict[str, Any] = {"method": f"line through {a['archs']} and {b['archs']} archs"}
    for side in ("ours_single", "theirs_single", "ours_simple", "theirs_simple"):
        for field, unit in (("seconds", "s"), ("peak_rss_mb", "mb")):
            ya, yb = a[side][field], b[side][field]
            slope = (yb - ya) / (b["archs"] - a["archs"])
            out[f"{side}_{unit}"] = round(ya + slope * (FULL - a["archs"]), 1)
    mb_a, mb_b = a["fixture"]["single_mb"], b["fixture"]["single_mb"]
    out["fixture_single_mb"] = round(mb_a + (mb_b - mb_a) / (b["archs"] - a["archs"])
                                     * (FULL - a["archs"]))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--archs", default="100,400",
                   help="comma-separated sizes (real file: 15625); two or more sizes give a "
                        "line (fixed + per-arch cost) to extrapolate to 15,625")
    p.add_argument("--keep", default=None, help="work in this folder and keep it")
    p.add_argument("--build", action="store_true",
                   help="also time the store build of the folder import (a full rebuild)")
    p.add_argument("--layouts", default="single,simple",
                   help="layouts to write and import: single, simple or both (the single "
                        "file is unpickled whole: about 2 GB per 1,000 archs of random values)")
    p.add_argument("--theirs-limit-gb", type=float, default=None,
                   help="cap the official API's address space on the folder (it keeps every "
                        "arch it loads); it then reports how many archs it loaded")
    args = p.parse_args()
    sizes = sorted(int(x) for x in args.archs.split(","))
    layouts = tuple(x.strip() for x in args.layouts.split(","))
    if not set(layouts) <= {"single", "simple"} or not layouts:
        p.error(f"--layouts takes single and/or simple, got {args.layouts!r}")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_nats_"))
    try:
        runs = [run_once(root, n, args.build, layouts, args.theirs_limit_gb) for n in sizes]
        res: dict[str, Any] = {"cpu_count": os.cpu_count(),
                               "load_avg": [round(x, 2) for x in os.getloadavg()],
                               "runs": runs}
        if len(runs) > 1 and "single" in layouts:
            res["extrapolated_full_size"] = extrapolate(runs)
        print(json.dumps(res, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
