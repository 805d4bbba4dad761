"""Build atomicity and resumability, with real kills of real build processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nasbench


def _build_proc(home: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nasbench", "build", "--home", str(home),
                             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_during_rebuild_leaves_store_readable(store_home: Path) -> None:
    before = (store_home / "CURRENT").read_text()
    want = nasbench.open(store_home, build=False).table("nb201", "cifar10").query("421211")
    proc = _build_proc(store_home, "--force")
    t_end = time.time() + 3.0
    reads = 0
    while time.time() < t_end and proc.poll() is None:  # readers keep working meanwhile
        db = nasbench.open(store_home, build=False)
        np.testing.assert_equal(db.table("nb201", "cifar10").query("421211"), want)
        reads += 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert reads > 0
    assert (store_home / "CURRENT").read_text() == before
    db = nasbench.open(store_home, build=False)
    np.testing.assert_equal(db.table("nb201", "cifar10").query("421211"), want)
    assert db.sql("SELECT count(*) AS n FROM nb201_cifar10")["n"][0] == 15625


def test_killed_first_build_resumes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = _build_proc(home)
    deadline = time.time() + 120
    while time.time() < deadline and not list(home.glob("builds/*.partial/tables/*/*.done.json")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (home / "CURRENT").exists()
    with pytest.raises(nasbench.StoreNotFoundError):
        nasbench.open(home, build=False)
    lines: list[str] = []
    from nasbench.store._build import build

    build(home, progress=lines.append)
    assert any("reused" in line for line in lines)
    db = nasbench.open(home, build=False)
    assert (db.tables().source == "measured").sum() == 16
    assert db.table("nb201", "cifar10").array("val_acc").max() == pytest.approx(91.607, abs=1e-3)
    assert not list(home.glob("builds/*.partial"))
    catalog = json.loads((db.path / "catalog.json").read_text())
    assert {e["dataset"] for e in catalog["tables"]} >= {"cifar10", "cora", "slice_localization"}
    assert not [p for p in db.path.rglob("*.tmp")]
    assert os.access(db.path / "catalog.json", os.R_OK)
