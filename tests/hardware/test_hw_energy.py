"""The analytic energy estimate: published constants, hand-checked arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench.hardware import ENERGY_PJ, estimate_energy, estimate_energy_table, network_cost


def test_constants_are_horowitz_45nm_figures() -> None:
    assert ENERGY_PJ == {"fp32_add": 0.9, "fp32_mult": 3.7, "sram_read_32b": 5.0,
                         "dram_read_32b": 640.0}


def test_estimate_by_hand_for_the_all_3x3_cell() -> None:
    c = network_cost("333333")
    compute = c.macs * (3.7 + 0.9) + (c.flops - 2 * c.macs) * 0.9
    memory = 2 * c.activation_bytes / 4 * 5.0
    weights = c.params * 640.0
    assert estimate_energy("333333") == pytest.approx((compute + memory + weights) * 1e-12)
    # a batch shares one weight fetch
    b64 = estimate_energy("333333", batch_size=64)
    assert b64 == pytest.approx((64 * (compute + memory) + weights) * 1e-12)
    assert 1.9e-3 < estimate_energy("333333") < 2.1e-3  # about 2 mJ per image


def test_table_matches_scalar_and_orders_cells() -> None:
    cells = np.array([[0] * 6, [1] * 6, [2] * 6, [3] * 6, [4] * 6])
    table = estimate_energy_table(cells, "cifar100", batch_size=8)
    for row, value in zip(cells, table):
        assert value == pytest.approx(estimate_energy(tuple(row), "cifar100", 8))
    assert table[1] < table[0] < table[2] < table[3]
    with pytest.raises(ValueError, match="batch_size"):
        estimate_energy("333333", batch_size=0)
