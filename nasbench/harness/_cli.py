"""``nasbench compare``: run an (optimizer x table x seed) grid and write the report.

Wiring (in ``nasbench/cli.py``)::

    from nasbench.harness import _cli as compare_cli
    compare_cli.add_parser(sub, parents=[common])      # while building the parser
    ...
    if args.command == "compare":
        compare_cli.run(args)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nasbench.errors import NasbenchError

DEFAULT_OPTIMIZERS = "rs,rea,ls,de,bo_wl,np,bananas"
DEFAULT_TABLES = "nb201/cifar10,nb201/cifar100,nb201/imagenet16-120"


class CompareUsageError(NasbenchError, ValueError):
    """Bad ``nasbench compare`` arguments."""


def add_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()
               ) -> argparse.ArgumentParser:
    """Add the ``compare`` sub-command to ``subparsers``; returns its parser."""
    from nasbench.harness._engine import UNITS
    from nasbench.harness._runner import EXECUTORS

    s = subparsers.add_parser(
        "compare", parents=list(parents),
        help="compare search algorithms on tables (honest protocol, report)",
        description="Run every optimizer on every table for every seed under the honest "
                    "protocol, save trajectories to Parquet (resumable: rerun the same "
                    "command after a crash) and write report.md / report.html.")
    s.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS,
                   help=f"comma-separated registry names (default {DEFAULT_OPTIMIZERS})")
    s.add_argument("--tables", default=DEFAULT_TABLES,
                   help=f"comma-separated space/dataset (default {DEFAULT_TABLES})")
    s.add_argument("--seeds", type=int, default=20, help="number of seeds, 0..N-1 (default 20)")
    s.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    s.add_argument("--budget", type=float, default=200,
                   help="evaluations, or simulated seconds with --unit seconds (default 200)")
    s.add_argument("--unit", choices=UNITS, default="evals")
    s.add_argument("--workers", type=int, default=1,
                   help="simulated asynchronous workers per run (default 1)")
    s.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="local processes running cells (default: CPU count)")
    s.add_argument("--executor", choices=EXECUTORS, default="process")
    s.add_argument("--out", default="nasbench-compare", help="output folder")
    s.add_argument("--param", action="append", default=[], metavar="OPT.NAME=VALUE",
                   help="optimizer hyper-parameter, e.g. rea.population=20 (repeatable)")
    s.add_argument("--metric", default=None,
                   help="search metric of every table (default: val_acc / val_loss)")
    s.add_argument("--allow-test-metric", action="store_true",
                   help="permit a search metric or objective whose split is 'test' (e.g. "
                        "analog_acc, test_acc); recorded in config.json and the trajectories "
                        "and stated in the report")
    s.add_argument("--mo", default="",
                   help="also run these multi-objective optimizers (e.g. mo_rs,nsga2) on the "
                        "tables that have every --objectives metric")
    s.add_argument("--objectives", default="val_acc:max,latency:min",
                   help="multi-objective objectives, METRIC:max|min comma-separated (default "
                        "val_acc:max,latency:min; aliases such as energy work; a partial "
                        "column restricts the run to the cells that have every objective)")
    s.add_argument("--no-report", action="store_true", help="skip report.md / report.html")
    if "--home" not in s._option_string_actions:
        s.add_argument("--home", help="store home (default: $NASBENCH_HOME)")
    return s


def parse_params(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["rea.population=20"]`` -> ``{"rea": {"population": 20}}`` (ints, floats, text)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        opt, dot, name = key.partition(".")
        if not (eq and dot and opt and name):
            raise CompareUsageError(f"Bad --param {item!r}: write OPTIMIZER.NAME=VALUE, e.g. "
                                    "rea.population=20.")
        out.setdefault(opt, {})[name] = _number(value)
    return out


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def run(args: argparse.Namespace) -> None:
    """Execute ``nasbench compare`` from parsed ``args``; prints verdicts and file paths."""
    import nasbench
    from nasbench.harness._report import write_report
    from nasbench.harness._runner import GridSpec, run_grid

    optimizers = [o.strip() for o in args.optimizers.split(",") if o.strip()]
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    if not optimizers or not tables or args.seeds < 1:
        raise CompareUsageError("nasbench compare needs at least one optimizer, one table and "
                                "--seeds >= 1.")
    params = parse_params(args.param)
    unknown = sorted(set(params) - set(optimizers))
    if unknown:
        raise CompareUsageError(f"--param names optimizer(s) {', '.join(unknown)} that are not "
                                f"in --optimizers ({', '.join(optimizers)}).")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    allow = bool(getattr(args, "allow_test_metric", False))
    spec = GridSpec(optimizers, tables, seeds, args.budget, args.unit, args.workers, params,
                    metric=getattr(args, "metric", None), allow_test_metric=allow)
    df = run_grid(spec, args.out, jobs=args.jobs, executor=args.executor, home=args.home)
    print(f"{len(df)} trajectory rows in {Path(args.out) / 'runs'}")
    if args.no_report:
        return
    db = nasbench.open(args.home, build=False)
    objectives = getattr(args, "objectives", "val_acc:max,latency:min")
    mo = _run_mo(args.mo, db, tables, seeds, args.budget, objectives, allow) if args.mo \
        else None
    md_path, html_path = write_report(df, args.out, db, unit=args.unit, mo=mo,
                                      title=f"nasbench compare: {', '.join(tables)}")
    from nasbench.harness._analysis import analyse

    for line in analyse(df, db, unit=args.unit).verdicts.values():
        print(line)
    print(f"report: {md_path} and {html_path}")


def _run_mo(names: str, db: Any, tables: list[str], seeds: list[int], budget: float,
            objectives: str = "val_acc:max,latency:min", allow_test_metric: bool = False
            ) -> Any:
    import pandas as pd

    from nasbench.harness._mo import parse_objectives, run_mo

    try:
        sense = parse_objectives(objectives)
    except ValueError as exc:
        raise CompareUsageError(f"--objectives: {exc}") from None
    frames = []
    for tab in tables:
        t = db.table(*tab.split("/", 1))
        if not all(m in t.metrics or m in t.aliases for m in sense):
            continue
        for name in (n.strip() for n in names.split(",") if n.strip()):
            frames += [run_mo(name, t, int(budget), seed=s, objectives=sense,
                              allow_test_metric=allow_test_metric) for s in seeds]
    return pd.concat(frames, ignore_index=True) if frames else None
