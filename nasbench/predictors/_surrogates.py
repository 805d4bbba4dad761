"""Surrogate-predicted tables: one model per (space, dataset, metric), every arch predicted.

File contract (read by the store builder, which serves the values as ``source="surrogate"``)::

    surrogates/<space>__<dataset>/
        predictions.parquet   arch_id int64, then per metric m: m float64 (the predicted
                              seed mean) and m__noise_std float64 (seed-to-seed std from the
                              noise model; NaN where the table has one seed per arch)
        <metric>.<ext>        the fitted model in a safe format (.xgb.json: XGBoost JSON;
                              .params.json: hyperparameters, fitted scalars, training arch
                              ids and targets, for the GPs (refit to reproduce);
                              .pt: torch state_dict, load with weights_only=True)
        <metric>.transform.json  the target transform's inverse map (model output -> value,
                              before ``exp`` for log-modelled metrics)
        split.json            the held-out arch ids
        model_card.json       data, split, seed, held-out metrics, checks, date, versions

Models use the ``"full"`` encoding where the predictor takes one (structure + the cell as
given, since parameters and times also count dead edges).

Spaces too large to tabulate (``darts``, :data:`~nasbench.predictors._served.MODEL_SERVED`)
get a surrogate served by its model: XGBoost only, by default the table's ``val_acc``,
``train_time`` and ``params``; ``predictions.parquet`` covers the imported archs and the
store predicts every other arch on demand (:mod:`nasbench.predictors._served`). The card
then has a ``serving`` section, each metric names its ``transform_file``, and the build
checks that the saved files reproduce the trained model's predictions bit for bit.

Split: the archs with a value are shuffled with ``numpy.random.default_rng([seed, 2024])``;
the first ``train_fraction`` (80 %) are training archs, the rest are held out. Hardware columns
(one measurement per NB201 isomorphism class, copied to the members) shuffle classes instead,
so a class is wholly in training or wholly held out. Model-served spaces shuffle
canonical genotypes (``space.key(space.canonical(arch))``; a DARTS table already has one row
per canonical genotype), so equivalent genotypes never straddle train and held-out. Labels
are seed means. Positive metrics (time, parameters, losses) are modelled as ``log(value)`` so
predictions are always positive. The noise model bins training archs by predicted value
(10 quantile bins) and takes the pooled seed standard deviation per bin (ddof=1),
interpolated linearly between bin centres.
"""

from __future__ import annotations

import datetime
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.predictors._metrics import score, spearman
from nasbench.predictors._registry import create
from nasbench.predictors._served import MODEL_SERVED, ServedModels
from nasbench.store._atomic import atomic_with, atomic_write

if TYPE_CHECKING:
    from nasbench.store._table import Table

SPLIT_TAG = 2024
#: added to ``seed`` for the whole-space sample of a model-served surrogate
SAMPLE_TAG = 301
TIME_LIKE_UNITS = ("seconds", "millions")
POSITIVE_UNITS = ("seconds", "millions", "mse")
CARD_VERSION = 1
#: XGBoost settings for surrogates (thousands of training archs): deeper trees, larger steps;
#: about 2.5 MB of JSON per model.
#: ``source`` of the joined hardware columns (split by isomorphism class).
HARDWARE_SOURCE = "nasbench_hardware"

XGB_SURROGATE = {"n_estimators": 400, "max_depth": 6, "learning_rate": 0.1}


def surrogate_split(table: Table, metric: str, seed: int = 0, train_fraction: float = 0.8,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Row positions ``(train, holdout)`` of the documented split (module docstring).

    Hardware columns (source ``nasbench_hardware``) hold one measurement per isomorphism
    class, copied to every member; their split is by class (all members of a class on the
    same side), so no held-out cell is a copy of a training cell. Model-served spaces
    (``darts``) split by canonical genotype.
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"The 'train_fraction' parameter must be in (0, 1). "
                         f"Got {train_fraction!r} instead.")
    valid = np.flatnonzero(~np.isnan(table.array(metric)))
    rng = np.random.default_rng([int(seed), SPLIT_TAG])
    iso = getattr(table.space, "isomorphism_classes", None)
    classes = None
    if table.space_name in MODEL_SERVED:
        space, archs = table.space, table.archs()
        classes = np.asarray([space.key(space.canonical(archs[i])) for i in valid.tolist()],
                             dtype=np.int64)
    elif iso is not None and table.describe(metric).get("source") == HARDWARE_SOURCE:
        classes = iso()[np.asarray(table.keys)[valid]]
    if classes is not None:
        groups = np.unique(classes)
        perm = groups[rng.permutation(len(groups))]
        train_groups = perm[:int(round(train_fraction * len(perm)))]
        in_train = np.isin(classes, train_groups)
        return np.sort(valid[in_train]), np.sort(valid[~in_train])
    perm = valid[rng.permutation(len(valid))]
    n_train = int(round(train_fraction * len(perm)))
    return np.sort(perm[:n_train]), np.sort(perm[n_train:])


