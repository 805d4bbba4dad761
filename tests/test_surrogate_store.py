"""Surrogate tables in the store: round trip of the shipped predictions, noise sampling."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from nasbench.recipes._surrogate import surrogate_folders

FOLDERS = surrogate_folders()
pytestmark = pytest.mark.skipif(not FOLDERS, reason="no surrogates/ folders shipped")


def test_predictions_round_trip_through_the_store(db) -> None:
    for folder in FOLDERS:
        space, dataset = folder.name.split("__", 1)
        t = db.table(space, dataset, source="surrogate")
        card = json.loads((folder / "model_card.json").read_text())
        assert t.source == "surrogate" and t.model_id == card["model_id"]
        frame = pq.read_table(folder / "predictions.parquet").to_pandas()
        rows = t._rows_of_keys(frame["arch_id"].to_numpy(), [])
        for col in frame.columns[1:]:
            np.testing.assert_array_equal(t.array(col)[rows], frame[col].to_numpy())
        measured = db.table(space, dataset)
        assert measured.source == "measured" and len(measured) == len(t)


def test_sample_mode_draws_from_the_noise_model(db) -> None:
    folder = FOLDERS[0]
    space, dataset = folder.name.split("__", 1)
    t = db.table(space, dataset, source="surrogate")
    metric = next(m for m in t.metrics if f"{m}__noise_std" in t.metrics
                  and np.nanmax(t.array(f"{m}__noise_std")) > 0)
    arch = t.archs()[int(np.nanargmax(t.array(f"{metric}__noise_std")))]
    pred = t.query(arch, metric)[metric]
    std = t.query(arch, f"{metric}__noise_std")[f"{metric}__noise_std"]
    draws = t.query_many([arch] * 4000, metric, seed="sample", rng=0)[metric].to_numpy()
    assert abs(draws.mean() - pred) < 4 * std / np.sqrt(4000)
    assert draws.std() == pytest.approx(std, rel=0.1)
    one = t.query(arch, metric, seed="sample", rng=7)[metric]
    assert one == t.query(arch, metric, seed="sample", rng=7)[metric] != pred


def test_unknown_source_names_the_choices(db) -> None:
    with pytest.raises(KeyError, match="surrogate|measured"):
        db.table("nb201", "cifar10", source="predicted")


def _copy_shipped(tmp_path):
    import shutil

    from nasbench.recipes._surrogate import SURROGATE_DIR

    dst = tmp_path / "nb201__cifar10"
    shutil.copytree(SURROGATE_DIR / "nb201__cifar10", dst)
    return dst


def test_damaged_surrogate_artifacts_are_refused(tmp_path) -> None:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from nasbench.errors import NasbenchError
    from nasbench.recipes._surrogate import load_surrogate, read_card

    folder = _copy_shipped(tmp_path)
    assert read_card(folder)["files"]["predictions.parquet"]
    card = folder / "model_card.json"
    text = card.read_text()
    card.write_text(text[: len(text) // 2])  # truncated card: refused, never "no metrics"
    with pytest.raises(NasbenchError, match="model card .* is damaged"):
        load_surrogate(folder, {}, {})
    card.write_text(text)
    (folder / "val_acc.xgb.json").write_text("{}")  # a changed model file
    with pytest.raises(NasbenchError, match="val_acc.xgb.json is changed"):
        read_card(folder)
    folder = _copy_shipped(tmp_path / "b")
    frame = pq.read_table(folder / "predictions.parquet").to_pandas()
    frame.loc[3, "train_time"] = -5.0
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False),
                   folder / "predictions.parquet")
    c = json.loads((folder / "model_card.json").read_text())
    c["files"].pop("predictions.parquet")  # pretend the card predates the change
    (folder / "model_card.json").write_text(json.dumps(c))
    with pytest.raises(NasbenchError, match="'train_time' .* negative"):
        load_surrogate(folder, {}, {})
    frame.loc[3, "train_time"] = float("nan")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False),
                   folder / "predictions.parquet")
    with pytest.raises(NasbenchError, match="non-finite"):
        load_surrogate(folder, {}, {})


def test_truncated_card_stops_a_surrogate_rebuild(tmp_path, db) -> None:
    from nasbench.errors import NasbenchError
    from nasbench.predictors._surrogates import build_surrogates

    folder = build_surrogates(db, "nbgraph", "proteins", "val_acc", predictor="ridge",
                              out_dir=tmp_path)
    card = folder / "model_card.json"
    card.write_text(card.read_text()[:40])
    with pytest.raises(NasbenchError, match="damaged"):
        build_surrogates(db, "nbgraph", "proteins", "latency", predictor="ridge",
                         out_dir=tmp_path)
