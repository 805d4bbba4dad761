"""A dependency-free SVG line plot of an evaluation: metric vs train size, band over reps.

Written by hand rather than with matplotlib so that ``nasbench predictors evaluate`` can
always draw its figure (matplotlib would be a ~40 MB optional extra for one chart).
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")
W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 460, 64, 170, 36, 48


def plot_svg(results: pd.DataFrame, path: str | Path, value: str = "kendall_tau",
             title: str | None = None) -> Path:
    """Write ``value`` vs train size (log x), mean line and min-max band per predictor.

    ``results`` is :func:`~nasbench.predictors.evaluate` output. Returns the path written.
    """
    stats = (results.groupby(["predictor", "train_size"], sort=False)[value]
             .agg(["mean", "min", "max"]).reset_index())
    stats = stats.dropna(subset=["mean"])
    sizes = sorted(stats["train_size"].unique())
    lo = float(min(stats["min"].min(), 0.0 if value != "rmse" else stats["min"].min()))
    hi = float(stats["max"].max())
    lo, hi = (lo, hi) if hi > lo else (lo - 1, hi + 1)
    xl, xh = math.log(min(sizes)), math.log(max(sizes))
    xh = xh if xh > xl else xl + 1

    def px(n: float) -> float:
        return LEFT + (math.log(n) - xl) / (xh - xl) * (W - LEFT - RIGHT)

    def py(v: float) -> float:
        return TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    head = title or f"{value} vs number of training archs"
    out.append(f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">'
               f"{escape(head)}</text>")
    for i in range(6):
        v = lo + (hi - lo) * i / 5
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(v):.1f}" y2="{py(v):.1f}" '
                   f'stroke="#ddd"/><text x="{LEFT - 6}" y="{py(v) + 4:.1f}" '
                   f'text-anchor="end">{v:.2f}</text>')
    for n in sizes:
        out.append(f'<text x="{px(n):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">'
                   f"{int(n)}</text>")
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 10}" text-anchor="middle">'
               "training archs (log scale)</text>")
    out.append(f'<text x="16" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(TOP + H - BOTTOM) / 2})">{escape(value)}</text>')
    for k, (name, grp) in enumerate(stats.groupby("predictor", sort=False)):
        color = _COLORS[k % len(_COLORS)]
        grp = grp.sort_values("train_size")
        upper = [f"{px(n):.1f},{py(v):.1f}" for n, v in zip(grp["train_size"], grp["max"])]
        lower = [f"{px(n):.1f},{py(v):.1f}" for n, v in zip(grp["train_size"], grp["min"])]
        out.append(f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{color}" '
                   'fill-opacity="0.15" stroke="none"/>')
        line = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in zip(grp["train_size"],
                                                                     grp["mean"]))
        dash = ' stroke-dasharray="5,4"' if name == "noise_ceiling" else ""
        out.append(f'<polyline points="{line}" fill="none" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        y = TOP + 16 * k + 8
        out.append(f'<line x1="{W - RIGHT + 12}" x2="{W - RIGHT + 34}" y1="{y}" y2="{y}" '
                   f'stroke="{color}" stroke-width="2"{dash}/><text x="{W - RIGHT + 40}" '
                   f'y="{y + 4}">{escape(str(name))}</text>')
    out.append("</svg>")
    from nasbench.store import atomic_write

    target = Path(path)
    atomic_write(target, "\n".join(out) + "\n")
    return target
