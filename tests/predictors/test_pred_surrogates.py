"""Surrogate tables: the Parquet / model / card contract, on real tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.predictors import build_surrogates
from nasbench.predictors._surrogates import surrogate_split

pytest.importorskip("xgboost")


@pytest.fixture(scope="module")
def nb201_folder(db: nasbench.Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("surrogates")
    return build_surrogates(db, "nb201", "cifar10", ["val_acc", "train_time"], predictor="xgb",
                            seed=0, out_dir=out)


def test_predictions_parquet_contract(nb201_folder: Path, db: nasbench.Store) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(nb201_folder / "predictions.parquet")
    assert table.column_names == ["arch_id", "val_acc", "val_acc__noise_std", "train_time",
                                  "train_time__noise_std"]
    assert str(table.schema.field("arch_id").type) == "int64"
    assert all(str(table.schema.field(c).type) == "double" for c in table.column_names[1:])
    df = table.to_pandas()
    t = db.table("nb201", "cifar10")
    assert np.array_equal(df.arch_id.to_numpy(), np.asarray(t.keys))
    # predictions track the measured means: the best predicted arch is a top-1% arch
    measured = t.array("val_acc")
    best = int(np.argmax(df.val_acc.to_numpy()))
    assert measured[best] >= np.quantile(measured, 0.99)
    # NB201 val_acc seeds differ by a few tenths of a percent; train_time is repeated per seed
    assert df.val_acc__noise_std.between(0.05, 5.0).all()
    assert (df.train_time__noise_std == 0).all()
    assert (df.train_time > 0).all()


def test_model_card_and_model_file(nb201_folder: Path, db: nasbench.Store) -> None:
    xgb = pytest.importorskip("xgboost")
    card = json.loads((nb201_folder / "model_card.json").read_text())
    assert card["space"] == "nb201" and card["dataset"] == "cifar10" and card["seed"] == 0
    assert {"created", "versions", "split", "model_id"} <= set(card)
    entry = card["metrics"]["val_acc"]
    # trained on 80% of the archs' seed means: 0.934 held-out Kendall tau when written
    assert entry["holdout"]["kendall_tau"] > 0.9
    assert entry["n_train"] + entry["n_holdout"] == 15625
    assert card["metrics"]["train_time"]["consistency"]["positive"] is True
    assert card["metrics"]["train_time"]["consistency"]["monotonic"] is True
    # the saved XGBoost JSON model + transform reproduce the stored predictions
    import pandas as pd

    from nasbench.predictors import encode
    from nasbench.predictors._targets import transform_from_dict

    booster = xgb.Booster()
    booster.load_model(str(nb201_folder / entry["model_file"]))
    doc = json.loads((nb201_folder / "val_acc.transform.json").read_text())
    t = db.table("nb201", "cifar10")
    z = booster.predict(xgb.DMatrix(encode(t.space, t.archs(), entry["params"]["encoding"])))
    again = transform_from_dict(doc["target_transform"]).inverse(z)
    stored = pd.read_parquet(nb201_folder / "predictions.parquet").val_acc.to_numpy()
    assert np.allclose(again, stored, atol=1e-6)
    split = json.loads((nb201_folder / "split.json").read_text())
    train, holdout = surrogate_split(t, "val_acc", seed=0)
    assert sorted(split["val_acc"]) == np.asarray(t.keys)[holdout].tolist()
    assert len(np.intersect1d(train, holdout)) == 0


def test_single_seed_table_has_nan_noise(db: nasbench.Store, tmp_path: Path) -> None:
    import pandas as pd

    folder = build_surrogates(db, "nbgraph", "proteins", "val_acc", seed=1, out_dir=tmp_path,
                              n_estimators=100)
    df = pd.read_parquet(folder / "predictions.parquet")
    assert df.val_acc__noise_std.isna().all()
    card = json.loads((folder / "model_card.json").read_text())
    assert card["metrics"]["val_acc"]["noise_model"]["kind"] == "none"
    # a second build for another metric keeps the first one's columns
    build_surrogates(db, "nbgraph", "proteins", "latency", seed=1, out_dir=tmp_path,
                     n_estimators=100)
    df2 = pd.read_parquet(folder / "predictions.parquet")
    assert {"val_acc", "latency", "latency__noise_std"} <= set(df2.columns)
    assert np.array_equal(df2.val_acc.to_numpy(), df.val_acc.to_numpy())


def test_shipped_surrogate_round_trips_through_the_store(db: nasbench.Store) -> None:
    """surrogates/nb201__cifar10 (shipped) is served by the store exactly as written."""
    import pandas as pd

    from nasbench.recipes._surrogate import SURROGATE_DIR

    folder = SURROGATE_DIR / "nb201__cifar10"
    if not (folder / "predictions.parquet").exists():
        pytest.skip("no shipped surrogate folder")
    written = pd.read_parquet(folder / "predictions.parquet").sort_values("arch_id")
    table = db.table("nb201", "cifar10", source="surrogate")
    assert np.array_equal(np.asarray(table.keys), written.arch_id.to_numpy())
    assert np.array_equal(table.array("val_acc"), written.val_acc.to_numpy())
    card = json.loads((folder / "model_card.json").read_text())
    assert table.model_id == card["model_id"]
    # measured values are untouched, and the surrogate agrees with them closely
    measured = db.table("nb201", "cifar10").array("val_acc")
    from nasbench.predictors import kendall_tau

    assert kendall_tau(table.array("val_acc"), measured) > 0.9
