"""Faults and bad input in the harness: one writer per folder, no duplicate seeds, workers
that die with their parent, bounded budgets, Ctrl-C, validation before anything is written,
and a local Ray instance that listens on loopback only."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import nasbench
from nasbench import cli, harness
from nasbench.harness._run import BudgetError, OptimizerParamError, max_evaluations
from nasbench.harness._runner import (
    DuplicateRunsError,
    GridSpec,
    OutputBusyError,
    load_results,
    lock_output,
    run_grid,
)

psutil = pytest.importorskip("psutil")
QUIET: dict[str, Any] = {"progress": lambda *a: None}


def _cli(argv: list[str], capsys: Any) -> tuple[int, list[str]]:
    rc = cli.main(argv)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return rc, err


def _compare(out: Path, home: Path, *extra: str) -> list[str]:
    return ["compare", "--home", str(home), "--out", str(out), "--tables", "nb201/cifar10",
            "--no-report", *extra]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "NASBENCH_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def _workers(parent: Any, timeout: float = 120) -> list[Any]:
    """The spawned worker processes of ``parent`` once two are up."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        kids = [p for p in parent.children(recursive=True)
                if "spawn_main" in " ".join(_cmdline(p))]
        if len(kids) >= 2:
            return kids
        time.sleep(0.2)
    raise AssertionError("the compare run did not start two workers")


def _cmdline(p: Any) -> list[str]:
    try:
        return list(p.cmdline())
    except psutil.Error:
        return []


def _alive(procs: list[Any]) -> list[Any]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            pass
    return out


# ---------------------------------------------------------------- one writer, no duplicates

def test_second_writer_is_refused_in_one_line(store_home: Path, tmp_path: Path,
                                              capsys: Any) -> None:
    out = tmp_path / "cmp"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock; "
         "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); "
         "sys.stdin.read()", str(out / ".lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        rc, err = _cli(_compare(out, store_home, "--optimizers", "rs", "--seeds", "2",
                                "--budget", "5"), capsys)
        assert rc == 2 and len(err) == 1 and "Another run holds" in err[0]
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing written
        with pytest.raises(OutputBusyError):
            run_grid(GridSpec(["rs"], ["nb201/cifar10"], range(2), 5), out,
                     executor="serial", home=str(store_home), **QUIET)
    finally:
        holder.communicate("")
    df = run_grid(GridSpec(["rs"], ["nb201/cifar10"], range(2), 5), out, executor="serial",
                  home=str(store_home), **QUIET)
    assert len(df) == 10


