"""Reports streamed from a runner folder (one cell file at a time) state exactly the numbers of
the all-in-memory path: ``analyse(load_results(out))`` and ``anytime`` of the whole frame."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nasbench
from nasbench import harness
from nasbench.errors import NasbenchError
from nasbench.harness import _cli, _scores
from nasbench.harness._analysis import analyse_finals
from nasbench.harness._digest import digest_frame
from nasbench.harness._report import _score_table, build_report
from nasbench.harness._runner import DuplicateRunsError, GridSpec, count_results

QUIET: dict[str, Any] = {"executor": "serial", "progress": lambda *a: None}


def _same_report_numbers(out: Path, db: nasbench.Store, unit: str = "evals") -> None:
    df = harness.load_results(out)  # the old path: every row in memory
    old = harness.analyse(df, db, unit=unit)
    dig = harness.digest_runs(out, unit=unit)
    new = analyse_finals(dig.finals, db, dig.metrics, unit=unit)
    assert dig.rows == len(df) == count_results(out)
    pd.testing.assert_frame_equal(dig.finals, old.finals, check_exact=True)
    tables = list(dict.fromkeys(old.summary["table"]))
    assert tables == list(dict.fromkeys(new.summary["table"]))
    for table in tables:
        pd.testing.assert_frame_equal(_score_table(new, table), _score_table(old, table),
                                      check_exact=True)
    x = "sim_time" if unit == "seconds" else "step"
    pd.testing.assert_frame_equal(dig.curves, harness.anytime(df, "normalized_regret", x=x),
                                  check_exact=True)
    assert dig.metas == digest_frame(df, unit).metas
    assert build_report(dig, db)[0] == build_report(df, db, unit=unit)[0]


def test_compare_report_is_streamed_with_the_in_memory_numbers(
        store_home: Path, db: nasbench.Store, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cmp"
    parser = argparse.ArgumentParser()
    _cli.add_parser(parser.add_subparsers(dest="command"))
    _cli.run(parser.parse_args([
        "compare", "--optimizers", "rs,rea,ls", "--tables",
        "nb201/cifar10,fcnet/slice_localization", "--seeds", "6", "--budget", "30",
        "--jobs", "1", "--out", str(out), "--home", str(store_home), "--quiet"]))
    text = capsys.readouterr().out
    assert f"{6 * 30 * 6} trajectory rows" in text and "report:" in text
    assert not hasattr(_cli, "MAX_REPORT_ROWS")  # no row refusal any more
    _same_report_numbers(out, db)
    # the score table in report.md is the old path's
    old = harness.analyse(harness.load_results(out), db)
    from nasbench.harness._report import markdown_table

    md = (out / "report.md").read_text()
    for table in ("nb201/cifar10", "fcnet/slice_localization"):
        assert markdown_table(_score_table(old, table)) in md


def test_streamed_numbers_in_seconds_with_workers(db: nasbench.Store, tmp_path: Path
                                                  ) -> None:
    spec = GridSpec(["rs", "rea"], ["nb201/cifar10"], range(5), 20_000.0, unit="seconds",
                    n_workers=3)
    harness.run_missing(spec, tmp_path, **QUIET)
    _same_report_numbers(tmp_path, db, unit="seconds")


def test_digest_dedupes_filters_seeds_and_refuses_different_copies(
        db: nasbench.Store, tmp_path: Path) -> None:
    harness.run_missing(GridSpec(["rs", "ls"], ["nbgraph/cora"], range(5), 12), tmp_path,
                        **QUIET)
    folder = tmp_path / "runs" / "rs" / "nbgraph" / "cora"
    (src,) = folder.glob("s*.parquet")
    df = pd.read_parquet(src)
    df[df["seed"] >= 3].to_parquet(folder / "s000003-000004.parquet", index=False)
    _same_report_numbers(tmp_path, db)  # the identical copy is read once
    sub = harness.digest_runs(tmp_path, seeds=[0, 2, 4])
    assert sub.rows == len(harness.load_results(tmp_path, seeds=[0, 2, 4])) == 2 * 3 * 12
    assert set(sub.finals["seed"]) == {0, 2, 4}
    changed = df[df["seed"] >= 3].copy()
    changed["observed"] += 1.0
    changed.to_parquet(folder / "s000003-000004.parquet", index=False)
    with pytest.raises(DuplicateRunsError, match="Seed 3 of rs on nbgraph/cora"):
        harness.digest_runs(tmp_path)
    with pytest.raises(DuplicateRunsError, match="Seed 3 of rs on nbgraph/cora"):
        count_results(tmp_path)


def test_digest_refuses_a_file_of_several_runs(tmp_path: Path) -> None:
    a = harness.run_seeds("rs", "nb201/cifar10", 5, [0])
    b = harness.run_seeds("rs", "nb201/cifar100", 5, [1])
    folder = tmp_path / "runs" / "rs" / "nb201" / "cifar10"
    folder.mkdir(parents=True)
    pd.concat([a, b]).to_parquet(folder / "s000000-000001.parquet", index=False)
    with pytest.raises(NasbenchError, match="holds rows of several runs"):
        harness.digest_runs(tmp_path)


def test_bootstrap_band_is_the_same_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    values = np.minimum.accumulate(rng.random((23, 57)), axis=1)
    values[:, :4] = np.nan
    values[rng.random(values.shape) < 0.05] = np.nan
    with pytest.warns(RuntimeWarning):
        whole = _scores.bootstrap_median(values)  # one gather, as before chunking
    monkeypatch.setattr(_scores, "BOOTSTRAP_CHUNK_BYTES", 8 * 23 * 200)  # 200 resamples
    with pytest.warns(RuntimeWarning):
        chunked = _scores.bootstrap_median(values)
    for a, b in zip(whole, chunked):
        np.testing.assert_array_equal(a, b)
