"""``nasbench convert``: write one architecture in another encoding (or in all of them).

    nasbench convert nb201 "(2,1,0,2,1,0)" --from naslib --to official_string
    nasbench convert nb201 6111 --from official_index --to all

Bad input prints one line on stderr and exits with status 2 (``nasbench.cli.main``).
"""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Sequence
from typing import Any

from nasbench.errors import NasbenchError


class ConvertUsageError(NasbenchError, ValueError):
    """Bad ``nasbench convert`` arguments."""


def add_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()
               ) -> argparse.ArgumentParser:
    """Add the ``convert`` sub-command to ``subparsers``; returns its parser."""
    s = subparsers.add_parser(
        "convert", parents=list(parents),
        help="convert an architecture between encodings (official index, NASLib, ...)",
        description="Read VALUE in encoding --from (default: the space's bare forms) and "
                    "print it in encoding --to (default: all). Tuples, lists and dicts are "
                    "written as Python literals, e.g. \"(2,1,0,2,1,0)\".")
    s.add_argument("space", help="nb201, nbgraph or fcnet")
    s.add_argument("value", help="the architecture")
    s.add_argument("--from", dest="from_", default=None, metavar="ENCODING",
                   help="encoding of VALUE (default: the space's bare forms)")
    s.add_argument("--to", default="all", metavar="ENCODING",
                   help="encoding to print, or 'all' (default)")
    return s


def read_value(text: str) -> Any:
    """The Python value of a command-line argument: a literal for ``( [ {``, else the text."""
    s = text.strip()
    if s[:1] in "([{":
        try:
            return ast.literal_eval(s)
        except (ValueError, SyntaxError):
            raise ConvertUsageError(f"Cannot read {text!r} as a Python literal.") from None
    return text


def format_value(value: Any) -> str:
    """One-line text of an encoded value (JSON for dicts and arrays)."""
    import numpy as np

    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist())
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return "(" + ",".join(format_value(v) if isinstance(v, tuple) else repr(v)
                              for v in value) + ")"
    if hasattr(value, "link") and hasattr(value, "ops") and not isinstance(value, tuple):
        return f"{type(value).__module__}.{type(value).__name__}({list(value.link)!r}, " \
               f"{list(value.ops)!r})"
    return repr(value) if not isinstance(value, int) else str(value)


def run(args: argparse.Namespace) -> None:
    """Execute ``nasbench convert`` from parsed ``args``."""
    from nasbench.spaces import convert, get_space

    space = get_space(args.space)
    if args.to != "all" and args.to not in space.encodings:
        from nasbench.errors import unknown_choice_message

        raise ConvertUsageError(unknown_choice_message(
            f"--to encoding for space {args.space!r}:", args.to, [*space.encodings, "all"]))
    out = convert(space, read_value(args.value), to=args.to, from_=args.from_)
    fmt = getattr(args, "format", "table")
    if args.to != "all":
        print(json.dumps(_jsonable(out)) if fmt == "json" else format_value(out))
    elif fmt == "json":
        print(json.dumps({k: _jsonable(v) for k, v in out.items()}, indent=1))
    else:
        width = max(map(len, out))
        for name, value in out.items():
            print(f"{name:<{width}}  {format_value(value)}")


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {f: _jsonable(v) for f, v in zip(value._fields, value, strict=True)}
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "link") and hasattr(value, "ops"):
        return {"lk": list(value.link), "op": list(value.ops)}
    return value