def build_surrogates(
    db: Any,
    space: str,
    dataset: str,
    metrics: str | Sequence[str] | None = None,
    predictor: str = "xgb",
    seed: int = 0,
    out_dir: str | Path | None = None,
    train_fraction: float = 0.8,
    sample: int = 0,
    **params: Any,
) -> Path:
    """Train ``predictor`` per metric and write the surrogate folder (module docstring).

    Args:
        db: an open :class:`~nasbench.Store`.
        metrics: names, or ``None`` for the metrics of the table's own benchmark (those with
            the same ``source`` as its first metric; joined columns such as AnalogNAS or
            hardware measurements are left out unless named). Columns of an existing
            ``predictions.parquet`` for other metrics are kept, unless the table no longer
            has that metric (its model files and card entry are removed too). ``darts``:
            ``val_acc``, ``train_time`` and ``params`` (:data:`MODEL_SERVED`).
        predictor: a :func:`~nasbench.predictors.create` name; it must scale to the training
            set (80 % of the table): ``xgb`` (default) does; the exact GPs do not. A
            model-served space (``darts``) takes ``xgb`` only (:class:`SurrogateBuildError`).
        out_dir: root folder; default ``<store home>/surrogates``, which the store serves
            as ``source="surrogate"`` tables after the next build. The shipped models live
            in the package (``nasbench/data/surrogates``); to update them, pass that folder.
        sample: model-served spaces (``darts``) only: also predict this many genotypes
            drawn uniformly from the whole space (seeded by ``seed``; duplicates and the
            table's own archs dropped) and store them as rows beside the table's archs, so
            the harness, ``array`` and SQL reach unevaluated archs too (the harness searches
            a model-served table's rows: the imported archs plus this sample).
        params: passed to the predictor (for ``xgb`` they override :data:`XGB_SURROGATE`).

    Returns:
        The folder written, ``<out_dir>/<space>__<dataset>``.
    """
    import pandas as pd

    table = db.table(space, dataset)
    names = _metric_list(table, metrics)
    served = table.space_name in MODEL_SERVED
    if served and predictor != "xgb":
        raise SurrogateBuildError(
            f"The {table.space_name} surrogate is served by its saved model over the whole "
            f"space, which needs the 'xgb' predictor (XGBoost JSON). Got {predictor!r} "
            "instead.")
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 0:
        raise SurrogateBuildError(f"The 'sample' parameter must be a non-negative int. Got "
                                  f"{sample!r} instead.")
    if sample and not served:
        raise SurrogateBuildError(f"sample= adds unevaluated archs to a model-served surrogate "
                                  f"({', '.join(sorted(MODEL_SERVED))}); the {table.space_name} "
                                  "surrogate already predicts every arch of its space.")
    root = Path(out_dir) if out_dir is not None else Path(db.home) / "surrogates"
    folder = root / f"{table.space_name}__{table.dataset}"
    folder.mkdir(parents=True, exist_ok=True)
    pred_path = folder / "predictions.parquet"
    frame = pd.DataFrame({"arch_id": np.asarray(table.keys, dtype=np.int64)})
    card = _read_json(folder / "model_card.json")
    entries: dict[str, Any] = dict(card.get("metrics", {}))
    splits = _read_json(folder / "split.json")
    for stale in [m for m in entries if m not in table.metrics]:
        # the table lost this column (e.g. a hardware series was withdrawn): drop its model
        for f in folder.glob(f"{stale}.*"):
            f.unlink()
        entries.pop(stale)
        splits.pop(stale, None)
    archs = table.archs()
    for metric in names:
        entry, mean, noise, holdout = _fit_one(table, archs, metric, predictor, seed,
                                               train_fraction, folder, params)
        frame[metric] = mean
        frame[f"{metric}__noise_std"] = noise
        entries[metric] = entry
        splits[metric] = np.asarray(table.keys)[holdout].tolist()
    if pred_path.exists():
        old = pd.read_parquet(pred_path)
        if len(old) == len(frame) and np.array_equal(old["arch_id"].to_numpy(),
                                                     frame["arch_id"].to_numpy()):
            for col in old.columns:
                if col.removesuffix("__noise_std") in entries and col not in frame.columns:
                    frame[col] = old[col].to_numpy()
    if served:  # a served model needs its column (kept only while the table's archs
        # match) and its transform file; other entries of an older card are dropped
        entries = {m: e for m, e in entries.items()
                   if m in frame.columns and "transform_file" in e}
        frame = frame[[c for c in frame.columns
                       if c == "arch_id" or c.removesuffix("__noise_std") in entries]]
    extra: list[Any] = []
    if served and sample:
        frame, extra = _with_sample(frame, table, folder, entries, int(sample), seed)
    _check_predictions(frame, {m: e["unit"] for m, e in entries.items()}, pred_path)
    _write_parquet(frame, pred_path)
    atomic_write(folder / "split.json", json.dumps(splits) + "\n")
    card = {
        "card_version": CARD_VERSION,
        "model_id": f"{table.space_name}__{table.dataset}:{predictor}:seed{seed}",
        "space": table.space_name,
        "dataset": table.dataset,
        "predictor": predictor,
        "seed": seed,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "data": {"n_archs": len(table), "store_build": str(getattr(db, "path", "")),
                 "labels": "seed mean of each training arch",
                 "n_sampled": len(extra),
                 **({"sample": f"{int(sample)} genotypes drawn uniformly from the whole "
                               f"space with seed {seed + SAMPLE_TAG}; {len(extra)} new after "
                               "dropping duplicates and the table's archs; predicted rows "
                               "beside the table's"} if extra else {})},
        "split": {"rule": f"shuffle archs with a value using numpy default_rng([seed, "
                          f"{SPLIT_TAG}]); first {train_fraction:.0%} train, rest held out "
                          "(arch ids in split.json); " + (
                              "archs are canonical genotypes (equivalent genotypes share "
                              "one id), so none straddles train and held-out" if served else
                              "hardware columns shuffle isomorphism classes instead of "
                              "archs"), "train_fraction": train_fraction},
        "metrics": entries,
        "versions": _versions(),
        "files": card_files(folder, entries),
    }
    if served:
        card["serving"] = _check_served(folder, table, _frame_archs(frame, table, extra),
                                        frame, card)
    atomic_write(folder / "model_card.json", json.dumps(card, indent=1, sort_keys=False) + "\n")
    return folder


