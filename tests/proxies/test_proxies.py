"""The zero-cost proxies: definitions' invariants, inputs, determinism, refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nasbench.proxies import (  # noqa: E402
    PROXIES,
    ProxyError,
    compute_proxies,
    load_batch,
    nb201_module,
    synthetic_batch,
)

CELL = "123412"


def test_importing_nasbench_and_proxies_does_not_import_torch() -> None:
    code = ("import sys, nasbench, nasbench.proxies, nasbench.recipes, nasbench.predictors, "
            "nasbench.harness; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_every_proxy_is_finite_and_deterministic() -> None:
    state = torch.get_rng_state()
    batch = synthetic_batch("cifar10", batch_size=16, seed=3)
    a = compute_proxies(CELL, "all", batch, seed=3, allow_synthetic_labels=True)
    b = compute_proxies(CELL, "all", batch, seed=3, allow_synthetic_labels=True)
    assert list(a) == list(PROXIES)
    assert a == b  # identical on CPU
    assert all(np.isfinite(v) for v in a.values())
    assert torch.equal(state, torch.get_rng_state())  # global RNG untouched
    c = compute_proxies(CELL, ["synflow", "naswot"], synthetic_batch("cifar10", 16, seed=4),
                        seed=4)
    assert c["naswot"] != a["naswot"]


def test_params_and_flops_match_the_published_and_analytic_counts() -> None:
    from nasbench.hardware import network_cost

    for cell in ("333333", "123412", "100000"):
        got = compute_proxies(cell, ["params", "flops"], synthetic_batch("cifar10", 2))
        cost = network_cost(cell)
        assert got["params"] == cost.params
        assert got["flops"] == 2 * cost.macs + 10  # the classifier's bias adds 10 outputs


def test_label_proxies_refuse_a_synthetic_batch_and_say_why() -> None:
    batch = synthetic_batch("cifar10", 8)
    with pytest.raises(ProxyError, match="synthetic"):
        compute_proxies(CELL, ["snip"], batch)
    got = compute_proxies(CELL, ["snip", "grad_norm"], batch, allow_synthetic_labels=True)
    assert got["snip"] > 0 and got["grad_norm"] > 0


def test_degenerate_networks_raise_instead_of_scoring() -> None:
    # the all-"none" cell outputs zeros: every image gets the same ReLU pattern
    with pytest.raises(ProxyError, match="singular"):
        compute_proxies("000000", ["naswot"], synthetic_batch("cifar10", 8))


def test_any_torch_module_and_it_is_not_modified() -> None:
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                              torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(8, 10))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    got = compute_proxies(net, "all", synthetic_batch("cifar10", 8), allow_synthetic_labels=True)
    assert all(np.isfinite(v) for v in got.values())
    assert got["params"] == sum(p.numel() for p in net.parameters())
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_nb201_module_is_seeded() -> None:
    a, b = nb201_module(CELL, seed=1), nb201_module(CELL, seed=1)
    for (ka, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(va, vb), ka
    c = nb201_module(CELL, seed=2)
    assert not torch.equal(next(c.parameters()), next(a.parameters()))


def test_real_batches_from_npz_and_image_folder(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(12, 32, 32, 3), dtype=np.uint8)
    y = np.arange(12) % 10
    np.savez(tmp_path / "tiny.npz", x=x, y=y)
    batch = load_batch(tmp_path / "tiny.npz", "cifar10", batch_size=8, seed=0)
    assert tuple(batch.x.shape) == (8, 3, 32, 32) and not batch.synthetic
    got = compute_proxies(CELL, ["snip", "naswot"], batch)  # real labels: no opt-in needed
    assert np.isfinite(got["snip"])
    assert load_batch(tmp_path / "tiny.npz", batch_size=8, seed=0).x.equal(batch.x)

    from PIL import Image

    for label in ("cat", "dog"):
        (tmp_path / "folder" / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(x[i]).save(tmp_path / "folder" / label / f"{i}.png")
    batch = load_batch(tmp_path / "folder", "cifar10", batch_size=6)
    assert sorted(batch.y.tolist()) == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ProxyError, match="16x16"):
        load_batch(tmp_path / "tiny.npz", "imagenet16-120", batch_size=4)


def test_imagenet16_variant_and_unknown_proxy() -> None:
    got = compute_proxies(CELL, ["synflow", "jacob_cov"],
                          synthetic_batch("imagenet16-120", 8), dataset="imagenet16-120")
    assert all(np.isfinite(v) for v in got.values())
    with pytest.raises(ProxyError, match="Did you mean"):
        compute_proxies(CELL, ["synflw"])


def test_compute_table_checkpoints_and_resumes(tmp_path: Path) -> None:
    from nasbench.proxies import compute_table

    out = tmp_path / "job"
    first = compute_table(out, ["synflow"], sample=3, chunk_size=20, time_limit=0.0,
                          log=lambda _m: None)
    assert first.empty  # the limit stops before the first chunk
    done = compute_table(out, ["synflow"], sample=3, chunk_size=20, log=lambda _m: None)
    assert (out / "manifest.json").exists() and done["value"].notna().all()
    again = compute_table(out, ["synflow"], sample=3, chunk_size=20, log=lambda _m: None)
    assert again.equals(done)  # nothing recomputed
    with pytest.raises(Exception, match="other settings"):
        compute_table(out, ["synflow"], sample=3, seed=1, chunk_size=20, log=lambda _m: None)


def test_naswot_equals_the_kernel_of_all_relu_codes_at_once() -> None:
    """The per-layer accumulated kernel is the paper's K_H = c c^T + (1-c)(1-c)^T over the
    codes of every ReLU unit of the network, computed here directly from hooked codes."""
    batch = synthetic_batch("cifar10", batch_size=12, seed=5)
    net = nb201_module(CELL, "cifar10", seed=5)
    codes: list = []
    hooks = [m.register_forward_hook(lambda _m, _i, o: codes.append((o > 0).flatten(1)))
             for m in net.modules() if isinstance(m, torch.nn.ReLU)]
    with torch.no_grad():
        net.train()(batch.x)
    for h in hooks:
        h.remove()
    c = torch.cat(codes, dim=1).to(torch.float64)
    k = c @ c.T + (1 - c) @ (1 - c).T
    expected = float(torch.linalg.slogdet(k)[1])
    got = compute_proxies(CELL, ["naswot"], batch, seed=5)["naswot"]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got > 0


def test_compute_table_in_parallel_workers_gives_the_same_rows(tmp_path: Path) -> None:
    from nasbench.proxies import compute_table

    # sample=4 still takes one class per (#3x3, #1x1) stratum: 28 classes, 3 chunks
    one = compute_table(tmp_path / "one", ["synflow", "params"], sample=4, chunk_size=10,
                        log=lambda _m: None)
    two = compute_table(tmp_path / "two", ["synflow", "params"], sample=4, chunk_size=10,
                        workers=2, log=lambda _m: None)
    cols = ["cell", "proxy", "value"]
    assert len(one) == 2 * 28 and one[cols].equals(two[cols])
    import json
    fp = json.loads((tmp_path / "two" / "manifest.json").read_text())["fingerprint"]
    assert fp["parallel_jobs"] == 2
    with pytest.raises(ProxyError, match="workers"):
        compute_table(tmp_path / "three", ["synflow"], sample=2, workers=0, log=lambda _m: None)
