"""``nasbench predictors evaluate`` and ``nasbench surrogates build``.

``nasbench/cli.py`` calls :func:`add_parser` with its subparsers (and its common parent
parser, which supplies ``--home`` and ``--format``) and hands matching commands to :func:`run`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nasbench.errors import NasbenchError
from nasbench.predictors._evaluate import DEFAULT_TRAIN_SIZES

COMMANDS = ("predictors", "surrogates")


class PredictorsUsageError(NasbenchError, ValueError):
    """Bad ``nasbench predictors`` / ``surrogates`` arguments."""


class MissingDependencyError(NasbenchError, ImportError):
    """A predictor needs a package that is not installed."""


def _target(path: str | None, flag: str) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path is None:
        return
    target = Path(path)
    if not path or target.is_dir() or not target.parent.is_dir() or (
            target.exists() and not target.is_file()):
        raise PredictorsUsageError(f"{flag} {path[:200]!r} is a folder, not a regular file, "
                                   "or lies in a folder that does not exist.")


def add_parser(subparsers: Any, parents: tuple[argparse.ArgumentParser, ...] = ()) -> None:
    """Register the ``predictors`` and ``surrogates`` command groups."""
    p = subparsers.add_parser("predictors", parents=list(parents),
                              help="evaluate performance predictors under one protocol")
    sub = p.add_subparsers(dest="predictors_command", required=True)
    e = sub.add_parser("evaluate", parents=list(parents),
                       help="fit predictors on growing train sets, score on held-out archs")
    e.add_argument("space")
    e.add_argument("dataset")
    e.add_argument("--metric", default=None, help="target metric (default: the first one)")
    e.add_argument("--predictors", default="mean,ridge,xgb,gp,wl_gp",
                   help="comma-separated predictor names (default mean,ridge,xgb,gp,wl_gp)")
    e.add_argument("--train-sizes", default=",".join(map(str, DEFAULT_TRAIN_SIZES)),
                   help="comma-separated train sizes")
    e.add_argument("--repetitions", type=int, default=5, help="random splits per size")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--test-size", type=int, default=None,
                   help="score on a fixed sample of this many never-trained archs")
    e.add_argument("--split", default="class", choices=("class", "random"),
                   help="class (default): no test arch is isomorphic to a training arch; "
                        "random: the older protocol, isomorphic copies are scored too")
    e.add_argument("--value", default="kendall_tau",
                   help="metric for the table and plot (kendall_tau_class: each test "
                        "isomorphism class counted once)")
    e.add_argument("--out", default=None, help="write all rows to this Parquet file")
    e.add_argument("--plot", default=None,
                   help="write a plot to this path: .svg (hand-drawn, no dependency) or "
                        ".png / .pdf (matplotlib, 300 dpi, one-column size)")
    e.add_argument("--quiet", action="store_true",
                   help="no progress bar (shown only on a terminal anyway)")

    s = subparsers.add_parser("surrogates", parents=list(parents),
                              help="surrogate-predicted tables")
    ssub = s.add_subparsers(dest="surrogates_command", required=True)
    b = ssub.add_parser("build", parents=list(parents),
                        help="train a predictor per metric, predict every arch (darts: "
                             "served by the model for any genotype)")
    b.add_argument("space")
    b.add_argument("dataset")
    b.add_argument("--metrics", default=None,
                   help="comma-separated (default: the benchmark's own metrics; darts: "
                        "val_acc, train_time, params)")
    b.add_argument("--predictor", default="xgb", help="predictor name (default xgb)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--sample", type=int, default=0,
                   help="darts: also predict this many genotypes drawn uniformly from the "
                        "whole space and store them as rows (the harness searches the rows)")
    b.add_argument("--out-dir", default=None,
                   help="root folder (default: <store home>/surrogates, which the store "
                        "serves after the rebuild this command runs)")


def run(args: argparse.Namespace) -> None:
    """Run a ``predictors`` or ``surrogates`` command parsed by :func:`add_parser`."""
    import nasbench

    if args.command == "predictors":
        from nasbench.predictors._metrics import METRICS

        values = (*METRICS, "kendall_tau_class")
        if args.value not in values:
            from nasbench.errors import unknown_choice_message

            raise PredictorsUsageError(unknown_choice_message("--value", args.value, values))
        _target(args.out, "--out")
        _target(args.plot, "--plot")
    db = nasbench.open(getattr(args, "home", None), build=None)
    if args.command == "predictors":
        try:
            _evaluate(db, args)
        except ImportError as exc:
            raise MissingDependencyError(str(exc).splitlines()[0] if str(exc) else
                                         "A predictor needs a package that is not "
                                         "installed.") from None
    else:
        from nasbench.predictors._surrogates import build_surrogates

        metrics = args.metrics.split(",") if args.metrics else None
        _check_predictors([args.predictor])
        from nasbench.predictors._served import MODEL_SERVED

        if args.space in MODEL_SERVED and args.space not in db.spaces:
            raise PredictorsUsageError(f"The store at {db.home} has no {args.space} table: "
                                       "import NAS-Bench-301's training data first (`nasbench "
                                       "import nb301 PATH`).")
        table = db.table(args.space, args.dataset)  # unknown space / dataset: before writing
        for m in metrics or ():
            if m not in table.metrics:
                from nasbench.errors import UnknownMetricError, unknown_choice_message

                raise UnknownMetricError(unknown_choice_message(
                    f"metric for table {args.space}/{args.dataset}:", m, table.metrics))
        if args.out_dir is not None and (not args.out_dir or (
                Path(args.out_dir).exists() and not Path(args.out_dir).is_dir())):
            raise PredictorsUsageError(f"--out-dir {args.out_dir[:200]!r} is not a folder.")
        folder = build_surrogates(db, args.space, args.dataset, metrics,
                                  predictor=args.predictor, seed=args.seed,
                                  sample=args.sample,
                                  out_dir=None if args.out_dir is None else
                                  str(Path(args.out_dir).resolve()))  # "a:b" is no URI
        print(f"wrote {folder}")
        if args.out_dir is None:  # the store serves <home>/surrogates: rebuild to add it
            from nasbench.store import build

            build(db.home)


def _evaluate(db: Any, args: argparse.Namespace) -> None:
    from nasbench.predictors._evaluate import evaluate, summarize

    table = db.table(args.space, args.dataset)
    sizes = [_int(x, "--train-sizes") for x in args.train_sizes.split(",") if x.strip()]
    names = [x.strip() for x in args.predictors.split(",") if x.strip()]
    _check_predictors(names)

    from nasbench.harness._progress import bar

    # one bar over every fit (predictors x train sizes x repetitions) with ETA; each finished
    # fit is written above it
    fits = bar(len(names) * len(sizes) * int(args.repetitions), "fits", unit="fit",
               progress=False if getattr(args, "quiet", False) else None, delay=0.0)

    def progress(row: dict[str, Any]) -> None:
        line = (f"  {row['predictor']:>14} n={row['train_size']:<5} rep={row['repetition']} "
                f"{args.value}={row.get(args.value, float('nan')):.3f} "
                f"fit={row['fit_seconds']:.2f}s")
        if hasattr(fits, "write"):
            fits.write(line, file=sys.stderr)
        elif not getattr(args, "quiet", False):
            print(line, file=sys.stderr)
        fits.set_postfix_str(f"last: {row['predictor']} n={row['train_size']}",
                             refresh=False)
        fits.update(1)

    try:
        results = evaluate(table, names, train_sizes=sizes, repetitions=args.repetitions,
                           metric=args.metric, seed=args.seed, test_size=args.test_size,
                           progress=progress, split=args.split)
    finally:
        fits.close()
    if args.out:
        from nasbench.store import atomic_path

        with atomic_path(args.out) as tmp:
            results.to_parquet(tmp, index=False)
    if args.plot:
        title = (f"{table.space_name}/{table.dataset} {results['metric'].iloc[0]}: "
                 f"{args.value} ({args.split} split)")
        plot = Path(args.plot)
        if plot.suffix.lower() in (".png", ".pdf"):  # paper figure (pip install matplotlib)
            from nasbench.harness import _plots

            fig = _plots.tau_vs_train_size(results, args.value, title)
            _plots.save(fig, plot.with_suffix(""), formats=[plot.suffix.lower()[1:]])
        else:
            from nasbench.predictors._plot import plot_svg

            plot_svg(results, plot, args.value, title=title)
    summary = summarize(results, args.value).reset_index()
    summary.columns = [str(c) for c in summary.columns]
    fmt = getattr(args, "format", "table")
    if fmt == "csv":
        sys.stdout.write(summary.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(summary.to_json(orient="records", indent=1) + "\n")
    else:
        print(summary.to_string(index=False))


#: Optional packages of predictor modules, checked before any work is done.
_NEEDS = {"nasbench.predictors._xgb": "xgboost", "nasbench.predictors._neural": "torch"}


def _check_predictors(names: list[str]) -> None:
    """Unknown names and missing optional packages fail before the first fit."""
    import importlib

    from nasbench.errors import unknown_choice_message
    from nasbench.predictors._registry import PREDICTORS

    if not names:
        raise PredictorsUsageError("--predictors needs at least one predictor name.")
    for name in names:
        cls = PREDICTORS.get(name)
        if cls is None:
            raise PredictorsUsageError(unknown_choice_message("predictor", name, PREDICTORS))
        module = _NEEDS.get(getattr(cls, "__module__", ""))
        if module is not None:
            try:
                importlib.import_module(module)
            except ImportError:
                raise MissingDependencyError(f"Predictor {name!r} needs {module}: pip install "
                                             f"'nasbench[{module}]'.") from None


def _int(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PredictorsUsageError(f"{flag} must hold integers. Got {text[:60]!r}.") from None
