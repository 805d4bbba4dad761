"""Report benchmark: peak memory and time of writing the ``nasbench compare`` report.

Run: ``.venv/bin/python benchmarks/bench_report_memory.py [--sizes 1e5,1e6,3e6]
[--old-sizes 1e5,3e5] [--out DIR]``. Every number is measured in this run, on this machine.

Scenario: for each size N, a runner folder holding real runs of ``rs`` and ``rea`` on
nb201/cifar10, 200 evaluations per seed, N / 400 seeds each (cells of 100 seeds, written by
``run_missing``, i.e. the runner's own Parquet writer; resumable, so a rerun with the same
``--out`` reuses them). The report is then written into that folder in a fresh subprocess,
which reads its peak resident set (``VmHWM`` of ``/proc/self/status``) when done:

* ``streamed`` (what ``nasbench compare`` does now): ``digest_runs`` (one cell file at a
  time) -> ``write_report`` -> ``analyse_finals`` for the printed verdicts;
* ``in-memory`` (what it did before, sizes ``--old-sizes`` only): ``load_results`` (every
  row in one DataFrame) -> ``write_report(df)`` -> ``analyse(df)``, with the bootstrap band
  gathered in one piece as before (``_scores.BOOTSTRAP_CHUNK_BYTES`` unlimited).

``--file-rows`` adds one folder holding a single cell file of that many rows (``rs``, 100
seeds, rows / 100 evaluations each; 2,000,000 is the most one cell holds): the streamed path's
memory while it reads its largest file.

``import`` is the peak of a fresh process that only imports nasbench, pandas, pyarrow, scipy
and matplotlib and opens the store (the floor of both); kB / row = (peak - import) / rows,
kB = 1000 bytes. Seconds are the report's, from the first read to the last file written
(figures included when matplotlib is installed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads: BLAS threads only contend here

OPTIMIZERS = ["rs", "rea"]
TABLE = "nb201/cifar10"
BUDGET = 200


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(mode: str, out: str) -> None:
    """Write the report of ``out`` one way; print {"peak_kb", "seconds", "rows"} as JSON."""
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN grid points, as always
    import nasbench
    from nasbench import harness

    db = nasbench.open(build=False)
    if mode == "import":  # the libraries a report uses, and nothing else
        import pandas  # noqa: F401
        import pyarrow.parquet  # noqa: F401
        import scipy.stats  # noqa: F401

        from nasbench.harness import _plots

        if _plots.available():
            import matplotlib.pyplot  # noqa: F401
        print(json.dumps({"peak_kb": _peak_kb(), "seconds": 0.0, "rows": 0}))
        return
    t0 = time.perf_counter()
    if mode == "streamed":
        from nasbench.harness._analysis import analyse_finals

        dig = harness.digest_runs(out)
        harness.write_report(dig, out, db, title="bench_report_memory (streamed)")
        analyse_finals(dig.finals, db, dig.metrics)
        rows = dig.rows
    else:
        from nasbench.harness import _scores

        _scores.BOOTSTRAP_CHUNK_BYTES = 2**62  # one gather, as before chunking
        df = harness.load_results(out)
        harness.write_report(df, out, db, title="bench_report_memory (in-memory)")
        harness.analyse(df, db)
        rows = len(df)
    secs = time.perf_counter() - t0
    print(json.dumps({"peak_kb": _peak_kb(), "seconds": secs, "rows": rows}))


def _measure(mode: str, out: Path) -> dict[str, float]:
    res = subprocess.run([sys.executable, __file__, "--child", mode, str(out)],
                         capture_output=True, text=True, check=False)
    if res.returncode:
        raise RuntimeError(f"{mode} on {out} failed (rc {res.returncode}):\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _folder(root: Path, rows: int) -> Path:
    from nasbench import harness

    seeds = rows // (len(OPTIMIZERS) * BUDGET)
    out = root / f"rows_{rows}"
    t0 = time.perf_counter()
    harness.run_missing(harness.GridSpec(OPTIMIZERS, [TABLE], range(seeds), BUDGET), out,
                        executor="serial", progress=lambda *a: None)
    secs = time.perf_counter() - t0
    if secs > 1:
        print(f"(runs for {rows:,} rows: {secs:.0f} s)", file=sys.stderr)
    return out


def _one_file(root: Path, rows: int) -> Path:
    from nasbench import harness

    out = root / f"one_file_{rows}"
    harness.run_missing(harness.GridSpec(["rs"], [TABLE], range(100), rows // 100), out,
                        executor="serial", progress=lambda *a: None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6,3e6", help="trajectory rows per folder")
    ap.add_argument("--old-sizes", default="1e5,3e5",
                    help="sizes also reported the old (in-memory) way")
    ap.add_argument("--file-rows", default="2e6",
                    help="rows of the one-file folder (0: skip it)")
    ap.add_argument("--out", default=None, help="folder for the run folders (default: temp)")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    old = [int(float(s)) for s in args.old_sizes.split(",") if s]
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench_report_"))
    floor = _measure("import", root)["peak_kb"]
    print(f"## Report memory: {', '.join(OPTIMIZERS)} on {TABLE}, {BUDGET} evaluations per "
          f"seed, cells of 100 seeds; imports + store = {floor / 1024:.0f} MiB peak\n")
    print("| rows | path | peak MiB | peak - import MiB | kB / row | seconds |")
    print("|---|---|---|---|---|---|")
    runs = [(_folder(root, rows), mode, "") for rows in sorted(set(sizes) | set(old))
            for mode in ("in-memory", "streamed") if mode == "streamed" or rows in old]
    if int(float(args.file_rows)):
        runs.append((_one_file(root, int(float(args.file_rows))), "streamed", " (one file)"))
    for out, mode, note in runs:
        r = _measure(mode, out)
        extra = (r["peak_kb"] - floor) * 1024 / 1000 / r["rows"]  # kB (1000 B) a row
        print(f"| {int(r['rows']):,}{note} | {mode} | {r['peak_kb'] / 1024:,.0f} | "
              f"{(r['peak_kb'] - floor) / 1024:,.0f} | {extra:.3f} | "
              f"{r['seconds']:.1f} |", flush=True)
    print(f"\n(run folders in {root}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
