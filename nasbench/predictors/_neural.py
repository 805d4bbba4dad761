"""Neural predictors in torch: ``gin``, ``gcn`` (graph networks) and ``mlp`` (on an encoding).

Graphs are the pruned op graphs of ``_wl.arch_graph`` (zero ops and dead nodes removed,
isomorphs merged; ``cells="raw"``: ``_wl.raw_graph``, the cell exactly as given), batched as
dense padded tensors. Every model is trained with Adam on the
rank-Gaussian target scores with ``loss="mse"``, ``"ranking"`` (pairwise logistic loss over
all pairs of a batch) or ``"mixed"`` (their sum); ``n_models`` independently seeded copies
form an ensemble whose spread is the predictive std. ``n_threads`` torch threads are used
while fitting and predicting (default 1: these models are too small to gain from more).
``torch`` is imported only here, lazily; random numbers come from a ``torch.Generator``
seeded from the predictor's seed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nasbench._optional import import_optional
from nasbench.predictors import _wl
from nasbench.predictors._base import Predictor, child_seed
from nasbench.predictors._encodings import encode
from nasbench.predictors._targets import make_transform, transform_from_dict
from nasbench.spaces import SearchSpace

LOSSES = ("mse", "ranking", "mixed")


def import_torch() -> Any:
    """``torch``, or an ImportError that says how to install the CPU build."""
    return import_optional("torch", "torch", "Neural predictors")


class _NeuralBase(Predictor):
    """Shared training loop; subclasses build inputs (``_inputs``) and a module."""

    has_std = True

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 hidden: int = 64, layers: int = 3, epochs: int = 100, batch_size: int = 64,
                 learning_rate: float = 3e-3, weight_decay: float = 1e-4, loss: str = "mixed",
                 n_models: int = 3, n_threads: int | None = 1, cells: str = "merged") -> None:
        super().__init__(space=space, seed=seed)
        self.cells = cells
        self.n_threads = n_threads
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.loss = loss
        self.n_models = n_models

    # -- hooks -------------------------------------------------------------------------------
    def _prepare(self, archs: list[Any]) -> None:
        """Learn input vocabularies / scalers from the training archs."""

    def _inputs(self, archs: list[Any]) -> tuple[Any, ...]:
        raise NotImplementedError

    def _module(self, torch: Any) -> Any:
        raise NotImplementedError

    # -- training ----------------------------------------------------------------------------
    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        torch = import_torch()
        with _threads(torch, self.n_threads):
            self._fit_all(torch, archs, y, rng)

    def _fit_all(self, torch: Any, archs: list[Any], y: np.ndarray,
                 rng: np.random.Generator) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"The 'loss' parameter of {type(self).__name__} must be one of "
                             f"{', '.join(LOSSES)}. Got {self.loss!r} instead.")
        self.transform_ = make_transform("rank").fit(y)
        z = torch.as_tensor(self.transform_.transform_train(), dtype=torch.float32)
        self._prepare(archs)
        inputs = self._inputs(archs)
        self.models_ = []
        for _ in range(int(self.n_models)):
            gen = torch.Generator().manual_seed(child_seed(rng))
            model = self._module(torch)
            _init(torch, model, gen)
            self._train(torch, model, inputs, z, gen)
            model.eval()
            self.models_.append(model)

    def _train(self, torch: Any, model: Any, inputs: tuple[Any, ...], z: Any, gen: Any) -> None:
        opt = torch.optim.Adam(model.parameters(), lr=self.learning_rate,
                               weight_decay=self.weight_decay)
        n = len(z)
        bs = max(2, min(int(self.batch_size), n))
        steps = max(1, math.ceil(n / bs)) * int(self.epochs)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
        model.train()
        for _ in range(int(self.epochs)):
            perm = torch.randperm(n, generator=gen)
            for lo in range(0, n, bs):
                idx = perm[lo:lo + bs]
                if len(idx) < 2:
                    continue
                pred = model(*(t[idx] for t in inputs))
                loss = _loss(torch, pred, z[idx], self.loss)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        torch = import_torch()
        inputs = self._inputs(archs)
        outs = []
        with torch.no_grad(), _threads(torch, self.n_threads):
            for model in self.models_:
                parts = [model(*(t[lo:lo + 4096] for t in inputs))
                         for lo in range(0, len(inputs[0]), 4096)]
                outs.append(torch.cat(parts).double().numpy())
        stack = np.stack(outs)
        z = stack.mean(axis=0)
        if not return_std:
            return self.transform_.inverse(z), None
        return self.transform_.inverse(z), self.transform_.inverse_std(z, stack.std(axis=0))

    def save_model(self, path: str | Path) -> None:
        """Write every ensemble member's ``state_dict`` (tensors only) with ``torch.save``.

        Load with ``torch.load(path, weights_only=True)``: keys are ``"<member>.<param>"``.
        """
        torch = import_torch()
        self.check_fitted()
        torch.save(self._state_dict(), str(path))

    def _state_dict(self) -> dict[str, Any]:
        return {f"{i}.{k}": v.detach().clone() for i, m in enumerate(self.models_)
                for k, v in m.state_dict().items()}

    def _input_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON scalars and arrays that :meth:`_inputs` / :meth:`_module` need."""
        raise NotImplementedError

    def _set_input_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        import io

        torch = import_torch()
        buf = io.BytesIO()
        torch.save(self._state_dict(), buf)
        state, arrays = self._input_state()
        state.update(transform=self.transform_.to_dict(), n_fitted_models=len(self.models_))
        return state, arrays, {"models.pt": buf.getvalue()}

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        torch = import_torch()
        self.transform_ = transform_from_dict(state["transform"])
        self._set_input_state(state, arrays)
        weights = torch.load(folder / "models.pt", weights_only=True, map_location="cpu")
        self.models_ = []
        for i in range(int(state["n_fitted_models"])):
            prefix = f"{i}."
            model = self._module(torch)
            model.load_state_dict({k[len(prefix):]: v for k, v in weights.items()
                                   if k.startswith(prefix)})
            model.eval()
            self.models_.append(model)


