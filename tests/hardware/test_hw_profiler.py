"""The profiler: sampling, worker chunks, checkpoint/resume, energy counters, GPU script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasbench.errors import StoreError, UnknownSpaceError
from nasbench.hardware._counters import RaplCounter, energy_counter
from nasbench.hardware._profiler import class_representatives, stratified_sample
from nasbench.spaces import get_space

ROOT = Path(__file__).parents[2]


def test_representatives_are_the_6466_canonical_cells() -> None:
    reps = class_representatives()
    space = get_space("nb201")
    assert len(reps) == 6466
    assert all(space.canonical(c) == space.parse(c) for c in reps[::97])


def test_stratified_sample_is_seeded_and_covers_every_stratum() -> None:
    reps = class_representatives()
    a, b = stratified_sample(reps, 300, seed=3), stratified_sample(reps, 300, seed=3)
    assert a == b != stratified_sample(reps, 300, seed=4)
    assert 290 <= len(a) <= 320 and len(set(a)) == len(a) and set(a) <= set(reps)
    assert len({(c.count("3"), c.count("2")) for c in a}) == 28


def test_rapl_counter_handles_wraparound(tmp_path: Path) -> None:
    domain = tmp_path / "intel-rapl:0"
    domain.mkdir()
    (domain / "max_energy_range_uj").write_text("1000000\n")
    (domain / "energy_uj").write_text("999000\n")
    counter = RaplCounter(tmp_path)
    (domain / "energy_uj").write_text("500\n")  # wrapped: 1,000 + 500 uJ later
    assert counter.read() == pytest.approx(1.5e-3)
    with pytest.raises(OSError):
        RaplCounter(tmp_path / "missing")


def test_no_energy_counter_means_none() -> None:
    has_rapl = any(Path("/sys/class/powercap").glob("intel-rapl:[0-9]"))
    assert (energy_counter("cpu") is not None) == has_rapl


torch = pytest.importorskip("torch")


def test_measure_chunk_records_failures_and_goes_on() -> None:
    from nasbench.hardware._measure import measure_chunk

    rows = measure_chunk(["000000", "99"], {"batch_sizes": [1, 2], "warmup": 1, "repeats": 3})
    ok = [r for r in rows if r["metric"] == "latency"]
    assert [(r["cell"], r["batch_size"]) for r in ok] == [("000000", 1), ("000000", 2)]
    assert all(0 < r["q25"] <= r["value"] <= r["q75"] for r in ok)
    errors = [r for r in rows if r["metric"] == "error"]
    assert len(errors) == 1 and "99" in errors[0]["error"]


def test_profile_checkpoints_and_resumes(tmp_path: Path) -> None:
    from nasbench.hardware import from_profile, profile

    out = tmp_path / "ck"
    kwargs = dict(out=out, sample=1, seed=0, warmup=1, repeats=3, repeat_cells=2,
                  chunk_size=28, log=lambda msg: None)
    first = profile(**kwargs)  # 28 cells (one per stratum) in one chunk, 2 repeats in another
    chunks = sorted(out.glob("chunk_*.parquet"))
    assert len(chunks) == 2 and len(first) == 60  # latency and thread CPU time per cell
    assert set(first["metric"]) == {"latency", "cpu_time"}
    lat = first[first["metric"] == "latency"]
    assert lat.groupby("pass").size().to_dict() == {1: 28, 2: 2}
    cpu = first[first["metric"] == "cpu_time"].set_index(["cell", "pass"])["value"]
    wall = lat.set_index(["cell", "pass"])["value"]
    assert (cpu > 0).all() and (cpu <= wall.loc[cpu.index] * 1.5).all()
    kept = chunks[0].stat().st_mtime_ns
    chunks[1].unlink()  # as if the job had been killed during the last chunk
    again = profile(**kwargs)
    assert chunks[0].stat().st_mtime_ns == kept and chunks[1].exists()
    assert sorted(again["cell"]) == sorted(first["cell"])
    table = from_profile(out)
    assert table["device"].iloc[0].startswith("cpu:") and set(table["unit"]) == {"s"}
    assert json.loads(table["fingerprint"].iloc[0])["settings"]["repeats"] == 3
    with pytest.raises(StoreError, match="settings"):
        profile(**{**kwargs, "repeats": 4})
    with pytest.raises(UnknownSpaceError, match="nb201"):
        profile("nb202", out=tmp_path / "x")


def test_profile_rounds_and_parallel_jobs(tmp_path: Path) -> None:
    """Two rounds over the plan, two pinned workers: one merged row per cell, medians."""
    from nasbench.hardware import from_profile, profile
    from nasbench.hardware._profiler import read_checkpoint_rounds

    out = tmp_path / "ck"
    kwargs = dict(out=out, sample=1, seed=0, warmup=1, repeats=2, repeat_cells=3,
                  rounds=2, jobs=min(2, len(os.sched_getaffinity(0))), chunk_size=14,
                  log=lambda msg: None)
    merged = profile(**kwargs)
    visits = read_checkpoint_rounds(out)
    lat_v = visits[visits["metric"] == "latency"]
    # rounds x (28 cells in two chunks + 3 repeats in one chunk)
    assert len(list(out.glob("chunk_*.parquet"))) == 6
    assert lat_v.groupby(["round", "pass"]).size().to_dict() == {
        (1, 1): 28, (1, 2): 3, (2, 1): 28, (2, 2): 3}
    lat = merged[merged["metric"] == "latency"].set_index(["cell", "pass"])
    assert lat.index.is_unique and len(lat) == 31
    assert (lat["n"] == 4).all() and (lat["rounds"] == 2).all()
    per_round = lat_v.groupby(["cell", "pass"])["value"].median()
    assert np.allclose(lat["value"], per_round.loc[lat.index])
    assert (lat["min"] <= lat["value"]).all() and (lat["value"] <= lat["max"]).all()
    table = from_profile(out)
    assert len(table[table["metric"] == "latency"]) == 31
    assert profile(**kwargs).shape == merged.shape  # resume: nothing left to measure
    sessions = json.loads((out / "manifest.json").read_text())["fingerprint"]["sessions"]
    assert [s["parallel_jobs"] for s in sessions] == [kwargs["jobs"]] * 2
    with pytest.raises(ValueError, match="rounds"):
        profile(**{**kwargs, "out": tmp_path / "x", "rounds": 0})


def test_gpu_script_runs_on_cpu_and_reads_back(tmp_path: Path) -> None:
    from nasbench.hardware import from_gpu_script

    cmd = [sys.executable, str(ROOT / "scripts" / "gpu_profile.py"), "--device", "cpu",
           "--out", str(tmp_path), "--sample", "1", "--time-limit", "60", "--repeats", "2",
           "--warmup", "1", "--batch-sizes", "1,2", "--repeat-cells", "1", "--idle", "0.2",
           "--device-warmup", "0.1", "--energy-window", "0.1", "--energy-repeat-cells", "1",
           "--fake-energy"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    table = from_gpu_script(tmp_path)
    assert {"latency", "energy", "energy_above_idle"} <= set(table["metric"])
    assert set(table["batch_size"]) == {1, 2}
    fp = json.loads(table["fingerprint"].iloc[0])
    assert fp["fake_energy_counter"] is True and fp["device"] == "cpu"
    assert np.isfinite(table["value"]).all()


def test_gpu_script_pipelined_energy_on_cpu(tmp_path: Path) -> None:
    """The edge-aligned energy path (what ran on the H100) on CPU with the fake counter.

    The fake counter steps by 10 J every 100 ms (100 W), like the H100 counter's 100 ms
    updates, so every window must span whole periods and read about 100 W.
    """
    from nasbench.hardware import from_gpu_script

    cmd = [sys.executable, str(ROOT / "scripts" / "gpu_profile.py"), "--device", "cpu",
           "--pipelined", "--fake-energy", "--out", str(tmp_path), "--sample", "3",
           "--time-limit", "60", "--repeats", "2", "--warmup", "1", "--batch-sizes", "1,2",
           "--energy-batch-sizes", "2", "--repeat-cells", "1", "--long-window-cells", "1",
           "--long-periods", "3", "--chunk", "2", "--idle", "0.2", "--device-warmup", "0.1"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    energy = pd.read_csv(tmp_path / "energy.csv", dtype={"cell": str})
    assert energy["error"].isna().all()
    assert set(energy["pass"]) == {1, 2, 3} and set(energy["batch_size"]) == {2}
    long = energy[energy["pass"] == 3]
    assert (long["periods"] >= 3).all() and (energy["periods"] >= 2).all()
    # whole 100 ms periods, each worth exactly 10 J of the fake counter
    assert np.allclose(energy["energy_total_j"], energy["periods"] * 10.0)
    assert energy["mean_power_w"].between(60, 160).all()
    table = from_gpu_script(tmp_path)
    lat = table[(table["metric"] == "latency") & (table["pass"] == 1)]
    assert set(lat["batch_size"]) == {1, 2} and lat["cell"].nunique() >= 3
