"""``nasbench predictors evaluate`` and ``nasbench surrogates build`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nasbench.cli import main


def test_predictors_evaluate_writes_parquet_plot_and_table(
        store_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, plot = tmp_path / "rows.parquet", tmp_path / "tau.svg"
    code = main(["predictors", "evaluate", "nbgraph", "proteins", "--home", str(store_home),
                 "--predictors", "ridge,gp", "--train-sizes", "20,60", "--repetitions", "2",
                 "--out", str(out), "--plot", str(plot)])
    assert code == 0
    df = pd.read_parquet(out)
    assert sorted(df.predictor.unique()) == ["gp", "ridge"]
    assert len(df) == 2 * 2 * 2
    assert (df.n_test == 2021 - df.train_size).all()
    assert plot.read_text().startswith("<svg") and "ridge" in plot.read_text()
    printed = capsys.readouterr().out
    assert "predictor" in printed and "gp" in printed


def test_predictors_evaluate_unknown_predictor_is_one_line_error(
        store_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["predictors", "evaluate", "nb201", "cifar10", "--home", str(store_home),
                 "--predictors", "xgboost", "--train-sizes", "20", "--repetitions", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "Unknown predictor 'xgboost'" in err and "xgb" in err


def test_surrogates_build_cli(store_home: Path, tmp_path: Path) -> None:
    pytest.importorskip("xgboost")
    code = main(["surrogates", "build", "nbgraph", "proteins", "--home", str(store_home),
                 "--metrics", "val_acc", "--out-dir", str(tmp_path)])
    assert code == 0
    card = json.loads((tmp_path / "nbgraph__proteins" / "model_card.json").read_text())
    assert card["metrics"]["val_acc"]["holdout"]["kendall_tau"] > 0.5
