"""Paper figures with matplotlib (``pip install 'nasbench[report]'``): PNG (300 dpi), PDF, SVG.

Sizes for one-column (3.35 in wide) and two-column (7.0 in) papers, 8 pt text. Every figure
of a report colours an optimizer the same way (:func:`colors`: fixed colours for the
built-ins, the others in order from the same colour-blind-safe palette). Regret axes are
logarithmic when the values span a decade or more, as *symlog* with a linear part below the
smallest positive value (stated in the axis label) so zeros stay on the plot; narrower ranges
get a linear axis. Every axis has tick labels.

Without matplotlib the reports fall back to the hand-written SVG of :mod:`._svg` (same
colours); matplotlib is an optional extra, not a dependency, because the base install must
keep writing reports.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

#: Okabe-Ito (colour-blind safe), then more distinct colours.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#8C564B",
           "#F0E442", "#7B3294", "#1B9E77", "#E7298A", "#66A61E", "#A6761D", "#3F007D",
           "#B2182B", "#2166AC")
#: Fixed colours of the built-in optimizers (random search is the grey baseline).
FIXED = {"rs": "#7F7F7F", "mo_rs": "#7F7F7F", "rea": "#0072B2", "ls": "#009E73",
         "de": "#E69F00", "bo_wl": "#D55E00", "bo_zc": "#8C564B", "np": "#CC79A7",
         "bananas": "#56B4E9",
         "nsga2": "#0072B2", "optuna:TPESampler": "#7B3294", "optuna:NSGAIISampler": "#7B3294",
         "true front": "#000000"}
#: Figure sizes in inches (width, height).
SIZES = {"single": (3.35, 2.4), "double": (7.0, 2.9)}
FORMATS = ("png", "pdf", "svg")
DPI = 300
_F = TypeVar("_F", bound=Callable[..., Any])


def colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per name: fixed ones for built-ins, the rest from :data:`PALETTE` in
    sorted-name order (skipping colours already used), so the same set of optimizers gets
    the same colours in every figure and every report."""
    out = {n: FIXED[n] for n in names if n in FIXED}
    free = [c for c in PALETTE if c not in out.values()] or list(PALETTE)
    for i, n in enumerate(sorted(n for n in dict.fromkeys(names) if n not in out)):
        out[n] = free[i % len(free)]
    return out


def available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _figure(size: str, height: float | None = None) -> tuple[Any, Any]:
    if size not in SIZES:
        raise ValueError(f"The 'size' parameter must be one of {', '.join(SIZES)}. Got "
                         f"{size!r} instead.")
    w, h = SIZES[size]
    return _plt().subplots(figsize=(w, height or h), layout="constrained")


def _styled(fn: _F) -> _F:
    """Run ``fn`` with the paper style (8 pt text, thin lines, text kept as text in SVG)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _plt().rc_context(_RC):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


_RC = {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": 7,
       "ytick.labelsize": 7, "legend.fontsize": 6.5, "axes.linewidth": 0.6,
       "lines.linewidth": 1.2, "svg.fonttype": "none", "pdf.fonttype": 42}


@_styled
def save(fig: Any, stem: str | Path, formats: Sequence[str] = FORMATS) -> dict[str, Path]:
    """Write ``stem.png`` (300 dpi), ``stem.pdf`` and ``stem.svg``; returns format -> path."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, dpi=DPI if fmt == "png" else None, metadata=_metadata(fmt))
        out[fmt] = path
    _plt().close(fig)
    return out


def _metadata(fmt: str) -> dict[str, Any] | None:
    # No dates or versions in the files: same data, same bytes (reproducible reports).
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "pdf":
        return {"CreationDate": None, "Creator": None, "Producer": None}
    if fmt == "png":
        return {"Software": None}
    return None


def _scale_y(ax: Any, values: np.ndarray, log: bool, label: str) -> str:
    """Apply a log-like scale that keeps zeros; returns the (possibly annotated) label."""
    v = values[np.isfinite(values)]
    pos = v[v > 0]
    if log and len(pos) and pos.max() / pos.min() >= 10:
        floor = 10.0 ** math.floor(math.log10(pos.min()))
        ax.set_yscale("symlog", linthresh=floor, linscale=0.5)
        ax.set_ylim(bottom=0 if (v <= 0).any() or pos.min() < 2 * floor else None)
        if (v <= 0).any():
            label += f" (linear below {floor:g})"
    _ensure_ticks(ax)
    return label


def _ensure_ticks(ax: Any) -> None:
    """At least two labelled ticks on the y axis (log axes over less than a decade can end
    up with none)."""
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    lo, hi = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if min(lo, hi) <= t <= max(lo, hi)]
    if len(ticks) < 2:
        ax.set_yscale("linear")
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_formatter(ScalarFormatter())


