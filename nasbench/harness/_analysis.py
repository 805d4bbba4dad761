"""Everything the report states, computed from trajectories: score tables, tests, ranks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.harness._baseline import random_search_distribution
from nasbench.harness._scores import compare_to_baseline, final_scores
from nasbench.harness._stats import FriedmanResult, friedman, wilcoxon

if TYPE_CHECKING:
    import pandas as pd

ALPHA = 0.05


@dataclass
class Analysis:
    """Results of :func:`analyse`; every table is a pandas DataFrame."""

    finals: pd.DataFrame  # one row per (optimizer, table, seed)
    summary: pd.DataFrame  # one row per (optimizer, table)
    tests: pd.DataFrame  # Wilcoxon vs the baseline, Holm-adjusted
    friedman: FriedmanResult | None
    optimizers: list[str]
    baseline: str
    verdicts: dict[str, str]


def analyse(df: pd.DataFrame, db: Any = None, baseline: str = "rs",
            unit: str = "evals") -> Analysis:
    """Score a grid of trajectories.

    With ``db`` (a store) and evaluation budgets, random search is also scored exactly: the
    closed-form distribution of its incumbent score at the same budget gives each optimizer's
    probability of beating it (``p_beat_rs``) and an effect size (``effect_rs``: mean
    difference in units of random search's standard deviation). Friedman's test ranks the
    optimizers within every (table, seed) block.
    """
    metrics = {str(t): str(g["metric"].iloc[0]) for t, g in df.groupby("table", sort=False)}
    return analyse_finals(final_scores(df), db, metrics, baseline=baseline, unit=unit)


def analyse_finals(finals: pd.DataFrame, db: Any = None, metrics: dict[str, str] | None = None,
                   baseline: str = "rs", unit: str = "evals") -> Analysis:
    """:func:`analyse` from the final scores alone (:func:`final_scores`: one row per
    (optimizer, table, seed)), e.g. those a :class:`~nasbench.harness.Digest` of a runner
    folder holds; ``metrics``: each table's search metric (needed for the exact random-search
    scores with ``db``)."""
    import pandas as pd

    optimizers = list(dict.fromkeys(finals["optimizer"]))
    tests = compare_to_baseline(finals, baseline)
    exact_rs: dict[tuple[str, int], Any] = {}
    rows = []
    for (opt, tab), g in finals.groupby(["optimizer", "table"], sort=False):
        sign = 1.0 if g["direction"].iloc[0] == "max" else -1.0
        s = g["incumbent_score"].to_numpy()
        row = {"optimizer": opt, "table": tab, "seeds": len(g), "step": int(g["step"].max()),
               "median": float(np.median(s)), "mean": float(s.mean()),
               "std": float(s.std(ddof=1)) if len(s) > 1 else np.nan,  # sample SD
               "ri": float(np.median(g["ri"])), "norm_regret": float(np.median(
                   g["normalized_regret"])), "auc": _auc(g),
               "test": float(np.nanmean(g["incumbent_test"]))
               if g["incumbent_test"].notna().any() else np.nan,
               "p_beat_rs": np.nan, "effect_rs": np.nan,
               "baseline": str(g["baseline"].iloc[0])}
        key = (str(tab), int(g["step"].max()))
        if key not in exact_rs:  # a closed form: the same for every optimizer
            exact_rs[key] = _exact_rs(db, key[0], (metrics or {}).get(key[0]), key[1]) \
                if unit == "evals" else None
        exact = exact_rs[key]
        if exact is not None:
            row["p_beat_rs"] = float(np.mean(exact.prob_below(s, g["direction"].iloc[0])))
            row["effect_rs"] = float(sign * (s.mean() - exact.mean) / exact.std) \
                if exact.std > 0 else np.nan
        rows.append(row)
    summary = pd.DataFrame(rows).merge(tests[["optimizer", "table", "a12", "wilcoxon_p",
                                              "holm_p"]], on=["optimizer", "table"],
                                       how="left")
    return Analysis(finals, summary, tests, _friedman(finals, optimizers), optimizers,
                    baseline, _verdicts(tests, optimizers, baseline))


def _auc(g: pd.DataFrame) -> float:
    """AUC over seeds: the mean, or the median where scores use a median baseline (a
    heavy-tailed metric: one seed that starts on a diverged FCNet configuration has a
    normalised regret of 10^5 or more for a step, which would dominate a mean)."""
    if str(g["baseline"].iloc[0]) == "median":
        return float(g["auc"].median())
    return float(g["auc"].mean())


def _exact_rs(db: Any, table: str, metric: str | None, k: int) -> Any:
    if db is None:
        return None
    space, dataset = table.split("/", 1)
    return random_search_distribution(db.table(space, dataset), k, metric=metric)


def _friedman(finals: pd.DataFrame, optimizers: list[str]) -> FriedmanResult | None:
    if len(optimizers) < 2:
        return None
    f = finals.copy()
    f["utility"] = np.where(f["direction"] == "max", 1.0, -1.0) * f["incumbent_score"]
    wide = f.pivot_table(index=["table", "seed"], columns="optimizer", values="utility")
    wide = wide[optimizers].dropna()
    if wide.empty:
        return None
    return friedman(wide, higher_is_better=True)  # labelled by the optimizer columns


def _verdicts(tests: pd.DataFrame, optimizers: list[str], baseline: str) -> dict[str, str]:
    out = {}
    for opt in optimizers:
        if opt == baseline:
            continue
        t = tests[tests["optimizer"] == opt]
        if t.empty:
            out[opt] = f"{opt}: no {baseline} runs to compare with."
            continue
        better = t[(t["holm_p"] < ALPHA) & (t["median_diff"] > 0)]
        worse = t[(t["holm_p"] < ALPHA) & (t["median_diff"] < 0)]
        n = len(t)
        text = (f"{opt} beat random search significantly (Holm-adjusted Wilcoxon p < {ALPHA})"
                f" on {len(better)} of {n} tables")
        if len(better):
            text += f" ({', '.join(better['table'])})"
        if len(worse):
            text += f"; it was significantly worse on {', '.join(worse['table'])}"
        out[opt] = text + "."
    return out


def sample_efficiency(df: pd.DataFrame, candidate: str, reference: str = "rea",
                      at: int = 100, ref_at: int = 200) -> pd.DataFrame:
    """Does ``candidate`` after ``at`` evaluations match ``reference`` after ``ref_at``?

    Per table: medians of both incumbent scores, the median paired difference (positive =
    candidate better), the two-sided Wilcoxon p-value (pairs = same seed) and the one-sided
    p-values of "candidate is worse" (``p_worse``) and "candidate is better" (``p_better``),
    each a one-sided signed-rank test, and both means (``candidate_mean``,
    ``reference_mean``). ``matches`` is True when the candidate's median is at
    least the reference's and the one-sided test does not find it worse at 5 %; ``beats``
    when ``p_better < 0.05``.
    """
    import pandas as pd

    a = final_scores(df[df["optimizer"] == candidate], at_step=at)
    b = final_scores(df[df["optimizer"] == reference], at_step=ref_at)
    rows = []
    for tab, ga in a.groupby("table", sort=False):
        gb = b[b["table"] == tab]
        sign = 1.0 if ga["direction"].iloc[0] == "max" else -1.0
        m = ga.merge(gb, on="seed", suffixes=("", "_r"))
        x, y = sign * m["incumbent_score"].to_numpy(), sign * m["incumbent_score_r"].to_numpy()
        w = wilcoxon(x, y)
        p_worse = wilcoxon(x, y, alternative="less").pvalue
        p_better = wilcoxon(x, y, alternative="greater").pvalue
        med_a, med_b = float(np.median(ga["incumbent_score"])), float(np.median(
            gb["incumbent_score"]))
        rows.append({"table": tab, "candidate": candidate, "at": at, "reference": reference,
                     "ref_at": ref_at, "candidate_median": med_a, "reference_median": med_b,
                     "median_diff": float(np.median(x - y)), "wilcoxon_p": w.pvalue,
                     "p_worse": p_worse, "p_better": p_better,
                     "candidate_mean": float(ga["incumbent_score"].mean()),
                     "reference_mean": float(gb["incumbent_score"].mean()),
                     "matches": bool(sign * (med_a - med_b) >= 0 and p_worse >= ALPHA),
                     "beats": bool(p_better < ALPHA)})
    return pd.DataFrame(rows)
