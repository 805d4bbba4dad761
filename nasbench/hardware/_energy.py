"""Analytic energy estimate of one NB201 forward pass (``method = "estimated"``).

An order-of-magnitude model from operation and memory-access counts, never a measurement.
Per-operation energies are Horowitz's 45 nm, 0.9 V figures (M. Horowitz, "Computing's energy
problem (and what we can do about it)", ISSCC 2014), as tabulated for 32-bit operands by
Han et al. ("Learning both weights and connections for efficient neural networks",
NeurIPS 2015, Table 1):

====================  =======
operation             pJ
====================  =======
32-bit float add      0.9
32-bit float multiply 3.7
32-bit SRAM read      5
32-bit DRAM read      640
====================  =======

Model for a batch of ``B`` images (joules per forward pass of the whole batch):

* compute: each MAC is one multiply and one add; every other FLOP is charged as one add;
* activations: every written element is written once and read once through on-chip SRAM
  (2 x 5 pJ per element);
* weights: read once per batch from DRAM (640 pJ per parameter), shared by the ``B`` images.

Idle and static power, control, instruction overhead and DRAM traffic of activations that
do not fit on chip are ignored, so real devices draw more: on our H100 the measured
above-idle energy is 14-21x this estimate under CUDA graphs, with the same ranking of cells
(Spearman 0.90 at batch 1, 0.97 at batch 64; see docs/hardware.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench.hardware._cost import BYTES_PER_VALUE, NetworkCost, cost_table, network_cost

__all__ = ["ENERGY_PJ", "ENERGY_SOURCE", "estimate_energy", "estimate_energy_table"]

#: Energy per operation in picojoules (45 nm, 32-bit operands).
ENERGY_PJ: dict[str, float] = {
    "fp32_add": 0.9,
    "fp32_mult": 3.7,
    "sram_read_32b": 5.0,
    "dram_read_32b": 640.0,
}
ENERGY_SOURCE = (
    "Horowitz, ISSCC 2014 (45 nm, 0.9 V), 32-bit figures as tabulated in Han et al., "
    "NeurIPS 2015"
)


def _estimate(macs: Any, flops: Any, params: Any, activation_bytes: Any, batch_size: int) -> Any:
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    e = ENERGY_PJ
    per_image = (
        macs * (e["fp32_mult"] + e["fp32_add"])
        + (flops - 2 * macs) * e["fp32_add"]
        + 2 * (activation_bytes / BYTES_PER_VALUE) * e["sram_read_32b"]
    )
    return (batch_size * per_image + params * e["dram_read_32b"]) * 1e-12


def estimate_energy(
    arch: Sequence[int] | str, dataset: str = "cifar10", batch_size: int = 1
) -> float:
    """Estimated energy in joules of one forward pass of a batch of ``batch_size`` images."""
    c: NetworkCost = network_cost(arch, dataset)
    return float(_estimate(c.macs, c.flops, c.params, c.activation_bytes, batch_size))


def estimate_energy_table(archs: Any, dataset: str = "cifar10", batch_size: int = 1) -> np.ndarray:
    """Vectorised :func:`estimate_energy`: float64 joules per forward pass, shape ``(n,)``."""
    c = cost_table(archs, dataset)
    return np.asarray(
        _estimate(
            c["macs"].astype(np.float64),
            c["flops"].astype(np.float64),
            c["params"].astype(np.float64),
            c["activation_bytes"].astype(np.float64),
            batch_size,
        ),
        dtype=np.float64,
    )
