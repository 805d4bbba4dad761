"""Assemble the shipped hardware tables (``nasbench/data/hardware/*.parquet``) from raw runs.

Both tables are our own measurements; this script only converts, selects and propagates:

* ``gpu``: the H100 CUDA-graph table from the two run folders under
  ``data/hardware/runs/`` (written by ``scripts/gpu_profile.py --graph --pipelined`` on the
  lent GPU): latency (batch 1 and 64) from the ``latency`` run, energy and energy above idle
  (batch 64) from the ``energy`` run, whose GPU stayed busy through every energy window.
* ``cpu``: the CPU table from ``nasbench profile`` checkpoint folders (one per batch size).

Each measured class representative is copied to the other members of its isomorphism class
(``propagated=True``). Files are written atomically. Examples::

    python scripts/assemble_hardware.py gpu
    python scripts/assemble_hardware.py cpu --b1 .profile_cpu_b1_r3 --b64 .profile_cpu_b64_full
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

from nasbench.hardware import from_gpu_script, from_profile, propagate

ROOT = Path(__file__).resolve().parents[1]
HW = ROOT / "nasbench" / "data" / "hardware"
RUNS = ROOT / "data" / "hardware" / "runs"
GPU_LATENCY_RUN = RUNS / "2026-11-26_h100_cudagraph_latency"
GPU_ENERGY_RUN = RUNS / "2026-11-26_h100_cudagraph_energy"


def _write(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False, compression="zstd")
    os.replace(tmp, path)
    measured = df[~df["propagated"] & (df["pass"] == 1)]
    print(f"{path.relative_to(ROOT)}: {len(df)} rows")
    for (metric, batch), g in measured.groupby(["metric", "batch_size"]):
        print(f"  {metric} b{batch}: {g['cell'].nunique()} measured classes, "
              f"{(df['metric'].eq(metric) & df['batch_size'].eq(batch) & df['pass'].eq(1)).sum()}"
              " cells after propagation")


def _with_repeats(df: pd.DataFrame) -> pd.DataFrame:
    """Propagated pass-1 rows plus the unpropagated re-measurements (pass 2 and 3)."""
    extra = df[df["pass"] != 1].assign(propagated=False)
    return pd.concat([propagate(df), extra], ignore_index=True)


def gpu() -> pd.DataFrame:
    lat = from_gpu_script(GPU_LATENCY_RUN)
    en = from_gpu_script(GPU_ENERGY_RUN)
    table = pd.concat([lat[lat["metric"] == "latency"],
                       en[en["metric"].isin(["energy", "energy_above_idle"])]],
                      ignore_index=True)
    return _with_repeats(table)


def cpu(folders: list[Path]) -> pd.DataFrame:
    return _with_repeats(pd.concat([from_profile(f) for f in folders], ignore_index=True))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("gpu")
    c = sub.add_parser("cpu")
    c.add_argument("--b1", type=Path, required=True, help="checkpoint folder, batch 1")
    c.add_argument("--b64", type=Path, required=True, help="checkpoint folder, batch 64")
    args = p.parse_args()
    if args.what == "gpu":
        _write(gpu(), HW / "nb201_cuda_h100_cudagraph.parquet")
    else:
        _write(cpu([args.b1, args.b64]), HW / "nb201_cpu_xeon.parquet")


if __name__ == "__main__":
    main()
