"""The zero-cost proxies, from their papers' definitions (see :mod:`nasbench.proxies._meta`).

Every proxy works on a copy of the module (the caller's module is never changed) and is a
deterministic function of the module's weights, the batch and ``seed``: randomness comes from
``torch.Generator`` objects seeded from ``seed``, never from the global RNG. Proxies that
share a pass share it: ``naswot`` and ``jacob_cov`` one forward (and one backward to the
input), ``snip`` and ``grad_norm`` one backward of the loss. A NaN or infinite score is an
error (:class:`~nasbench.proxies.ProxyError`), never a score.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from typing import Any

from nasbench.proxies._inputs import NUM_CLASSES, ProxyBatch, synthetic_batch
from nasbench.proxies._meta import INFO, NEEDS_LABELS, ProxyError, check_proxies

__all__ = ["compute_proxies", "init_weights", "nb201_module", "EPSINAS_CONSTANTS", "ZEN_ALPHA",
           "JACOB_K"]

#: The two shared weight values of ``epsinas`` (our choice; see docs/proxies.md).
EPSINAS_CONSTANTS = (1e-7, 1.0)
#: Perturbation size of ``zen`` (the paper's value).
ZEN_ALPHA = 0.01
#: Eigenvalue offset of ``jacob_cov`` (the value of Abdelfattah et al.).
JACOB_K = 1e-5
#: Groups of proxies computed from one shared pass.
GROUPS: tuple[tuple[str, ...], ...] = (("synflow",), ("naswot", "jacob_cov"),
                                       ("snip", "grad_norm"), ("grasp",), ("fisher",),
                                       ("epsinas",), ("zen",), ("params",), ("flops",))


def _torch() -> Any:
    from nasbench._optional import import_optional

    return import_optional("torch", "torch", "nasbench.proxies")


def _weighted(model: Any) -> Iterator[Any]:
    """The conv and linear layers (the layers whose weights the proxies score)."""
    nn = _torch().nn
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            yield m


def init_weights(model: Any, seed: int) -> Any:
    """Re-initialise ``model`` in place from ``seed`` with its own generator.

    Conv and linear weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (the distribution
    of torch's default initialisation); batch-norm scale 1, shift 0, fresh running statistics.
    """
    torch = _torch()
    nn = torch.nn
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
                fan_in = m.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 2 * bound - bound)
                if m.bias is not None:
                    m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 2 * bound - bound)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.reset_parameters()
    return model


def nb201_module(arch: Sequence[int] | str, dataset: str = "cifar10", seed: int = 0) -> Any:
    """The NAS-Bench-201 network of ``arch`` for ``dataset``, initialised from ``seed``."""
    torch = _torch()
    from nasbench.hardware._network import build_network

    with torch.random.fork_rng(devices=[]):  # torch's own init draws; our init overwrites it
        net = build_network(arch, NUM_CLASSES[dataset.lower()])
    return init_weights(net, seed)


def _finite(name: str, value: float, why: str = "") -> float:
    if not math.isfinite(value):
        raise ProxyError(f"Proxy {name!r} is {value} for this network{why}; a non-finite "
                         "value is not a score.")
    return float(value)


def _copy(model: Any, dtype: Any = None) -> Any:
    m = copy.deepcopy(model)
    if dtype is not None:
        m = m.to(dtype)
    for p in m.parameters():
        p.grad = None
    return m


def _bn_identity(model: Any) -> None:
    """Eval mode with fresh running statistics: every batch norm is an affine identity
    (divides by sqrt(1 + eps)), so no batch statistic enters the score."""
    nn = _torch().nn
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_parameters()


def _synflow(model: Any, shape: tuple[int, ...]) -> dict[str, float]:
    torch = _torch()
    net = _copy(model, torch.float64)
    _bn_identity(net)
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    out = net(torch.ones((1, *shape), dtype=torch.float64))
    out.sum().backward()
    total = sum(float((m.weight.detach() * m.weight.grad).abs().sum())
                for m in _weighted(net) if m.weight.grad is not None)
    return {"synflow": _finite("synflow", total, " (overflow of float64)")}


def _forward_codes(model: Any, batch: ProxyBatch, want: tuple[str, ...]) -> dict[str, float]:
    """NASWOT and jacob_cov from one forward pass (and one backward to the input)."""
    torch = _torch()
    nn = torch.nn
    net = _copy(model)
    net.train()
    # K = sum over ReLU units of [c_i == c_j] is accumulated hook by hook (c c^T plus
    # (1-c)(1-c)^T = n - r_i - r_j + c c^T), never holding the codes of the whole net: the
    # float32 products of 0/1 codes are exact integers (each layer has < 2**24 units).
    kernel: list[Any] = []

    def code(_m: Any, _i: Any, o: Any) -> None:
        c = (o.detach() > 0).flatten(1).to(torch.float32)
        same = c @ c.T
        r = torch.diagonal(same)
        part = (2.0 * same - r[:, None] - r[None, :] + c.shape[1]).to(torch.float64)
        kernel.append(part if not kernel else kernel.pop() + part)

    hooks = [m.register_forward_hook(code) for m in net.modules() if isinstance(m, nn.ReLU)]
    x = batch.x.clone().requires_grad_("jacob_cov" in want)
    try:
        with torch.set_grad_enabled("jacob_cov" in want):
            out = net(x)
    finally:
        for h in hooks:
            h.remove()
    result: dict[str, float] = {}
    if "naswot" in want:
        if not kernel:
            raise ProxyError("naswot needs nn.ReLU modules in the network; found none.")
        k = kernel[0]
        sign, logdet = torch.linalg.slogdet(k)
        if float(sign) <= 0:
            raise ProxyError("naswot: the kernel of ReLU codes is singular (two images have "
                             "the same activation pattern), so log|det K| is -inf.")
        result["naswot"] = _finite("naswot", float(logdet))
    if "jacob_cov" in want:
        out.backward(torch.ones_like(out))
        jac = x.grad.detach().flatten(1).to(torch.float64)
        centred = jac - jac.mean(dim=1, keepdim=True)
        norm = centred.norm(dim=1)
        if bool((norm == 0).any()):
            raise ProxyError("jacob_cov: an image's input Jacobian is constant, so the "
                             "correlation matrix is undefined.")
        corr = (centred / norm[:, None]) @ (centred / norm[:, None]).T
        lam = torch.linalg.eigvalsh(corr)
        score = -float(torch.sum(torch.log(lam + JACOB_K) + 1.0 / (lam + JACOB_K)))
        result["jacob_cov"] = _finite("jacob_cov", score,
                                      " (an eigenvalue of the correlation matrix below -k)")
    return result


def _loss(net: Any, batch: ProxyBatch) -> Any:
    torch = _torch()
    return torch.nn.functional.cross_entropy(net(batch.x), batch.y)


def _snip_gradnorm(model: Any, batch: ProxyBatch, want: tuple[str, ...]) -> dict[str, float]:
    net = _copy(model)
    net.train()
    _loss(net, batch).backward()
    layers = [m for m in _weighted(net) if m.weight.grad is not None]
    out: dict[str, float] = {}
    if "snip" in want:
        out["snip"] = _finite("snip", sum(float((m.weight.detach() * m.weight.grad).abs().sum())
                                          for m in layers))
    if "grad_norm" in want:
        out["grad_norm"] = _finite("grad_norm", sum(float(m.weight.grad.norm())
                                                    for m in layers))
    return out


def _grasp(model: Any, batch: ProxyBatch) -> dict[str, float]:
    torch = _torch()
    net = _copy(model)
    net.train()
    weights = [m.weight for m in _weighted(net)]
    grads = torch.autograd.grad(_loss(net, batch), weights, create_graph=True,
                                allow_unused=True)
    pairs = [(w, g) for w, g in zip(weights, grads) if g is not None]
    z = sum((g * g.detach()).sum() for _, g in pairs)
    hg = torch.autograd.grad(z, [w for w, _ in pairs], allow_unused=True)
    total = sum(float((-w.detach() * h).sum()) for (w, _), h in zip(pairs, hg) if h is not None)
    return {"grasp": _finite("grasp", total)}


def _fisher(model: Any, batch: ProxyBatch) -> dict[str, float]:
    torch = _torch()
    nn = torch.nn
    net = _copy(model)
    net.train()
    acts: list[Any] = []

    def keep(_m: Any, _i: Any, o: Any) -> None:
        o.retain_grad()
        acts.append(o)

    hooks = [m.register_forward_hook(keep) for m in net.modules() if isinstance(m, nn.Conv2d)]
    try:
        _loss(net, batch).backward()
    finally:
        for h in hooks:
            h.remove()
    total = 0.0
    for a in acts:
        if a.grad is None:
            continue
        per_channel = (a.detach() * a.grad).sum(dim=(2, 3))  # (N, C)
        total += float(0.5 * per_channel.pow(2).mean(dim=0).sum())
    return {"fisher": _finite("fisher", total)}


def _epsinas(model: Any, batch: ProxyBatch) -> dict[str, float]:
    torch = _torch()
    outs = []
    for value in EPSINAS_CONSTANTS:
        net = _copy(model, torch.float64)
        _bn_identity(net)
        with torch.no_grad():
            for m in _weighted(net):
                m.weight.fill_(value)
                if m.bias is not None:
                    m.bias.zero_()
            y = net(batch.x.to(torch.float64)).flatten()
        std = float(y.std())
        if not math.isfinite(std) or std == 0.0 or float(y.abs().max()) < 1e-280:
            raise ProxyError(f"epsinas: the output with shared weight {value} is constant or "
                             "under/overflowed float64, so it cannot be standardised.")
        outs.append((y - y.mean()) / std)
    return {"epsinas": _finite("epsinas", float((outs[0] - outs[1]).abs().mean()))}


def _zen(model: Any, batch: ProxyBatch, seed: int) -> dict[str, float]:
    torch = _torch()
    nn = torch.nn
    net = _copy(model)
    net.train()
    g = torch.Generator().manual_seed(int(seed) + 7919)
    with torch.no_grad():
        for m in _weighted(net):
            m.weight.copy_(torch.randn(m.weight.shape, generator=g))
            if m.bias is not None:
                m.bias.zero_()
    pools = [m for m in net.modules() if isinstance(m, (nn.AdaptiveAvgPool2d,
                                                        nn.AdaptiveAvgPool1d))]
    last = pools[-1] if pools else list(_weighted(net))[-1]
    feats: list[Any] = []
    variances: list[float] = []
    collect = [True]

    def grab(_m: Any, inputs: Any) -> None:
        feats.append(inputs[0])

    def bn_var(_m: Any, inputs: Any) -> None:
        if collect[0]:
            x = inputs[0]
            dims = [d for d in range(x.dim()) if d != 1]
            variances.append(float(x.var(dim=dims, unbiased=False).mean()))

    hooks = [last.register_forward_pre_hook(grab)]
    hooks += [m.register_forward_pre_hook(bn_var) for m in net.modules()
              if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    noise = torch.randn(batch.x.shape, generator=g)
    try:
        with torch.no_grad():
            net(batch.x)
            collect[0] = False
            net(batch.x + ZEN_ALPHA * noise)
    finally:
        for h in hooks:
            h.remove()
    diff = (feats[0] - feats[1]).flatten(1).to(torch.float64).norm(dim=1).mean()
    if float(diff) <= 0 or any(v <= 0 for v in variances):
        raise ProxyError("zen: the perturbation does not change the features (or a BN input "
                         "has zero variance), so its logarithm is -inf.")
    score = math.log(float(diff)) + sum(0.5 * math.log(v) for v in variances)
    return {"zen": _finite("zen", score)}


def _params(model: Any) -> dict[str, float]:
    return {"params": float(sum(p.numel() for p in model.parameters() if p.requires_grad))}


def _flops(model: Any, shape: tuple[int, ...]) -> dict[str, float]:
    torch = _torch()
    nn = torch.nn
    net = _copy(model)
    net.eval()
    total = [0]

    def count(m: Any, _i: Any, o: Any) -> None:
        per_out = m.weight[0].numel()  # (c_in / groups) * kernel, or in_features
        total[0] += 2 * o.numel() * per_out + (o.numel() if m.bias is not None else 0)

    hooks = [m.register_forward_hook(count) for m in _weighted(net)]
    try:
        with torch.no_grad():
            net(torch.zeros((1, *shape)))
    finally:
        for h in hooks:
            h.remove()
    _ = nn
    return {"flops": float(total[0])}


def compute_proxies(
    model: Any,
    proxies: str | Sequence[str] = "all",
    batch: ProxyBatch | None = None,
    *,
    dataset: str = "cifar10",
    seed: int = 0,
    allow_synthetic_labels: bool = False,
    timings: dict[str, float] | None = None,
) -> dict[str, float]:
    """Score ``model`` with each proxy in ``proxies``.

    Args:
        model: an NB201 cell (6 op indices or a 6-digit string: the network is built for
            ``dataset`` and initialised from ``seed``) or any ``torch.nn.Module`` mapping
            ``(N, C, H, W)`` images to ``(N, classes)`` logits (its weights are used as they
            are; the module is never modified).
        proxies: names (see :data:`nasbench.proxies.PROXIES`) or ``"all"``.
        batch: a :class:`~nasbench.proxies.ProxyBatch`; default: the seeded Gaussian batch
            :func:`~nasbench.proxies.synthetic_batch` of ``dataset`` (64 images).
        seed: seeds the network (cells only), the default batch and the ``zen`` draws.
        allow_synthetic_labels: let ``snip``, ``grad_norm``, ``grasp`` and ``fisher`` use
            the random labels of a synthetic batch. Off by default: differentiating a loss
            against labels unrelated to the images measures the network's size and gradient
            scale, not how it fits data.
        timings: if given, filled with the seconds each shared pass took (keyed by the
            first proxy of the pass).

    Returns:
        proxy name -> float score (larger is claimed better for every proxy).
    """
    import time

    names = check_proxies(list(proxies) if not isinstance(proxies, str) else proxies)
    torch = _torch()
    if isinstance(model, (str, list, tuple)):
        model = nb201_module(model, dataset, seed)
    elif not isinstance(model, torch.nn.Module):
        raise ProxyError(f"model must be an NB201 cell or a torch.nn.Module; got {type(model)}.")
    if batch is None:
        batch = synthetic_batch(dataset, seed=seed)
    label_proxies = [n for n in names if n in NEEDS_LABELS]
    if label_proxies and batch.synthetic and not allow_synthetic_labels:
        raise ProxyError(
            f"{', '.join(label_proxies)} differentiate a loss against labels, and this batch "
            "is synthetic (its labels are random, unrelated to the images). Pass a real batch "
            "(nasbench.proxies.load_batch) or allow_synthetic_labels=True to score the random "
            "labels anyway (then they mostly measure the network's size).")
    shape = tuple(int(s) for s in batch.x.shape[1:])
    result: dict[str, float] = {}
    for group in GROUPS:
        want = tuple(n for n in group if n in names)
        if not want:
            continue
        start = time.perf_counter()
        first = want[0]
        if first == "synflow":
            part = _synflow(model, shape)
        elif group[0] == "naswot":
            part = _forward_codes(model, batch, want)
        elif group[0] == "snip":
            part = _snip_gradnorm(model, batch, want)
        elif first == "grasp":
            part = _grasp(model, batch)
        elif first == "fisher":
            part = _fisher(model, batch)
        elif first == "epsinas":
            part = _epsinas(model, batch)
        elif first == "zen":
            part = _zen(model, batch, seed)
        elif first == "params":
            part = _params(model)
        else:
            part = _flops(model, shape)
        if timings is not None:
            timings[first] = time.perf_counter() - start
        result.update(part)
    return {n: result[n] for n in names if n in INFO}
