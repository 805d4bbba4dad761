"""The ``nasbench`` command line: info, query, sql, pareto, build, demo.

Every error a user can cause prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from nasbench.errors import NasbenchError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "csv", "json")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"nasbench: error: {message} (see nasbench --help)\n")


class UsageError(NasbenchError, ValueError):
    """Bad command-line input."""


class VerifyError(NasbenchError, RuntimeError):
    """``nasbench verify`` found damaged files (exit status 1)."""


def _common(defaults: bool) -> _Parser:
    """The options every command takes, before or after the command name.

    The top-level copy holds the defaults; the subcommands' copies default to SUPPRESS, so
    an option given before the command is not overwritten by the subparser's default.
    """
    common = _Parser(add_help=False)
    common.add_argument("--home", default=None if defaults else argparse.SUPPRESS,
                        help="store home (default: $NASBENCH_HOME or ~/.cache/nasbench)")
    common.add_argument("--format", choices=FORMATS,
                        default="table" if defaults else argparse.SUPPRESS,
                        help="output format (table: rounded for reading; csv and json: exact)")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)
    p = _Parser(prog="nasbench", description="Tabular NAS benchmarks: query, SQL, Pareto fronts.",
                parents=[_common(defaults=True)])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("info", parents=[common], help="list tables, or describe one table")
    s.add_argument("space", nargs="?")
    s.add_argument("dataset", nargs="?")

    s = sub.add_parser("query", parents=[common], help="metrics of architectures")
    s.add_argument("space")
    s.add_argument("dataset")
    s.add_argument("archs", nargs="+", help="architectures in any encoding the space accepts")
    s.add_argument("--metrics", help="comma-separated metric names, or 'all' (default: the "
                   "table's main metrics)")
    s.add_argument("--seed", default="mean", help="'mean' (default) or a seed index")
    s.add_argument("--encoding", default=None,
                   help="how to read ARCHS, e.g. official_index or naslib (see nasbench convert "
                        "--help; default: the space's bare forms)")
    s.add_argument("--schedule", default=None,
                   help="training schedule of the metrics (e.g. 12: the <metric>@12 columns; "
                        "default: the main schedule); without --metrics: all its columns")

    s = sub.add_parser("sql", parents=[common], help="one read-only SELECT over the store")
    s.add_argument("query")
    s.add_argument("--param", action="append", default=[], help="value for $1, $2, ... in order")
    s.add_argument("--timeout", type=float, default=30.0,
                   help="seconds before the query is interrupted (default 30)")
    s.add_argument("--max-rows", type=int, default=1_000_000,
                   help="refuse results with more rows (default 1,000,000)")

    s = sub.add_parser("pareto", parents=[common], help="non-dominated architectures")
    s.add_argument("space")
    s.add_argument("dataset")
    s.add_argument("--objectives", default="val_acc:max,latency:min",
                   help="comma-separated metric:max|min (default val_acc:max,latency:min)")
    s.add_argument("--limit", type=int, default=None, help="print at most this many rows")

    s = sub.add_parser("build", parents=[common], help="build the store from installed packages")
    s.add_argument("--force", action="store_true", help="rebuild even if up to date")

    s = sub.add_parser("verify", parents=[common],
                       help="check every store file against the catalog's checksums")
    s.add_argument("--full", action="store_true",
                   help="re-hash every byte (default: sizes only)")

    sub.add_parser("demo", parents=[common], help="print real numbers from every benchmark")
    for module in dict.fromkeys(_plugins().values()):  # each module once, in order
        module.add_parser(sub, parents=(common,))
    return p


def _plugins() -> dict[str, Any]:
    """Subcommands that live with their subpackage: command name -> module."""
    import importlib

    out: dict[str, Any] = {}
    for commands, name in ((("predictors", "surrogates"), "nasbench.predictors._cli"),
                           (("compare",), "nasbench.harness._cli"),
                           (("profile",), "nasbench.hardware._cli"),
                           (("convert",), "nasbench.spaces._cli"),
                           (("import", "curve"), "nasbench.importers._cli")):
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a subpackage that is not installed
            continue
        out.update(dict.fromkeys(commands, module))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nasbench`` script; returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one line (or --help)
        return int(exc.code or 0)
    bare = _bare_dash_option(parser, sys.argv[1:] if argv is None else list(argv))
    if bare is not None:  # argparse reads "--opt=--" as [] (it drops the "--")
        print(f"nasbench: error: option {bare} needs a value; got '--'", file=sys.stderr)
        return 2
    try:
        _run(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("nasbench: interrupted", file=sys.stderr)
        return 130
    except VerifyError as exc:
        _say_error(exc)
        return 1
    except (NasbenchError, KeyError, ValueError, OSError, OverflowError) as exc:
        # One line, no traceback: user input (NasbenchError and the built-ins it mirrors)
        # and the environment (a path that is not a folder, a full disk, no permission).
        _say_error(exc)
        return 2
    return 0


def _bare_dash_option(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """The option of an ``--opt=--`` token for a single-valued option (argparse drops the
    ``--`` and stores ``[]``), or None."""
    given = {t[:-3] for t in argv if t.endswith("=--")}
    if not given:
        return None
    stack: list[argparse.ArgumentParser] = [parser]
    seen: set[int] = set()
    while stack:
        p = stack.pop()
        for action in p._actions:  # argparse keeps no public list of its actions
            if isinstance(action, argparse._SubParsersAction):
                subs = [sub for sub in action.choices.values() if id(sub) not in seen]
                seen.update(id(sub) for sub in subs)
                stack.extend(subs)
            elif (type(action) in (argparse._StoreAction, argparse._AppendAction)
                  and action.nargs is None):
                hit = given.intersection(action.option_strings)
                if hit:
                    return hit.pop()
    return None


def _say_error(exc: BaseException) -> None:
    msg = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, NasbenchError):
        msg = f"{exc.strerror or type(exc).__name__}: {exc.filename or msg}"
    line = msg.splitlines()[0] if msg else type(exc).__name__
    print(f"nasbench: error: {line}", file=sys.stderr)


def _open(args: argparse.Namespace, build: bool | None = False) -> Any:
    import nasbench

    return nasbench.open(args.home, build=build)


def _run(args: argparse.Namespace) -> None:
    cmd = args.command
    plugin = _plugins().get(cmd)
    if plugin is not None:
        plugin.run(args)
        return
    if cmd == "build":
        from nasbench.store._build import build

        build(args.home, force=args.force)
        return
    if cmd == "demo":
        from nasbench._demo import run_demo

        run_demo(_open(args, build=None))
        return
    db = _open(args, build=None)  # a missing store is built first, with progress lines
    if cmd == "info":
        _emit(_info(db, args.space, args.dataset), args.format)
    elif cmd == "query":
        table = db.table(args.space, args.dataset)
        if args.metrics == "all" or (args.schedule and not args.metrics):
            metrics = None
        elif args.metrics:
            metrics = [m.strip() for m in args.metrics.split(",")]
        else:
            metrics = table.main_metrics
        seed: str | int = "mean" if args.seed == "mean" else _int(args.seed, "--seed")
        archs: list[Any] = list(args.archs)
        if args.encoding in ("official_index", "arch_id", "valid_hash"):
            archs = [_int(a, "ARCHS with --encoding " + args.encoding) for a in archs]
        elif args.encoding is not None:  # tuples, lists, dicts typed as text
            from nasbench.spaces._cli import read_value

            archs = [read_value(a) for a in archs]
        df = table.query_many(archs, metrics=metrics, seed=seed, encoding=args.encoding,
                              schedule=args.schedule)
        if table.official_index is not None and "official_index" not in df.columns:
            df.insert(1, "official_index", table.official_index[table.rows(
                archs, encoding=args.encoding)])
        _emit(df, args.format)
    elif cmd == "sql":
        _emit(db.sql(args.query, args.param or None, timeout=args.timeout,
                     max_rows=args.max_rows), args.format)
    elif cmd == "verify":
        problems = db.verify(full=args.full)
        files = db.catalog.get("files", {})
        if problems:
            for p in problems:
                print(f"damaged: {p}", file=sys.stderr)
            raise VerifyError(f"{len(problems)} of {len(files)} store files are damaged; run "
                              "`nasbench build` to rebuild them.")
        size = sum(f["bytes"] for f in files.values()) / 2**20
        how = "every byte re-hashed" if args.full else "sizes checked; --full re-hashes"
        print(f"store ok: {len(files)} files, {size:.0f} MB ({how}): {db.path}")
    elif cmd == "pareto":
        table = db.table(args.space, args.dataset)
        front = table.pareto(_objectives(args.objectives))
        _emit(front.head(args.limit) if args.limit else front, args.format)


def _info(db: Any, space: str | None, dataset: str | None) -> pd.DataFrame:
    import pandas as pd

    if space is None:
        df = db.tables()
        df["metrics"] = df["metrics"].map(", ".join)
        return df  # type: ignore[no-any-return]
    datasets = [dataset] if dataset else db.datasets(space)
    rows = []
    for d in datasets:
        t = db.table(space, d)
        for m in t.metrics:
            info = t.describe(m)
            rows.append({"dataset": t.dataset, "metric": m, "unit": info["unit"],
                         "direction": info["direction"], "budget": info["budget"],
                         "description": info["description"]})
    return pd.DataFrame(rows)


def _objectives(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        name, _, sense = part.partition(":")
        if sense not in ("max", "min"):
            raise UsageError(f"Bad objective {part!r}: write metric:max or metric:min, "
                             "e.g. val_acc:max,latency:min.")
        out[name.strip()] = sense
    return out


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except (ValueError, TypeError):
        hint = "'mean' or an integer" if what == "--seed" else "integers"
        raise UsageError(f"{what} must be {hint}. Got {text!r}.") from None


def _emit(df: pd.DataFrame, fmt: str) -> None:
    """Print ``df``: csv and json keep every digit (shortest round-trip repr of each
    float); the table format rounds to 4 significant digits for reading."""
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False, float_format=lambda x: repr(float(x))))
    elif fmt == "json":
        records = [{k: _json_value(v) for k, v in row.items()}
                   for row in df.to_dict(orient="records")]
        sys.stdout.write(json.dumps(records, indent=1, allow_nan=False) + "\n")
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 200, "display.width", 160,
                               "display.max_colwidth", 100, "display.float_format",
                               _readable):
            print(df.to_string(index=False))


def _readable(x: float) -> str:
    if x != x:  # NaN
        return "NaN"
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4g}" if abs(x) < 1 else f"{x:.{max(0, 4 - len(str(int(abs(x)))))}f}"
    return f"{x:.3e}"


def _json_value(v: Any) -> Any:
    """A JSON-safe value: NumPy scalars as Python numbers, NaN as null, floats exact."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