def _with_sample(frame: Any, table: Table, folder: Path, entries: dict[str, Any], n: int,
                 seed: int) -> tuple[Any, list[Any]]:
    """``frame`` with predicted rows for ``n`` uniform genotypes of the whole space (new
    ones only), sorted by ``arch_id``; and those archs in ``arch_id`` order."""
    import pandas as pd

    from nasbench.spaces import get_space

    whole = get_space(table.space_name)
    have = set(np.asarray(table.keys).tolist())
    new: dict[int, Any] = {}
    for a in whole.sample(n, seed=seed + SAMPLE_TAG):
        k = int(whole.key(a))
        if k not in have and k not in new:
            new[k] = whole.canonical(a)
    keys = sorted(new)
    archs = [new[k] for k in keys]
    models = ServedModels.from_folder(folder, whole, entries, card_files(folder, entries),
                                      "Retrain with `nasbench surrogates build`.")
    x = models.features(archs)
    part = {"arch_id": np.asarray(keys, dtype=np.int64)}
    for col in frame.columns[1:]:
        m = col.removesuffix("__noise_std")
        pred = models.predict(m, x)
        part[col] = models.noise_std(m, pred) if col != m else pred
    out = pd.concat([frame, pd.DataFrame(part)], ignore_index=True)
    return out.sort_values("arch_id", kind="stable").reset_index(drop=True), archs


def _frame_archs(frame: Any, table: Table, extra: list[Any]) -> list[Any]:
    """The canonical archs of ``frame``'s rows: the table's, then the sample's, merged in
    ``arch_id`` order as :func:`_with_sample` sorted them."""
    if not extra:
        return table.archs()
    space = table.space
    by_key = dict(zip(np.asarray(table.keys).tolist(), table.archs(), strict=True))
    by_key.update((int(space.key(a)), a) for a in extra)
    return [by_key[int(k)] for k in frame["arch_id"].tolist()]


class SurrogateBuildError(NasbenchError, ValueError):
    """A surrogate that cannot be built as asked (e.g. a predictor a space cannot serve)."""


