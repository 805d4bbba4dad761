"""``nasbench demo``: a tour that prints real numbers from every installed benchmark."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

RESNET_LIKE = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def run_demo(db: Any) -> None:
    """Print a short tour of the store ``db`` (a :class:`nasbench.Store`)."""
    print(f"store: {db.path}")
    print(db.tables().assign(metrics=lambda d: d.metrics.map(len))
          .rename(columns={"metrics": "n_metrics"}).to_string(index=False))

    t = db.table("nb201", "cifar10")
    t0 = time.perf_counter()
    res = t.query(RESNET_LIKE, metrics=["val_acc", "params", "analog_acc"])
    dt = (time.perf_counter() - t0) * 1e6
    print(f"\nNB201 cifar10, ResNet-like cell {RESNET_LIKE}")
    print(f"  mean val_acc {res['val_acc']:.3f} %, params {res['params']:.3f} M, "
          f"AnalogNAS analog accuracy {res['analog_acc']:.2f} %  (query took {dt:.0f} us)")
    for dataset in db.datasets("nb201"):
        tab = db.table("nb201", dataset)
        acc = tab.array("val_acc")
        best = int(acc.argmax())
        base = tab.random_baseline("val_acc")
        print(f"  {dataset:15s} best mean val_acc {acc[best]:.3f} % "
              f"({tab.arch_strings()[best]}); random arch mean {base['mean']:.2f} %")

    front = t.pareto({"val_acc": "max", "latency": "min"})
    print(f"\nNB201 cifar10 Pareto front (val_acc max, published latency min): "
          f"{len(front)} archs; fastest {front['latency'].min() * 1e3:.2f} ms, "
          f"best {front['val_acc'].max():.2f} %")
    if "energy" in t.aliases:  # our own measurements (data/hardware), joined at build time
        energy = t.array("energy")
        measured = int((~np.isnan(energy)).sum())
        front = t.pareto({"val_acc": "max", "energy": "min"})
        print(f"Measured energy ({t.aliases['energy']}, {measured:,} cells): Pareto front "
              f"(val_acc max, energy min) {len(front)} archs, "
              f"{front['energy'].min():.3f}-{front['energy'].max():.3f} J per pass")

    g = db.table("nbgraph", "cora")
    top = g.to_pandas().nlargest(1, "val_acc").iloc[0]
    print(f"\nNAS-Bench-Graph cora: best val_acc {top.val_acc:.2f} % (test {top.test_acc:.2f} %) "
          f"for {top.arch}")

    df = db.sql(
        "SELECT dataset, count(*) AS n, min(val_loss) AS best_val_loss FROM ("
        "SELECT 'naval_propulsion' AS dataset, val_loss FROM fcnet_naval_propulsion UNION ALL "
        "SELECT 'protein_structure', val_loss FROM fcnet_protein_structure) "
        "GROUP BY dataset ORDER BY dataset"
    )
    print("\nHPOLib FCNet via SQL (mean over 4 seeds):")
    print(df.to_string(index=False))
    n = db.sql("SELECT count(*) AS n FROM nb201_cifar10 WHERE val_acc > $1", [90.0])["n"][0]
    print(f"\nSQL with a bound parameter: {n} NB201 cells exceed 90 % cifar10 val_acc")

    try:
        from nasbench.harness import demo_comparison
    except ImportError:  # the harness subpackage is not installed
        return
    print("\nSearch algorithms vs random search (honest protocol: one random training seed "
          "per evaluation, never test data):")
    print(demo_comparison(db))
