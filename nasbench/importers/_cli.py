"""``nasbench import SOURCE PATH``: read a benchmark file the user holds into the store;
``nasbench curve SPACE DATASET ARCH --metric M [--schedule S]``: a per-epoch learning curve
(imported benchmarks carry them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


def add_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Register the ``import`` command."""
    from nasbench.importers import IMPORTERS, _register

    _register()
    lines = "\n".join(f"  {name:14s} {imp.description}" for name, imp in sorted(IMPORTERS.items()))
    s = subparsers.add_parser(
        "import", parents=list(parents), help="import a benchmark file you hold",
        description="Import a benchmark file once; its tables join the store.\n\nsources:\n"
                    + (lines or "  (none installed)"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("source", help="what the file is (see the list above)")
    s.add_argument("path", help="the file or folder as the benchmark distributes it")
    s.add_argument("--no-build", action="store_true",
                   help="import only; the next `nasbench build` adds it to the store")

    c = subparsers.add_parser(
        "curve", parents=list(parents), help="per-epoch learning curve of one architecture",
        description="Print one architecture's per-epoch values of a metric (one row per "
                    "epoch; columns: epoch, then the seed mean or one column per seed).")
    c.add_argument("space")
    c.add_argument("dataset")
    c.add_argument("arch", help="the architecture in any encoding the space accepts")
    c.add_argument("--metric", default="val_acc", help="metric (default val_acc)")
    c.add_argument("--schedule", default=None,
                   help="training schedule (e.g. 12; default: the table's main schedule)")
    c.add_argument("--seed", default="mean",
                   help="'mean' (default), 'all' (one column per seed) or a seed index")


def run(args: argparse.Namespace) -> None:
    if args.command == "curve":
        _curve(args)
        return
    from nasbench.importers import import_benchmark

    out = import_benchmark(args.source, args.path, args.home, build=not args.no_build)
    state = "imported" if out["imported"] else "already imported"
    print(f"{args.source}: {state}: {len(out['tables'])} table(s) in {out['folder']}",
          file=sys.stdout)


def _curve(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    import nasbench
    from nasbench.cli import UsageError, _emit

    seed: str | int = args.seed
    if args.seed not in ("mean", "all"):
        try:
            seed = int(args.seed)
        except (ValueError, TypeError):  # argparse gives [] for "--seed=--"
            raise UsageError(f"--seed must be 'mean', 'all' or an integer. Got {args.seed!r}."
                             ) from None
    db = nasbench.open(args.home, build=None)
    table = db.table(args.space, args.dataset)
    values = table.curve(args.arch, args.metric, seed=seed, schedule=args.schedule)
    name = args.metric if args.schedule is None else f"{args.metric}@{args.schedule}"
    if values.ndim == 1:
        data = {"epoch": np.arange(len(values)), name: values}
    else:
        data = {"epoch": np.arange(values.shape[1])}
        data.update({f"{name}[seed {k}]": v for k, v in enumerate(values)})
    _emit(pd.DataFrame(data), args.format)
