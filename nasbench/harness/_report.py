"""Markdown + standalone HTML reports of a comparison, with paper figures and LaTeX tables.

``write_report(df, out, db)`` writes ``report.md``, a standalone ``report.html`` (figures
inlined as SVG, no network), ``figures/*.{png,pdf,svg}`` (matplotlib, ``pip install
'nasbench[report]'``; without it the HTML keeps the hand-drawn SVG of ``_svg.py`` and no
figure files are written) and ``tables/*.tex`` (booktabs) for every score table. ``df`` is
the trajectories or their :class:`~nasbench.harness.Digest`: ``write_report(digest_runs(out),
out, db)`` reports a runner folder of any size, reading one cell file at a time.
"""

from __future__ import annotations

import math
import os
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.harness import _svg
from nasbench.harness._analysis import Analysis, analyse_finals
from nasbench.harness._digest import Digest, digest_frame

if TYPE_CHECKING:
    import pandas as pd

_COLUMNS = {"optimizer": "optimizer", "seeds": "seeds", "step": "evals", "median": "median",
            "mean": "mean", "std": "sd", "ri": "RI %", "norm_regret": "norm. regret",
            "auc": "AUC", "test": "test", "p_beat_rs": "P(beat RS)", "effect_rs": "effect",
            "a12": "A12", "wilcoxon_p": "Wilcoxon p", "holm_p": "Holm p"}
_PROTOCOL = (
    "Protocol: each evaluation shows the optimizer the validation metric of ONE training seed "
    "drawn at random; test values never reach an optimizer unless a section below says "
    "otherwise. The incumbent is the arch with "
    "the best mean of its observations (re-evaluations are averaged); it is scored by its "
    "mean validation value over all seeds (`median`, `mean`), by RI = 100 (score - baseline) "
    "/ baseline (Yang et al. 2020), "
    "by normalised regret (0 = table optimum, 1 = baseline architecture) and by `test` where "
    "the table has test accuracy. The baseline is the mean architecture of the table, or its "
    "median where the metric declares it (heavy-tailed metrics such as FCNet val_loss, whose "
    "mean a few diverged runs dominate); each table states its own. AUC = mean normalised "
    "regret over the run (lower is "
    "better). P(beat RS) and `effect` compare with the exact distribution of random search at "
    "the same budget; A12 is the probability that a run beats a random-search run; Wilcoxon "
    "= paired signed-rank test against random search over seeds, Holm-adjusted over all "
    "comparisons. Re-evaluating an architecture costs a full evaluation.")


def _cell(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "–"
        if f != 0 and (abs(f) < 1e-3 or abs(f) >= 1e5):
            return f"{f:.2e}"
        return f"{f:.4g}" if abs(f) < 1 else f"{f:.2f}"
    return str(v)


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df``."""
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join([head, sep, *body])


def html_table(df: pd.DataFrame) -> str:
    """An HTML table of ``df`` (values formatted like the Markdown one)."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_LATEX_ESCAPE = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$",
                 "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_LATEX_ESCAPE.get(ch, ch) for ch in str(text))


def latex_table(df: pd.DataFrame, caption: str = "", label: str = "") -> str:
    """A booktabs ``table`` of ``df`` (values formatted as in the Markdown tables; needs
    ``\\usepackage{booktabs}``). Text columns are left-aligned, numbers right-aligned."""
    import pandas as pd

    align = "".join("r" if pd.api.types.is_numeric_dtype(df[c]) else "l" for c in df.columns)
    lines = [r"\begin{table}[t]", r"\centering", r"\small"]
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{align}}}", r"\toprule",
              " & ".join(latex_escape(str(c)) for c in df.columns) + r" \\", r"\midrule"]
    for row in df.itertuples(False):
        cells = [latex_escape(_cell(v)).replace("–", "--") for v in row]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(text)).strip("_").lower()


class _Outputs:
    """Where a report's figures and LaTeX tables go (``None``: strings only, SVG charts)."""

    def __init__(self, out: Path | None, size: str, names: list[str]) -> None:
        from nasbench.harness import _plots

        self.out = out
        self.size = size
        self.colors = _plots.colors(names)
        self.mpl = out is not None and _plots.available()
        self.figures: dict[str, dict[str, Path]] = {}
        self.tables: dict[str, Path] = {}

    def figure(self, name: str, fig: Any, caption: str, md: list[str], html: list[str]
               ) -> None:
        from nasbench.harness import _plots

        assert self.out is not None
        paths = _plots.save(fig, self.out / "figures" / name)
        self.figures[name] = paths
        md += [f"![{caption}](figures/{name}.png)", "",
               f"*{caption}* ([PDF](figures/{name}.pdf), [SVG](figures/{name}.svg))", ""]
        html += [f"<figure>{_plots.svg_inline(paths['svg'])}<figcaption>{escape(caption)}"
                 "</figcaption></figure>"]

    def table(self, name: str, df: pd.DataFrame, caption: str, md: list[str]) -> None:
        if self.out is None:
            return
        path = self.out / "tables" / f"{name}.tex"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(latex_table(df, caption, f"tab:{name}"), encoding="utf-8")
        self.tables[name] = path
        md += [f"LaTeX: [tables/{name}.tex](tables/{name}.tex)", ""]