@_styled
def anytime_figure(curves: Any, title: str = "", *, xlabel: str = "evaluations",
                   ylabel: str = "normalised regret", log: bool = True, size: str = "single",
                   palette: Mapping[str, str] | None = None) -> Any:
    """Median anytime curve with its 95 % band per optimizer.

    ``curves`` is :func:`~nasbench.harness.anytime` output for one table (columns
    ``optimizer, x, median, lo, hi``)."""
    fig, ax = _figure(size)
    names = [str(n) for n in dict.fromkeys(curves["optimizer"])]
    pal = dict(palette or colors(names))
    for name in names:
        g = curves[curves["optimizer"] == name]
        x = g["x"].to_numpy(float)
        c = pal.get(name, "#333333")
        ax.fill_between(x, g["lo"].to_numpy(float), g["hi"].to_numpy(float), color=c,
                        alpha=0.18, linewidth=0)
        ax.plot(x, g["median"].to_numpy(float), color=c, label=name)
    vals = np.r_[curves["median"].to_numpy(float), curves["lo"].to_numpy(float),
                 curves["hi"].to_numpy(float)]
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_scale_y(ax, vals, log, ylabel))
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", linewidth=0.3, alpha=0.5)
    ax.legend(frameon=False, ncol=2 if len(names) > 4 else 1)
    return fig


@_styled
def rank_figure(ranks: Mapping[str, float], title: str = "Average rank (1 = best)", *,
                size: str = "single", palette: Mapping[str, str] | None = None) -> Any:
    """Horizontal bars of average ranks, best on top, value labels at the bar ends."""
    order = sorted(ranks, key=lambda n: ranks[n])
    fig, ax = _figure(size, height=0.5 + 0.22 * len(order))
    pal = dict(palette or colors(order))
    y = np.arange(len(order))[::-1]
    vals = [ranks[n] for n in order]
    ax.barh(y, vals, color=[pal.get(n, "#333333") for n in order], height=0.7)
    for yy, v in zip(y, vals):
        ax.text(v, yy, f" {v:.2f}", va="center", fontsize=6.5)
    ax.set_yticks(y, order)
    ax.set_xlim(0, max(vals) * 1.15 if vals else 1)
    ax.set_xlabel("average rank")
    if title:
        ax.set_title(title)
    return fig


def cd_cliques(names: Sequence[str], ranks: Sequence[float], cd: float
               ) -> list[tuple[int, int]]:
    """Maximal runs ``(i, j)`` of rank-sorted treatments whose ranks differ by less than CD."""
    cliques: list[tuple[int, int]] = []
    k = len(names)
    for i in range(k):
        j = i
        while j + 1 < k and math.isfinite(cd) and ranks[j + 1] - ranks[i] < cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in cliques):
            cliques.append((i, j))
    return cliques


@_styled
def cd_figure(ranks: Mapping[str, float], cd: float, title: str = "", *,
              size: str = "single", palette: Mapping[str, str] | None = None) -> Any:
    """Critical-difference diagram (Demšar 2006): ranks on an axis (1 = best, left), a CD
    bar, and thick lines joining groups whose average ranks differ by less than CD."""
    names = sorted(ranks, key=lambda n: ranks[n])
    r = [ranks[n] for n in names]
    k = len(names)
    half = (k + 1) // 2
    fig, ax = _figure(size, height=0.9 + 0.16 * half)
    pal = dict(palette or colors(names))
    top = 0.0
    ax.hlines(top, 1, k, color="black", linewidth=0.8)
    for t in range(1, k + 1):
        ax.vlines(t, top, top + 0.08, color="black", linewidth=0.8)
        ax.text(t, top + 0.12, str(t), ha="center", va="bottom", fontsize=6.5)
    if math.isfinite(cd):
        ax.hlines(top + 0.45, 1, 1 + cd, color="black", linewidth=1.4)
        ax.text(1 + cd / 2, top + 0.5, f"CD = {cd:.2f}", ha="center", va="bottom",
                fontsize=6.5)
    for i, (n, v) in enumerate(zip(names, r)):
        left = i < half
        row = (i if left else k - 1 - i) + 1
        y = top - 0.25 - 0.2 * row
        tx = 1 - 0.25 if left else k + 0.25
        c = pal.get(n, "#333333")
        ax.plot([v, v, tx], [top, y, y], color=c, linewidth=0.8)
        ax.text(tx - 0.05 if left else tx + 0.05, y, f"{n} ({v:.2f})", ha="right" if left
                else "left", va="center", fontsize=6.5, color="black")
    for j, (a, b) in enumerate(cd_cliques(names, r, cd)):
        yy = top - 0.1 - 0.06 * j
        ax.hlines(yy, r[a] - 0.03, r[b] + 0.03, color="black", linewidth=2.2)
    ax.set_xlim(1 - 0.25 - 0.45 * k / 4, k + 0.25 + 0.45 * k / 4)
    ax.set_ylim(top - 0.35 - 0.2 * half, top + 0.8)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


