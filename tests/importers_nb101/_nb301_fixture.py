"""NAS-Bench-301 training-data fixtures in the published layout: ``<root>/<optimizer>/
results_<n>.json`` (also ``_ti.json``), each one run with ``optimized_hyperparamater_config``
(the genotype as ``NetworkSelectorDatasetInfo:darts:`` keys, written by ``to_config``),
``info[0]`` (accuracies in percent, ``model_parameters``), ``test_accuracy``, ``runtime``,
``budget`` and ``learning_curves``.

:func:`write_signal` writes archs whose values are a known function of the genotype (plus
seeded run noise), so a surrogate has something to learn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

#: Accuracy effect of each op (percent per edge), the fixture's ground truth.
OP_EFFECT = {"max_pool_3x3": -0.6, "avg_pool_3x3": -0.5, "skip_connect": -0.3,
             "sep_conv_3x3": 0.5, "sep_conv_5x5": 0.6, "dil_conv_3x3": 0.3,
             "dil_conv_5x5": 0.4}
_CONV_PARAMS = {"sep_conv_3x3": 0.06, "sep_conv_5x5": 0.09, "dil_conv_3x3": 0.03,
                "dil_conv_5x5": 0.05}  # millions per edge


def result(arch_cfg: dict[str, Any], val: float, seed: int, *, runtime: float | None = None,
           params: int | None = None) -> dict[str, Any]:
    """One result file's content; ``runtime`` / ``params`` default to random draws."""
    rng = np.random.default_rng(seed)
    cfg = dict(arch_cfg)
    cfg.update({"OptimizerSelector:sgd:learning_rate": 0.025,
                "NetworkSelectorDatasetInfo:darts:layers": 8,
                "NetworkSelectorDatasetInfo:network": "darts"})
    lc = np.sort(rng.uniform(40, val, size=98)).tolist()
    n_params = int(rng.integers(1e6, 2e6)) if params is None else int(params)
    run_time = float(rng.uniform(1e4, 3e4)) if runtime is None else float(runtime)
    return {"optimized_hyperparamater_config": cfg, "budget": 98,
            "info": [{"train_accuracy": val - 5, "val_accuracy": val, "epochs": 98,
                      "model_parameters": n_params}],
            "test_accuracy": val - 0.3, "runtime": run_time,
            "learning_curves": {"Train/val_accuracy": lc,
                                "Train/train_accuracy": [v - 5 for v in lc],
                                "Train/lr": [0.025] * 98}}


def truth(arch: Any) -> tuple[float, float, float]:
    """Noise-free ``(val_acc percent, runtime seconds, params millions)`` of a canonical arch:
    op effects (normal cell weighted 1, reduction 0.5), +0.3 per normal-cell edge that reads
    an intermediate node; runtime and parameters grow with the convolutions."""
    val = 88.0 + sum(OP_EFFECT[op] for op, _ in arch.normal) \
        + 0.5 * sum(OP_EFFECT[op] for op, _ in arch.reduce) \
        + 0.3 * sum(1 for _, i in arch.normal if i >= 2)
    convs = sum(op in _CONV_PARAMS for op, _ in (*arch.normal, *arch.reduce))
    params = 0.8 + sum(_CONV_PARAMS.get(op, 0.0) for op, _ in arch.normal) \
        + 2.0 * sum(_CONV_PARAMS.get(op, 0.0) for op, _ in arch.reduce)
    return val, 9000.0 + 600.0 * convs, params


def write_signal(root: Path, n: int = 300, seed: int = 0, repeats: int = 20
                 ) -> dict[int, list[dict[str, Any]]]:
    """Write ``n`` distinct uniformly sampled genotypes (one run each, values from
    :func:`truth` plus run noise: 0.1 % accuracy, 1 % runtime), and a second run of the
    first ``repeats`` of them by another optimizer. Returns key -> the runs written."""
    from nasbench.spaces import get_space
    from nasbench.spaces._darts import to_config

    sp = get_space("darts")
    rng = np.random.default_rng(seed)
    archs = sp.sample(n, seed=seed)
    assert len({sp.key(a) for a in archs}) == n
    runs: dict[int, list[dict[str, Any]]] = {}
    jobs = [(i, a, ("rs", "re", "bananas")[i % 3]) for i, a in enumerate(archs)]
    jobs += [(n + i, a, "de") for i, a in enumerate(archs[:repeats])]
    for i, a, sub in jobs:
        val, runtime, params = truth(a)
        d = result(to_config(a), val + float(rng.normal(0, 0.1)), seed * 100_000 + i,
                   runtime=runtime * float(rng.normal(1.0, 0.01)),
                   params=int(round(params * 1e6)))
        (root / sub).mkdir(parents=True, exist_ok=True)
        (root / sub / f"results_{i}.json").write_text(json.dumps(d))
        runs.setdefault(sp.key(a), []).append(d)
    return runs