def test_concurrent_compare_with_different_seeds_has_no_duplicates(
        store_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    base = [sys.executable, "-m", "nasbench.cli", "compare", "--out", str(out), "--tables",
            "nb201/cifar10", "--optimizers", "rs,ls", "--budget", "40", "--no-report",
            "--jobs", "1"]
    a = subprocess.Popen([*base, "--seeds", "6"], env=_env(store_home),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen([*base, "--first-seed", "3", "--seeds", "6"], env=_env(store_home),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(120), p.communicate()[1]) for p in (a, b)]
    assert all(rc in (0, 2) for rc, _ in results) and any(rc == 0 for rc, _ in results)
    for rc, err in results:
        assert "Traceback" not in err
        if rc == 2:
            assert "Another run holds" in err.strip().splitlines()[-1]
    df = load_results(out)
    assert not df.duplicated(["optimizer", "table", "seed", "step"]).any()


def test_load_results_dedupes_identical_copies_and_refuses_different_ones(
        store_home: Path, tmp_path: Path) -> None:
    run_grid(GridSpec(["rs"], ["nb201/cifar10"], range(4), 10), tmp_path, executor="serial",
             home=str(store_home), **QUIET)
    folder = tmp_path / "runs" / "rs" / "nb201" / "cifar10"
    (src,) = folder.glob("s*.parquet")
    # an older version's overlapping cell: seeds 2-3 again, identical rows
    import pandas as pd

    df = pd.read_parquet(src)
    df[df["seed"] >= 2].to_parquet(folder / "s000002-000003.parquet", index=False)
    got = load_results(tmp_path)
    assert len(got) == 40 and not got.duplicated(["seed", "step"]).any()
    changed = df[df["seed"] >= 2].copy()
    changed["observed"] += 1.0
    changed.to_parquet(folder / "s000002-000003.parquet", index=False)
    with pytest.raises(DuplicateRunsError, match="Seed 2 of rs on nb201/cifar10"):
        load_results(tmp_path)


def test_lock_is_reentrant_in_one_process(tmp_path: Path) -> None:
    with lock_output(tmp_path / "o"), lock_output(tmp_path / "o"):
        pass
    with lock_output(tmp_path / "o"):
        pass


# ---------------------------------------------------------------- workers die with parent

def test_sigkill_of_compare_kills_its_workers_and_resume_is_exact(
        store_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", "--out", str(out), "--tables", "nb201/cifar10", "--optimizers",
            "bo_wl", "--seeds", "6", "--budget", "40", "--workers", "2", "--jobs", "2",
            "--no-report"]
    proc = subprocess.Popen([sys.executable, "-m", "nasbench.cli", *argv],
                            env=_env(store_home), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    parent = psutil.Process(proc.pid)
    workers = _workers(parent)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 8
    while _alive(workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not _alive(workers), "workers outlived the killed parent"
    # resume: exactly the rows a fresh run gives
    df = run_grid(GridSpec(["bo_wl"], ["nb201/cifar10"], range(6), 40, n_workers=2), out,
                  executor="serial", home=str(store_home), **QUIET)
    table = nasbench.open(store_home).table("nb201", "cifar10")
    fresh = harness.run_seeds("bo_wl", table, 40, range(6), n_workers=2)
    key = ["seed", "step"]
    df, fresh = df.sort_values(key, ignore_index=True), fresh.sort_values(key, ignore_index=True)
    assert len(df) == 6 * 40
    assert df["arch"].tolist() == fresh["arch"].tolist()
    assert df["observed"].tolist() == fresh["observed"].tolist()


def test_ctrl_c_during_compare_exits_130_in_one_line(store_home: Path, tmp_path: Path) -> None:
    argv = ["compare", "--out", str(tmp_path / "cmp"), "--tables", "nb201/cifar10",
            "--optimizers", "bo_wl", "--seeds", "6", "--budget", "40", "--jobs", "2",
            "--no-report"]
    proc = subprocess.Popen([sys.executable, "-m", "nasbench.cli", *argv],
                            env=_env(store_home), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    workers = _workers(psutil.Process(proc.pid))
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "nasbench: interrupted"
    time.sleep(1)
    assert not _alive(workers)


# ---------------------------------------------------------------- bounded work

def test_budgets_are_checked_against_the_table(db: Any) -> None:
    t = db.table("nb201", "cifar10")
    assert max_evaluations(t, 200) == 200
    for bad in (float("inf"), float("nan"), 0, -1, 2.5, 1e12, True, "200"):
        with pytest.raises(BudgetError):
            max_evaluations(t, bad)  # type: ignore[arg-type]
    n = max_evaluations(t, 20_000, "seconds", 4)
    t_min = float(t.seed_array("train_time")[~__import__("numpy").isnan(
        t.seed_array("train_time"))].min())
    assert n == int(4 * (20_000 / t_min + 1) + 1)
    with pytest.raises(BudgetError, match="simulated seconds allows up to"):
        max_evaluations(t, 1e12, "seconds")
    with pytest.raises(BudgetError, match="no train_time"):
        max_evaluations(db.table("nbgraph", "cora"), 100, "seconds")
    with pytest.raises(BudgetError, match="n_workers"):
        harness.run("rs", t, 10, seed=0, n_workers=10**9)
    with pytest.raises(BudgetError, match="trajectory rows"):
        harness.run_seeds("rs", t, 100_000, range(100))
    with pytest.raises(BudgetError, match="2\\*\\*63"):
        harness.run("rs", t, 10, seed=2**63)


def test_large_budget_cells_are_split_to_bound_memory(store_home: Path, tmp_path: Path
                                                      ) -> None:
    from nasbench.harness._runner import plan

    spec = GridSpec(["rs"], ["nb201/cifar10"], range(100), 50_000)
    cells = plan(spec, tmp_path, {"nb201/cifar10": 50_000})
    assert max(len(c.seeds) for c in cells) == 40 and sum(len(c.seeds) for c in cells) == 100


# ---------------------------------------------------------------- validate before writing

@pytest.mark.parametrize("extra", [
    ["--param", "rea.popsize=3"], ["--param", "rs.foo=1"], ["--optimizers", "rs,nsga2"],
    ["--budget", "inf"], ["--budget", "1e12"], ["--workers", "1000000000"],
    ["--first-seed", "9223372036854775808"], ["--seeds", "0"], ["--jobs", "0"],
    ["--unit", "seconds", "--budget", "1e12"], ["--mo", "rs"], ["--tables", "nb201/nope"],
    ["--metric", "test_acc", "--tables", "nbgraph/cora"], ["--objectives", "val_acc:up",
                                                          "--mo", "nsga2"],
    ["--seeds", "100000", "--budget", "200"],  # 20M rows: over the grid's row cap
])
def test_bad_compare_arguments_write_nothing(store_home: Path, tmp_path: Path, capsys: Any,
                                             extra: list[str]) -> None:
    out = tmp_path / "cmp"
    argv = _compare(out, store_home, "--optimizers", "rea", "--seeds", "2", "--budget", "8",
                    "--jobs", "1")
    rc, err = _cli([*argv, *extra], capsys)
    assert rc == 2 and len(err) == 1 and err[0].startswith("nasbench: error: ")
    assert len(err[0]) < 600  # "a few hundred characters"
    assert not out.exists()


def test_corrected_rerun_after_a_refused_one(store_home: Path, tmp_path: Path,
                                             capsys: Any) -> None:
    out = tmp_path / "cmp"
    argv = _compare(out, store_home, "--optimizers", "rea", "--seeds", "2", "--budget", "8",
                    "--jobs", "1")
    assert _cli([*argv, "--param", "rea.popsize=3"], capsys)[0] == 2
    assert _cli([*argv, "--param", "rea.population=3"], capsys)[0] == 0
    # a config.json from a run stopped before its first cell does not pin the folder
    shutil.rmtree(out / "runs")
    assert _cli(argv, capsys)[0] == 0


def test_out_that_is_a_file_or_too_long(store_home: Path, tmp_path: Path, capsys: Any) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    for out in (f, tmp_path / ("x" * 300), Path("/dev/null")):
        rc, err = _cli(_compare(out, store_home, "--optimizers", "rs", "--seeds", "1",
                                "--budget", "5"), capsys)
        assert rc == 2 and len(err) == 1, (out, err)
    assert f.read_text() == "x"


def test_param_errors_are_typed() -> None:
    t = nasbench.open().table("nb201", "cifar10")
    with pytest.raises(OptimizerParamError) as info:
        harness.run("rea", t, 10, seed=0, popsize=3)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


# ---------------------------------------------------------------- Ray on loopback only

@pytest.mark.slow
def test_local_ray_listens_on_loopback_only(store_home: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    if os.environ.get("RAY_ADDRESS"):
        pytest.skip("RAY_ADDRESS names an existing cluster")
    seen: list[list[tuple[str, int, str]]] = []

    def progress(i: int, n: int, cell: Any, secs: float) -> None:
        if seen:
            return
        me = psutil.Process()
        pids = {p.pid for p in me.children(recursive=True)} | {me.pid}
        rows = []
        for c in psutil.net_connections(kind="inet"):
            if c.status == psutil.CONN_LISTEN and c.pid in pids:
                rows.append((c.laddr.ip, c.laddr.port, " ".join(_cmdline(
                    psutil.Process(c.pid)))[:80]))
        seen.append(rows)

    run_grid(GridSpec(["rs"], ["nb201/cifar10"], range(2), 10), tmp_path, executor="ray",
             jobs=1, home=str(store_home), progress=progress)
    assert seen and seen[0], "no listening socket seen"
    loopback = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
    assert all(ip in loopback for ip, _, _ in seen[0]), seen[0]