def _score_table(an: Analysis, table: str) -> pd.DataFrame:
    s = an.summary[an.summary["table"] == table]
    cols = [c for c in _COLUMNS if c in s and (c != "test" or s["test"].notna().any())]
    names = dict(_COLUMNS)
    stat = _baseline_stat(s)
    names.update(ri=f"RI % vs {stat}", norm_regret=f"norm. regret vs {stat}")
    if stat == "median":
        names["auc"] = "AUC (median of seeds)"
    return s[cols].rename(columns=names)


def _baseline_stat(summary: pd.DataFrame) -> str:
    if "baseline" in summary and summary["baseline"].notna().any():
        return str(summary["baseline"].dropna().iloc[0])
    return "mean"


def _baseline_note(dig: Digest, table: str) -> str:
    """One sentence: which baseline RI and normalised regret of ``table`` are relative to."""
    meta = dig.metas[table]
    text = (f"Baseline: the {meta['baseline']} architecture of the table "
            f"({dig.metrics[table]} = {_cell(meta['baseline_value'])}); RI and normalised "
            "regret are relative to it")
    if meta["baseline"] == "median":
        text += (", as the metric declares: its mean is dominated by a few diverged runs, "
                 "so against the mean every ordinary architecture would score RI ~ 100 %")
    return text + "."


def _test_metric_note(dig: Digest) -> str | None:
    """The statement a report must carry when runs searched on test-split metrics."""
    if not dig.test_metrics:
        return None
    pairs = sorted({f"{m} on {tab}" for _, tab, m in dig.test_metrics})
    opts = sorted({o for o, _, _ in dig.test_metrics})
    return (f"These runs searched on a TEST-split metric ({'; '.join(pairs)}; optimizers "
            f"{', '.join(opts)}), with the explicit opt-in allow_test_metric=True: the "
            "optimizers observed test values, so their scores are not an honest estimate of "
            "how they generalise and must not be compared with validation-metric searches.")


