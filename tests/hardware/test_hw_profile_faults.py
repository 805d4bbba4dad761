"""``nasbench profile`` faults: failed chunks are retried on resume, bad settings and a
missing PyTorch are one-line usage errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from nasbench import cli
from nasbench.hardware import _profiler
from nasbench.hardware._profiler import ProfileUsageError, profile, read_checkpoint_rounds


def _ok_rows(cells: list[str], settings: dict[str, Any], cpu: int | None = None
             ) -> tuple[list[dict[str, Any]], bool]:
    return [{"cell": c, "batch_size": 1, "metric": "latency", "value": 1e-3} for c in cells], \
        False


def test_failed_chunks_are_recorded_and_retried(tmp_path: Path, monkeypatch: Any) -> None:
    pytest.importorskip("torch")
    out = tmp_path / "ck"
    kwargs: dict[str, Any] = dict(out=out, sample=1, seed=0, warmup=0, repeats=1,
                                  chunk_size=14, log=lambda msg: None)
    calls: list[int] = []

    def flaky(cells: list[str], settings: dict[str, Any], cpu: int | None = None
              ) -> tuple[list[dict[str, Any]], bool]:
        calls.append(len(calls))
        if len(calls) == 1:  # the first chunk's worker dies
            return [{"cell": c, "metric": "error", "error": "worker died"} for c in cells], True
        return _ok_rows(cells, settings)

    monkeypatch.setattr(_profiler, "_run_chunk", flaky)
    profile(**kwargs)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["chunk_00001.parquet",
                                                             "failed_00000.parquet"]
    assert (read_checkpoint_rounds(out)["metric"] == "error").sum() == 14
    monkeypatch.setattr(_profiler, "_run_chunk", _ok_rows)
    again = profile(**kwargs)  # resume retries exactly the failed chunk
    assert sorted(p.name for p in out.glob("*.parquet")) == ["chunk_00000.parquet",
                                                             "chunk_00001.parquet"]
    assert (again["metric"] == "latency").sum() == 28 and "error" not in set(again["metric"])


def test_a_chunk_whose_worker_raises_is_failed(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    rows, failed = _profiler._run_chunk(["000000"], {"threads": 0})  # torch refuses 0 threads
    assert failed and rows[0]["metric"] == "error"


@pytest.mark.parametrize("extra", [["--threads", "0"], ["--threads", "-1"], ["--repeats", "0"],
                                   ["--chunk-size", "0"], ["--time-limit", "nan"],
                                   ["--sample", "0"], ["--batch-size", "0"],
                                   ["--jobs", "99999"], ["--device", "tpu"]])
def test_bad_settings_are_usage_errors(tmp_path: Path, capsys: Any, extra: list[str]) -> None:
    out = tmp_path / "ck"
    rc = cli.main(["profile", "--out", str(out), "--sample", "1", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "Traceback" not in err[0]
    assert not out.exists()


def test_profile_without_torch(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    out = tmp_path / "ck"
    rc = cli.main(["profile", "--out", str(out), "--sample", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "PyTorch" in err[0]
    assert not out.exists()
    with pytest.raises(ProfileUsageError, match="PyTorch"):
        profile(out=out, sample=1)