@_styled
def pareto_figure(groups: Mapping[str, tuple[np.ndarray, np.ndarray]], xlabel: str,
                  ylabel: str, title: str = "", *, size: str = "single",
                  palette: Mapping[str, str] | None = None) -> Any:
    """Fronts as points joined by a staircase; ``groups["true front"]`` is drawn in black."""
    fig, ax = _figure(size)
    pal = dict(palette or colors([n.split(" (")[0] for n in groups]))
    for name, (x, y) in groups.items():
        x, y = np.asarray(x, float), np.asarray(y, float)
        order = np.argsort(x)
        c = pal.get(name.split(" (")[0], "#333333")
        true = name == "true front"
        ax.step(x[order], y[order], where="post", color=c, alpha=0.6,
                linewidth=0.8 if true else 1.0, linestyle="--" if true else "-")
        ax.scatter(x, y, s=6 if true else 10, color=c, label=name, zorder=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _ensure_ticks(ax)
    if title:
        ax.set_title(title)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    ax.legend(frameon=False)
    return fig


@_styled
def predictor_scatter(y_true: np.ndarray, y_pred: np.ndarray, title: str = "", *,
                      xlabel: str = "true", ylabel: str = "predicted", size: str = "single",
                      color: str = PALETTE[0]) -> Any:
    """Predicted vs true values with the diagonal and Kendall tau in the corner."""
    from scipy.stats import kendalltau

    fig, ax = _figure(size, height=SIZES[size][0] * 0.8 if size == "single" else None)
    t, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    ok = np.isfinite(t) & np.isfinite(p)
    ax.scatter(t[ok], p[ok], s=3, alpha=0.5, color=color, linewidths=0)
    lo, hi = float(min(t[ok].min(), p[ok].min())), float(max(t[ok].max(), p[ok].max()))
    ax.plot([lo, hi], [lo, hi], color="black", linewidth=0.6, linestyle="--")
    tau = float(kendalltau(t[ok], p[ok]).statistic) if ok.sum() > 1 else math.nan
    ax.text(0.03, 0.97, f"Kendall τ = {tau:.3f}\nn = {int(ok.sum())}", transform=ax.transAxes,
            va="top", fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _ensure_ticks(ax)
    if title:
        ax.set_title(title)
    return fig


@_styled
def tau_vs_train_size(results: Any, value: str = "kendall_tau", title: str = "", *,
                      size: str = "single", palette: Mapping[str, str] | None = None) -> Any:
    """``value`` vs train size (log x) per predictor: mean line and min-max band over
    repetitions. ``results`` is :func:`nasbench.predictors.evaluate` output."""
    stats = (results.groupby(["predictor", "train_size"], sort=False)[value]
             .agg(["mean", "min", "max"]).reset_index().dropna(subset=["mean"]))
    fig, ax = _figure(size)
    names = [str(n) for n in dict.fromkeys(stats["predictor"])]
    pal = dict(palette or colors(names))
    for name in names:
        g = stats[stats["predictor"] == name].sort_values("train_size")
        c = pal[name]
        ax.fill_between(g["train_size"], g["min"], g["max"], color=c, alpha=0.18,
                        linewidth=0)
        ax.plot(g["train_size"], g["mean"], marker="o", markersize=2.5, color=c, label=name)
    sizes = sorted(int(n) for n in stats["train_size"].unique())
    if len(sizes) > 1:
        from matplotlib.ticker import NullLocator

        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])  # the sizes evaluated, as numbers
    ax.set_xlabel("training architectures")
    ax.set_ylabel(value.replace("_", " "))
    _ensure_ticks(ax)
    if title:
        ax.set_title(title)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    ax.legend(frameon=False, ncol=2 if len(names) > 4 else 1)
    return fig


def svg_inline(path: Path) -> str:
    """The ``<svg>`` element of a saved SVG file, for embedding in HTML: without its RDF
    metadata block and with SVG 2 ``href`` instead of ``xlink:href``, so the page names no
    URL but the SVG namespace; scaled to the page width."""
    import re

    text = Path(path).read_text(encoding="utf-8")
    i = text.find("<svg")
    text = text[i:] if i >= 0 else text
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = text.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    text = text.replace("xlink:href=", "href=")
    return text.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
