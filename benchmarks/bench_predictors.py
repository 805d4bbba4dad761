"""Predictor benchmarks: accuracy under the evaluation protocol, and wall-clock timings.

    python benchmarks/bench_predictors.py accuracy nb201 cifar10 --reps 5
    python benchmarks/bench_predictors.py accuracy nbgraph cora --sizes 50,100,500,1563 --reps 3
    python benchmarks/bench_predictors.py combos nb201 cifar10   # which ensemble members
    python benchmarks/bench_predictors.py timing            # fit + predict all archs at 500

``accuracy`` writes ``data/predictors/<space>__<dataset>__<metric>.parquet`` (every row of
:func:`nasbench.predictors.evaluate`, default class-grouped split) and an SVG plot next to it,
and prints two Kendall tau tables: over the test cells (``kendall_tau``) and with each test
isomorphism class counted once (``kendall_tau_class``). ``--split random`` runs the older
protocol (files get a ``__random`` suffix). ``--predictor-sizes gin=10,25,50`` restricts a
slow predictor to some sizes (reduced configurations, labelled in the printout).
``combos`` fits each member once per split and scores every average of members (the
evidence for the ``ensemble`` default). ``timing`` fits each predictor on 500 archs
of NB201 cifar10 and predicts all 15,625, in a fresh process per predictor (so encoding /
graph caches start cold), and prints wall seconds and the 1-minute load average (the
machine is shared: read timings with it).

BLAS is pinned to one thread (OPENBLAS_NUM_THREADS=1) unless set: on a shared 2-core
machine multi-threaded eigendecompositions were 2-8x slower, not faster.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "predictors"
DEFAULT = "mean,ridge,xgb,gp,wl_gp,gin,gcn,ensemble"


def accuracy(args: argparse.Namespace) -> None:
    import nasbench
    from nasbench.predictors import evaluate
    from nasbench.predictors._evaluate import summarize
    from nasbench.predictors._plot import plot_svg

    db = nasbench.open()
    table = db.table(args.space, args.dataset)
    metric = args.metric or table.metrics[0]
    sizes = [int(s) for s in args.sizes.split(",")]
    names = args.predictors.split(",")
    limits = {}
    for item in filter(None, (args.predictor_sizes or "").split(";")):
        name, _, values = item.partition("=")
        limits[name] = {int(v) for v in values.split(",")}

    def progress(row: dict) -> None:
        print(f"{row['predictor']:>14} n={row['train_size']:<5} rep={row['repetition']} "
              f"tau={row['kendall_tau']:.3f} tau_class={row['kendall_tau_class']:.3f} "
              f"fit={row['fit_seconds']:.2f}s load={row['load_avg']:.1f}", flush=True)

    import pandas as pd

    parts = []
    free = [n for n in names if n not in limits]
    if free:
        parts.append(evaluate(table, free, train_sizes=sizes, repetitions=args.reps,
                              metric=metric, seed=args.seed, test_size=args.test_size,
                              progress=progress, split=args.split))
    for name, allowed in limits.items():  # same splits and seeds: evaluate is deterministic
        parts.append(evaluate(table, [name], train_sizes=sorted(allowed & set(sizes)),
                              repetitions=args.reps, metric=metric, seed=args.seed,
                              test_size=args.test_size, progress=progress, split=args.split,
                              noise_ceiling=not free))
    df = pd.concat(parts, ignore_index=True)
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"{table.space_name}__{table.dataset}__{metric}"
    if args.split != "class":
        stem += f"__{args.split}"
    df.to_parquet(OUT / f"{stem}.parquet", index=False)
    plot_svg(df, OUT / f"{stem}.svg", "kendall_tau",
             title=f"{table.space_name}/{table.dataset} {metric}: Kendall tau ({args.split} split)")
    label = (f"{table.space_name}/{table.dataset} {metric}, split={args.split}, "
             f"reps={args.reps}, sizes={args.sizes}"
             + (f", restricted: {args.predictor_sizes}" if limits else ""))
    print(f"# {label}")
    print("# Kendall tau over the test cells (each cell counts once):")
    print(summarize(df).to_string())
    print("# Kendall tau with each test isomorphism class counted once (smallest-key member):")
    print(summarize(df, "kendall_tau_class").to_string())
    print("# test cells / test classes (mean over repetitions):")
    print(df.groupby("train_size")[["n_test", "n_test_classes"]].mean().round(0).to_string())
    print(summarize(df, "fit_seconds").to_string())


_TIMING = """
import json, os, sys, time
import numpy as np
import nasbench
from nasbench.predictors import create, score
from nasbench.predictors._evaluate import arch_groups
name = sys.argv[1]
t = nasbench.open().table("nb201", "cifar10")
archs = t.archs()
y = t.array("val_acc")
rows = np.random.default_rng(0).choice(len(archs), 500, replace=False)
load = os.getloadavg()[0]
t0 = time.perf_counter()
model = create(name, t.space, seed=0).fit([archs[i] for i in rows], y[rows])
t1 = time.perf_counter()
pred = model.predict(archs)
t2 = time.perf_counter()
groups = arch_groups(t.space, t.keys)
unseen = ~np.isin(groups, groups[rows])  # cells of classes with no training member
print(json.dumps({"predictor": name, "fit_s": t1 - t0, "predict_all_s": t2 - t1,
                  "total_s": t2 - t0, "kendall_tau_all": score(pred, y)["kendall_tau"],
                  "kendall_tau_unseen": score(pred[unseen], y[unseen])["kendall_tau"],
                  "load_avg": load}))
