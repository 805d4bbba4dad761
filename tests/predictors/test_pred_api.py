"""scikit-learn-style conformance of every predictor, on real NB201 archs."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nasbench import NasbenchError
from nasbench.predictors import PREDICTORS, NotFittedError, UnknownPredictorError, create
from nasbench.spaces import get_space

NEEDS = {"xgb": "xgboost", "gin": "torch", "gcn": "torch", "mlp": "torch"}
FAST = {"gin": {"epochs": 5, "n_models": 2}, "gcn": {"epochs": 5, "n_models": 2},
        "mlp": {"epochs": 5, "n_models": 2}, "xgb": {"n_estimators": 50}}


def _make(name: str, seed: int | None = 0) -> object:
    lib = NEEDS.get(name)
    if name == "ensemble":
        lib = "xgboost"
    if lib and importlib.util.find_spec(lib) is None:
        pytest.skip(f"{lib} is not installed")
    return create(name, "nb201", seed=seed, **FAST.get(name, {}))


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_params_are_stored_and_keyword_only(name: str) -> None:
    model = _make(name, seed=7)
    params = model.get_params()
    assert params["seed"] == 7
    for key, value in FAST.get(name, {}).items():
        assert params[key] == value
    cls = PREDICTORS[name]
    with pytest.raises(TypeError):
        cls(get_space("nb201"))  # type: ignore[misc]
    clone = cls(**params)
    assert clone.get_params() == params
    assert not [k for k in vars(clone) if k.endswith("_") and not k.startswith("_")]


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_predict_before_fit_raises(name: str, small_nb201) -> None:
    model = _make(name)
    with pytest.raises(NotFittedError, match="not fitted"):
        model.predict(small_nb201[2][:3])
    assert issubclass(NotFittedError, NasbenchError)


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_fit_predict_deterministic_by_seed(name: str, small_nb201) -> None:
    train, y, test = small_nb201
    a = _make(name, seed=11).fit(train, y)
    b = _make(name, seed=11).fit(train, y)
    pa, pb = a.predict(test), b.predict(test)
    assert pa.shape == (len(test),) and pa.dtype == np.float64
    assert np.array_equal(pa, pb)
    assert a.n_train_ == len(train)
    if a.has_std:
        mean, std = a.predict(test, return_std=True)
        assert np.array_equal(mean, pa)
        assert std.shape == mean.shape and np.all(std >= 0)
    else:
        with pytest.raises(ValueError, match="uncertainty"):
            a.predict(test, return_std=True)


def test_archs_in_any_encoding(small_nb201) -> None:
    train, y, test = small_nb201
    space = get_space("nb201")
    model = create("gp", space, seed=0).fit([space.to_string(a) for a in train], y)
    assert np.array_equal(model.predict(test[:20]),
                          model.predict(["".join(map(str, a)) for a in test[:20]]))


def test_create_errors() -> None:
    with pytest.raises(UnknownPredictorError, match="Did you mean 'wl_gp'"):
        create("wl-gp", "nb201")
    with pytest.raises(TypeError, match="n_estimators"):
        create("xgb", "nb201", n_estimator=10)


def test_fit_input_checks(small_nb201) -> None:
    train, y, _ = small_nb201
    model = create("ridge", "nb201")
    with pytest.raises(ValueError, match="same length"):
        model.fit(train, y[:-1])
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="position 3"):
        model.fit(train, bad)


def test_different_seeds_differ(small_nb201) -> None:
    pytest.importorskip("xgboost")
    train, y, test = small_nb201
    a = create("xgb", "nb201", seed=1, n_estimators=50).fit(train, y).predict(test)
    b = create("xgb", "nb201", seed=2, n_estimators=50).fit(train, y).predict(test)
    assert not np.array_equal(a, b)


def test_importing_predictors_loads_no_heavy_library() -> None:
    import subprocess
    import sys

    code = ("import sys, nasbench, nasbench.predictors; "
            "print(sorted(m for m in ('torch', 'xgboost', 'pandas', 'duckdb', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
