"""save / Predictor.load round trips of every predictor: same process and a fresh process."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nasbench.predictors import PREDICTORS, NotFittedError, Predictor, create
from nasbench.predictors._io import SavedPredictorError
from nasbench.spaces import get_space

NEEDS = {"xgb": "xgboost", "gin": "torch", "gcn": "torch", "mlp": "torch",
         "ensemble": "xgboost"}
FAST = {"gin": {"epochs": 5, "n_models": 2}, "gcn": {"epochs": 5, "n_models": 2},
        "mlp": {"epochs": 5, "n_models": 2}, "xgb": {"n_estimators": 60},
        "ensemble": {"members": ("gp", "wl_gp", ("xgb", {"n_estimators": 30}))}}
NAMES = sorted(PREDICTORS)

_LOAD_ALL = """
import json, sys
from pathlib import Path
from nasbench.predictors import Predictor
from nasbench.spaces import get_space
root = Path(sys.argv[1])
space = get_space("nb201")
keys = json.loads((root / "test_keys.json").read_text())
archs = [space.from_key(k) for k in keys]
out = {}
for folder in sorted(p for p in root.iterdir() if p.is_dir()):
    model = Predictor.load(folder)
    pred = model.predict(archs)
    out[folder.name] = {"mean": pred.tolist(), "class": type(model).__name__}
    if model.has_std:
        out[folder.name]["std"] = model.predict(archs, return_std=True)[1].tolist()
print(json.dumps(out))
"""


def _available(name: str) -> bool:
    lib = NEEDS.get(name)
    return lib is None or importlib.util.find_spec(lib) is not None


@pytest.fixture(scope="module")
def saved(small_nb201, tmp_path_factory: pytest.TempPathFactory,
          ) -> tuple[Path, dict[str, np.ndarray], dict[str, np.ndarray], list[object]]:
    """Every available predictor fitted on 40 real archs and saved; their predictions."""
    train, y, test = small_nb201
    root = tmp_path_factory.mktemp("saved_predictors")
    space = get_space("nb201")
    (root / "test_keys.json").write_text(json.dumps(space.keys(test).tolist()))
    means, stds = {}, {}
    for name in NAMES:
        if not _available(name):
            continue
        model = create(name, space, seed=3, **FAST.get(name, {})).fit(train, y)
        means[name] = model.predict(test)
        if model.has_std:
            stds[name] = model.predict(test, return_std=True)[1]
        assert model.save(root / name) == root / name
    return root, means, stds, test


@pytest.fixture(scope="module")
def fresh(saved) -> dict[str, dict[str, object]]:
    """Predictions of every saved folder, loaded in a new Python process."""
    root = saved[0]
    out = subprocess.run([sys.executable, "-c", _LOAD_ALL, str(root)], capture_output=True,
                         text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_same_process(name: str, saved) -> None:
    if not _available(name):
        pytest.skip(f"{NEEDS[name]} is not installed")
    root, means, stds, test = saved
    model = Predictor.load(root / name)
    assert type(model) is PREDICTORS[name]
    assert model.get_params() == create(name, "nb201", seed=3, **FAST.get(name, {})
                                        ).get_params()
    assert np.array_equal(model.predict(test), means[name])
    if name in stds:
        assert np.array_equal(model.predict(test, return_std=True)[1], stds[name])
    # loading through the subclass works too; through another class is refused
    assert type(PREDICTORS[name].load(root / name)) is PREDICTORS[name]
    other = PREDICTORS["mean" if name != "mean" else "ridge"]
    with pytest.raises(SavedPredictorError, match="use Predictor.load"):
        other.load(root / name)


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_fresh_process(name: str, saved, fresh) -> None:
    if not _available(name):
        pytest.skip(f"{NEEDS[name]} is not installed")
    _, means, stds, _ = saved
    got = fresh[name]
    assert got["class"] == PREDICTORS[name].__name__
    # JSON floats are exact (repr), so the arrays must be identical, not just close
    assert np.array_equal(np.asarray(got["mean"]), means[name])
    if name in stds:
        assert np.array_equal(np.asarray(got["std"]), stds[name])


def test_xgb_reload_keeps_the_target_transform(saved, fresh) -> None:
    """The booster alone predicts rank scores; the saved folder predicts accuracies."""
    pytest.importorskip("xgboost")
    root, means, _, test = saved
    pred = Predictor.load(root / "xgb").predict(test)
    assert np.array_equal(pred, means["xgb"])
    assert np.array_equal(np.asarray(fresh["xgb"]["mean"]), means["xgb"])
    assert pred.min() > 5.0 and pred.max() < 100.0  # percent, not N(0, 1) scores
    assert pred.std() > 0.5
    header = json.loads((root / "xgb" / "predictor.json").read_text())
    assert header["state"]["transform"]["kind"] == "rank"
    assert {"booster.json"} <= set(header["sha256"])


def test_saved_files_are_safe_formats(saved) -> None:
    root = saved[0]
    suffixes = {p.suffix for p in root.rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".npz", ".pt"}
    for npz in root.rglob("arrays.npz"):
        with np.load(npz, allow_pickle=False) as z:  # raises on any pickled object array
            assert all(z[k].dtype != object for k in z.files)
    if _available("gin"):
        import torch

        weights = torch.load(root / "gin" / "models.pt", weights_only=True)
        assert all(isinstance(v, torch.Tensor) for v in weights.values())
    header = json.loads((root / "gp" / "predictor.json").read_text())
    assert header["format"] == "nasbench.predictor" and header["format_version"] == 1
    assert header["predictor"] == "gp" and header["space"]["name"] == "nb201"
    assert not list(root.rglob("*.tmp"))  # atomic writes leave no temporaries


def test_load_refuses_modified_foreign_or_newer_folders(saved, tmp_path: Path) -> None:
    import shutil

    root = saved[0]
    folder = tmp_path / "gp"
    shutil.copytree(root / "gp", folder)
    arrays = folder / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(SavedPredictorError, match="digest"):
        Predictor.load(folder)
    shutil.copytree(root / "ridge", tmp_path / "ridge")
    header = json.loads((tmp_path / "ridge" / "predictor.json").read_text())
    header["format_version"] = 99
    (tmp_path / "ridge" / "predictor.json").write_text(json.dumps(header))
    with pytest.raises(SavedPredictorError, match="format_version 99"):
        Predictor.load(tmp_path / "ridge")
    with pytest.raises(SavedPredictorError, match="missing"):
        Predictor.load(tmp_path / "nothing")


def test_save_before_fit_and_overwrite(small_nb201, tmp_path: Path) -> None:
    train, y, test = small_nb201
    with pytest.raises(NotFittedError):
        create("ridge", "nb201").save(tmp_path / "m")
    create("gp", "nb201", seed=0).fit(train, y).save(tmp_path / "m")
    ridge = create("ridge", "nb201", seed=0).fit(train, y)
    ridge.save(tmp_path / "m")  # overwriting another predictor's folder
    again = Predictor.load(tmp_path / "m")
    assert type(again).__name__ == "RidgePredictor"
    assert np.array_equal(again.predict(test), ridge.predict(test))


def test_raw_cells_round_trip(small_nb201, tmp_path: Path) -> None:
    train, y, test = small_nb201
    model = create("wl_gp", "nb201", seed=0, cells="raw").fit(train, y)
    model.save(tmp_path / "wl")
    again = Predictor.load(tmp_path / "wl")
    assert again.cells == "raw"
    assert np.array_equal(again.predict(test), model.predict(test))
