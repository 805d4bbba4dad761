"""``cells="raw"``: features of the cell exactly as given, for labels that depend on raw ops."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench.predictors import create, encode, kendall_tau
from nasbench.spaces import get_space


@pytest.fixture(scope="module")
def raw_labels() -> tuple[list[object], np.ndarray, list[object], np.ndarray]:
    """A user's label that depends on every raw op (like a parameter count of the cell as
    given, dead edges included): isomorphic cells get different values."""
    space = get_space("nb201")
    archs = space.enumerate()
    w = np.random.default_rng(0).normal(size=30)
    y = encode(space, archs, "onehot") @ w
    rows = np.random.default_rng(1).permutation(len(archs))
    train, test = rows[:300], rows[300:3300]
    return [archs[i] for i in train], y[train], [archs[i] for i in test], y[test]


def test_raw_structural_encoding_tells_isomorphs_apart() -> None:
    space = get_space("nb201")
    a = space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|none~2|")
    b = space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|"
                    "none~2|")  # differs only in a dead edge (node 2 feeds nothing)
    merged = encode(space, [a, b], "structural")
    raw = encode(space, [a, b], "structural", cells="raw")
    assert np.array_equal(merged[0], merged[1])
    assert not np.array_equal(raw[0], raw[1])
    assert raw.shape == merged.shape == (2, 60)
    with pytest.raises(ValueError, match="cells"):
        encode(space, [a], "structural", cells="rawest")


@pytest.mark.parametrize("name", ["xgb", "gp", "wl_gp"])
def test_raw_cells_fit_labels_of_raw_ops(name: str, raw_labels) -> None:
    if name == "xgb":
        pytest.importorskip("xgboost")
    train, y, test, truth = raw_labels
    merged = create(name, "nb201", seed=0).fit(train, y).predict(test)
    raw = create(name, "nb201", seed=0, cells="raw").fit(train, y).predict(test)
    tau_merged, tau_raw = kendall_tau(merged, truth), kendall_tau(raw, truth)
    assert tau_raw > tau_merged + 0.1, (tau_merged, tau_raw)
    assert tau_raw > 0.75


def test_ensemble_passes_cells_to_members(raw_labels) -> None:
    train, y, test, _ = raw_labels
    model = create("ensemble", "nb201", seed=0, members=("gp", "mean", ("ridge", {})),
                   cells="raw").fit(train[:60], y[:60])
    assert [getattr(m, "cells", None) for m in model.members_] == ["raw", None, "raw"]
