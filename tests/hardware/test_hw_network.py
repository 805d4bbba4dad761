"""The torch NB201 network against the analytic cost model (forward hooks on the real module)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nasbench.hardware import cost_table, network_cost, network_layers

torch = pytest.importorskip("torch")

from nasbench.hardware import build_network  # noqa: E402
from nasbench.hardware._network import NodeSum, Zero  # noqa: E402

DATASETS = {"cifar10": (10, 32), "cifar100": (100, 32), "ImageNet16-120": (120, 16)}
CELLS = ["000000", "111111", "222222", "333333", "444444", "421211", "302214", "130324"]


def hook_counts(model: Any, size: int) -> dict[str, int]:
    """Count params, MACs, FLOPs and written activations from a real forward pass.

    Conventions as documented in ``nasbench.hardware._cost``; shapes come from the tensors.
    """
    nn = torch.nn
    totals = {"params": 0, "macs": 0, "flops": 0, "activation_elems": 0, "layers": 0}

    def hook(module: Any, inputs: tuple[Any, ...], out: Any) -> None:
        n_out = out.numel()
        n_in = inputs[0].numel()
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs = n_out * module.in_channels * k // module.groups
            totals["macs"] += macs
            totals["flops"] += 2 * macs
        elif isinstance(module, nn.Linear):
            macs = module.in_features * module.out_features
            totals["macs"] += macs
            totals["flops"] += 2 * macs + module.out_features
        elif isinstance(module, nn.BatchNorm2d):
            totals["flops"] += 2 * n_out
        elif isinstance(module, (nn.ReLU, Zero)):
            totals["flops"] += n_out
        elif isinstance(module, nn.AvgPool2d):
            totals["flops"] += module.kernel_size**2 * n_out if isinstance(
                module.kernel_size, int) else 0
        elif isinstance(module, nn.AdaptiveAvgPool2d):
            totals["flops"] += n_in
        elif isinstance(module, NodeSum):
            totals["flops"] += (len(inputs) - 1) * n_out
        totals["params"] += sum(p.numel() for p in module.parameters(recurse=False))
        if not any(out is x for x in inputs):
            totals["activation_elems"] += n_out
        totals["layers"] += 1

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if not list(m.children())]
    with torch.inference_mode():
        out = model(torch.randn(1, 3, size, size))
    for h in handles:
        h.remove()
    totals["out_features"] = out.shape[1]
    return totals


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("cell", CELLS)
def test_hooks_match_analytic_cost(cell: str, dataset: str) -> None:
    num_classes, size = DATASETS[dataset]
    model = build_network(cell, num_classes).eval()
    counted = hook_counts(model, size)
    cost = network_cost(cell, dataset)
    assert counted["out_features"] == num_classes
    assert counted["params"] == cost.params == sum(p.numel() for p in model.parameters())
    assert counted["macs"] == cost.macs
    assert counted["flops"] == cost.flops
    assert 4 * counted["activation_elems"] == cost.activation_bytes
    assert counted["layers"] == len(list(network_layers(cell, dataset)))


def test_torch_param_count_matches_analytic_on_a_sample() -> None:
    rng = np.random.default_rng(1)
    cells = rng.integers(0, 5, size=(25, 6))
    for dataset, (num_classes, _) in DATASETS.items():
        analytic = cost_table(cells, dataset)["params"]
        for cell, expected in zip(cells, analytic):
            model = build_network(tuple(int(o) for o in cell), num_classes)
            assert sum(p.numel() for p in model.parameters()) == expected


def test_network_shapes_and_zero_edges() -> None:
    model = build_network("333333", 10).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.inference_mode():
        stem = model.stem(x)
        features = model.cells(stem)
    assert stem.shape == (2, 16, 32, 32)
    assert features.shape == (2, 64, 8, 8)
    # A cell whose only path to the output is 'none' contributes nothing: the network's
    # output then depends on the input only through the residual reduction blocks.
    dead = build_network("000000", 10).eval()
    with torch.inference_mode():
        cell_out = dead.cells[0](torch.randn(1, 16, 32, 32))
    assert torch.count_nonzero(cell_out) == 0


def test_build_network_rejects_bad_input() -> None:
    from nasbench.errors import InvalidArchitectureError

    with pytest.raises(InvalidArchitectureError):
        build_network("33333x", 10)
    with pytest.raises(ValueError, match="num_classes"):
        build_network("333333", 0)
