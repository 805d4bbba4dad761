"""Progress bars with ETA (tqdm) for long harness and predictor runs.

Shown on a terminal (stderr is a TTY) and in notebooks (tqdm's notebook widget when
ipywidgets is installed, else text); silent otherwise and when ``quiet`` / ``progress=False``;
by default also for runs that finish within half a second (``delay``), while
``progress=True`` always shows the bar.
"""

from __future__ import annotations

import sys
from typing import Any


def in_notebook() -> bool:
    """True inside a Jupyter / IPython kernel."""
    return "ipykernel" in sys.modules


def enabled(progress: bool | None = None) -> bool:
    """``progress`` itself, or (None) whether stderr is a terminal or this is a notebook."""
    if progress is not None:
        return bool(progress)
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty or in_notebook()


class _Null:
    """A bar that shows nothing."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Null:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def bar(total: float | None, desc: str, *, unit: str = "it", progress: bool | None = None,
        delay: float = 0.5) -> Any:
    """A tqdm bar (with ETA) on stderr, or a silent stand-in (see the module docstring)."""
    if not enabled(progress):
        return _Null()
    if progress is True:
        delay = 0.0  # asked for explicitly: show it even for a short run
    try:
        if in_notebook():
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return _Null()
    import shutil

    # a terminal that reports a 0 x 0 size (a bare pty, CI) would hide the bar
    size = shutil.get_terminal_size((100, 20))
    return tqdm(total=total, desc=desc, unit=unit, delay=delay, leave=False,
                ncols=min(size.columns or 100, 140), nrows=size.lines or 20, file=sys.stderr)


class GridProgress:
    """``progress(done, total, cell, seconds)`` callback of ``run_grid``: one bar over cells
    with ETA, the last finished cell as postfix. Call :meth:`close` at the end."""

    def __init__(self, progress: bool | None = None) -> None:
        self.progress = progress
        self._bar: Any = None

    def __call__(self, done: int, total: int, cell: Any, secs: float) -> None:
        if self._bar is None:
            self._bar = bar(total, "cells", unit="cell", progress=self.progress, delay=0.0)
            self._bar.update(done - 1)
        seeds = cell.seeds
        s = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
        self._bar.set_postfix_str(f"{cell.optimizer} {cell.table} seeds {s} ({secs:.1f} s)",
                                  refresh=False)
        self._bar.update(1)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
