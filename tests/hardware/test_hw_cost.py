"""Analytic cost of the NB201 network: the parameter-count proof against the published table.

No torch needed: the analytic count is checked against the torch module in test_hw_network.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError, UnknownDatasetError
from nasbench.hardware import cost_table, network_cost
from nasbench.recipes._base import load_source_pickle, source_path

ALL_CELLS = np.array(list(itertools.product(range(5), repeat=6)), dtype=np.int64)
SOURCES = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet16-120"}


@pytest.fixture(scope="module", params=list(SOURCES))
def published(request: pytest.FixtureRequest) -> tuple[str, dict[str, list[float]]]:
    raw = load_source_pickle(source_path("nasbench201", SOURCES[request.param]))
    return request.param, {k: v["model_size"] for k, v in raw.items()}


def test_param_count_equals_published_model_size_for_every_cell(
    published: tuple[str, dict[str, list[float]]],
) -> None:
    dataset, sizes = published
    ours = cost_table(ALL_CELLS, dataset)["params"] / 1e6
    exact = 0
    inconsistent = []
    for cell, value in zip(ALL_CELLS, ours):
        seeds = sizes["".join(map(str, cell))]
        if len(set(seeds)) == 1:
            assert round(value, 6) == pytest.approx(seeds[0], abs=1e-9), cell
            exact += 1
        else:
            # 204 cells list different model sizes for different seeds in the source; ours is
            # always one of them (the others belong to a cell one 1x1/3x3 conv away).
            assert any(round(value, 6) == pytest.approx(s, abs=1e-9) for s in seeds), cell
            inconsistent.append(cell)
    assert exact + len(inconsistent) == 15_625
    assert len(inconsistent) == 204


def test_known_cells() -> None:
    # The all-3x3 cell: 1.531546 M parameters on CIFAR-10 (published model_size) and
    # 220.11 M multiply-accumulates (NAS-Bench-201 reports 220.11 "MFLOPs", counted as MACs).
    big = network_cost("333333", "cifar10")
    assert big.params == 1_531_546
    assert big.macs == 220_119_680
    assert big.param_bytes == 4 * big.params
    small = network_cost((4, 2, 1, 2, 1, 1), "cifar10")  # NB201 index 0
    assert small.params == 129_306
    # ImageNet16-120: a quarter of the pixels, same cell weights, larger classifier.
    im = network_cost("333333", "ImageNet16-120")
    assert im.params == big.params - 650 + 64 * 120 + 120
    assert im.macs == pytest.approx(big.macs / 4, rel=0.01)


def test_cost_is_monotone_in_ops() -> None:
    zero = network_cost("000000")
    assert network_cost("111111").flops < zero.flops  # skip edges compute nothing
    assert zero.macs == network_cost("111111").macs == network_cost("444444").macs
    assert network_cost("222222").macs < network_cost("333333").macs
    assert network_cost("111111").activation_bytes < zero.activation_bytes


def test_cost_table_matches_network_cost() -> None:
    rng = np.random.default_rng(0)
    for dataset in SOURCES:
        cells = ALL_CELLS[rng.choice(len(ALL_CELLS), 40, replace=False)]
        table = cost_table(cells, dataset)
        for i, cell in enumerate(cells):
            cost = network_cost(tuple(cell), dataset)
            for field in ("params", "macs", "flops", "param_bytes", "activation_bytes"):
                assert table[field][i] == getattr(cost, field)


def test_bad_input_names_the_problem() -> None:
    with pytest.raises(InvalidArchitectureError, match="op index 7"):
        network_cost((0, 1, 2, 3, 4, 7))
    with pytest.raises(InvalidArchitectureError, match="has 5 ops"):
        network_cost((0, 1, 2, 3, 4))
    with pytest.raises(InvalidArchitectureError, match="op index 5"):
        cost_table(np.array([[0, 1, 2, 3, 4, 5]]))
    with pytest.raises(UnknownDatasetError, match="Did you mean 'cifar100'"):
        network_cost("333333", "cifar1000")