class _GraphBase(_NeuralBase):
    def _prepare(self, archs: list[Any]) -> None:
        graphs = _wl.graphs(self._space(), archs, self.cells)
        ops = sorted({op for g in graphs for op in g[0]})
        self.op_index_ = {op: i for i, op in enumerate(ops)}  # unknown ops -> last slot
        self.max_nodes_ = max(len(g[0]) for g in graphs)

    def _inputs(self, archs: list[Any]) -> tuple[Any, ...]:
        torch = import_torch()
        graphs = _wl.graphs(self._space(), archs, self.cells)
        n_nodes = max(self.max_nodes_, max(len(g[0]) for g in graphs))
        n_ops = len(self.op_index_) + 1
        feats = np.zeros((len(graphs), n_nodes, n_ops), dtype=np.float32)
        adj = np.zeros((len(graphs), n_nodes, n_nodes), dtype=np.float32)
        mask = np.zeros((len(graphs), n_nodes), dtype=np.float32)
        for i, (ops, preds) in enumerate(graphs):
            for v, op in enumerate(ops):
                feats[i, v, self.op_index_.get(op, n_ops - 1)] = 1.0
                mask[i, v] = 1.0
                for u in preds[v]:
                    adj[i, v, u] = 1.0
        return torch.from_numpy(feats), torch.from_numpy(adj), torch.from_numpy(mask)

    def _input_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"op_index": dict(self.op_index_), "max_nodes": int(self.max_nodes_)}, {}

    def _set_input_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.op_index_ = {str(k): int(v) for k, v in state["op_index"].items()}
        self.max_nodes_ = int(state["max_nodes"])


class GINPredictor(_GraphBase):
    """Graph isomorphism network (sum aggregation over predecessors and successors).

    Each layer: ``h <- MLP([h, A h, A^T h])``; readout: the masked node sum of every layer,
    concatenated, then a 2-layer MLP. See :class:`_NeuralBase` for the training options.
    """

    name = "gin"

    def _module(self, torch: Any) -> Any:
        return _GIN(torch, len(self.op_index_) + 1, int(self.hidden), int(self.layers))


class GCNPredictor(_GraphBase):
    """GCN as in Wen et al.'s Neural Predictor: bidirectional normalised propagation.

    Each layer: ``h <- relu((D^-1 (A + I) h W_f + D^-1 (A^T + I) h W_b) / 2)``; readout: the
    masked node mean, then a linear layer.
    """

    name = "gcn"

    def _module(self, torch: Any) -> Any:
        return _GCN(torch, len(self.op_index_) + 1, int(self.hidden), int(self.layers))


