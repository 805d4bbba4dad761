"""``demo_comparison``: a short, real comparison for the end of ``make demo``."""

from __future__ import annotations

import time
from typing import Any

DEMO_OPTIMIZERS = ("rs", "rea", "ls", "de")
DEMO_TABLES = (("nb201", "cifar10"), ("nbgraph", "cora"))


def demo_comparison(db: Any, seeds: int = 30, budget: int = 100) -> str:
    """Compare rs, rea, ls and de on NB201 cifar10 and NAS-Bench-Graph cora (``seeds`` runs
    of ``budget`` evaluations each, honest protocol) and return a short text summary with
    median scores, RI, P(beat random search), Holm-adjusted Wilcoxon p-values and test
    accuracy where the table has it. Takes a few seconds."""
    import pandas as pd

    from nasbench.harness._analysis import analyse
    from nasbench.harness._run import run_seeds

    t0 = time.perf_counter()
    frames = [run_seeds(name, db.table(space, dataset), budget, range(seeds))
              for space, dataset in DEMO_TABLES for name in DEMO_OPTIMIZERS]
    an = analyse(pd.concat(frames, ignore_index=True), db)
    secs = time.perf_counter() - t0
    lines = [f"Fair comparison: {len(DEMO_OPTIMIZERS)} optimizers x {len(DEMO_TABLES)} tables "
             f"x {seeds} seeds x {budget} evaluations ({secs:.1f} s). The optimizer sees one "
             "random training seed's validation accuracy per evaluation, never test values."]
    for table, g in an.summary.groupby("table", sort=False):
        lines.append(f"  {table}")
        lines.append(f"    {'optimizer':9s} {'median':>8s} {'RI %':>6s} {'P(beat RS)':>10s} "
                     f"{'Holm p':>8s} {'test':>7s}")
        for r in g.itertuples():
            holm_p = "-" if r.optimizer == an.baseline else f"{r.holm_p:.1e}"
            test = "-" if r.test != r.test else f"{r.test:.2f}"
            lines.append(f"    {r.optimizer:9s} {r.median:8.3f} {r.ri:6.2f} {r.p_beat_rs:10.2f} "
                         f"{holm_p:>8s} {test:>7s}")
    lines += [f"  {v}" for v in an.verdicts.values()]
    return "\n".join(lines)
