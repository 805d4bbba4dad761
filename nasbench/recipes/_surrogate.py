"""Surrogate-predicted tables (``surrogates/<space>__<dataset>/``) as store tables.

The predictors subpackage writes ``predictions.parquet`` (``arch_id``, then per metric ``m``
the predicted seed mean and ``m__noise_std``) and ``model_card.json``. The builder turns each
folder into a table with ``source = "surrogate"``, next to the measured table of the same
(space, dataset), which it never touches.

A card with ``serving.mode == "model"`` (``darts``: a space too large to tabulate) makes a
model-served table: its rows are the predictions file (the measured table's archs, which
SQL sees), its space is the whole space (``serving.space_options``), and the model files the
card lists are copied into the build, from which ``query`` / ``query_many`` predict any
valid arch (:class:`nasbench.store.ModelSurrogateTable`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError
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


#: Units whose predictions cannot be negative (times, counts, energies, errors).
NON_NEGATIVE_UNITS = ("seconds", "millions", "joules", "mse")


def read_card(folder: Path) -> dict[str, Any]:
    """The model card of ``folder``, with the files it lists checked against their sha256.

    The predictions must be present; model files may be absent (a wheel ships only what
    serving needs), but a model file that is present must match.

    Raises:
        NasbenchError: the card is unreadable, or a listed file is changed (or, for the
            predictions, missing).
    """
    path = folder / "model_card.json"
    try:
        card = dict(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        raise NasbenchError(f"Surrogate model card {path} is damaged ({exc}); restore it or "
                            "retrain with `nasbench surrogates build`.") from None
    for name, digest in card.get("files", {}).items():
        target = folder / name
        if not target.is_file() and name != "predictions.parquet":
            continue
        if not target.is_file() or sha256_of(target) != digest:
            state = "missing" if not target.is_file() else "changed since the card was written"
            raise NasbenchError(f"Surrogate file {target} is {state}; restore it or retrain "
                                "with `nasbench surrogates build`.")
    return card


def check_prediction_column(values: np.ndarray, name: str, unit: str, path: Path) -> None:
    """Refuse a prediction column with NaN/inf, or negative values of a non-negative unit.

    A noise column (``<metric>__noise_std``) may be NaN everywhere (no noise model: the
    training table has one seed per arch) but never negative or infinite.
    """
    noise = name.endswith(NOISE_SUFFIX)
    bad = np.isinf(values) if noise else ~np.isfinite(values)
    if bad.any():
        raise NasbenchError(f"Surrogate predictions {path}: column {name!r} has "
                            f"{int(bad.sum())} non-finite values; a surrogate must predict "
                            "every architecture. Retrain with `nasbench surrogates build`.")
    if (unit in NON_NEGATIVE_UNITS or noise) and (values < 0).any():
        raise NasbenchError(f"Surrogate predictions {path}: column {name!r} ({unit or 'std'}) "
                            f"has {int((values < 0).sum())} negative values (min "
                            f"{np.nanmin(values):.4g}); retrain with `nasbench surrogates "
                            "build`.")


def surrogate_source(folders: list[Path]) -> dict[str, Any]:
    """Catalog entry for our surrogate models (sha256 of each predictions file)."""
    files = {}
    for f in folders:
        pred = f / "predictions.parquet"
        files[f.name] = {"path": str(pred), "sha256": sha256_of(pred),
                         "bytes": pred.stat().st_size,
                         "model_card_sha256": sha256_of(f / "model_card.json")}
        for name in _served_files(f):  # a model-served table is built from these too
            path = f / name
            if path.is_file():
                files[f"{f.name}/{name}"] = {"path": str(path), "sha256": sha256_of(path),
                                             "bytes": path.stat().st_size}
    return {"title": "nasbench surrogate models", "package": "nasbench",
            "package_version": "repository surrogates/", "installed_version": "repository",
            "data_licence": "Apache-2.0",
            "citation": "nasbench project; see each folder's model_card.json", "files": files}


def _served_files(folder: Path) -> list[str]:
    """Model files a model-served card lists (none for a table of predictions only); an
    unreadable card lists none here (the build's ``read_card`` reports it)."""
    try:
        card = json.loads((folder / "model_card.json").read_text())
    except (OSError, ValueError):
        return []
    if dict(card.get("serving") or {}).get("mode") != "model":
        return []
    return sorted(n for n in card.get("files", {}) if n not in ("predictions.parquet",
                                                                "split.json"))


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
    card = read_card(folder)
    frame = pq.read_table(folder / "predictions.parquet")
    units = {m: str(e.get("unit", "")) for m, e in card.get("metrics", {}).items()}
    for name in frame.column_names:
        if name != "arch_id":
            check_prediction_column(frame[name].to_numpy(zero_copy_only=False).astype(float),
                                    name, units.get(name.removesuffix(NOISE_SUFFIX), ""),
                                    folder / "predictions.parquet")
    keys = frame["arch_id"].to_numpy().astype(np.int64)
    served = dict(card.get("serving") or {}).get("mode") == "model"
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
        protocol = str(ref.get("protocol", ""))
        if served:
            protocol = f"surrogate prediction ({model_id}, XGBoost on the genotype) of: {protocol}"
        if name.endswith(NOISE_SUFFIX):
            desc = (f"std of seed-to-seed noise around the {base} prediction (binned noise "
                    f"model of {model_id}); used by seed='sample'")
            direction = "min"
        else:
            held = entry.get("holdout", {})
            tau, rmse = held.get("kendall_tau", float("nan")), held.get("rmse", float("nan"))
            desc = (f"{base} predicted by {model_id}; held-out Kendall tau {tau:.3f}, "
                    f"RMSE {rmse:.4g}")
            if served:
                desc = (f"surrogate prediction, not a measurement: {desc}; query / "
                        "query_many predict any valid arch, SQL and arrays hold the "
                        "measured table's archs only")
            direction = ref.get("direction", "max")
        values[name] = col[:, None]
        infos[name] = MetricInfo(name, ref.get("unit", ""), direction, ref.get("split", "none"),
                                 protocol, ref.get("budget", ""),
                                 "nasbench_surrogate", False, desc,
                                 baseline=ref.get("baseline", "mean"),
                                 schedule=ref.get("schedule", ""))
    data = TableData(space, dataset, keys, values, infos, [("nasbench_surrogate", folder.name)],
                     source="surrogate", model_id=model_id)
    data.space_options = dict(space_options)
    if served:
        _serve_by_model(data, folder, card, [n for n in frame.column_names
                                             if n != "arch_id" and not n.endswith(NOISE_SUFFIX)])
    return data.sort()


def _serve_by_model(data: TableData, folder: Path, card: dict[str, Any],
                    metrics: list[str]) -> None:
    """Make ``data`` a model-served table: the whole space, and the model files to copy
    (``read_card`` checked those present; a missing one cannot be served)."""
    from nasbench.predictors._served import model_files

    entries = {m: card.get("metrics", {}).get(m, {}) for m in metrics}
    files: dict[str, Path] = {}
    for m, e in entries.items():
        names = model_files(e) if "model_file" in e and "transform_file" in e else []
        if not names:
            raise NasbenchError(f"Surrogate model card {folder / 'model_card.json'} names no "
                                f"model and transform file for {m!r}; retrain with `nasbench "
                                "surrogates build`.")
        for name in names:
            if not (folder / name).is_file():
                raise NasbenchError(f"Surrogate model file {folder / name} is missing; the "
                                    f"{data.space} surrogate predicts with it. Restore it or "
                                    "retrain with `nasbench surrogates build`.")
            files[name] = folder / name
    digests = dict(card.get("files", {}))
    unlisted = [n for n in files if n not in digests]
    if unlisted:
        raise NasbenchError(f"Surrogate model card {folder / 'model_card.json'} has no sha256 "
                            f"of {unlisted[0]}; retrain with `nasbench surrogates build`.")
    keep = ("unit", "target", "model_file", "transform_file", "params", "noise_model",
            "n_train")
    data.space_options = dict(card["serving"].get("space_options", {}))
    data.main_metrics = list(metrics)
    data.model_files = files
    data.model = {"mode": "model", "model_id": data.model_id,
                  "metrics": {m: {k: e[k] for k in keep if k in e} for m, e in entries.items()},
                  "sha256": {n: digests[n] for n in files}}


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
        out = []
        for f in self.folders:
            space, dataset = f.name.split("__", 1)
            out.append(TableSpec(space, dataset, "surrogate"))
        return out

    def load(self, spec: TableSpec, built: dict[TableSpec, dict[str, Any]]) -> TableData:
        folder = next(f for f in self.folders if f.name == f"{spec.space}__{spec.dataset}")
        twin = built.get(TableSpec(spec.space, spec.dataset), {})
        return load_surrogate(folder, twin.get("metric_info", {}),
                              twin.get("space_options", {}))
