"""Figures of the shipped hardware tables, as quoted in docs/hardware.md.

Run: ``.venv/bin/python benchmarks/report_hardware_tables.py`` (needs a built store for the
published NB201 latency column: ``nasbench build``). For every family (file) and batch size:
cells measured, median and range of the value, spread within a measurement (IQR / median),
repeatability (pass 2 against pass 1), Spearman correlation with the published NB201
``latency`` column, with our FLOPs and with the number of ``avg_pool_3x3`` edges. Then the
GPU energy checks: one-period against ten-period windows (pass 3) and the cross-run agreement
of the two H100 runs on the cells both measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import nasbench
from nasbench.hardware import (
    cost_table,
    estimate_energy_table,
    read_hardware_tables,
    repeatability,
)
from nasbench.hardware._tables import from_gpu_script

RUNS = "data/hardware/runs"


def _spearman(a: pd.Series, b: pd.Series) -> float:
    return float(a.rank().corr(b.rank()))


def main() -> None:
    raw = read_hardware_tables(propagated=False)
    raw["family"] = raw["toolchain"].str.contains("graph").map({True: "graph", False: ""})
    raw["family"] = raw["device"].str.split(":").str[0] + " " + raw["family"]
    t = nasbench.open().table("nb201", "cifar10")
    published = pd.Series(t.array("latency"), index=t.arch_strings())
    print("family | metric | batch | cells | median | range | IQR/median | repeat n | "
          "repeat median |diff| | repeat within 5% | rho published latency | rho FLOPs | "
          "rho avg_pool count")
    for (fam, metric, batch), g in raw.groupby(["family", "metric", "batch_size"]):
        main_rows = g[g["pass"] == 1]
        cells = np.array([[int(ch) for ch in c] for c in main_rows["cell"]])
        flops = pd.Series(cost_table(cells)["flops"], index=main_rows.index)
        pools = main_rows["cell"].str.count("4")
        value = main_rows["value"]
        spread = ((main_rows["q75"] - main_rows["q25"]) / value).median()
        rep = repeatability(g, metric=metric)
        rep_txt = (f"{int(rep['n'].iloc[0])} | {rep['median_abs_diff'].iloc[0]:.2%} | "
                   f"{rep['within_5pct'].iloc[0]:.0%}") if len(rep) else "- | - | -"
        pub = published.loc[main_rows["arch"]].to_numpy()
        print(f"{fam} | {metric} | {batch} | {main_rows['cell'].nunique()} | "
              f"{value.median():.4g} | {value.min():.3g}-{value.max():.3g} | {spread:.1%} | "
              f"{rep_txt} | {_spearman(value, pd.Series(pub, index=value.index)):.2f} | "
              f"{_spearman(value, flops):.2f} | {_spearman(value, pools):.2f}")
    graph = raw[raw["family"] == "cuda graph"]
    energy = graph[(graph["metric"] == "energy") & (graph["batch_size"] == 64)]
    for metric in ("energy", "energy_above_idle"):
        e = graph[(graph["metric"] == metric) & (graph["batch_size"] == 64)]
        one = e[e["pass"] == 1].set_index("cell")["value"]
        ten = e[e["pass"] == 3].set_index("cell")["value"]
        rel = ten / one.loc[ten.index] - 1
        print(f"{metric} b64: 10-period vs 1-period windows on {len(ten)} cells: median "
              f"{rel.median():+.2%}, median |diff| {rel.abs().median():.2%}")
    lat = graph[(graph["metric"] == "latency") & (graph["pass"] == 1)]
    per = energy[energy["pass"] == 1].set_index("cell")["value"]
    b64 = lat[lat["batch_size"] == 64].set_index("cell")["value"]
    watts = per / b64.loc[per.index]
    print(f"H100 b64 mean board power while busy: median {watts.median():.0f} W "
          f"(range {watts.min():.0f}-{watts.max():.0f})")
    above = graph[(graph["metric"] == "energy_above_idle") & (graph["batch_size"] == 64)
                  & (graph["pass"] == 1)].set_index("cell")["value"]
    est = pd.Series(estimate_energy_table(
        np.array([[int(ch) for ch in c] for c in above.index]), batch_size=64), index=above.index)
    print(f"H100 b64 above-idle energy / analytic 45 nm estimate: median "
          f"{(above / est).median():.1f}x (5-95%: {(above / est).quantile(0.05):.1f}-"
          f"{(above / est).quantile(0.95):.1f}x), Spearman {_spearman(above, est):.2f}")
    run = f"{RUNS}/2026-11-26_h100_cudagraph_energy"
    windows = pd.read_csv(f"{run}/energy.csv", dtype={"cell": str})
    alone = pd.read_csv(f"{run}/latency.csv", dtype={"cell": str})
    both = windows.merge(alone, on=["cell", "batch_size", "pass"])
    print(f"GPU seconds per replay inside the energy windows / isolated replay latency: median "
          f"{(both['time_per_forward_s'] / both['median_s']).median():.3f} "
          f"({len(both)} windows)")
    other = from_gpu_script(run)
    other = other[(other["metric"] == "latency") & (other["pass"] == 1)]
    for batch, g in other.groupby("batch_size"):
        mine = lat[lat["batch_size"] == batch].set_index("cell")["value"]
        theirs = g.set_index("cell")["value"]
        common = mine.index.intersection(theirs.index)
        rel = theirs.loc[common] / mine.loc[common] - 1
        print(f"latency b{batch}, energy run vs latency run (separate leases) on "
              f"{len(common)} cells: median {rel.median():+.2%}, median |diff| "
              f"{rel.abs().median():.2%}, within 5% {(rel.abs() < 0.05).mean():.0%}")


if __name__ == "__main__":
    main()
