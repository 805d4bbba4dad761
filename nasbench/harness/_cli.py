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

DEFAULT_OPTIMIZERS = "rs,rea,ls,de,bo_wl,bo_zc,np,bananas"
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
                   help=f"comma-separated registry names, import paths (pkg.module:Class), "
                        f"adapters (optuna:TPESampler) or installed 'nasbench.optimizers' "
                        f"entry points (default {DEFAULT_OPTIMIZERS})")
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
    s.add_argument("--ray-address", default=None,
                   help="with --executor ray: connect to this existing Ray cluster (default "
                        "$RAY_ADDRESS; without either a local instance listening on "
                        "127.0.0.1 only is started)")
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
    s.add_argument("--quiet", action="store_true",
                   help="no progress bars (they show only on a terminal anyway)")
    if "--home" not in s._option_string_actions:
        s.add_argument("--home", help="store home (default: $NASBENCH_HOME)")
    return s


def parse_params(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["rea.population=20"]`` -> ``{"rea": {"population": 20}}`` (ints, floats, text)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        opt, dot, name = key.rpartition(".")  # "pkg.mod:Class.n=3": the last dot
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
    from nasbench.harness._digest import digest_runs
    from nasbench.harness._report import write_report
    from nasbench.harness._runner import GridSpec, count_results, run_missing

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
    from nasbench.harness._run import MAX_SEED
    from nasbench.harness._runner import MAX_JOBS, MAX_SEEDS, lock_output, validate

    if not 1 <= args.seeds <= MAX_SEEDS:
        raise CompareUsageError(f"--seeds must be from 1 to {MAX_SEEDS:,}. Got {args.seeds}.")
    if not 0 <= args.first_seed <= MAX_SEED - args.seeds + 1:
        raise CompareUsageError(f"--first-seed must be from 0 to 2**63 - --seeds. Got "
                                f"{args.first_seed}.")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise CompareUsageError(f"--jobs must be from 1 to {MAX_JOBS}. Got {args.jobs}.")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    allow = bool(getattr(args, "allow_test_metric", False))
    spec = GridSpec(optimizers, tables, seeds, args.budget, args.unit, args.workers, params,
                    metric=getattr(args, "metric", None), allow_test_metric=allow)
    objectives = getattr(args, "objectives", "val_acc:max,latency:min")
    validate(spec, args.home)  # everything before anything is written
    mo_names = _check_mo(args.mo, objectives, args.budget) if args.mo else []
    with lock_output(args.out):
        run_missing(spec, args.out, jobs=args.jobs, executor=args.executor, home=args.home,
                    ray_address=getattr(args, "ray_address", None),
                    quiet=True if getattr(args, "quiet", False) else None)
        runs = Path(args.out) / "runs"
        if args.no_report:
            print(f"{count_results(args.out, optimizers, tables, seeds)} trajectory rows in "
                  f"{runs}")
            return
        # The report reads the runs one cell file at a time and keeps a digest (final rows,
        # compact curves), so its memory is bounded by the largest cell file rather than the
        # row count; there is no row limit beyond the grid's own (runner.MAX_GRID_ROWS).
        # benchmarks/bench_report_memory.py measures it.
        dig = digest_runs(args.out, optimizers, tables, seeds, unit=args.unit)
        print(f"{dig.rows} trajectory rows in {runs}")
        db = nasbench.open(args.home, build=False)
        mo = _run_mo(",".join(mo_names), db, tables, seeds, args.budget, objectives, allow,
                     quiet=bool(getattr(args, "quiet", False))) if mo_names else None
        md_path, html_path = write_report(dig, args.out, db, mo=mo,
                                          title=f"nasbench compare: {', '.join(tables)}")
    from nasbench.harness._analysis import analyse_finals

    an = analyse_finals(dig.finals, db, dig.metrics, unit=args.unit)
    for line in an.verdicts.values():
        print(line)
    _print_scores(an)
    print(f"report: {md_path} and {html_path}")


def _print_scores(an: Any) -> None:
    """The score table of every table, as in the report (fewer columns, to fit a terminal)."""
    from nasbench.harness._report import _score_table, markdown_table

    keep = ("optimizer", "seeds", "median", "sd", "RI %", "AUC", "P(beat RS)", "Holm p")
    for table in dict.fromkeys(an.summary["table"]):
        st = _score_table(an, str(table))
        st = st[[c for c in st.columns if c.startswith(keep)]]
        print(f"\n{table}\n{markdown_table(st)}")


def _check_mo(names: str, objectives: str, budget: float) -> list[str]:
    """The --mo names, checked (multi-objective registry names) with --objectives."""
    from nasbench.harness._mo import parse_objectives
    from nasbench.harness._registry import get_optimizer
    from nasbench.harness._run import MAX_EVALS

    out = [n.strip() for n in names.split(",") if n.strip()]
    for name in out:
        cls = get_optimizer(name)  # adapters (optuna:...) carry a multi-objective twin
        if not getattr(getattr(cls, "multi_objective_variant", cls), "multi_objective", False):
            raise CompareUsageError(f"--mo names {name!r}, a single-objective optimizer; "
                                    "give it with --optimizers.")
    try:
        parse_objectives(objectives)
    except ValueError as exc:
        raise CompareUsageError(f"--objectives: {exc}") from None
    if int(budget) != budget or budget > MAX_EVALS:
        raise CompareUsageError(f"--mo runs take a budget in evaluations, an int up to "
                                f"{MAX_EVALS:,}. Got {budget:g}.")
    return out


def _run_mo(names: str, db: Any, tables: list[str], seeds: list[int], budget: float,
            objectives: str = "val_acc:max,latency:min", allow_test_metric: bool = False,
            quiet: bool = False) -> Any:
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
                              allow_test_metric=allow_test_metric,
                              progress=False if quiet else None) for s in seeds]
    return pd.concat(frames, ignore_index=True) if frames else None