"""


def timing(args: argparse.Namespace) -> None:
    rows = []
    for name in args.predictors.split(","):
        out = subprocess.run([sys.executable, "-c", _TIMING, name], capture_output=True,
                             text=True, check=True, env=os.environ.copy())
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{name:>10}: fit {row['fit_s']:6.2f} s  predict 15,625 {row['predict_all_s']:6.2f}"
              f" s  total {row['total_s']:6.2f} s  (tau all {row['kendall_tau_all']:.3f}, "
              f"unseen classes {row['kendall_tau_unseen']:.3f}, load {row['load_avg']:.1f})",
              flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    (OUT / "timing_nb201_cifar10_500.json").write_text(
        json.dumps({"date": stamp, "cpu_count": os.cpu_count(), "rows": rows}, indent=1) + "\n")


def combos(args: argparse.Namespace) -> None:
    """Kendall tau of every average of 2+ members, each member fitted once per split."""
    import itertools

    import numpy as np
    import pandas as pd

    import nasbench
    from nasbench.predictors import create, kendall_tau, score
    from nasbench.predictors._evaluate import splits

    table = nasbench.open().table(args.space, args.dataset)
    metric = table.metrics[0]
    members = args.predictors.split(",")
    archs = table.archs()
    rows = []
    sizes = [int(s) for s in args.sizes.split(",")]
    for sp in splits(table, metric, sizes, args.reps, seed=args.seed, test_size=args.test_size,
                     split=args.split):
        fit_seed = int(np.random.default_rng([args.seed, sp.repetition, 1]).integers(2**31))
        train = [archs[i] for i in sp.train_rows]
        test = [archs[i] for i in sp.test_rows]
        preds = {m: create(m, table.space, seed=fit_seed).fit(train, sp.train_labels)
                 .predict(test) for m in members}
        for k in range(1, len(members) + 1):
            for combo in itertools.combinations(members, k):
                pred = np.mean([preds[m] for m in combo], axis=0)
                tau = score(pred, sp.test_labels, table.direction(metric))["kendall_tau"]
                rep = sp.class_rep
                rows.append({"members": "+".join(combo), "train_size": sp.train_size,
                             "repetition": sp.repetition, "split": sp.split,
                             "kendall_tau": tau,
                             "kendall_tau_class": kendall_tau(pred[rep], sp.test_labels[rep])})
        print(f"n={sp.train_size} rep={sp.repetition} done", flush=True)
    df = pd.DataFrame(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_parquet(OUT / f"{table.space_name}__{table.dataset}__{metric}__combos.parquet",
                  index=False)
    for value in ("kendall_tau", "kendall_tau_class"):
        summary = df.groupby(["members", "train_size"])[value].mean().unstack().round(3)
        print(f"# {value} ({args.split} split, {args.reps} reps)")
        print(summary.sort_values(summary.columns[-1], ascending=False).to_string())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("accuracy")
    a.add_argument("space")
    a.add_argument("dataset")
    a.add_argument("--metric", default=None)
    a.add_argument("--predictors", default=DEFAULT)
    a.add_argument("--sizes", default="10,25,50,100,200,500,1000,1563")
    a.add_argument("--reps", type=int, default=5)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--test-size", type=int, default=None)
    a.add_argument("--split", default="class", choices=("class", "random"))
    a.add_argument("--predictor-sizes", default=None,
                   help="restrict slow predictors to some sizes: 'gin=10,50;gcn=10,50'")
    c = sub.add_parser("combos")
    c.add_argument("space")
    c.add_argument("dataset")
    c.add_argument("--predictors", default="gp,wl_gp,xgb,gin")
    c.add_argument("--sizes", default="50,100,500,1563")
    c.add_argument("--reps", type=int, default=3)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--test-size", type=int, default=None)
    c.add_argument("--split", default="class", choices=("class", "random"))
    t = sub.add_parser("timing")
    t.add_argument("--predictors", default="xgb,wl_gp,gp,gin,gcn,ensemble")
    args = p.parse_args()
    {"accuracy": accuracy, "combos": combos, "timing": timing}[args.cmd](args)


if __name__ == "__main__":
    main()
