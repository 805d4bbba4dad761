"""Scores of trajectories: anytime curves, AUC, final scores and tests against random search.

Inputs are trajectory DataFrames (from :func:`~nasbench.harness.run` or the runner), possibly
concatenated over optimizers, tables and seeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.harness._baseline import relative_improvement
from nasbench.harness._stats import holm, vargha_delaney_a, wilcoxon

if TYPE_CHECKING:
    import pandas as pd


def curve_matrix(df: pd.DataFrame, value: str = "incumbent_score", x: str = "step",
                 grid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anytime values of one (optimizer, table): ``(seeds, grid, values)`` where ``values``
    has shape (n_seeds, len(grid)); value at grid point g = the last row with ``x <= g``
    (NaN before a seed's first finished evaluation). Default grid: every step, or 100 points
    of simulated time when ``x="sim_time"`` (:func:`default_grid`)."""
    seeds = np.unique(df["seed"].to_numpy())
    if grid is None:
        grid = default_grid(float(df[x].max()), x)
    series = ((g[x].to_numpy(), g[value].to_numpy()) for _, g in df.groupby("seed", sort=True))
    return seeds, np.asarray(grid), curves_on_grid(series, len(seeds), grid)


def default_grid(hi: float, x: str = "step") -> np.ndarray:
    """The anytime grid of a group whose largest ``x`` is ``hi``: steps ``1..hi``, or 100
    evenly spaced points of simulated time up to ``hi`` seconds."""
    return np.arange(1, int(hi) + 1) if x == "step" else np.linspace(hi / 100, hi, 100)


def curves_on_grid(series: Iterable[tuple[np.ndarray, np.ndarray]], n: int, grid: np.ndarray
                   ) -> np.ndarray:
    """Shape (n, len(grid)): row i is the ``(xs, values)`` pair i of ``series`` (one seed,
    ``xs`` ascending) read at every grid point (the value of the last ``x <= g``, NaN
    before the first)."""
    out = np.full((n, len(grid)), np.nan)
    for i, (xs, vs) in enumerate(series):
        at = np.searchsorted(xs, grid, side="right") - 1
        out[i] = np.where(at >= 0, vs[np.maximum(at, 0)], np.nan)
    return out


#: Most bytes one step of :func:`bootstrap_median` gathers (resampled seeds x grid points).
BOOTSTRAP_CHUNK_BYTES = 32 * 2**20


