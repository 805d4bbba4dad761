"""Damaged store files are detected, named, and repaired by `nasbench build`; the SQL sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.cli import main
from nasbench.recipes._nb201 import NB201
from nasbench.store import build
from nasbench.store._sql import SQLError, SQLTimeoutError

CELL = "421211"


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    build(tmp_path, recipes=[NB201], progress=lambda _l: None)
    return tmp_path


def _rebuild(home: Path) -> list[str]:
    lines: list[str] = []
    build(home, recipes=[NB201], progress=lines.append)
    return lines


def _flip_one_float(path: Path) -> None:
    """Overwrite one float64 of a .npy file in place (same size)."""
    arr = np.load(path, mmap_mode="r+")
    arr.flat[7] = 1.0
    arr.flush()
    del arr


def test_every_file_has_a_checksum(home: Path) -> None:
    db = nasbench.open(home, build=False)
    files = db.catalog["files"]
    on_disk = {p.relative_to(db.path).as_posix() for p in db.path.rglob("*") if p.is_file()}
    done = {f for f in on_disk if f.endswith(".done.json")}
    assert set(files) == on_disk - {"catalog.json"} - done
    assert db.verify(full=True) == []
    assert not [p for p in db.path.rglob("*.tmp")]


def test_a_changed_float_is_caught_and_build_repairs_it(home: Path, capsys) -> None:
    db = nasbench.open(home, build=False)
    want = db.table("nb201", "cifar10").query(CELL, "val_acc", seed=0)["val_acc"]
    values = db.path / f"{db.catalog['tables'][0]['arrays']}.values.npy"
    db.close()
    _flip_one_float(values)
    assert main(["verify", "--home", str(home)]) == 0  # sizes unchanged: quick mode passes
    assert main(["verify", "--full", "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert "values.npy: content differs" in err and "nasbench build" in err
    with pytest.raises(nasbench.StoreError, match=r"values\.npy is damaged.*nasbench build"):
        nasbench.open(home, build=False, verify="full").table("nb201", "cifar10")
    lines = _rebuild(home)
    assert any("is damaged" in line and "rebuilding" in line for line in lines)
    fixed = nasbench.open(home, build=False, verify="full")
    assert fixed.verify(full=True) == []
    assert fixed.table("nb201", "cifar10").query(CELL, "val_acc", seed=0)["val_acc"] == want


@pytest.mark.parametrize("kind", ["parquet", "keys.npy", "mean.npy", "catalog.json"])
def test_truncated_files_are_named_and_repaired(home: Path, kind: str) -> None:
    db = nasbench.open(home, build=False)
    entry = db.catalog["tables"][0]
    target = {"parquet": db.path / entry["parquet"],
              "keys.npy": db.path / f"{entry['arrays']}.keys.npy",
              "mean.npy": db.path / f"{entry['arrays']}.mean.npy",
              "catalog.json": db.path / "catalog.json"}[kind]
    db.close()
    target.write_bytes(target.read_bytes()[: max(1, target.stat().st_size // 3)])
    with pytest.raises(nasbench.StoreError) as info:
        nasbench.open(home, build=False).table("nb201", "cifar10")
    assert "nasbench build" in str(info.value)
    if kind != "catalog.json":
        assert target.name in str(info.value)
    _rebuild(home)
    t = nasbench.open(home, build=False).table("nb201", "cifar10")
    assert t.query("333132", "val_acc")["val_acc"] == pytest.approx(91.607, abs=1e-3)


def test_cli_sql_on_a_truncated_parquet_is_one_line(home: Path) -> None:
    db = nasbench.open(home, build=False)
    parquet = db.path / db.catalog["tables"][0]["parquet"]
    db.close()
    parquet.write_bytes(parquet.read_bytes()[:1000])
    proc = subprocess.run([sys.executable, "-m", "nasbench", "sql", "--home", str(home),
                           "SELECT count(*) FROM nb201_cifar10"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "nasbench build" in proc.stderr


def test_sql_sandbox_limits(db: nasbench.Store) -> None:
    with pytest.raises(SQLTimeoutError, match="longer than 0.5 s"):
        db.sql("SELECT count(*) FROM range(100000000) a, range(100000000) b", timeout=0.5)
    with pytest.raises(SQLError, match="more than 1,000,000 rows"):
        db.sql("SELECT * FROM range(1000000000)")
    assert len(db.sql("SELECT * FROM range(2000)", max_rows=None)) == 2000
    with pytest.raises(SQLError, match="'timeout' parameter"):
        db.sql("SELECT 1", timeout=float("inf"))
    temp = db.sql("SELECT current_setting('temp_directory') AS t")["t"][0]
    assert "nasbench-duckdb-" in temp and not temp.startswith(str(Path.cwd()))
    with pytest.raises(SQLError, match="Permission|disabled"):
        db.sql("SELECT * FROM read_text('/etc/hostname')")
    with pytest.raises(SQLError):
        db.sql(f"SET temp_directory = '{Path.cwd()}'")


def test_build_refuses_when_the_disk_is_full(tmp_path: Path, monkeypatch) -> None:
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(nasbench.StoreError, match="Not enough free disk space"):
        build(tmp_path / "h", recipes=[NB201], progress=lambda _l: None)
    assert not list((tmp_path / "h" / "builds").iterdir())
