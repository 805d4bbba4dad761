"""Reports (Markdown + HTML with inline SVG), the compare command and the demo."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

import nasbench
from nasbench import harness
from nasbench.harness import _cli


@pytest.fixture(scope="module")
def small_grid(db: nasbench.Store) -> pd.DataFrame:
    frames = [harness.run_seeds(o, db.table(*t), 60, range(12))
              for t in (("nb201", "cifar10"), ("nbgraph", "cora"))
              for o in ("rs", "rea", "ls")]
    return pd.concat(frames, ignore_index=True)


def test_analysis_tables(small_grid: pd.DataFrame, db: nasbench.Store) -> None:
    an = harness.analyse(small_grid, db)
    s = an.summary.set_index(["optimizer", "table"])
    assert len(s) == 6
    assert s.loc[("rs", "nb201/cifar10"), "p_beat_rs"] == pytest.approx(0.5, abs=0.2)
    assert s.loc[("rea", "nb201/cifar10"), "p_beat_rs"] > 0.5
    assert s.loc[("rea", "nbgraph/cora"), "test"] > 70  # cora has test accuracy
    assert pd.isna(s.loc[("rea", "nb201/cifar10"), "test"])
    assert an.friedman is not None and an.friedman.n_blocks == 24
    assert set(an.verdicts) == {"rea", "ls"}
    assert "beat random search significantly" in an.verdicts["rea"]
    curves = harness.anytime(small_grid)
    g = curves[(curves.optimizer == "rea") & (curves.table == "nb201/cifar10")]
    assert len(g) == 60 and (g["lo"] <= g["median"]).all() and (g["median"] <= g["hi"]).all()


def test_report_files(small_grid: pd.DataFrame, db: nasbench.Store, tmp_path: Path) -> None:
    eff = harness.sample_efficiency(small_grid, "rea", reference="rs", at=30, ref_at=60)
    md_path, html_path = harness.write_report(small_grid, tmp_path, db,
                                              extra={"Sample efficiency": eff})
    md, html = md_path.read_text(), html_path.read_text()
    assert "## nb201/cifar10" in md and "| rea |" in md and "Friedman" in md
    assert "Sample efficiency" in md
    assert html.count("<svg") >= 4  # 2 anytime plots, rank bars, CD diagram
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    _cli.add_parser(sub)
    return parser.parse_args(argv)


def test_compare_command(store_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                         ) -> None:
    out = tmp_path / "cmp"
    args = _args(["compare", "--optimizers", "rs,rea", "--tables", "nb201/cifar100",
                  "--seeds", "6", "--budget", "40", "--jobs", "1", "--out", str(out),
                  "--param", "rea.population=8", "--mo", "mo_rs,nsga2",
                  "--home", str(store_home)])
    _cli.run(args)
    text = capsys.readouterr().out
    assert "rea beat random search" in text and "report:" in text
    assert (out / "report.html").exists() and (out / "config.json").exists()
    assert "Multi-objective" in (out / "report.md").read_text()
    assert _cli.parse_params(["rea.population=8", "de.f=0.7", "np.predictor=gin"]) == {
        "rea": {"population": 8}, "de": {"f": 0.7}, "np": {"predictor": "gin"}}
    with pytest.raises(_cli.CompareUsageError, match="OPTIMIZER.NAME=VALUE"):
        _cli.parse_params(["population=8"])


def test_demo_comparison(db: nasbench.Store) -> None:
    text = harness.demo_comparison(db, seeds=8, budget=40)
    assert "nb201/cifar10" in text and "nbgraph/cora" in text and "P(beat RS)" in text
