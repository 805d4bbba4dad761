"""The long hardware table: measured and estimated cost rows in one schema.

Columns (one row per arch, device, metric and batch size):

* ``space`` ("nb201"), ``dataset`` (network variant, "cifar10"), ``arch`` (the space's
  canonical string of the row's cell), ``cell`` (6-digit cell actually measured);
* ``device`` ("cpu:<model>" or "cuda:<gpu>"), ``metric`` ("latency", "energy",
  "energy_above_idle"), ``batch_size``;
* ``value`` (median latency in seconds, or joules; both per forward pass of the whole batch),
  ``unit`` ("s" or "J"), ``q25``/``q75`` (quartiles of the repeats, latency only), ``n``
  (timed repeats, or forward passes in the energy window), ``window_s`` (energy window);
* ``method`` ("measured" or "estimated"), ``toolchain``, ``fingerprint`` (JSON), ``pass``
  (1 = main pass, 2 = a later re-measurement of the same cell, for repeatability),
  ``load_1min`` (host load average while a CPU cell was timed; NaN where not recorded);
* after :func:`propagate`, ``propagated`` (True where the value comes from another member of
  the arch's isomorphism class).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.hardware._energy import ENERGY_SOURCE, estimate_energy_table
from nasbench.hardware._fingerprint import toolchain_string

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "from_gpu_script",
    "from_profile",
    "estimated_energy",
    "propagate",
    "repeatability",
]

COLUMNS = ["space", "dataset", "arch", "cell", "device", "metric", "batch_size", "value", "unit",
           "q25", "q75", "n", "window_s", "method", "toolchain", "fingerprint", "pass", "load_1min"]
UNITS = {"latency": "s", "cpu_time": "s", "energy": "J", "energy_above_idle": "J"}


def _arch_strings(cells: Any) -> list[str]:
    from nasbench.spaces import get_space

    space = get_space("nb201")
    return [space.to_string(space.parse(str(c))) for c in cells]


def _finish(df: pd.DataFrame, device: str, toolchain: str, fp: dict[str, Any],
            method: str = "measured") -> pd.DataFrame:
    df = df.copy()
    df["cell"] = df["cell"].astype(str).str.zfill(6)
    df["space"], df["dataset"], df["device"], df["method"] = "nb201", "cifar10", device, method
    df["arch"] = _arch_strings(df["cell"])
    df["unit"] = df["metric"].map(UNITS)
    df["toolchain"], df["fingerprint"] = toolchain, json.dumps(fp, sort_keys=True)
    for col in COLUMNS:
        if col not in df:
            df[col] = np.nan
    out = df[COLUMNS].astype({"batch_size": "int64", "pass": "int64", "value": "float64"})
    return out.reset_index(drop=True)


def from_gpu_script(folder: str | Path) -> pd.DataFrame:
    """Read the files ``scripts/gpu_profile.py`` wrote (latency.csv, energy.csv,
    fingerprint.json) into the long table (error rows dropped)."""
    import pandas as pd

    folder = Path(folder)
    fp = json.loads((folder / "fingerprint.json").read_text())
    lat = pd.read_csv(folder / "latency.csv", dtype={"cell": str})
    lat = lat[lat["error"].isna()].rename(columns={"median_s": "value", "q25_s": "q25",
                                                   "q75_s": "q75", "n_repeats": "n"})
    parts = [lat.assign(metric="latency")]
    if (folder / "energy.csv").exists():
        en = pd.read_csv(folder / "energy.csv", dtype={"cell": str})
        en = en[en["error"].isna()].rename(columns={"n_iter": "n"})
        parts.append(en.assign(metric="energy", value=en["energy_per_forward_j"]))
        parts.append(en.assign(metric="energy_above_idle",
                               value=en["energy_above_idle_per_forward_j"]))
    execution = "CUDA-graph replay fp32" if fp.get("execution") == "cuda_graph_replay" else (
        "eager fp32")
    toolchain = toolchain_string(fp, execution)
    device = f"cuda:{fp['gpu']}" if fp.get("gpu") else f"cpu:{fp['cpu']}"
    return _finish(pd.concat(parts, ignore_index=True), device, toolchain, fp)


def from_profile(folder: str | Path) -> pd.DataFrame:
    """Read a :func:`nasbench.hardware.profile` checkpoint folder into the long table."""
    from nasbench.hardware._profiler import MANIFEST, read_checkpoint

    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    fp = {**manifest["fingerprint"], "settings": manifest["settings"]}
    raw = read_checkpoint(folder)
    raw = raw[raw["metric"] != "error"]
    device = f"cuda:{fp['gpu']}" if fp.get("gpu") else f"cpu:{fp['cpu']}"
    return _finish(raw, device, toolchain_string(fp, "eager fp32"), fp)


def estimated_energy(
    batch_sizes: tuple[int, ...] = (1, 64), dataset: str = "cifar10"
) -> pd.DataFrame:
    """Analytic energy (``method="estimated"``) of all 15,625 cells, device ``cpu``."""
    import pandas as pd

    from nasbench.spaces import get_space

    space = get_space("nb201")
    cells = np.array(space.enumerate(), dtype=np.int64)
    strings = ["".join(map(str, c)) for c in cells]
    parts = [
        pd.DataFrame({"cell": strings, "batch_size": b, "metric": "energy", "pass": 1,
                      "value": estimate_energy_table(cells, dataset, b)})
        for b in batch_sizes
    ]
    df = _finish(pd.concat(parts, ignore_index=True), "cpu", "analytic op/memory count model",
                 {"model": "nasbench.hardware.estimate_energy", "constants": ENERGY_SOURCE},
                 method="estimated")
    df["dataset"] = dataset
    return df


def propagate(df: pd.DataFrame) -> pd.DataFrame:
    """Copy each pass-1 measurement to every member of its NB201 isomorphism class.

    Where two measured cells share a class, the class representative's row wins. Adds a
    boolean ``propagated`` column; ``cell`` keeps the cell that was actually measured.
    """
    import pandas as pd

    from nasbench.spaces import get_space

    space = get_space("nb201")
    reps = space.isomorphism_classes()
    main = df[df["pass"] == 1].copy()
    main["_class"] = space.keys(main["cell"].tolist())
    main["_class"] = reps[main["_class"].to_numpy()]
    main["_is_rep"] = main["_class"] == space.keys(main["cell"].tolist())
    keys = ["device", "metric", "batch_size", "toolchain", "_class"]
    main = main.sort_values("_is_rep", ascending=False).drop_duplicates(keys)
    members = pd.DataFrame({"_class": reps, "_member": np.arange(reps.size)})
    out = main.merge(members, on="_class")
    member_cells = [space.to_index_string(space.from_key(int(k))) for k in out["_member"]]
    out["propagated"] = [m != c for m, c in zip(member_cells, out["cell"])]
    out["arch"] = _arch_strings(member_cells)
    return out.drop(columns=["_class", "_member", "_is_rep"]).reset_index(drop=True)


def repeatability(df: pd.DataFrame, metric: str = "latency") -> pd.DataFrame:
    """Relative difference of pass-2 to pass-1 medians per device and batch size.

    Returns one row per (device, toolchain, batch_size): ``n`` cells, ``median_abs_diff``,
    ``p95_abs_diff`` and ``within_5pct`` (fraction of cells whose two values agree within 5%).
    """
    import pandas as pd

    d = df[df["metric"] == metric]
    keys = ["device", "toolchain", "batch_size", "cell"]
    both = d[d["pass"] == 1].merge(d[d["pass"] == 2], on=keys, suffixes=("_1", "_2"))
    both["rel"] = (both["value_2"] / both["value_1"] - 1).abs()
    rows = []
    for key, g in both.groupby(["device", "toolchain", "batch_size"]):
        rows.append({"device": key[0], "toolchain": key[1], "batch_size": key[2], "n": len(g),
                     "median_abs_diff": g["rel"].median(),
                     "p95_abs_diff": g["rel"].quantile(0.95),
                     "within_5pct": (g["rel"] < 0.05).mean()})
    return pd.DataFrame(rows)