def bootstrap_median(values: np.ndarray, n_boot: int = 1000, seed: int | None = 0,
                     level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median over seeds (axis 0) with a percentile-bootstrap band: (median, lo, hi), each
    shape (n_points,). Seeds are resampled with replacement ``n_boot`` times (one draw of
    resampled seed indices, shared by every grid point).

    Memory: ``values`` of shape (n_seeds, n_points), the (n_boot, n_seeds) indices, and
    chunks of grid points and resamples of at most :data:`BOOTSTRAP_CHUNK_BYTES` (the band of
    each grid point is independent of the others, so chunking does not change it)."""
    rng = np.random.default_rng(seed)
    n = len(values)
    med = np.nanmedian(values, axis=0)
    idx = rng.integers(0, n, size=(n_boot, n))
    alpha = (1.0 - level) / 2.0
    if values.ndim != 2:
        boots = np.nanmedian(values[idx], axis=1)  # (n_boot, ...)
        lo, hi = np.nanquantile(boots, [alpha, 1.0 - alpha], axis=0)
        return med, lo, hi
    n_points = values.shape[1]
    lo, hi = np.empty(n_points), np.empty(n_points)
    cols = max(1, BOOTSTRAP_CHUNK_BYTES // (8 * max(n, 1) * n_boot))
    rows = max(1, BOOTSTRAP_CHUNK_BYTES // (8 * max(n, 1) * cols))
    for c in range(0, n_points, cols):
        part = values[:, c:c + cols]
        boots = np.empty((n_boot, part.shape[1]))  # (n_boot, points of this chunk)
        for r in range(0, n_boot, rows):
            boots[r:r + rows] = np.nanmedian(part[idx[r:r + rows]], axis=1)
        lo[c:c + cols], hi[c:c + cols] = np.nanquantile(boots, [alpha, 1.0 - alpha], axis=0)
    return med, lo, hi


def anytime(df: pd.DataFrame, value: str = "incumbent_score", x: str = "step",
            n_boot: int = 1000, seed: int | None = 0) -> pd.DataFrame:
    """Median anytime curve with a 95 % bootstrap band per (optimizer, table).

    Returns columns ``optimizer, table, x, median, lo, hi, mean`` (one row per grid point).
    """
    import pandas as pd

    parts = []
    for (opt, tab), g in df.groupby(["optimizer", "table"], sort=False):
        _, grid, vals = curve_matrix(g, value, x)
        parts.append(anytime_band(opt, tab, grid, vals, n_boot, seed))
    return pd.concat(parts, ignore_index=True)


def anytime_band(optimizer: Any, table: Any, grid: np.ndarray, values: np.ndarray,
                 n_boot: int = 1000, seed: int | None = 0) -> pd.DataFrame:
    """The rows of :func:`anytime` for one (optimizer, table) from its curve matrix
    ``values`` (shape (n_seeds, len(grid)), :func:`curve_matrix`)."""
    import pandas as pd

    med, lo, hi = bootstrap_median(values, n_boot, seed)
    return pd.DataFrame({"optimizer": optimizer, "table": table, "x": grid, "median": med,
                         "lo": lo, "hi": hi, "mean": np.nanmean(values, axis=0)})


def final_scores(df: pd.DataFrame, at_step: int | None = None) -> pd.DataFrame:
    """One row per (optimizer, table, seed) at the last step (or at ``at_step``): incumbent
    score, test, regrets, RI over the table's baseline (``baseline``: the space mean, or the
    median where the metric declares it) and the run's AUC (mean normalised regret over
    steps 1..last; 0 = optimum from the first evaluation, 1 = baseline-arch level)."""
    d = df if at_step is None else df[df["step"] <= at_step]
    keys = ["optimizer", "table", "seed"]
    last = d.groupby(keys, sort=False).tail(1).set_index(keys)
    auc = d.groupby(keys, sort=False)["normalized_regret"].mean()
    out = last[["direction", "step", "incumbent", "incumbent_score", "incumbent_test", "regret",
                "normalized_regret", "n_distinct", "sim_time"]].copy()
    out["auc"] = auc
    out = out.reset_index()
    metas = {str(tab): table_meta(df, str(tab)) for tab in dict.fromkeys(out["table"])}
    return add_relative_improvement(out, metas)


def add_relative_improvement(finals: pd.DataFrame, metas: dict[str, dict[str, Any]]
                             ) -> pd.DataFrame:
    """``finals`` (one row per run) with columns ``ri`` (RI in percent over the baseline of
    its table) and ``baseline`` (``"mean"`` / ``"median"``) added in place; ``metas``: the
    :func:`table_meta` of every table in ``finals``."""
    ri = np.full(len(finals), np.nan)
    base = np.empty(len(finals), dtype=object)
    for tab, idx in finals.groupby("table").groups.items():
        meta = metas[str(tab)]
        at = finals.index.get_indexer(idx)
        ri[at] = relative_improvement(
            finals.loc[idx, "incumbent_score"].to_numpy(), meta["baseline_value"],
            meta["direction"])
        base[at] = meta["baseline"]
    finals["ri"] = ri
    finals["baseline"] = base
    return finals


def table_meta(df: pd.DataFrame, table: str) -> dict[str, Any]:
    """``direction``, ``optimum``, ``baseline`` (``"mean"`` / ``"median"``) and
    ``baseline_value`` of ``table``, recovered exactly from its trajectory rows
    (``regret = sign * (optimum - score)``, ``normalized_regret = regret / (sign * (optimum -
    baseline_value))``). Trajectories written before the ``baseline`` column existed were
    normalised by the mean."""
    g = df[df["table"] == table]
    row = g.iloc[int(np.argmax(g["normalized_regret"].to_numpy()))]
    stat = str(g["baseline"].dropna().iloc[0]) if "baseline" in g and \
        g["baseline"].notna().any() else "mean"
    return meta_from_row(str(g["direction"].iloc[0]), stat, float(row["incumbent_score"]),
                         float(row["regret"]), float(row["normalized_regret"]))


def meta_from_row(direction: str, baseline: str, score: float, regret: float, norm: float
                  ) -> dict[str, Any]:
    """:func:`table_meta` from one trajectory row of the table (``incumbent_score``,
    ``regret``, ``normalized_regret``; the row with the largest normalised regret, where
    rounding matters least) and the table's ``direction`` and ``baseline`` statistic."""
    sign = 1.0 if direction == "max" else -1.0
    optimum = score + sign * regret
    value = optimum - sign * regret / norm if norm else float("nan")
    return {"baseline": baseline, "baseline_value": value, "optimum": optimum,
            "direction": direction}


def compare_to_baseline(finals: pd.DataFrame, baseline: str = "rs") -> pd.DataFrame:
    """Per (optimizer, table): paired Wilcoxon signed-rank of the final incumbent scores
    against ``baseline`` (pairs = runs with the same seed), Holm-adjusted over all the
    comparisons made, Vargha–Delaney A (probability a run beats a baseline run) and the
    median difference in metric units (positive = better than the baseline)."""
    import pandas as pd

    rows = []
    for (opt, tab), g in finals.groupby(["optimizer", "table"], sort=False):
        if opt == baseline:
            continue
        base = finals[(finals["optimizer"] == baseline) & (finals["table"] == tab)]
        if base.empty:
            continue
        sign = 1.0 if g["direction"].iloc[0] == "max" else -1.0
        m = g.merge(base, on="seed", suffixes=("", "_b"))
        x, y = sign * m["incumbent_score"].to_numpy(), sign * m["incumbent_score_b"].to_numpy()
        w = wilcoxon(x, y)
        a12 = vargha_delaney_a(sign * g["incumbent_score"].to_numpy(),
                               sign * base["incumbent_score"].to_numpy())
        rows.append({"optimizer": opt, "table": tab, "n_pairs": len(m),
                     "median_diff": float(np.median(x - y)) if len(m) else np.nan,
                     "a12": a12, "wilcoxon_p": w.pvalue})
    out = pd.DataFrame(rows, columns=["optimizer", "table", "n_pairs", "median_diff", "a12",
                                      "wilcoxon_p"])
    out["holm_p"] = holm(out["wilcoxon_p"].to_numpy()) if len(out) else []
    return out
