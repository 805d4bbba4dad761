"""Analytic cost of a NAS-Bench-201 network: parameters, MACs, FLOPs, memory.

The network is described as a list of :class:`Layer` records, each one module of the torch
network in :mod:`nasbench.hardware._network` (same order, same shapes), so the counts can be
checked against forward hooks on the built module. All counts are for one image (batch 1);
multiply MACs, FLOPs and activation bytes by the batch size.

Counting conventions (fp32, inference):

* conv / linear: ``macs`` = multiply-accumulates; FLOPs = 2 per MAC (+1 per output for a bias);
* batch norm (folded to scale and shift at inference): 2 FLOPs per output element;
* ReLU, the ``none`` op (``x * 0``), one addition of a node sum: 1 FLOP per element;
* k x k average pool: k*k FLOPs per output element; global average pool: 1 per input element;
* activation memory: the sum of every tensor a layer writes (4 bytes per element); a layer
  that returns its input unchanged (``skip_connect``, a one-input node) writes nothing;
* parameter memory: 4 bytes per trainable parameter (BN running statistics not included).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import numpy as np

from nasbench.hardware._nb201 import (
    CELLS_PER_STAGE,
    EDGES,
    OP_NAMES,
    STAGE_CHANNELS,
    as_cell,
    dataset_shape,
)

__all__ = ["Layer", "NetworkCost", "network_layers", "network_cost", "cost_table"]

BYTES_PER_VALUE = 4


@dataclass(frozen=True)
class Layer:
    """One module of the network at batch 1: its kind, output shape and counts."""

    kind: str  # conv, bn, relu, avgpool, zero, sum, gap, linear
    out_shape: tuple[int, ...]  # (C, H, W) or (features,)
    params: int = 0
    macs: int = 0
    flops: int = 0
    writes: bool = True  # False when the module returns its input unchanged

    @property
    def out_elems(self) -> int:
        n = 1
        for d in self.out_shape:
            n *= d
        return n


@dataclass(frozen=True)
class NetworkCost:
    """Cost of one forward pass of one image (batch 1).

    Attributes:
        params: trainable parameters (count).
        macs: multiply-accumulates of convolutions and the classifier.
        flops: floating-point operations (see module docstring), including ``2 * macs``.
        param_bytes: fp32 parameter memory in bytes.
        activation_bytes: fp32 bytes of every tensor written in the pass.
    """

    params: int
    macs: int
    flops: int
    param_bytes: int
    activation_bytes: int


def _conv(c_in: int, c_out: int, k: int, h_out: int) -> Layer:
    macs = c_in * c_out * k * k * h_out * h_out
    return Layer("conv", (c_out, h_out, h_out), params=c_in * c_out * k * k, macs=macs,
                 flops=2 * macs)


def _bn(c: int, h: int) -> Layer:
    return Layer("bn", (c, h, h), params=2 * c, flops=2 * c * h * h)


def _relu(c: int, h: int) -> Layer:
    return Layer("relu", (c, h, h), flops=c * h * h)


def _relu_conv_bn(c_in: int, c_out: int, k: int, h_out: int, h_in: int) -> list[Layer]:
    return [_relu(c_in, h_in), _conv(c_in, c_out, k, h_out), _bn(c_out, h_out)]


def _sum(n_inputs: int, c: int, h: int) -> Layer:
    if n_inputs == 1:
        return Layer("sum", (c, h, h), writes=False)
    return Layer("sum", (c, h, h), flops=(n_inputs - 1) * c * h * h)


def _edge(op: int, c: int, h: int) -> list[Layer]:
    name = OP_NAMES[op]
    if name == "none":
        return [Layer("zero", (c, h, h), flops=c * h * h)]
    if name == "skip_connect":
        return [Layer("identity", (c, h, h), writes=False)]
    if name == "avg_pool_3x3":
        return [Layer("avgpool", (c, h, h), flops=9 * c * h * h)]
    k = 1 if name == "nor_conv_1x1" else 3
    return _relu_conv_bn(c, c, k, h, h)


def _cell(cell: tuple[int, ...], c: int, h: int) -> list[Layer]:
    layers: list[Layer] = []
    for node in (1, 2, 3):
        incoming = [e for e, (dst, _) in enumerate(EDGES) if dst == node]
        for e in incoming:
            layers.extend(_edge(cell[e], c, h))
        layers.append(_sum(len(incoming), c, h))
    return layers


def _reduction(c_in: int, c_out: int, h_in: int) -> list[Layer]:
    h = h_in // 2
    return [
        *_relu_conv_bn(c_in, c_out, 3, h, h_in),
        *_relu_conv_bn(c_out, c_out, 3, h, h),
        Layer("avgpool", (c_in, h, h), flops=4 * c_in * h * h),
        _conv(c_in, c_out, 1, h),
        _sum(2, c_out, h),
    ]


def network_layers(arch: Sequence[int] | str, dataset: str = "cifar10") -> Iterator[Layer]:
    """Yield the network's layers in forward order (batch 1), as the torch module runs them."""
    cell = as_cell(arch)
    num_classes, h = dataset_shape(dataset)
    c = STAGE_CHANNELS[0]
    yield _conv(3, c, 3, h)
    yield _bn(c, h)
    for stage, channels in enumerate(STAGE_CHANNELS):
        if stage > 0:
            yield from _reduction(c, channels, h)
            c, h = channels, h // 2
        for _ in range(CELLS_PER_STAGE):
            yield from _cell(cell, c, h)
    yield _bn(c, h)
    yield _relu(c, h)
    yield Layer("gap", (c, 1, 1), flops=c * h * h)
    yield Layer("linear", (num_classes,), params=c * num_classes + num_classes,
                macs=c * num_classes, flops=2 * c * num_classes + num_classes)


