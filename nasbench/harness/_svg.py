"""Tiny standalone SVG charts for the reports (no plotting library, no network).

The fallback when matplotlib is not installed (:mod:`._plots` draws the paper figures
otherwise). Colours come from :func:`nasbench.harness._plots.colors` (one per optimizer in
every chart); log axes clip values at or below zero to a floor one decade below the smallest
positive value (stated in the axis label) and turn linear over less than a decade, so every
point stays on the plot and the axis always has labels; charts scale to the page width.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b",
           "#e377c2", "#7f7f7f", "#17becf")
_W, _H = 560, 320
_L, _R, _T, _B = 60, 150, 30, 45


def _fmt(v: float) -> str:
    if v == 0 or not math.isfinite(v):
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        return f"{v:.0e}"
    return f"{v:.4g}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


class _Frame:
    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float], logy: bool,
                 title: str, xlabel: str, ylabel: str, xticks: bool = True) -> None:
        self.x0, self.x1 = xlim
        self.logy = logy
        f = math.log10 if logy else float
        self.y0, self.y1 = f(ylim[0]), f(ylim[1])
        if self.y1 == self.y0:
            self.y1 = self.y0 + 1.0
        if self.x1 == self.x0:
            self.x1 = self.x0 + 1.0
        self.parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
                      f'viewBox="0 0 {_W} {_H}" style="max-width:100%;height:auto" '
                      'font-family="sans-serif" font-size="11">',
                      f'<text x="{_L}" y="18" font-size="13" font-weight="bold">'
                      f'{escape(title)}</text>']
        self._axes(xlabel, ylabel, xticks)

    def px(self, x: float) -> float:
        return _L + (x - self.x0) / (self.x1 - self.x0) * (_W - _L - _R)

    def py(self, y: float) -> float:
        v = math.log10(max(y, 1e-12)) if self.logy else y
        return _T + (self.y1 - v) / (self.y1 - self.y0) * (_H - _T - _B)

    def _axes(self, xlabel: str, ylabel: str, xticks: bool) -> None:
        p = self.parts
        p.append(f'<rect x="{_L}" y="{_T}" width="{_W - _L - _R}" height="{_H - _T - _B}" '
                 'fill="none" stroke="#444"/>')
        for x in nice_ticks(self.x0, self.x1) if xticks else []:
            p.append(f'<text x="{self.px(x):.1f}" y="{_H - _B + 14}" text-anchor="middle">'
                     f'{_fmt(x)}</text>')
        if self.logy:
            ticks = [10.0**e for e in range(math.floor(self.y0), math.ceil(self.y1) + 1)]
            if sum(self.y0 <= math.log10(t) <= self.y1 for t in ticks) < 3:
                ticks = sorted(m * t for t in ticks for m in (1, 2, 5))
        else:
            ticks = nice_ticks(self.y0, self.y1)
        for y in ticks:
            yy = self.py(y)
            if _T - 1 <= yy <= _H - _B + 1:
                p.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{yy:.1f}" y2="{yy:.1f}" '
                         'stroke="#ddd"/>')
                p.append(f'<text x="{_L - 4}" y="{yy + 4:.1f}" text-anchor="end">{_fmt(y)}'
                         '</text>')
        p.append(f'<text x="{(_L + _W - _R) / 2}" y="{_H - 8}" text-anchor="middle">'
                 f'{escape(xlabel)}</text>')
        p.append(f'<text transform="translate(14,{(_T + _H - _B) / 2}) rotate(-90)" '
                 f'text-anchor="middle">{escape(ylabel)}</text>')

    def legend(self, names: Sequence[str], colors: Mapping[str, str] | None = None) -> None:
        for i, name in enumerate(names):
            y = _T + 12 + 16 * i
            c = _color(name, i, colors)
            self.parts.append(f'<rect x="{_W - _R + 10}" y="{y - 8}" width="12" height="8" '
                              f'fill="{c}"/><text x="{_W - _R + 26}" '
                              f'y="{y}">{escape(name)}</text>')

    def done(self) -> str:
        return "\n".join(self.parts + ["</svg>"])


def _color(name: str, i: int, colors: Mapping[str, str] | None) -> str:
    if colors and name.split(" (")[0] in colors:
        return colors[name.split(" (")[0]]
    return PALETTE[i % len(PALETTE)]


def line_chart(series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
               title: str, xlabel: str, ylabel: str, logy: bool = False,
               colors: Mapping[str, str] | None = None) -> str:
    """Lines with shaded bands: ``series[name] = (x, y, lo, hi)``."""
    allx = np.concatenate([s[0] for s in series.values()])
    ally = np.concatenate([np.r_[s[1], s[2], s[3]] for s in series.values()])
    ally = ally[np.isfinite(ally)]
    floor = 0.0
    if logy:
        pos = ally[ally > 0]
        if not len(pos) or pos.max() / pos.min() < 10:
            logy = False  # under a decade: a linear axis has labelled ticks
        else:
            floor = 10.0 ** (math.floor(math.log10(pos.min())) - 1)
            if (ally <= 0).any():
                ylabel += f" (values <= 0 drawn at {_fmt(floor)})"
            ally = np.maximum(ally, floor)
    ylim = (float(ally.min()), float(ally.max())) if len(ally) else (0.0, 1.0)
    fr = _Frame((float(allx.min()), float(allx.max())), ylim, logy, title, xlabel, ylabel)
    for i, (name, (x, y, lo, hi)) in enumerate(series.items()):
        c = _color(name, i, colors)
        ok = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
        if logy:
            y, lo, hi = np.maximum(y, floor), np.maximum(lo, floor), np.maximum(hi, floor)
        xs, ys, los, his = x[ok], y[ok], lo[ok], hi[ok]
        if not len(xs):
            continue
        band = " ".join(f"{fr.px(a):.1f},{fr.py(b):.1f}" for a, b in zip(xs, his))
        band += " " + " ".join(f"{fr.px(a):.1f},{fr.py(b):.1f}" for a, b in
                               zip(xs[::-1], los[::-1]))
        fr.parts.append(f'<polygon points="{band}" fill="{c}" fill-opacity="0.15" '
                        'stroke="none"/>')
        line = " ".join(f"{fr.px(a):.1f},{fr.py(b):.1f}" for a, b in zip(xs, ys))
        fr.parts.append(f'<polyline points="{line}" fill="none" stroke="{c}" '
                        'stroke-width="1.8"/>')
    fr.legend(list(series), colors)
    return fr.done()


def scatter(groups: dict[str, tuple[np.ndarray, np.ndarray]], title: str, xlabel: str,
            ylabel: str, connect: bool = True, colors: Mapping[str, str] | None = None) -> str:
    """Point sets (``groups[name] = (x, y)``), each joined as a staircase when ``connect``."""
    allx = np.concatenate([g[0] for g in groups.values()])
    ally = np.concatenate([g[1] for g in groups.values()])
    fr = _Frame((float(allx.min()), float(allx.max())), (float(ally.min()), float(ally.max())),
                False, title, xlabel, ylabel)
    for i, (name, (x, y)) in enumerate(groups.items()):
        c = _color(name, i, colors)
        order = np.argsort(x)
        if connect and len(x) > 1:
            pts = " ".join(f"{fr.px(a):.1f},{fr.py(b):.1f}" for a, b in zip(x[order], y[order]))
            fr.parts.append(f'<polyline points="{pts}" fill="none" stroke="{c}" '
                            'stroke-opacity="0.6"/>')
        for a, b in zip(x, y):
            fr.parts.append(f'<circle cx="{fr.px(a):.1f}" cy="{fr.py(b):.1f}" r="3" '
                            f'fill="{c}"/>')
    fr.legend(list(groups), colors)
    return fr.done()


def bar_chart(values: dict[str, float], title: str, ylabel: str,
              colors: Mapping[str, str] | None = None) -> str:
    """Vertical bars, one per name (e.g. average ranks)."""
    names = list(values)
    v = np.array([values[n] for n in names])
    fr = _Frame((0.0, float(len(names))), (0.0, float(v.max()) * 1.1 or 1.0), False, title,
                "", ylabel, xticks=False)
    for i, (name, val) in enumerate(zip(names, v)):
        x0, x1 = fr.px(i + 0.15), fr.px(i + 0.85)
        fr.parts.append(f'<rect x="{x0:.1f}" y="{fr.py(val):.1f}" width="{x1 - x0:.1f}" '
                        f'height="{fr.py(0) - fr.py(val):.1f}" '
                        f'fill="{_color(name, i, colors)}"/>')
        fr.parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{_H - _B + 14}" '
                        f'text-anchor="middle">{escape(name)}</text>')
        fr.parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{fr.py(val) - 3:.1f}" '
                        f'text-anchor="middle">{val:.2f}</text>')
    return fr.done()


def cd_diagram(avg_ranks: dict[str, float], cd: float, title: str) -> str:
    """Critical-difference diagram (Demšar 2006): average ranks on an axis (1 = best, left),
    a bar of length CD, and thick lines joining groups whose ranks differ by less than CD."""
    names = sorted(avg_ranks, key=avg_ranks.get)  # type: ignore[arg-type]
    k = len(names)
    w, left, right = 640, 150, 490
    h = 90 + 18 * k

    def x(r: float) -> float:
        return left + (r - 1) / max(k - 1, 1) * (right - left)

    p = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
         f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">',
         f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
         f'<line x1="{left}" x2="{right}" y1="50" y2="50" stroke="#000"/>']
    for tick in range(1, k + 1):
        p.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="45" y2="50" stroke="#000"/>'
                 f'<text x="{x(tick):.1f}" y="41" text-anchor="middle">{tick}</text>')
    if math.isfinite(cd):
        p.append(f'<line x1="{x(1):.1f}" x2="{x(1 + cd):.1f}" y1="28" y2="28" '
                 f'stroke="#000" stroke-width="2"/><text x="{x(1 + cd) + 4:.1f}" y="31">'
                 f'CD = {cd:.2f}</text>')
    for i, n in enumerate(names):
        r = avg_ranks[n]
        y = 70 + 18 * i
        side_left = i < (k + 1) // 2
        tx = left - 5 if side_left else right + 5
        p.append(f'<polyline points="{x(r):.1f},50 {x(r):.1f},{y} {tx:.1f},{y}" fill="none" '
                 'stroke="#555"/>')
        p.append(f'<text x="{tx + (-3 if side_left else 3):.1f}" y="{y + 4}" '
                 f'text-anchor="{"end" if side_left else "start"}">{escape(n)} '
                 f'({r:.2f})</text>')
    ranks = [avg_ranks[n] for n in names]
    cliques: list[tuple[int, int]] = []
    for i in range(k):
        j = i
        while j + 1 < k and ranks[j + 1] - ranks[i] < cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in cliques):
            cliques.append((i, j))
    for c, (i, j) in enumerate(cliques):
        y = 56 + 5 * c
        p.append(f'<line x1="{x(ranks[i]) - 3:.1f}" x2="{x(ranks[j]) + 3:.1f}" y1="{y}" '
                 f'y2="{y}" stroke="#d1495b" stroke-width="3"/>')
    return "\n".join(p + ["</svg>"])