class MLPPredictor(_NeuralBase):
    """Multilayer perceptron on an encoding (default nb201: path encoding, as in BANANAS)."""

    name = "mlp"

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 hidden: int = 64, layers: int = 3, epochs: int = 150, batch_size: int = 32,
                 learning_rate: float = 3e-3, weight_decay: float = 1e-4, loss: str = "mse",
                 n_models: int = 5, n_threads: int | None = 1, encoding: str = "auto",
                 cells: str = "merged") -> None:
        super().__init__(space=space, seed=seed, hidden=hidden, layers=layers, epochs=epochs,
                         batch_size=batch_size, learning_rate=learning_rate,
                         weight_decay=weight_decay, loss=loss, n_models=n_models,
                         n_threads=n_threads, cells=cells)
        self.encoding = encoding

    def _kind(self) -> str:
        if self.encoding != "auto":
            return self.encoding
        return "path" if self._space().name == "nb201" else "default"

    def _prepare(self, archs: list[Any]) -> None:
        x = encode(self._space(), archs, self._kind(), self.cells)
        self.x_mean_ = x.mean(axis=0)
        sd = x.std(axis=0)
        self.x_scale_ = np.where(sd > 0, sd, 1.0)
        self.n_features_ = x.shape[1]

    def _inputs(self, archs: list[Any]) -> tuple[Any, ...]:
        torch = import_torch()
        x = (encode(self._space(), archs, self._kind(), self.cells) - self.x_mean_) / self.x_scale_
        return (torch.as_tensor(x, dtype=torch.float32),)

    def _input_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({"n_features": int(self.n_features_)},
                {"x_mean": self.x_mean_, "x_scale": self.x_scale_})

    def _set_input_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.n_features_ = int(state["n_features"])
        self.x_mean_, self.x_scale_ = arrays["x_mean"], arrays["x_scale"]

    def _module(self, torch: Any) -> Any:
        nn = torch.nn
        dims = [self.n_features_] + [int(self.hidden)] * int(self.layers)
        blocks: list[Any] = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*blocks, nn.Linear(dims[-1], 1), nn.Flatten(0))


# ---- modules ---------------------------------------------------------------------------------

def _GIN(torch: Any, n_in: int, hidden: int, layers: int) -> Any:  # noqa: N802 - a module
    nn = torch.nn

    class GIN(nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(n_in, hidden)
            self.convs = nn.ModuleList(
                nn.Sequential(nn.Linear(3 * hidden, hidden), nn.ReLU(),
                              nn.Linear(hidden, hidden), nn.ReLU())
                for _ in range(layers))
            self.head = nn.Sequential(nn.Linear(hidden * (layers + 1), hidden), nn.ReLU(),
                                      nn.Linear(hidden, 1))

        def forward(self, x: Any, adj: Any, mask: Any) -> Any:
            h = self.embed(x) * mask[..., None]
            pooled = [h.sum(dim=1)]
            adj_t = adj.transpose(1, 2)
            for conv in self.convs:
                h = conv(torch.cat([h, adj @ h, adj_t @ h], dim=-1)) * mask[..., None]
                pooled.append(h.sum(dim=1))
            return self.head(torch.cat(pooled, dim=-1)).squeeze(-1)

    return GIN()


def _GCN(torch: Any, n_in: int, hidden: int, layers: int) -> Any:  # noqa: N802 - a module
    nn = torch.nn

    class GCN(nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            dims = [n_in] + [hidden] * layers
            self.fwd = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
            self.bwd = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
            self.head = nn.Linear(hidden, 1)

        def forward(self, x: Any, adj: Any, mask: Any) -> Any:
            eye = torch.diag_embed(mask)
            a_f = adj + eye
            a_b = adj.transpose(1, 2) + eye
            a_f = a_f / a_f.sum(dim=2, keepdim=True).clamp(min=1.0)
            a_b = a_b / a_b.sum(dim=2, keepdim=True).clamp(min=1.0)
            h = x
            for wf, wb in zip(self.fwd, self.bwd):
                h = torch.relu((a_f @ wf(h) + a_b @ wb(h)) / 2) * mask[..., None]
            pooled = h.sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    return GCN()


# ---- helpers ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _threads(torch: Any, n: int | None) -> Iterator[None]:
    """Run with ``n`` intra-op threads (``None``: leave torch's setting), then restore."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _init(torch: Any, model: Any, gen: Any) -> None:
    """Re-initialise every Linear layer from ``gen`` (uniform +-1/sqrt(fan_in))."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear):
                bound = 1.0 / math.sqrt(module.in_features)
                module.weight.copy_((torch.rand(module.weight.shape, generator=gen) * 2 - 1)
                                    * bound)
                if module.bias is not None:
                    module.bias.copy_((torch.rand(module.bias.shape, generator=gen) * 2 - 1)
                                      * bound)


def _loss(torch: Any, pred: Any, target: Any, kind: str) -> Any:
    mse = torch.mean((pred - target) ** 2)
    if kind == "mse":
        return mse
    diff_t = target[:, None] - target[None, :]
    diff_p = pred[:, None] - pred[None, :]
    sign = torch.sign(diff_t)
    weight = (sign != 0).float()
    rank = (torch.nn.functional.softplus(-sign * diff_p) * weight).sum() / weight.sum().clamp(
        min=1.0)
    return rank if kind == "ranking" else mse + rank