def _total(layers: Iterable[Layer]) -> NetworkCost:
    params = macs = flops = act = 0
    for layer in layers:
        params += layer.params
        macs += layer.macs
        flops += layer.flops
        act += layer.out_elems if layer.writes else 0
    return NetworkCost(params, macs, flops, BYTES_PER_VALUE * params, BYTES_PER_VALUE * act)


def network_cost(arch: Sequence[int] | str, dataset: str = "cifar10") -> NetworkCost:
    """Return the :class:`NetworkCost` of one image through the network of ``arch``."""
    return _total(network_layers(arch, dataset))


@lru_cache(maxsize=8)
def _linear_model(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Fixed cost (shape (5,)) and per-edge cost of each op (shape (5 ops, 5 fields)).

    Every edge maps C to C channels at its stage's resolution whatever the topology, so the
    cost is the fixed part plus one term per edge and its op.
    """
    names = [f.name for f in fields(NetworkCost)]
    skip = OP_NAMES.index("skip_connect")
    base_cost = network_cost((skip,) * len(EDGES), dataset)
    base = np.array([getattr(base_cost, n) for n in names], dtype=np.int64)
    per_op = np.zeros((len(OP_NAMES), len(names)), dtype=np.int64)
    for op in range(len(OP_NAMES)):
        cost = network_cost((op,) + (skip,) * (len(EDGES) - 1), dataset)
        per_op[op] = np.array([getattr(cost, n) for n in names]) - base
    return base, per_op


def cost_table(archs: Any, dataset: str = "cifar10") -> dict[str, np.ndarray]:
    """Vectorised :func:`network_cost` for many cells.

    Args:
        archs: an int array of shape ``(n, 6)`` of op indices, or an iterable of cells.
        dataset: ``cifar10``, ``cifar100`` or ``ImageNet16-120``.

    Returns:
        ``{"params", "macs", "flops", "param_bytes", "activation_bytes"}`` -> int64 arrays
        of shape ``(n,)`` (batch 1).
    """
    rows = np.asarray(archs if isinstance(archs, np.ndarray) else [as_cell(a) for a in archs])
    rows = rows.reshape(-1, len(EDGES)).astype(np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= len(OP_NAMES)):
        as_cell(rows[np.flatnonzero((rows < 0) | (rows >= len(OP_NAMES)))[0] // len(EDGES)])
    base, per_op = _linear_model(dataset)
    counts = np.stack([(rows == op).sum(axis=1) for op in range(len(OP_NAMES))], axis=1)
    totals = base + counts @ per_op
    names = [f.name for f in fields(NetworkCost)]
    return {name: totals[:, i] for i, name in enumerate(names)}