def _check_served(folder: Path, table: Table, archs: list[Any], frame: Any,
                  card: dict[str, Any]) -> dict[str, Any]:
    """The card's ``serving`` section, after checking that the files just written (read
    back through their sha256, as the store will) predict exactly what the frame holds."""
    from nasbench.spaces import get_space

    space = get_space(table.space_name)
    models = ServedModels.from_folder(folder, space, card["metrics"], card["files"],
                                      "Retrain with `nasbench surrogates build`.")
    x = models.features(archs)
    for m in card["metrics"]:
        got = models.predict(m, x)
        if not np.array_equal(got, frame[m].to_numpy()):
            raise NasbenchError(f"Surrogate {folder}: the saved {m!r} model predicts "
                                f"differently from the trained one (max difference "
                                f"{np.max(np.abs(got - frame[m].to_numpy())):.3g}); "
                                "not served. Retrain with `nasbench surrogates build`.")
    return {"mode": "model", "space": table.space_name, "space_options": {},
            "features": f"{models.encoding!r} encoding of the canonical arch "
                        f"({x.shape[1]} columns; darts: space.onehot)",
            "reload_check": "the saved files reproduce the trained models' predictions of "
                            "every table arch bit for bit",
            "predicts": "any valid arch of the space on demand; predictions.parquet holds "
                        "the table's archs only (what SQL sees)"}


def card_files(folder: Path, entries: dict[str, Any]) -> dict[str, str]:
    """sha256 of the predictions, the split and every model file the card lists."""
    from nasbench.recipes._base import sha256_of

    names = ["predictions.parquet", "split.json"]
    for metric, e in entries.items():
        names.append(e["model_file"])
        if (folder / f"{metric}.transform.json").exists():
            names.append(f"{metric}.transform.json")
    names = list(dict.fromkeys(names))
    return {n: sha256_of(folder / n) for n in names if (folder / n).exists()}


def _check_predictions(frame: Any, units: dict[str, str], path: Path) -> None:
    """Refuse NaN predictions and negative predictions of quantities that cannot be."""
    from nasbench.recipes._surrogate import check_prediction_column

    for col in frame.columns:
        if col != "arch_id":
            base = col.removesuffix("__noise_std")
            check_prediction_column(frame[col].to_numpy(dtype=float), col,
                                    units.get(base, ""), path)


