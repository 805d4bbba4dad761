"""``nasbench profile``: measure NB201 latency (and energy where a counter exists).

``nasbench/cli.py`` calls :func:`add_parser` with its subparsers and hands the ``profile``
command to :func:`run`. Also runnable alone: ``python -m nasbench.hardware --help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

COMMANDS = ("profile",)


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be positive ints, got {text!r}")
    return values


def _bounded(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int, got {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an int from {low} to {high:,}, got "
                                             f"{text[:40]}")
        return value
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text[:40]!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got "
                                         f"{text[:40]}")
    return value


def add_parser(subparsers: Any, parents: tuple[argparse.ArgumentParser, ...] = ()) -> None:
    """Register the ``profile`` command."""
    p = subparsers.add_parser("profile", parents=list(parents),
                              help="measure latency/energy of NB201 networks on this machine")
    p.add_argument("--space", default="nb201")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:<i>")
    p.add_argument("--batch-size", type=_int_list, default=[1], help="e.g. 1,64")
    p.add_argument("--sample", type=_bounded(1, 1_000_000), default=None,
                   help="stratified sample of about N classes (default: all 6,466)")
    p.add_argument("--seed", type=_bounded(0, 2**32 - 1), default=0)
    p.add_argument("--threads", type=_bounded(1, 4096), default=1,
                   help="torch threads (fixed)")
    p.add_argument("--warmup", type=_bounded(0, 100_000), default=3)
    p.add_argument("--repeats", type=_bounded(1, 100_000), default=15)
    p.add_argument("--rounds", type=_bounded(1, 10_000), default=1,
                   help="visits of the whole plan; the value is the median over visits")
    p.add_argument("--jobs", type=_bounded(1, 4096), default=1,
                   help="CPU profiling: chunks measured at once, one pinned core each")
    p.add_argument("--repeat-cells", type=_bounded(0, 1_000_000), default=0,
                   help="re-measure this many cells at the end (repeatability)")
    p.add_argument("--chunk-size", type=_bounded(1, 1_000_000), default=100)
    p.add_argument("--time-limit", type=_seconds, default=None, help="seconds; resume later")
    p.add_argument("--out", required=True, help="checkpoint folder (resumes if it exists)")
    p.add_argument("--parquet", default=None, help="also write the long table to this file")


def run(args: argparse.Namespace) -> None:
    """Run ``nasbench profile`` and print a one-line summary per batch size."""
    from nasbench.errors import NasbenchError
    from nasbench.hardware._profiler import profile
    from nasbench.hardware._tables import from_profile

    if args.parquet:
        target = Path(args.parquet)
        if not args.parquet or target.is_dir() or not target.parent.is_dir() or (
                target.exists() and not target.is_file()):
            raise NasbenchError(f"--parquet {args.parquet[:200]!r} is a folder, not a regular "
                                "file, or lies in a folder that does not exist.")
    rows = profile(args.space, out=args.out, device=args.device, batch_sizes=args.batch_size,
            sample=args.sample, seed=args.seed, threads=args.threads, warmup=args.warmup,
            repeats=args.repeats, rounds=args.rounds, jobs=args.jobs,
            repeat_cells=args.repeat_cells, chunk_size=args.chunk_size,
            time_limit=args.time_limit)
    if rows.empty and args.time_limit is not None:
        print(f"time limit reached before the first chunk; resume with --out {args.out}")
        return
    if rows.empty or not (rows["metric"] != "error").any():
        errors = rows["error"].dropna() if "error" in rows else rows.iloc[:0]
        why = f": {str(errors.iloc[0])[:200]}" if len(errors) else ""
        raise NasbenchError(f"Nothing was measured{why}; rerun with the same --out to retry.")
    table = from_profile(args.out)
    if args.parquet:
        from nasbench.store import atomic_path

        with atomic_path(args.parquet) as tmp:
            table.to_parquet(tmp, index=False)
    lat = table[(table["metric"] == "latency") & (table["pass"] == 1)]
    for b, g in lat.groupby("batch_size"):
        print(f"batch {b}: {len(g)} cells, median latency {g['value'].median() * 1e3:.3f} ms "
              f"(min {g['value'].min() * 1e3:.3f}, max {g['value'].max() * 1e3:.3f})")


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m nasbench.hardware``)."""
    parser = argparse.ArgumentParser(prog="python -m nasbench.hardware")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        run(args)
    except KeyboardInterrupt:
        print("nasbench profile: interrupted", file=sys.stderr)
        return 130
    except (KeyError, ValueError, OSError, RuntimeError) as exc:
        print(f"nasbench profile: error: {exc}", file=sys.stderr)
        return 2
    return 0
