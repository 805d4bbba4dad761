"""The NAS-Bench-201 network in torch, for any cell.

Layout (Dong & Yang, ICLR 2020): a 3x3 conv stem with 16 channels and batch norm; three
stages of 5 cells at 16, 32 and 64 channels; between stages a stride-2 residual block
(two ReLU-conv-BN 3x3 layers; shortcut = 2x2 average pool then 1x1 conv); then batch norm,
ReLU, global average pooling and a linear classifier. Every cell edge maps C to C channels
at constant resolution, and a node sums its incoming edges.

Imports torch and the standard library only (``scripts/gpu_profile.py`` loads this file on
a machine that has nothing else).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nasbench.hardware._nb201 import CELLS_PER_STAGE, EDGES, OP_NAMES, STAGE_CHANNELS, as_cell

__all__ = ["build_network", "NB201Network", "NodeSum", "Zero"]


class Zero(nn.Module):
    """The ``none`` op: an all-zero tensor of the input's shape (computed as ``x * 0``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


class NodeSum(nn.Module):
    """Sum of a node's incoming tensors; a module so that forward hooks can count it."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


def _relu_conv_bn(c_in: int, c_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.ReLU(inplace=False),
        nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
    )


def _edge_op(op: int, channels: int) -> nn.Module:
    name = OP_NAMES[op]
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return _relu_conv_bn(channels, channels, 1, 1)
    if name == "nor_conv_3x3":
        return _relu_conv_bn(channels, channels, 3, 1)
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


class Cell(nn.Module):
    """One NB201 cell: 4 nodes, node 0 is the input, node 3 the output."""

    def __init__(self, cell: tuple[int, ...], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(_edge_op(op, channels) for op in cell)
        self.sums = nn.ModuleList(NodeSum() for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for node in (1, 2, 3):
            terms = [self.edges[e](nodes[src]) for e, (dst, src) in enumerate(EDGES) if dst == node]
            nodes.append(self.sums[node - 1](*terms))
        return nodes[3]


class Reduction(nn.Module):
    """Stride-2 residual block between stages (halves resolution, changes channels)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = _relu_conv_bn(c_in, c_out, 3, 2)
        self.conv_b = _relu_conv_bn(c_out, c_out, 3, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False)
        )
        self.add = NodeSum()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.add(self.shortcut(x), self.conv_b(self.conv_a(x)))


class NB201Network(nn.Module):
    """The full NB201 network; ``forward`` maps ``(N, 3, H, W)`` images to ``(N, classes)``."""

    def __init__(self, cell: tuple[int, ...], num_classes: int) -> None:
        super().__init__()
        first = STAGE_CHANNELS[0]
        self.stem = nn.Sequential(
            nn.Conv2d(3, first, 3, padding=1, bias=False), nn.BatchNorm2d(first)
        )
        layers: list[nn.Module] = []
        previous = first
        for stage, channels in enumerate(STAGE_CHANNELS):
            if stage > 0:
                layers.append(Reduction(previous, channels))
            layers.extend(Cell(cell, channels) for _ in range(CELLS_PER_STAGE))
            previous = channels
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.BatchNorm2d(previous), nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1)
        )
        self.classifier = nn.Linear(previous, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(self.cells(self.stem(x)))
        return self.classifier(features.flatten(1))


def build_network(arch: Sequence[int] | str, num_classes: int = 10) -> NB201Network:
    """Build the NAS-Bench-201 network of ``arch`` (6 op indices or a 6-digit string).

    ``num_classes`` is 10 (CIFAR-10), 100 (CIFAR-100) or 120 (ImageNet16-120). Inputs are
    ``(N, 3, 32, 32)`` for CIFAR and ``(N, 3, 16, 16)`` for ImageNet16-120. The module is
    returned in training mode with freshly initialised weights; call ``.eval()`` to profile.
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be a positive int; got {num_classes!r}.")
    return NB201Network(as_cell(arch), num_classes)
