"""Surrogate-predicted tables (``surrogates/<space>__<dataset>/``) as store tables.

The predictors subpackage writes ``predictions.parquet`` (``arch_id``, then per metric ``m``
the predicted seed mean and ``m__noise_std``) and ``model_card.json``. The builder turns each
folder into a table with ``source = "surrogate"``, next to the measured table of the same
(space, dataset), which it never touches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.recipes._base import DATA_DIR, Recipe, TableData, TableSpec, sha256_of
from nasbench.store._metrics import MetricInfo

SURROGATE_DIR = DATA_DIR / "surrogates"
NOISE_SUFFIX = "__noise_std"


def surrogate_folders(root: Path = SURROGATE_DIR) -> list[Path]:
    """Folders holding both ``predictions.parquet`` and ``model_card.json``, sorted."""
    if not root.is_dir():
        return []
    return sorted(p.parent for p in root.glob("*__*/predictions.parquet")
                  if (p.parent / "model_card.json").exists())


def surrogate_source(folders: list[Path]) -> dict[str, Any]:
    """Catalog entry for our surrogate models (sha256 of each predictions file)."""
    files = {}
    for f in folders:
        pred = f / "predictions.parquet"
        files[f.name] = {"path": str(pred), "sha256": sha256_of(pred),
                         "bytes": pred.stat().st_size,
                         "model_card_sha256": sha256_of(f / "model_card.json")}
    return {"title": "nasbench surrogate models", "package": "nasbench",
            "package_version": "repository surrogates/", "installed_version": "repository",
            "data_licence": "Apache-2.0",
            "citation": "nasbench project; see each folder's model_card.json", "files": files}


def load_surrogate(
    folder: Path, measured: dict[str, dict[str, Any]], space_options: dict[str, Any]
) -> TableData:
    """Read one surrogate folder into a one-"seed" table of predictions.

    Args:
        folder: ``surrogates/<space>__<dataset>``.
        measured: metric semantics of the measured table (units and directions carry over).
        space_options: the measured table's space options (same archs).
    """
    import pyarrow.parquet as pq

    space, dataset = folder.name.split("__", 1)
    card = json.loads((folder / "model_card.json").read_text())
    frame = pq.read_table(folder / "predictions.parquet")
    keys = frame["arch_id"].to_numpy().astype(np.int64)
    values: dict[str, np.ndarray] = {}
    infos: dict[str, MetricInfo] = {}
    model_id = str(card.get("model_id", folder.name))
    for name in frame.column_names:
        if name == "arch_id":
            continue
        col = frame[name].to_numpy(zero_copy_only=False).astype(np.float64)
        base = name.removesuffix(NOISE_SUFFIX)
        ref = measured.get(base, {})
        entry = card.get("metrics", {}).get(base, {})
        if name.endswith(NOISE_SUFFIX):
            desc = (f"std of seed-to-seed noise around the {base} prediction (binned noise "
                    f"model of {model_id}); used by seed='sample'")
            direction = "min"
        else:
            held = entry.get("holdout", {})
            tau, rmse = held.get("kendall_tau", float("nan")), held.get("rmse", float("nan"))
            desc = (f"{base} predicted by {model_id}; held-out Kendall tau {tau:.3f}, "
                    f"RMSE {rmse:.4g}")
            direction = ref.get("direction", "max")
        values[name] = col[:, None]
        infos[name] = MetricInfo(name, ref.get("unit", ""), direction, ref.get("split", "none"),
                                 ref.get("protocol", ""), ref.get("budget", ""),
                                 "nasbench_surrogate", False, desc,
                                 baseline=ref.get("baseline", "mean"),
                                 schedule=ref.get("schedule", ""))
    data = TableData(space, dataset, keys, values, infos, [("nasbench_surrogate", folder.name)],
                     source="surrogate", model_id=model_id)
    data.space_options = dict(space_options)
    return data.sort()


class SurrogateRecipe(Recipe):
    """Surrogate tables: the folders shipped in the package plus the user's own, built with
    ``nasbench surrogates build`` into ``<store home>/surrogates/`` (a user folder of the same
    name wins)."""

    name = "nasbench_surrogate"

    def __init__(self, folders: list[Path]) -> None:
        by_name = {f.name: f for f in folders}  # later folders (the user's) win
        self.folders = [by_name[n] for n in sorted(by_name)]

    @classmethod
    def for_home(cls, home: Path | None) -> SurrogateRecipe:
        folders = surrogate_folders()
        if home is not None:
            folders += surrogate_folders(Path(home) / "surrogates")
        return cls(folders)

    def sources(self) -> dict[str, dict[str, Any]]:
        return {self.name: surrogate_source(self.folders)} if self.folders else {}

    def tables(self) -> list[TableSpec]:
        return [TableSpec(*f.name.split("__", 1), source="surrogate") for f in self.folders]

    def load(self, spec: TableSpec, built: dict[TableSpec, dict[str, Any]]) -> TableData:
        folder = next(f for f in self.folders if f.name == f"{spec.space}__{spec.dataset}")
        twin = built.get(TableSpec(spec.space, spec.dataset), {})
        return load_surrogate(folder, twin.get("metric_info", {}),
                              twin.get("space_options", {}))
