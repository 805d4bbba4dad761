"""Paper figures (matplotlib), the SVG fallback and the LaTeX tables of the report."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nasbench
from nasbench import harness
from nasbench.harness import _plots, _report


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", head[16:24])
    return int(w), int(h)


@pytest.fixture(scope="module")
def grid(db: nasbench.Store) -> pd.DataFrame:
    frames = [harness.run_seeds(o, db.table("nb201", "cifar10"), 40, range(6))
              for o in ("rs", "rea", "ls")]
    frames += [harness.run_seeds(o, db.table("nbgraph", "cora"), 40, range(6))
               for o in ("rs", "rea", "ls")]
    return pd.concat(frames, ignore_index=True)


def _labels(ax: object) -> list[str]:
    ax.figure.canvas.draw()  # type: ignore[attr-defined]
    lo, hi = sorted(ax.get_ylim())  # type: ignore[attr-defined]
    return [t.get_text() for t, v in zip(ax.get_yticklabels(),  # type: ignore[attr-defined]
                                         ax.get_yticks())  # type: ignore[attr-defined]
            if t.get_text() and lo <= v <= hi]


def test_report_figures_and_latex(grid: pd.DataFrame, db: nasbench.Store,
                                  tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    mo = pd.concat([harness.run_mo(o, db.table("nb201", "cifar10"), 30, seed=s)
                    for o in ("mo_rs", "nsga2") for s in range(2)], ignore_index=True)
    md_path, html_path = harness.write_report(grid, tmp_path, db, mo=mo)
    figs = tmp_path / "figures"
    names = ["anytime_nb201_cifar10", "anytime_nbgraph_cora", "ranks", "cd_diagram"]
    for name in names:
        for fmt in ("png", "pdf", "svg"):
            assert (figs / f"{name}.{fmt}").stat().st_size > 1000
        w, h = _png_size(figs / f"{name}.png")
        assert w == round(_plots.SIZES["single"][0] * _plots.DPI) and 300 < h < 1200
    assert list(figs.glob("pareto_nb201_cifar10_*.png"))
    md, html = md_path.read_text(), html_path.read_text()
    for name in names:
        assert f"(figures/{name}.png)" in md
    assert html.count("<figure><svg") >= 5 and "<img" not in html
    # a number of the score table appears in the LaTeX table
    an = harness.analyse(grid, db)
    row = an.summary[(an.summary.optimizer == "rea") & (an.summary.table == "nb201/cifar10")]
    tex = (tmp_path / "tables" / "scores_nb201_cifar10.tex").read_text()
    assert _report._cell(float(row["median"].iloc[0])) in tex
    assert r"\toprule" in tex and r"\bottomrule" in tex and r"val\_acc" in tex
    assert "tables/scores_nb201_cifar10.tex" in md
    assert (tmp_path / "tables" / "ranks.tex").exists()


def test_anytime_log_axis_keeps_zeros_and_has_labels() -> None:
    pytest.importorskip("matplotlib")
    x = np.arange(1, 51, dtype=float)
    rows = []
    for name, med in (("rea", np.r_[np.geomspace(1, 0.01, 40), np.zeros(10)]),
                      ("mystery", np.geomspace(0.9, 0.05, 50))):
        rows += [{"optimizer": name, "x": a, "median": m, "lo": m * 0.5, "hi": m * 1.5}
                 for a, m in zip(x, med)]
    fig = _plots.anytime_figure(pd.DataFrame(rows), "zeros")
    ax = fig.axes[0]
    assert ax.get_yscale() == "symlog" and ax.get_ylim()[0] == 0
    assert "linear below" in ax.get_ylabel()
    line = {ln.get_label(): ln for ln in ax.get_lines()}["rea"]
    assert len(line.get_xdata()) == 50  # every point is drawn, zeros included
    assert line.get_color().lower() == _plots.FIXED["rea"].lower()
    assert len(_labels(ax)) >= 2
    # a narrow range (NAS-Bench-Graph cora: regrets within one decade) still has labels
    narrow = pd.DataFrame({"optimizer": "rs", "x": x, "median": np.linspace(0.3, 0.2, 50),
                           "lo": 0.18, "hi": 0.35})
    assert len(_labels(_plots.anytime_figure(narrow).axes[0])) >= 2


def test_colors_are_stable_and_distinct() -> None:
    a = _plots.colors(["rs", "rea", "zeta", "alpha"])
    b = _plots.colors(["alpha", "zeta", "rea", "rs"])
    assert a == b and len(set(a.values())) == 4 and a["rs"] == _plots.FIXED["rs"]


def test_double_column_and_predictor_figures(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    fig = _plots.predictor_scatter(y, y + rng.normal(scale=0.3, size=200), "xgb",
                                   size="double")
    assert fig.axes[0].collections and len(_labels(fig.axes[0])) >= 2
    paths = _plots.save(fig, tmp_path / "scatter")
    assert _png_size(paths["png"])[0] == round(_plots.SIZES["double"][0] * _plots.DPI)
    res = pd.DataFrame([{"predictor": p, "train_size": n, "repetition": r,
                         "kendall_tau": 0.3 + 0.1 * np.log10(n) + 0.01 * r}
                        for p in ("xgb", "gp") for n in (10, 100, 1000) for r in range(3)])
    fig = _plots.tau_vs_train_size(res)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.get_lines()) == 2 and len(_labels(ax)) >= 2


def test_svg_fallback_without_matplotlib(grid: pd.DataFrame, db: nasbench.Store,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)
    md_path, html_path = harness.write_report(grid, tmp_path, db)
    html = html_path.read_text()
    assert not (tmp_path / "figures").exists() and html.count("<svg") >= 4
    assert (tmp_path / "tables" / "scores_nbgraph_cora.tex").exists()
    # one colour per optimizer in every chart: rea's colour is the same everywhere
    assert html.count(_plots.FIXED["rea"]) >= 3


def test_progress_bars_and_quiet(db: nasbench.Store, capsys: pytest.CaptureFixture[str]
                                 ) -> None:
    t = db.table("nb201", "cifar10")
    harness.run_seeds("ls", t, 30, range(3), progress=True)
    err = capsys.readouterr().err
    assert "ls on nb201/cifar10 (3 seeds)" in err and "/30 [" in err  # total known: ETA
    harness.run_seeds("ls", t, 30, range(3), progress=False)
    harness.run_seeds("ls", t, 30, range(3))  # stderr is not a terminal here: silent
    harness.run_mo("mo_rs", t, 20, seed=0, progress=False)
    assert capsys.readouterr().err == ""


def test_compare_prints_score_table(store_home: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from nasbench.harness import _cli

    pytest.importorskip("optuna")
    parser = argparse.ArgumentParser()
    _cli.add_parser(parser.add_subparsers(dest="command"))
    _cli.run(parser.parse_args(["compare", "--optimizers", "rs,rea", "--tables",
                                "nb201/cifar10", "--seeds", "4", "--budget", "20", "--jobs",
                                "1", "--out", str(tmp_path / "c"), "--home", str(store_home),
                                "--quiet", "--mo", "optuna:NSGAIISampler"]))
    cap = capsys.readouterr()
    assert "optuna:NSGAIISampler" in (tmp_path / "c" / "report.md").read_text()
    assert "| optimizer | seeds | median | sd |" in cap.out and "| rea |" in cap.out
    assert "cells" not in cap.err