def surrogate_params(predictor: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Constructor arguments a surrogate uses for ``predictor``: the ``"full"`` encoding where
    the predictor takes one (cost metrics depend on a cell's dead edges too) and, for
    ``xgb``, :data:`XGB_SURROGATE`; ``params`` override both."""
    from nasbench.predictors._registry import PREDICTORS

    out: dict[str, Any] = {}
    if "encoding" in PREDICTORS[predictor]._param_names():
        out["encoding"] = "full"
    if predictor == "xgb":
        out.update(XGB_SURROGATE)
    return {**out, **(params or {})}


def _fit_one(table: Table, archs: list[Any], metric: str, predictor: str, seed: int,
             train_fraction: float, folder: Path, params: dict[str, Any],
             ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    train, holdout = surrogate_split(table, metric, seed, train_fraction)
    values = table.array(metric)
    unit = str(table.describe(metric).get("unit", ""))
    log = unit in POSITIVE_UNITS and bool(np.all(values[train] > 0))
    target = np.log(values[train]) if log else values[train]
    model = create(predictor, table.space, seed=seed, **surrogate_params(predictor, params))
    model.fit([archs[i] for i in train], target)
    raw = model.predict(archs)
    mean = np.exp(raw) if log else raw
    model_file = _save_model(model, folder, metric, table, train, target)
    noise, noise_info = _noise_model(table, metric, mean, train)
    direction = table.direction(metric)
    held = score(mean[holdout], values[holdout], direction)
    entry = {
        "unit": unit,
        "target": "log(seed mean)" if log else "seed mean",
        "model_file": model_file,
        **({"transform_file": f"{metric}.transform.json"} if hasattr(model, "transform_")
           else {}),
        "params": {k: v for k, v in model.get_params().items() if k not in ("space",)},
        "n_train": int(len(train)),
        "n_holdout": int(len(holdout)),
        "holdout": {k: held[k] for k in ("kendall_tau", "spearman", "rmse", "r2")},
        "noise_model": noise_info,
        "consistency": _consistency(mean, values, holdout, unit),
    }
    return entry, mean, noise, holdout


def _noise_model(table: Table, metric: str, mean: np.ndarray, train: np.ndarray,
                 bins: int = 10) -> tuple[np.ndarray, dict[str, Any]]:
    per_seed = table.seed_array(metric)[train]
    n = (~np.isnan(per_seed)).sum(axis=1)
    multi = n >= 2
    if not multi.any():
        return np.full(len(mean), np.nan), {"kind": "none", "reason": "one seed per arch"}
    rows = per_seed[multi]
    var = np.nanvar(rows, axis=1, ddof=1)
    var[np.nanmax(rows, axis=1) == np.nanmin(rows, axis=1)] = 0.0  # exactly repeated values
    x = mean[train][multi]
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(len(edges) - 2, 0))
    centres, stds = [], []
    for b in range(max(len(edges) - 1, 1)):
        sel = which == b
        if sel.any():
            centres.append(float(np.median(x[sel])))
            stds.append(float(np.sqrt(np.mean(var[sel]))))
    noise = np.interp(mean, centres, stds)
    return noise, {"kind": "binned pooled seed std vs predicted value", "bins": len(centres),
                   "centres": centres, "std": stds, "n_archs": int(multi.sum())}


def _consistency(mean: np.ndarray, values: np.ndarray, holdout: np.ndarray, unit: str,
                 ) -> dict[str, Any]:
    out: dict[str, Any] = {"finite": bool(np.all(np.isfinite(mean)))}
    if unit in POSITIVE_UNITS:
        out["positive"] = bool(np.all(mean > 0))
    if unit in TIME_LIKE_UNITS:
        rho = spearman(mean[holdout], values[holdout])
        out["holdout_spearman"] = rho
        out["monotonic"] = bool(rho >= 0.9)
    return out


def _save_model(model: Any, folder: Path, metric: str, table: Table, train: np.ndarray,
                target: np.ndarray) -> str:
    if hasattr(model, "transform_"):
        doc = {"predictor": model.name, "target_transform": model.transform_.to_dict()}
        atomic_write(folder / f"{metric}.transform.json", json.dumps(doc) + "\n")
    if hasattr(model, "booster_"):
        name = f"{metric}.xgb.json"
        _save_by_suffix(model, folder / name)
    elif hasattr(model, "models_") and hasattr(model, "save_model"):
        name = f"{metric}.pt"
        _save_by_suffix(model, folder / name)
    else:
        name = f"{metric}.params.json"
        fitted = {k: _jsonable(v) for k, v in vars(model).items()
                  if k.endswith("_") and not k.startswith("_") and _jsonable(v) is not None}
        doc = {"predictor": model.name, "params": {k: _jsonable(v) for k, v in
                                                   model.get_params().items() if k != "space"},
               "fitted": fitted, "train_arch_ids": np.asarray(table.keys)[train].tolist(),
               "train_targets": target.tolist()}
        atomic_write(folder / name, json.dumps(doc) + "\n")
    return name


def _save_by_suffix(model: Any, target: Path) -> None:
    """``model.save_model`` through a temporary file that keeps ``target``'s suffixes (the
    writer picks its format by them: XGBoost writes JSON only for ``.json``)."""
    import os

    tmp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        model.save_model(tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _jsonable(v: Any) -> Any:
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, (list, tuple)) and all(isinstance(x, (int, float, str)) for x in v):
        return list(v)
    return None


def _metric_list(table: Table, metrics: str | Sequence[str] | None) -> list[str]:
    if metrics is None and table.space_name in MODEL_SERVED:
        return [m for m in MODEL_SERVED[table.space_name] if m in table.metrics]
    if metrics is None:
        primary = table.describe(table.metrics[0]).get("source")
        return [m for m in table.metrics if table.describe(m).get("source") == primary]
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for m in names:
        table.describe(m)  # raises UnknownMetricError with the choices
    return names


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON file of the folder; ``{}`` if it does not exist, an error if it is damaged
    (a damaged card must never make a rebuild silently drop the models it lists)."""
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        raise NasbenchError(f"Surrogate file {path} is damaged ({exc}); restore it, or delete "
                            f"the folder {path.parent} to retrain every metric.") from None


def _write_parquet(frame: Any, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    atomic_with(path, lambda tmp: pq.write_table(table, tmp))


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    import nasbench

    out = {"python": platform.python_version(), "nasbench": nasbench.__version__}
    for pkg in ("numpy", "pandas", "pyarrow", "xgboost", "torch"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            continue
    return out
