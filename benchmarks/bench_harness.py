"""Harness benchmark: optimizer speed, the default comparison grid, sample efficiency.

Run: ``.venv/bin/python benchmarks/bench_harness.py [--jobs 2] [--seeds 20] [--out DIR]``
(``--quick`` measures speed only). Every number is measured in this run, on this machine.

1. Speed: rs / rea / ls / de on NB201 cifar10, 100 seeds x 300 evaluations in one vectorised
   batch; "cold" includes building the space index (neighbour rows) in a fresh process state,
   "warm" is the median of 3 repeats.
2. The default grid: every built-in single-objective optimizer x the three NB201 tables x
   ``--seeds`` seeds x 200 evaluations, with ``--jobs`` local processes, from scratch; then
   the report (report.md / report.html in ``--out``).
3. Sample efficiency: each optimizer after 100 evaluations against regularized evolution after
   200 (paired by seed; one-sided signed-rank tests of "worse" and "better"), on the grid's
   seeds and again for ``bo_wl``, ``bo_zc`` and, when Optuna is installed,
   ``optuna:TPESampler`` (at 100 and at 200 evaluations) with ``--eff-seeds`` seeds starting
   at ``--seed-start`` (``bo_zc``'s settings were chosen on seeds 0-49: ``--eff-seeds 100
   --seed-start 1000`` is the held-out check of docs/harness.md).
   ``--efficiency`` runs this section alone.
4. ``--variants`` (alone): the settings in ``VARIANTS`` (confirmation, candidate pools, proxy
   features, ``robot``) after 100 evaluations against ``rea`` after 200, ``--eff-seeds`` seeds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads: BLAS threads only contend here

import nasbench  # noqa: E402
from nasbench import harness  # noqa: E402
from nasbench.harness._index import _CACHE  # noqa: E402

SPEED = ("rs", "rea", "ls", "de")
GRID: tuple[str, ...] = ("rs", "rea", "ls", "de", "bo_wl", "bo_zc", "np", "bananas")
try:
    import optuna  # noqa: F401

    GRID += ("optuna:TPESampler",)  # a third-party optimizer beside the built-ins
except ImportError:
    pass
TABLES = ("nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120")


def speed(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    print("## Speed: 100 seeds x 300 evaluations, nb201/cifar10 (one vectorised batch)\n")
    print("| optimizer | cold s | warm s (median of 3) | evaluations / s |")
    print("|---|---|---|---|")
    for name in SPEED:
        _CACHE.clear()
        t0 = time.perf_counter()
        harness.run_seeds(name, t, 300, range(100))
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            harness.run_seeds(name, t, 300, range(100))
            warm.append(time.perf_counter() - t0)
        w = statistics.median(warm)
        print(f"| {name} | {cold:.3f} | {w:.3f} | {30_000 / w:,.0f} |")
    print()


def grid(db: nasbench.Store, out: Path, seeds: int, jobs: int) -> None:
    spec = harness.GridSpec(list(GRID), list(TABLES), range(seeds), 200)
    t0 = time.perf_counter()
    df = harness.run_grid(spec, out, jobs=jobs, home=str(db.home))
    secs = time.perf_counter() - t0
    print(f"## Default grid: {len(GRID)} optimizers x {len(TABLES)} NB201 tables x {seeds} "
          f"seeds x 200 evaluations, {jobs} processes\n")
    print(f"wall time {secs:.1f} s ({secs / 60:.2f} min), {len(df):,} trajectory rows, "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    eff = [harness.sample_efficiency(df, c, "rea", 100, 200) for c in GRID if c != "rea"]
    import pandas as pd

    table = pd.concat(eff, ignore_index=True)
    print("## Sample efficiency: optimizer after 100 evaluations vs rea after 200\n")
    print(table.to_markdown(index=False, floatfmt=".4g") if _has_tabulate() else
          table.to_string(index=False))
    md, html = harness.write_report(df, out, db, title="Default grid (bench_harness.py)",
                                    extra={"Sample efficiency (100 vs rea at 200)": table})
    print(f"\nreport: {md} and {html}")
    an = harness.analyse(df, db)
    for v in an.verdicts.values():
        print(f"- {v}")


def efficiency(db: nasbench.Store, n_seeds: int, jobs: int, start: int = 0) -> None:
    import pandas as pd

    seeds = range(start, start + n_seeds)
    cands = ["bo_wl", "bo_zc"] + [c for c in GRID if c.startswith("optuna:")]
    print(f"\n## {', '.join(cands)} after 100 evaluations vs rea after 200, seeds "
          f"{seeds.start}-{seeds.stop - 1}\n")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        df = harness.run_grid(harness.GridSpec(cands, list(TABLES), seeds, 200),
                              Path(tmp) / "bo", jobs=jobs, home=str(db.home),
                              progress=lambda *a: None)
        secs = time.perf_counter() - t0
    rea = pd.concat([harness.run_seeds("rea", db.table(*t.split("/")), 200, seeds)
                     for t in TABLES], ignore_index=True)
    both = pd.concat([df, rea], ignore_index=True)
    rows = []
    for cand, at in [(c, 100) for c in cands] + [(c, 200) for c in cands
                                                 if c not in ("bo_wl", "bo_zc")]:
        rows.append(harness.sample_efficiency(both, cand, "rea", at, 200))
    print(pd.concat(rows, ignore_index=True).to_string(index=False))
    print(f"\n(runs to 200 evaluations took {secs:.1f} s with {jobs} processes; bo_wl and "
          "bo_zc are scored at 100 of them)")


#: Variants of the model-based built-ins (and ``robot``) scored at 100 evaluations against
#: ``rea`` at 200 by ``--variants`` (docs/harness.md, "Variants").
VARIANTS: list[tuple[str, dict[str, object]]] = [
    ("bo_zc", {}),
    ("bo_wl", {}),
    ("bo_wl", {"confirm": 2}),
    ("bo_wl", {"confirm": 2, "n_random": 0}),
    ("bo_wl", {"confirm": 2, "batch": 5}),
    ("bo_wl", {"model": "gp", "features": "zc"}),
    ("bo_wl", {"model": "gp", "features": "zc", "confirm": 2}),
    ("bananas", {"members": [("xgb", {"encoding": "path", "n_estimators": 60,
                                      "learning_rate": 0.3, "features": "zc"})]}),
    ("bananas", {"confirm": 2, "members": [("xgb", {"encoding": "path", "n_estimators": 60,
                                                    "learning_rate": 0.3,
                                                    "features": "zc"})]}),
    ("robot", {}),
]


def variants(db: nasbench.Store, n_seeds: int, start: int = 0) -> None:
    """Each of :data:`VARIANTS` after 100 evaluations vs ``rea`` after 200, paired seeds."""
    import pandas as pd

    seeds = range(start, start + n_seeds)
    print(f"\n## Variants after 100 evaluations vs rea after 200, seeds {seeds.start}-"
          f"{seeds.stop - 1}, one process\n")
    print("| optimizer | settings | table | median @100 | rea@200 median | mean @100 | "
          "one-sided p (better) |")
    print("|---|---|---|---|---|---|---|")
    rea = {t: harness.run_seeds("rea", db.table(*t.split("/")), 200, seeds,
                                progress=False) for t in TABLES}
    for name, params in VARIANTS:
        for t in TABLES:
            cand = harness.run_seeds(name, db.table(*t.split("/")), 100, seeds,
                                     progress=False, **params)
            cand["optimizer"] = "candidate"
            both = pd.concat([cand, rea[t]], ignore_index=True)
            r = harness.sample_efficiency(both, "candidate", "rea", 100, 200).iloc[0]
            print(f"| {name} | {params or 'defaults'} | {t} | {r.candidate_median:.3f} | "
                  f"{r.reference_median:.3f} | {r.candidate_mean:.3f} | {r.p_better:.2g} |",
                  flush=True)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=None, help="grid output folder (default: a temp folder)")
    ap.add_argument("--quick", action="store_true", help="speed section only")
    ap.add_argument("--eff-seeds", type=int, default=50, help="seeds for section 3")
    ap.add_argument("--seed-start", type=int, default=0,
                    help="first seed of sections 3 and 4 (1000: bo_zc's held-out seeds)")
    ap.add_argument("--variants", action="store_true",
                    help="only section 4: the VARIANTS list with --eff-seeds seeds")
    ap.add_argument("--efficiency", action="store_true",
                    help="only section 3 (bo_wl, bo_zc, Optuna TPE vs rea@200)")
    args = ap.parse_args()
    db = nasbench.open()
    if args.variants:
        variants(db, args.eff_seeds, args.seed_start)
        return
    if args.efficiency:
        efficiency(db, args.eff_seeds, args.jobs, args.seed_start)
        return
    speed(db)
    if args.quick:
        return
    if args.out:
        grid(db, Path(args.out), args.seeds, args.jobs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            grid(db, Path(tmp), args.seeds, args.jobs)
    efficiency(db, args.eff_seeds, args.jobs, args.seed_start)


if __name__ == "__main__":
    main()
