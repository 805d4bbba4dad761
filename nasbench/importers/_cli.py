"""``nasbench import SOURCE PATH``: read a benchmark file the user holds into the store."""

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


def run(args: argparse.Namespace) -> None:
    from nasbench.importers import import_benchmark

    out = import_benchmark(args.source, args.path, args.home, build=not args.no_build)
    state = "imported" if out["imported"] else "already imported"
    print(f"{args.source}: {state}: {len(out['tables'])} table(s) in {out['folder']}",
          file=sys.stdout)
