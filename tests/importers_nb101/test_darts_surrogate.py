"""``nasbench surrogates build darts``: our NB301-style surrogate over the whole DARTS space,
trained on an imported NAS-Bench-301 fixture (values a known function of the genotype) and
served by its XGBoost JSON model. Real import, real store builds, real XGBoost; the checks
recompute everything from the saved files independently of the serving code."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import nasbench
from nasbench.errors import InvalidArchitectureError, NasbenchError

from ._nb301_fixture import write_signal

xgb = pytest.importorskip("xgboost")

METRICS = ("val_acc", "train_time", "params")


def _recipes(home: Path) -> list[Any]:
    """The user's imports and surrogates only (no package tables: fast builds)."""
    from nasbench.recipes import ImportedRecipe
    from nasbench.recipes._surrogate import SurrogateRecipe, surrogate_folders

    return [ImportedRecipe(home, set()),
            SurrogateRecipe(surrogate_folders(Path(home) / "surrogates"))]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    from nasbench.importers import import_benchmark
    from nasbench.predictors import build_surrogates
    from nasbench.store import build

    base = tmp_path_factory.mktemp("darts_surrogate")
    root, home = base / "nb_301_v13_lc_iclr_final", base / "home"
    runs = write_signal(root, n=300, seed=0, repeats=20)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("nasbench.store._build.default_recipes", _recipes)
        import_benchmark("nb301", root, home, progress=lambda s: None)
        db = nasbench.open(home, build=False)
        folder = build_surrogates(db, "darts", "cifar10", seed=0)
        build(home, progress=lambda s: None)
        yield SimpleNamespace(home=home, folder=folder, runs=runs,
                              measured=nasbench.open(home, build=False).table("darts",
                                                                              "cifar10"))


@pytest.fixture(scope="module")
def table(built: SimpleNamespace) -> Any:
    return nasbench.open(built.home, build=False).table("darts", "cifar10", source="surrogate")


def _predict_from_files(folder: Path, metric: str, archs: list[Any]) -> np.ndarray:
    """The saved model's prediction, computed here from the files alone: the DARTS one-hot
    of each arch, the XGBoost JSON booster, the JSON transform, exp for log targets."""
    from nasbench.predictors._targets import transform_from_dict
    from nasbench.spaces import DartsSpace

    entry = json.loads((folder / "model_card.json").read_text())["metrics"][metric]
    booster = xgb.Booster()
    booster.load_model(str(folder / entry["model_file"]))
    doc = json.loads((folder / entry["transform_file"]).read_text())
    z = booster.predict(xgb.DMatrix(DartsSpace().onehot(archs)))
    y = transform_from_dict(doc["target_transform"]).inverse(z)
    return np.exp(y) if entry["target"] == "log(seed mean)" else y


def test_card_holdout_error_recomputed_from_saved_model_and_split(built) -> None:
    from scipy.stats import kendalltau

    card = json.loads((built.folder / "model_card.json").read_text())
    split = json.loads((built.folder / "split.json").read_text())
    t = built.measured
    assert set(card["metrics"]) == set(METRICS) and card["serving"]["mode"] == "model"
    sp = t.space
    for m in METRICS:
        held = np.asarray(split[m], dtype=np.int64)
        rows = t._rows_of_keys(held, [])
        train = np.setdiff1d(np.flatnonzero(~np.isnan(t.array(m))), rows)
        entry = card["metrics"][m]
        assert (entry["n_train"], entry["n_holdout"]) == (len(train), len(rows)) == (240, 60)
        # disjoint by canonical genotype: no held-out genotype is equivalent to a training one
        canon = {r: sp.key(sp.canonical(sp.parse(sp.to_genotype_string(t.archs()[r]))))
                 for r in range(len(t))}
        assert not {canon[r] for r in rows} & {canon[r] for r in train}
        pred = _predict_from_files(built.folder, m, [t.archs()[r] for r in rows])
        truth = t.array(m)[rows]
        assert entry["holdout"]["kendall_tau"] == pytest.approx(
            kendalltau(pred, truth).statistic, abs=1e-12)
        assert entry["holdout"]["rmse"] == pytest.approx(
            float(np.sqrt(np.mean((pred - truth) ** 2))), rel=1e-12)
    # genotypes run twice (two optimizers) are one row, so one side of the split
    twice = [k for k, runs in built.runs.items() if len(runs) == 2]
    assert len(twice) == 20 and all(t.n_seeds[t.row(t.space.from_key(k))] == 2 for k in twice)
    # the fixture's signal is learnable: clearly better than chance on held-out genotypes
    assert card["metrics"]["val_acc"]["holdout"]["kendall_tau"] > 0.3