def build_report(df: pd.DataFrame | Digest, db: Any = None, *, title: str = "NAS comparison",
                 unit: str | None = None, mo: pd.DataFrame | None = None,
                 extra: dict[str, pd.DataFrame] | None = None, out: Any = None,
                 size: str = "single") -> tuple[str, str]:
    """Return (markdown, html) for the trajectories ``df``.

    Args:
        df: trajectories, or their :class:`~nasbench.harness.Digest` (the same report; from
            :func:`~nasbench.harness.digest_runs`, a runner folder of any size).
        db: the store, for exact random-search baselines and true Pareto fronts.
        unit: ``"evals"`` or ``"seconds"``: the x of the anytime curves and whether random
            search is scored exactly (default: the digest's, else ``"evals"``).
        mo: multi-objective trajectories (from :func:`~nasbench.harness.run_mo`), optional.
        extra: more titled tables to append (e.g. a sample-efficiency table).
        out: a folder: also write ``figures/`` (matplotlib, if installed) and ``tables/``
            (LaTeX) there, and embed them; without it the charts are inline SVG only.
        size: ``"single"`` (one-column, 3.35 in) or ``"double"`` (two-column, 7 in) figures.
    """
    if isinstance(df, Digest):
        dig = df
        if unit is not None and unit != dig.unit:
            raise ValueError(f"The 'unit' parameter of build_report must be the digest's "
                             f"({dig.unit!r}). Got {unit!r} instead.")
    else:
        dig = digest_frame(df, unit or "evals")
    unit = dig.unit
    an = analyse_finals(dig.finals, db, dig.metrics, unit=unit)
    names = list(dig.optimizers)
    if mo is not None and len(mo):
        names += [n for n in dict.fromkeys(mo["optimizer"].astype(str)) if n not in names]
    outs = _Outputs(Path(out) if out is not None else None, size, names)
    md: list[str] = [f"# {title}", "", _PROTOCOL, ""]
    html: list[str] = [f"<h1>{escape(title)}</h1>", f"<p>{escape(_PROTOCOL)}</p>"]
    note = _test_metric_note(dig)
    if note:
        md += ["## Searched on test data", "", f"**{note}**", ""]
        html += ["<h2>Searched on test data</h2>", f"<p><strong>{escape(note)}</strong></p>"]
    md += ["## Verdicts", ""] + [f"- {v}" for v in an.verdicts.values()] + [""]
    html += ["<h2>Verdicts</h2><ul>"] + [f"<li>{escape(v)}</li>" for v in an.verdicts.values()]
    html.append("</ul>")
    x = "sim_time" if unit == "seconds" else "step"
    curves = dig.curves
    for table in dict.fromkeys(an.summary["table"]):
        st = _score_table(an, str(table))
        base = _baseline_note(dig, str(table))
        md += [f"## {table}", "", base, "", markdown_table(st), ""]
        html += [f"<h2>{escape(str(table))}</h2>", f"<p>{escape(base)}</p>", html_table(st)]
        outs.table(f"scores_{_slug(table)}", st, f"{table}: {base}", md)
        c = curves[curves["table"] == table]
        caption = f"{table}: normalised regret (median over seeds, 95% bootstrap band)"
        xlabel = "simulated seconds" if x == "sim_time" else "evaluations"
        if outs.mpl:
            from nasbench.harness import _plots

            fig = _plots.anytime_figure(c, str(table), xlabel=xlabel, size=outs.size,
                                        palette=outs.colors)
            outs.figure(f"anytime_{_slug(table)}", fig, caption, md, html)
        else:
            series = {str(o): (g["x"].to_numpy(), g["median"].to_numpy(), g["lo"].to_numpy(),
                               g["hi"].to_numpy()) for o, g in c.groupby("optimizer",
                                                                         sort=False)}
            html.append(_svg.line_chart(series, caption, xlabel, "normalised regret",
                                        logy=True, colors=outs.colors))
    md, html = _ranks_section(an, md, html, outs)
    for name, t in (extra or {}).items():
        md += [f"## {name}", "", markdown_table(t), ""]
        html += [f"<h2>{escape(name)}</h2>", html_table(t)]
        outs.table(f"extra_{_slug(name)}", t, name, md)
    if mo is not None and len(mo):
        md, html = _mo_section(mo, db, md, html, outs)
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + escape(title) +
            "</title><style>body{font-family:sans-serif;max-width:1000px;margin:auto}"
            "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
            "padding:2px 6px;text-align:right}svg{display:block;margin:8px 0;max-width:100%;"
            "height:auto}figure{margin:12px 0}figcaption{font-size:13px;color:#444}"
            "</style></head>"
            "<body>" + "\n".join(html) + "</body></html>")
    return "\n".join(md) + "\n", page


def _ranks_section(an: Analysis, md: list[str], html: list[str], outs: _Outputs
                   ) -> tuple[list[str], list[str]]:
    fr = an.friedman
    if fr is None:
        return md, html
    ranks = fr.ranks
    text = (f"Friedman test over {fr.n_blocks} blocks (every table x seed; seeds are not "
            f"independent tasks, so read the ranks as descriptive): chi2 = {fr.statistic:.2f}, "
            f"p = {_cell(fr.pvalue)}. Nemenyi critical difference (alpha = 0.05) = "
            f"{fr.critical_difference:.3f}.")
    order = sorted(ranks, key=ranks.get)  # type: ignore[arg-type]
    md += ["## Ranks", "", text, "", "| optimizer | average rank |", "|---|---|"]
    md += [f"| {o} | {ranks[o]:.3f} |" for o in order] + [""]
    html += ["<h2>Ranks</h2>", f"<p>{escape(text)}</p>"]
    import pandas as pd

    outs.table("ranks", pd.DataFrame({"optimizer": order,
                                      "average rank": [ranks[o] for o in order]}),
               text, md)
    if outs.mpl:
        from nasbench.harness import _plots

        outs.figure("ranks", _plots.rank_figure(ranks, size=outs.size, palette=outs.colors),
                    "Average rank over (table, seed) blocks (1 = best)", md, html)
        outs.figure("cd_diagram", _plots.cd_figure(ranks, fr.critical_difference,
                                                   size=outs.size, palette=outs.colors),
                    f"Critical-difference diagram (Nemenyi, alpha = {fr.alpha:g}, CD = "
                    f"{fr.critical_difference:.3f}); bars join optimizers whose average ranks "
                    "differ by less than CD", md, html)
    else:
        html += [_svg.bar_chart({o: ranks[o] for o in order}, "Average rank (1 = best)", "rank",
                                colors=outs.colors),
                 _svg.cd_diagram(ranks, fr.critical_difference, "Critical-difference diagram")]
    return md, html


