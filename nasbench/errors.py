"""Exception hierarchy.

Every error raised on bad user input subclasses :class:`NasbenchError` *and* the matching
built-in (``KeyError``, ``ValueError``, ``FileNotFoundError``), so callers can catch either.
Messages name the offending value, the valid choices and, where one exists, the closest match.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "NasbenchError",
    "UnknownSpaceError",
    "UnknownDatasetError",
    "UnknownMetricError",
    "InvalidArchitectureError",
    "StoreNotFoundError",
    "StoreError",
    "unknown_choice_message",
]


class NasbenchError(Exception):
    """Base class of every error nasbench raises on purpose."""

    def __str__(self) -> str:  # KeyError would otherwise wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class UnknownSpaceError(NasbenchError, KeyError):
    """A search-space name that the store does not know."""


class UnknownDatasetError(NasbenchError, KeyError):
    """A dataset (table) name that the search space does not have."""


class UnknownMetricError(NasbenchError, KeyError):
    """A metric name that the table does not have."""


class InvalidArchitectureError(NasbenchError, ValueError):
    """An architecture encoding that cannot be parsed; the message points at the bad token."""


class StoreNotFoundError(NasbenchError, FileNotFoundError):
    """No built store at the given location; the message says how to build one."""


class StoreError(NasbenchError, RuntimeError):
    """A store that exists but cannot be used (wrong schema version, corrupt catalog)."""


def unknown_choice_message(kind: str, value: object, choices: Iterable[str]) -> str:
    """Return ``"Unknown <kind> 'x'. Valid choices: a, b, c. Did you mean 'b'?"``."""
    options = [str(c) for c in choices]
    msg = f"Unknown {kind} {value!r}. Valid choices: {', '.join(options)}."
    close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
    if not close:
        lowered = {o.lower(): o for o in options}
        if str(value).lower() in lowered:
            close = [lowered[str(value).lower()]]
    if close:
        msg += f" Did you mean {close[0]!r}?"
    return msg