def test_never_evaluated_genotype_is_predicted_by_the_model(built, table) -> None:
    from nasbench.spaces import DartsSpace

    full = DartsSpace()
    new = [a for a in full.sample(40, seed=11) if full.key(a) not in set(built.measured.keys)]
    assert len(new) == 40 and table.space.name == "darts" and len(table.space) > 1e17
    got = table.query(full.to_genotype_string(new[0]))
    for m in METRICS:
        want = _predict_from_files(built.folder, m, [new[0]])[0]
        assert np.isfinite(got[m]) and got[m] == want
        assert np.isfinite(got[f"{m}__noise_std"]) and got[f"{m}__noise_std"] >= 0
    df = table.query_many(new, list(METRICS))
    assert list(df.columns) == ["arch", *METRICS]
    assert df["arch"].tolist() == [full.to_string(a) for a in new]
    for m in METRICS:
        np.testing.assert_array_equal(df[m].to_numpy(), _predict_from_files(built.folder, m, new))
    assert table.query(new[5], "val_acc")["val_acc"] == df["val_acc"][5]
    with pytest.raises(InvalidArchitectureError, match="same input"):
        table.query({"normal": [("sep_conv_3x3", 0)] * 8, "reduce": new[0].reduce})
    with pytest.raises(InvalidArchitectureError, match=r"Unknown DARTS op.*input position 1"):
        table.query_many([new[0], {"normal": [("conv_7x7", 0), ("skip_connect", 1),
                                              *new[0].normal[2:]], "reduce": new[0].reduce}])


def test_equivalent_genotypes_get_one_prediction(table) -> None:
    from nasbench.spaces import DartsSpace
    from nasbench.spaces._darts import to_config

    full = DartsSpace()
    a = full.sample(1, seed=21)[0]
    swapped = {"normal": [a.normal[i ^ 1] for i in range(8)],  # each node's edges swapped
               "reduce": [a.reduce[i ^ 1] for i in range(8)]}
    forms = [a, swapped, to_config(a), full.to_string(a),
             "Genotype(normal=" + repr([tuple(e) for e in swapped["normal"]])
             + ", normal_concat=[2, 3, 4, 5], reduce=" + repr(list(a.reduce))
             + ", reduce_concat=[2, 3, 4, 5])"]
    want = table.query(a)
    assert all(table.query(f) == want for f in forms)
    df = table.query_many(forms)
    assert df["arch"].nunique() == 1
    for m in METRICS:
        assert (df[m] == want[m]).all()


def test_reopen_gives_bit_identical_predictions(built, table) -> None:
    import pyarrow.parquet as pq

    from nasbench.spaces import DartsSpace

    archs = DartsSpace().sample(200, seed=31) + built.measured.archs()[:100]
    before = table.query_many(archs, seed="mean")
    again = nasbench.open(built.home, build=False).table("darts", "cifar10",
                                                           source="surrogate")
    assert again is not table
    after = again.query_many(archs, seed="mean")
    for col in before.columns[1:]:
        np.testing.assert_array_equal(before[col].to_numpy(), after[col].to_numpy())
    # the stored rows (SQL, arrays) are the model's predictions of the imported archs
    frame = pq.read_table(built.folder / "predictions.parquet").to_pandas()
    assert len(frame) == len(built.measured) == len(again)
    served = again.query_many(again.archs())
    for col in frame.columns[1:]:
        np.testing.assert_array_equal(served[col].to_numpy(), again.array(col))
    sql = nasbench.open(built.home, build=False).sql(
        "SELECT arch_id, val_acc FROM darts_cifar10_surrogate ORDER BY arch_id")
    np.testing.assert_array_equal(sql["val_acc"].to_numpy(), again.array("val_acc"))
    # seed="sample": prediction plus the noise model's std, reproducible per rng
    a = archs[0]
    one = again.query(a, "val_acc", seed="sample", rng=3)["val_acc"]
    assert one == again.query(a, "val_acc", seed="sample", rng=3)["val_acc"]
    std = again.query(a, "val_acc__noise_std")["val_acc__noise_std"]
    assert std > 0 and one != again.query(a, "val_acc")["val_acc"]


def test_metric_metadata_says_surrogate(built, table) -> None:
    info = table.describe("val_acc")
    assert table.source == "surrogate" and table.model_id == "darts__cifar10:xgb:seed0"
    assert info["split"] == "valid" and info["source"] == "nasbench_surrogate"
    assert info["unit"] == "percent" and info["direction"] == "max"
    assert "surrogate prediction" in info["description"]
    assert "surrogate prediction" in info["protocol"]
    assert table.describe("train_time")["split"] == "train"
    assert not info["per_seed"]
    with pytest.raises(KeyError, match="test_acc"):
        table.query(table.archs()[0], "test_acc")  # not trained by default