def _mo_section(mo: pd.DataFrame, db: Any, md: list[str], html: list[str], outs: _Outputs
                ) -> tuple[list[str], list[str]]:
    from nasbench.harness._mo import (
        describe_objectives,
        frame_objectives,
        observed_front,
        parse_objectives,
    )

    mo = mo.copy()
    if "objectives" not in mo:
        mo["objectives"] = ",".join(f"{m}:{d}" for m, d in frame_objectives(mo).items())
    md += ["## Multi-objective", ""]
    html.append("<h2>Multi-objective</h2>")
    for objectives, g_obj in mo.groupby("objectives", sort=False):
        sense = parse_objectives(str(objectives))
        last = g_obj.groupby(["optimizer", "table", "seed"], sort=False).tail(1)
        summ = last.groupby(["table", "optimizer"], sort=False).agg(
            seeds=("seed", "size"), hv_ratio_median=("hv_ratio", "median"),
            hv_ratio_mean=("hv_ratio", "mean"),
            front_size=("front_size", "median")).reset_index()
        text = (f"Objectives {describe_objectives(sense)}: hypervolume of the front found "
                "(observed non-dominated archs, scored with mean values), objectives "
                "normalised to [0, 1] by the best/worst values of the cells searched, "
                "reference point = the worst value of each objective; hv_ratio = hypervolume / "
                "that of the true front of those cells.")
        cells = []
        if "n_cells" in g_obj:
            for tab, g in last.groupby("table", sort=False):
                n, total = int(g["n_cells"].iloc[0]), int(g["n_table_cells"].iloc[0])
                cells.append(f"{tab}: run on {n:,} of {total:,} cells that have every "
                             f"objective" if n < total else f"{tab}: run on all {total:,} cells")
        if cells:
            text += " " + "; ".join(cells) + "."
        tests = sorted({f"{o} on {tab}" for o, tab in zip(g_obj.get("test_objectives", ()),
                                                             g_obj["table"]) if o})
        if tests:
            text += (f" TEST-split objectives were searched on ({'; '.join(tests)}) with the "
                     "explicit opt-in allow_test_metric=True: the optimizers observed test "
                     "values.")
        md += [text, "", markdown_table(summ), ""]
        html += [f"<p>{escape(text)}</p>", html_table(summ)]
        outs.table(f"mo_{_slug(str(objectives))}", summ, text, md)
        if db is None or len(sense) != 2:
            continue
        (y_name, _), (x_name, _) = sense.items()
        for table, g in g_obj.groupby("table", sort=False):
            t = db.table(*str(table).split("/", 1))
            true = t.pareto(sense)
            groups = {"true front": (true[x_name].to_numpy(), true[y_name].to_numpy())}
            for opt, go in g.groupby("optimizer", sort=False):
                first_seed = go[go["seed"] == go["seed"].min()]
                f = observed_front(first_seed, t, sense)
                groups[f"{opt} (seed {int(go['seed'].min())})"] = (f[x_name].to_numpy(),
                                                                   f[y_name].to_numpy())
            caption = (f"{table}: Pareto fronts found (first seed of each optimizer) and "
                       "the true front")
            if outs.mpl:
                from nasbench.harness import _plots

                fig = _plots.pareto_figure(groups, x_name, y_name, str(table), size=outs.size,
                                           palette=outs.colors)
                outs.figure(f"pareto_{_slug(table)}_{_slug(str(objectives))}", fig, caption,
                            md, html)
            else:
                html.append(_svg.scatter(groups, caption, x_name, y_name,
                                         colors=outs.colors))
    return md, html


def write_report(df: pd.DataFrame | Digest, out: str | os.PathLike[str], db: Any = None,
                 **kwargs: Any) -> tuple[Path, Path]:
    """Write ``report.md``, ``report.html``, ``figures/`` and ``tables/`` into folder ``out``
    (see :func:`build_report`; ``size="double"`` for two-column figures; ``df`` may be the
    :func:`~nasbench.harness.digest_runs` of a runner folder); returns the paths of the two
    reports."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    md, html = build_report(df, db, out=folder, **kwargs)
    paths = folder / "report.md", folder / "report.html"
    from nasbench.store import atomic_write

    for path, text in zip(paths, (md, html)):
        atomic_write(path, text)
    return paths
