"""NAS-Bench-101 import at full size, on a synthetic file shaped like nasbench_only108.tfrecord.

    python benchmarks/bench_import_nb101.py [--fraction 1.0] [--workdir /tmp/nb101_bench]

Writes ``fraction`` x 423,624 cells x 3 repeats of 108-epoch records (the real file: all
423,624 cells, ~499 MB; the values here are random, the specs, hashes, framing and message
layout are real), imports it into a fresh store home in a child process (wall time and peak
RSS of the import + store build; results scaled linearly to the full file when fraction < 1,
as the import is a single pass), then measures in this process: point queries by module
hash and by spec against a plain dict look-up, and canonical ids (our key and the module
hash) of 100,000 raw specs (isomorphic relabellings of random cells).
Goals: import < 10 min and < 3 GB; 100,000 canonical ids < 10 s.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REAL_BYTES = 499 * 1024 * 1024  # nasbench_only108.tfrecord, ~499 MB (the official README)


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _metrics(final: tuple[float, ...], half: tuple[float, ...], params: int, h: str) -> bytes:
    """ModelMetrics bytes (proto2 wire format, fields as in model_metrics.proto)."""
    def ev(epoch: float, vals: tuple[float, ...], path: str) -> bytes:
        body = b"".join(bytes([(n << 3) | 1]) + struct.pack("<d", v)
                        for n, v in enumerate((epoch, *vals), start=1))
        p = path.encode()
        body += bytes([(6 << 3) | 2]) + _varint(len(p)) + p
        return bytes([(1 << 3) | 2]) + _varint(len(body)) + body

    return (ev(0.0, (0.0, 0.1, 0.1, 0.1), "")
            + ev(54.0, half, f"gs://bench/{h}/model.ckpt-54")
            + ev(108.0, final, f"gs://bench/{h}/model.ckpt-108")
            + bytes([2 << 3]) + _varint(params)
            + bytes([(3 << 3) | 1]) + struct.pack("<d", final[0] + 30.0))


def generate(path: Path, fraction: float, seed: int = 0) -> int:
    """Write the synthetic file; return the number of cells."""
    from nasbench.importers._nb101 import write_record
    from nasbench.spaces import get_space
    from nasbench.spaces._nb101 import module_hash

    sp = get_space("nb101")
    cells = sp.enumerate()
    rng = np.random.default_rng(seed)
    if fraction < 1:
        pick = np.sort(rng.choice(len(cells), int(round(fraction * len(cells))), replace=False))
        cells = [cells[i] for i in pick]
    with path.open("wb", buffering=1 << 24) as f:
        for a in cells:
            h = module_hash(a)
            digits = "".join(str(v) for row in a.matrix for v in row)
            ops = ",".join(a.ops)
            params = int(rng.integers(200_000, 40_000_000))
            for _ in range(3):
                acc = rng.uniform(0.1, 0.95, size=3).tolist()
                t = float(rng.uniform(300, 5000))
                raw = _metrics((t, *acc), (t / 2, *(0.9 * x for x in acc)), params, h)
                rec = json.dumps([h, 108, digits, ops, base64.b64encode(raw).decode()])
                write_record(f, rec.encode())
    return len(cells)


def _child(file: str, home: str) -> None:
    import nasbench.store._build as build
    from nasbench.importers import import_benchmark
    from nasbench.recipes import ImportedRecipe

    build.default_recipes = lambda h: [ImportedRecipe(h, set())]  # only the import
    t0 = time.perf_counter()
    import_benchmark("nb101", file, home, progress=lambda s: print(s, file=sys.stderr))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - t0, "peak_rss_mb": rss}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fraction", type=float, default=1.0)
    ap.add_argument("--workdir", default="/tmp/nb101_bench")
    ap.add_argument("--child", nargs=2)
    ap.add_argument("--ids-only", action="store_true", help="only the 100,000 canonical ids")
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.ids_only:
        from nasbench.spaces import get_space

        canonical_ids(get_space("nb101"))
        return
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    file = work / "nasbench_only108.tfrecord"
    t0 = time.perf_counter()
    n = generate(file, args.fraction)
    size = file.stat().st_size
    print(f"generated {n:,} cells x 3 repeats, {size / 2**20:.0f} MiB in "
          f"{time.perf_counter() - t0:.0f} s (real file ~{REAL_BYTES / 2**20:.0f} MiB)")
    home = work / "home"
    out = subprocess.run([sys.executable, __file__, "--child", str(file), str(home)],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "NASBENCH_HOME": str(home)})
    res = json.loads(out.stdout.strip().splitlines()[-1])
    scale = 423_624 / n
    print(f"import + store build: {res['seconds']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MB"
          + (f"; x{scale:.2f} linear extrapolation to the full file: "
             f"{res['seconds'] * scale:.0f} s" if scale > 1.001 else ""))

    import nasbench
    from nasbench.spaces._nb101 import module_hash

    t = nasbench.open(home, build=False).table("nb101", "cifar10")
    sp = t.space
    rng = np.random.default_rng(1)
    rows = rng.integers(0, len(t), size=2000)
    archs = [sp.from_key(int(t.keys[r])) for r in rows]
    hashes = [module_hash(a) for a in archs]
    specs = [{"matrix": [list(r) for r in a.matrix], "ops": list(a.ops)} for a in archs]
    plain = {h: float(v) for h, v in zip(hashes, rng.random(len(hashes)), strict=True)}
    t.query(hashes[0], "val_acc")

    def per_call(fn, items) -> float:
        t1 = time.perf_counter()
        for x in items:
            fn(x)
        return (time.perf_counter() - t1) / len(items) * 1e6

    by_hash = per_call(lambda h: t.query(h, "val_acc"), hashes)
    by_spec = per_call(lambda s: t.query(s, "val_acc"), specs)
    by_dict = per_call(lambda h: plain[h], hashes)
    print(f"point query: by hash {by_hash:.1f} us, by spec {by_spec:.1f} us (first sight: "
          f"parse + canonical key), dict look-up {by_dict:.2f} us")

    canonical_ids(sp)


def canonical_ids(sp: Any) -> None:
    """Our key and the module hash of 100,000 raw specs (isomorphic relabellings)."""
    from nasbench.spaces._nb101 import module_hash

    cells = sp.sample_uniform(100_000, seed=2)  # mostly distinct cells: no memo helps
    raw = []
    for a in cells:  # an isomorphic relabelling of each (reversed interior when valid)
        v = len(a.ops)
        p = [0, *range(v - 2, 0, -1), v - 1]
        m = np.array(a.matrix)[np.ix_(p, p)]
        if np.any(np.tril(m)):
            m, p = np.array(a.matrix), list(range(v))
        raw.append({"matrix": m.tolist(), "ops": [a.ops[i] for i in p]})
    space = type(sp)()  # no memo: every spec parsed
    t1 = time.perf_counter()
    keys = [space.key(s) for s in raw]
    t_key = time.perf_counter() - t1
    parsed = [space.parse(s) for s in raw]
    t1 = time.perf_counter()
    hs = [module_hash(a) for a in parsed]
    t_hash = time.perf_counter() - t1
    assert keys == [space.key(a) for a in cells] and len(set(hs)) == len(set(keys))
    print(f"canonical ids of 100,000 raw specs ({len(set(keys)):,} distinct cells): "
          f"key (parse + prune + canonical form) {t_key:.1f} s, module hash {t_hash:.1f} s")


if __name__ == "__main__":
    main()