def test_corrupted_model_file_is_named(built) -> None:
    from nasbench.predictors._served import SurrogateModelError
    from nasbench.store import build

    db = nasbench.open(built.home, build=False)
    copied = db.path / db._entries[("darts", "cifar10", "surrogate")]["model"]["dir"]
    target = copied / "val_acc.xgb.json"
    good = target.read_bytes()
    try:  # the build's copy, same size: only the sha256 can tell
        flipped = bytearray(good)
        flipped[len(good) // 2] ^= 1
        target.write_bytes(bytes(flipped))
        with pytest.raises(SurrogateModelError, match=r"val_acc\.xgb\.json changed"):
            nasbench.open(built.home, build=False).table("darts", "cifar10",
                                                         source="surrogate")
    finally:
        target.write_bytes(good)
    source = built.folder / "train_time.xgb.json"
    good = source.read_bytes()
    try:  # the surrogate folder's file: the next store build refuses it, by name
        source.write_bytes(good.replace(b"\"", b"'", 1))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("nasbench.store._build.default_recipes", _recipes)
            with pytest.raises(NasbenchError, match=r"train_time\.xgb\.json is changed"):
                build(built.home, progress=lambda s: None)
    finally:
        source.write_bytes(good)
    assert nasbench.open(built.home, build=False).table("darts", "cifar10",
                                                        source="surrogate") is not None


def test_cli_bad_input_is_one_line_exit_2(built, capsys: pytest.CaptureFixture[str]) -> None:
    from nasbench.cli import main

    for argv, words in ((["darts", "imagenet"], "Unknown dataset"),
                        (["darts", "cifar10", "--predictor", "gp"], "needs the 'xgb'"),
                        (["darts", "cifar10", "--metrics", "latency"], "Unknown metric")):
        code = main(["surrogates", "build", *argv, "--home", str(built.home)])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and words in err, (argv, err)


def test_cli_builds_the_same_model(built, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from nasbench.cli import main

    code = main(["surrogates", "build", "darts", "cifar10", "--home", str(built.home),
                 "--metrics", "val_acc", "--out-dir", str(tmp_path)])
    assert code == 0 and "wrote" in capsys.readouterr().out
    mine = json.loads((tmp_path / "darts__cifar10" / "model_card.json").read_text())
    first = json.loads((built.folder / "model_card.json").read_text())
    assert mine["metrics"]["val_acc"]["holdout"] == first["metrics"]["val_acc"]["holdout"]
    assert (tmp_path / "darts__cifar10" / "val_acc.xgb.json").read_bytes() == \
        (built.folder / "val_acc.xgb.json").read_bytes()


def test_no_darts_table_says_to_import(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from nasbench.cli import main
    from nasbench.store import build

    monkeypatch.setattr("nasbench.store._build.default_recipes", _recipes)
    build(tmp_path / "empty", progress=lambda s: None)
    shutil.rmtree(tmp_path / "empty" / "surrogates", ignore_errors=True)
    code = main(["surrogates", "build", "darts", "cifar10", "--home", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert code == 2 and "nasbench import nb301" in err and len(err.strip().splitlines()) == 1


def test_sampled_rows_and_a_harness_run_on_the_surrogate(built, tmp_path: Path) -> None:
    """``sample=``: unevaluated genotypes become predicted rows; the harness searches the
    rows (imported + sample) with the surrogate's values."""
    from nasbench import harness
    from nasbench.predictors import build_surrogates
    from nasbench.predictors._served import ServedModels
    from nasbench.store import build

    home = tmp_path / "home"
    shutil.copytree(built.home / "imports", home / "imports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("nasbench.store._build.default_recipes", _recipes)
        build(home, progress=lambda s: None)
        db = nasbench.open(home, build=False)
        folder = build_surrogates(db, "darts", "cifar10", seed=0, sample=200)
        build(home, progress=lambda s: None)
    t = nasbench.open(home, build=False).table("darts", "cifar10", source="surrogate")
    measured = nasbench.open(home, build=False).table("darts", "cifar10")
    card = json.loads((folder / "model_card.json").read_text())
    n_new = card["data"]["n_sampled"]
    assert 190 <= n_new <= 200 and len(t) == len(measured) + n_new
    assert np.all(np.diff(np.asarray(t.keys)) > 0)
    new = sorted(set(np.asarray(t.keys).tolist()) - set(np.asarray(measured.keys).tolist()))
    archs = [t.space.from_key(k) for k in new[:5]]
    # a sampled row holds the model's prediction, as query() predicts it on demand
    models = ServedModels.from_folder(folder, t.space, card["metrics"], card["files"], "")
    want = models.predict("val_acc", models.features(archs))
    assert np.array_equal(t.array("val_acc")[t.rows(archs)], want)
    assert [t.query(a, "val_acc")["val_acc"] for a in archs] == want.tolist()
    # the harness searches the rows: 20 evaluations, values from the stored predictions
    assert len(t.rows_space.enumerate()) == len(t)
    res = harness.run("rea", t, 20, seed=0, metric="val_acc")
    assert len(res) == 20
    rows = t.rows(list(res["arch"]))
    assert np.array_equal(res["observed"].to_numpy(), t.array("val_acc")[rows])
    assert res["incumbent_score"].iloc[-1] == res["observed"].max()
    assert res.equals(harness.run("rea", t, 20, seed=0, metric="val_acc"))  # seeded
    with pytest.raises(NasbenchError, match="sample"):
        build_surrogates(db, "darts", "cifar10", sample=-1)
