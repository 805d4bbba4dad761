"""The grid runner: Parquet per finished cell, resume after a crash, no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import nasbench
from nasbench import harness
from nasbench.harness import Optimizer
from nasbench.harness._registry import OPTIMIZERS, register
from nasbench.harness._runner import GridConfigError, GridSpec, load_results, run_grid

CRASH = {"seed": None}


class _Crashy(Optimizer):
    """A one-seed-per-cell optimizer that dies on the seed in CRASH."""

    name = "crashy"

    def ask(self) -> Any:
        if self.seed == CRASH["seed"]:
            raise RuntimeError("injected crash")
        return self.space.from_key(int(self.rng.integers(15625)))

    def tell(self, arch: Any, value: Any) -> None:
        pass


@pytest.fixture()
def crashy() -> Any:
    register(_Crashy)
    yield _Crashy
    OPTIMIZERS.pop("crashy", None)
    CRASH["seed"] = None


def test_resume_after_injected_crash(store_home: Path, tmp_path: Path, crashy: Any) -> None:
    spec = GridSpec(["rs", "crashy"], ["nb201/cifar10"], range(6), 20)
    CRASH["seed"] = 3
    done: list[Any] = []
    with pytest.raises(RuntimeError, match="injected crash"):
        run_grid(spec, tmp_path, executor="serial", home=str(store_home),
                 progress=lambda i, n, cell, s: done.append(cell))
    finished = {c.seeds for c in done if c.optimizer == "crashy"}
    assert finished == {(0,), (1,), (2,)}  # cells run in order; seed 3 died
    # A half-written cell file from the crash must be ignored and cleaned up.
    stale = tmp_path / "runs" / "crashy" / "nb201" / "cifar10" / ".s000003-000003.parquet.9.tmp"
    stale.write_bytes(b"partial")
    CRASH["seed"] = None
    rerun: list[Any] = []
    df = run_grid(spec, tmp_path, executor="serial", home=str(store_home),
                  progress=lambda i, n, cell, s: rerun.append(cell))
    # Only the missing work: crashy seeds 3-5 and the rs batch that was queued behind them.
    assert sorted(c.seeds for c in rerun if c.optimizer == "crashy") == [(3,), (4,), (5,)]
    assert [c.seeds for c in rerun if c.optimizer == "rs"] == [tuple(range(6))]
    assert not stale.exists()
    assert len(df) == 2 * 6 * 20
    assert not df.duplicated(["optimizer", "table", "seed", "step"]).any()
    fresh = harness.run_seeds("rs", nasbench.open(store_home).table("nb201", "cifar10"), 20,
                              range(6))
    got = df[df["optimizer"] == "rs"].reset_index(drop=True)
    assert got["arch"].tolist() == fresh["arch"].tolist()


def test_more_seeds_later_and_config_guard(store_home: Path, tmp_path: Path) -> None:
    run_grid(GridSpec(["rea"], ["nb201/cifar100"], range(3), 15), tmp_path,
             executor="serial", home=str(store_home), progress=lambda *a: None)
    df = run_grid(GridSpec(["rea"], ["nb201/cifar100"], range(5), 15), tmp_path,
                  executor="serial", home=str(store_home), progress=lambda *a: None)
    assert sorted(df["seed"].unique()) == [0, 1, 2, 3, 4]
    files = sorted(p.name for p in (tmp_path / "runs").rglob("*.parquet"))
    assert files == ["s000000-000002.parquet", "s000003-000004.parquet"]
    with pytest.raises(GridConfigError, match="budget"):
        run_grid(GridSpec(["rea"], ["nb201/cifar100"], range(5), 30), tmp_path,
                 executor="serial", home=str(store_home))


def test_process_executor_matches_serial(store_home: Path, tmp_path: Path) -> None:
    spec = GridSpec(["rs", "np"], ["nb201/cifar10"], range(2), 12, params={"np": {"n_train": 5}})
    a = run_grid(spec, tmp_path / "a", executor="serial", home=str(store_home),
                 progress=lambda *a: None)
    b = run_grid(spec, tmp_path / "b", executor="process", jobs=2, home=str(store_home),
                 progress=lambda *a: None)
    key = ["optimizer", "seed", "step"]
    a, b = a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True)
    assert a["arch"].tolist() == b["arch"].tolist()


def test_resume_after_sigkill(store_home: Path, tmp_path: Path) -> None:
    code = ("import sys; from nasbench.harness._runner import GridSpec, run_grid; "
            "run_grid(GridSpec(['bo_wl'], ['nb201/cifar10'], range(8), 60), sys.argv[1], "
            "executor='serial', home=sys.argv[2])")
    env = {**os.environ, "NASBENCH_HOME": str(store_home)}
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(store_home)],
                            env=env, stderr=subprocess.DEVNULL)
    folder = tmp_path / "runs" / "bo_wl" / "nb201" / "cifar10"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(folder.glob("s*.parquet"))) < 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_before = len(list(folder.glob("s*.parquet")))
    assert 2 <= n_before < 8
    df = run_grid(GridSpec(["bo_wl"], ["nb201/cifar10"], range(8), 60), tmp_path,
                  executor="serial", home=str(store_home), progress=lambda *a: None)
    assert len(df) == 8 * 60 and not df.duplicated(["seed", "step"]).any()
    assert len(load_results(tmp_path)) == 8 * 60


def test_ray_executor_matches_local(store_home: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    spec = GridSpec(["rea", "np"], ["nb201/cifar10"], range(2), 15, params={"np": {"n_train": 5}})
    local = run_grid(spec, tmp_path / "local", executor="serial", home=str(store_home),
                     progress=lambda *a: None)
    ray_df = run_grid(spec, tmp_path / "ray", executor="ray", jobs=2, home=str(store_home),
                      progress=lambda *a: None)
    key = ["optimizer", "seed", "step"]
    local, ray_df = (d.sort_values(key, ignore_index=True) for d in (local, ray_df))
    assert local["arch"].tolist() == ray_df["arch"].tolist()
    assert local["observed"].tolist() == ray_df["observed"].tolist()
