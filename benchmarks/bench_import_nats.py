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


def write_fixture(root: Path, n: int, seed: int = 0) -> dict[str, Any]:
    """Write ``n`` archs (official indexes 0..n-1) in both layouts under ``root``."""
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
        arch2infos[idx] = hp2
    gen_simple = time.perf_counter() - t0
    single = root / "NATS-tss-v1_0-3ffb9.pickle"
    t1 = time.perf_counter()
    pickle_save({"meta_archs": meta, "arch2infos": arch2infos,
                 "evaluated_indexes": sorted(arch2infos)}, str(single))
    gen_single = time.perf_counter() - t1
    folder_bytes = sum(p.stat().st_size for p in simple.iterdir())
    single_path = Path(str(single) + ".pbz2")
    return {"simple": str(simple), "single": str(single_path),
            "simple_mb": round(folder_bytes / 2**20, 1),
            "single_mb": round(single_path.stat().st_size / 2**20, 1),
            "generate_simple_s": round(gen_simple, 1), "generate_single_s": round(gen_single, 1)}


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
for i in range(int(sys.argv[2])):
    for hp in ("12", "200"):
        api.query_meta_info_by_index(i, hp)
        api.clear_params(i, hp)
_report(t)
"""


def measure_rss(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter: its own timing, the process's wall time and its
    peak RSS in MB (``VmHWM`` of the child: ``ru_maxrss`` would include the parent's size
    at fork time)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _PRELUDE + textwrap.dedent(code), *args],
                              stdout=subprocess.PIPE, stderr=err, env=env, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            err.seek(0)
            raise RuntimeError(f"measurement failed:\n{err.read()[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"seconds": round(out["seconds"], 2), "process_wall_s": round(wall, 2),
            "peak_rss_mb": round(out["hwm_kb"] / 1024, 1)}


def run_once(root: Path, n: int, build: bool) -> dict[str, Any]:
    fx = write_fixture(root / f"fixture_{n}", n)
    res: dict[str, Any] = {"archs": n, "fixture": fx}
    res["ours_single"] = measure_rss(_OURS, fx["single"], str(root / f"home_single_{n}"))
    res["theirs_single"] = measure_rss(_THEIRS_SINGLE, fx["single"])
    res["ours_simple"] = measure_rss(_OURS, fx["simple"], str(root / f"home_simple_{n}"))
    res["theirs_simple"] = measure_rss(_THEIRS_SIMPLE, fx["simple"], str(n))
    if build:
        res["build_after_import"] = measure_rss(_BUILD, str(root / f"home_simple_{n}"))
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
    args = p.parse_args()
    sizes = sorted(int(x) for x in args.archs.split(","))
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_nats_"))
    try:
        runs = [run_once(root, n, args.build) for n in sizes]
        res: dict[str, Any] = {"cpu_count": os.cpu_count(),
                               "load_avg": [round(x, 2) for x in os.getloadavg()],
                               "runs": runs}
        if len(runs) > 1:
            res["extrapolated_full_size"] = extrapolate(runs)
        print(json.dumps(res, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
