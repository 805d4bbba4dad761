"""Gaussian-process predictors: RBF on an encoding (``gp``) and the WL kernel (``wl_gp``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.predictors import _wl
from nasbench.predictors._base import Predictor
from nasbench.predictors._encodings import encode
from nasbench.predictors._gp import GPState, fit_gp, gp_predict
from nasbench.predictors._targets import make_transform, transform_from_dict
from nasbench.spaces import SearchSpace

LENGTH_SCALES = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0)
_CHUNK = 2048


class _GPBase(Predictor):
    has_std = True
    target: str
    state_: GPState

    def _fit_targets(self, y: np.ndarray) -> np.ndarray:
        self.transform_ = make_transform(self.target).fit(y)
        return self.transform_.transform_train()

    def _chunked(self, n: int, kernel: Callable[[int, int], np.ndarray], return_std: bool,
                 ) -> tuple[np.ndarray, Any]:
        """Predict in chunks: ``kernel(lo, hi)`` is the (hi - lo, n_train) cross kernel."""
        means: list[np.ndarray] = []
        stds: list[np.ndarray] = []
        for lo in range(0, n, _CHUNK):
            k = kernel(lo, min(n, lo + _CHUNK))
            m, s = gp_predict(self.state_, k, np.ones(len(k)) if return_std else None)
            means.append(m)
            if s is not None:
                stds.append(s)
        mean = np.concatenate(means)
        out = self.transform_.inverse(mean)
        if not return_std:
            return out, None
        return out, self.transform_.inverse_std(mean, np.concatenate(stds))

    def _gp_export(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        st = self.state_
        return ({"transform": self.transform_.to_dict(),
                 "gp": {"index": st.index, "amplitude": st.amplitude, "noise": st.noise,
                        "log_ml": st.log_ml}},
                {"gp_eigvecs": st.eigvecs, "gp_eigvals": st.eigvals, "gp_alpha": st.alpha})

    def _gp_import(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.transform_ = transform_from_dict(state["transform"])
        g = state["gp"]
        self.state_ = GPState(int(g["index"]), float(g["amplitude"]), float(g["noise"]),
                              float(g["log_ml"]), arrays["gp_eigvecs"], arrays["gp_eigvals"],
                              arrays["gp_alpha"])
        self.noise_, self.amplitude_ = self.state_.noise, self.state_.amplitude


class GPPredictor(_GPBase):
    """GP with an RBF kernel on a standardised encoding (default: structural / numeric).

    ``k(x, x') = exp(-mean_j (x_j - x'_j)^2 / (2 l^2))`` over standardised columns; the
    length scale ``l`` (from ``length_scales``), amplitude and noise maximise the marginal
    likelihood (the length scale on at most ``select_size`` training archs; see
    :func:`~nasbench.predictors._gp.fit_gp`). ``predict(..., return_std=True)`` gives the
    latent std in target units. Exact GP: O(n^3) time, use up to a few thousand archs.
    ``cells="raw"`` encodes the cell exactly as given (default ``"merged"``).
    ``features="zc"`` (nb201) appends the dense proxy features of our table
    (:func:`nasbench.proxies._predictors.zc_dense_features`: the proxy columns that cover
    99 % of the cells -- log10 synflow, log10 #params and #FLOPs for ``proxy_dataset``) as
    further standardised columns.
    """

    name = "gp"

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 encoding: str = "default", length_scales: Sequence[float] = LENGTH_SCALES,
                 target: str = "rank", select_size: int | None = 600,
                 cells: str = "merged", features: str = "arch",
                 proxy_dataset: str = "cifar10") -> None:
        super().__init__(space=space, seed=seed)
        self.encoding = encoding
        self.length_scales = length_scales
        self.target = target
        self.select_size = select_size
        self.cells = cells
        self.features = features
        self.proxy_dataset = proxy_dataset

    def _x(self, archs: list[Any]) -> np.ndarray:
        from nasbench.proxies._predictors import check_features, zc_dense_features

        x = encode(self._space(), archs, self.encoding, self.cells)
        if check_features(self.features) == "zc":
            x = np.hstack([x, zc_dense_features(self._space(), archs, self.proxy_dataset)])
        return x

    def _scaled(self, archs: list[Any]) -> np.ndarray:
        return (self._x(archs) - self.x_mean_) / self.x_scale_

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        z = self._fit_targets(y)
        x = self._x(archs)
        self.x_mean_ = x.mean(axis=0)
        sd = x.std(axis=0)
        self.x_scale_ = np.where(sd > 0, sd, 1.0) * np.sqrt(x.shape[1])
        self.x_train_ = (x - self.x_mean_) / self.x_scale_
        d2 = _sqdist(self.x_train_, self.x_train_)
        scales = [float(s) for s in self.length_scales]

        def kernel(i: int, rows: np.ndarray | None) -> np.ndarray:
            d = d2 if rows is None else d2[np.ix_(rows, rows)]
            return np.exp(-d / (2 * scales[i] ** 2))

        self.state_ = fit_gp(kernel, len(scales), z, rng, self.select_size)
        self.length_scale_ = scales[self.state_.index]
        self.noise_ = self.state_.noise
        self.amplitude_ = self.state_.amplitude

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        x = self._scaled(archs)

        def kernel(lo: int, hi: int) -> np.ndarray:
            return np.exp(-_sqdist(x[lo:hi], self.x_train_) / (2 * self.length_scale_**2))

        return self._chunked(len(x), kernel, return_std)

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        state, arrays = self._gp_export()
        state["length_scale"] = self.length_scale_
        arrays.update(x_mean=self.x_mean_, x_scale=self.x_scale_, x_train=self.x_train_)
        return state, arrays, {}

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        self._gp_import(state, arrays)
        self.length_scale_ = float(state["length_scale"])
        self.x_mean_, self.x_scale_ = arrays["x_mean"], arrays["x_scale"]
        self.x_train_ = arrays["x_train"]


class WLGPPredictor(_GPBase):
    """GP with a Weisfeiler-Lehman subtree kernel on ``space.to_graph`` (NAS-BOWL style).

    Features are WL label counts up to depth ``h`` (see ``_wl``). ``kernel="linear"`` is the
    normalised WL kernel ``<phi, phi'> / (|phi| |phi'|)``; ``kernel="rbf"`` (default)
    exponentiates its distance: ``exp(-(1 - k_lin) / l^2)``. The depth ``h`` (0..``max_h``),
    the length scale (rbf), amplitude and noise maximise the marginal likelihood (``h`` and
    the length scale on at most ``select_size`` training archs). ``cells="raw"`` uses the
    graph of the cell exactly as given, ``none`` edges and dead nodes included (default
    ``"merged"``: the pruned graph of the functional representative).
    """

    name = "wl_gp"

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None, max_h: int = 3,
                 kernel: str = "rbf", length_scales: Sequence[float] = LENGTH_SCALES,
                 target: str = "rank", select_size: int | None = 600,
                 cells: str = "merged") -> None:
        super().__init__(space=space, seed=seed)
        self.cells = cells
        self.max_h = max_h
        self.kernel = kernel
        self.length_scales = length_scales
        self.target = target
        self.select_size = select_size

    def _candidates(self) -> list[tuple[int, float]]:
        if self.kernel not in ("rbf", "linear"):
            raise ValueError(f"The 'kernel' parameter of WLGPPredictor must be 'rbf' or "
                             f"'linear'. Got {self.kernel!r} instead.")
        if not 0 <= int(self.max_h) <= _wl.MAX_DEPTH:
            raise ValueError(f"The 'max_h' parameter of WLGPPredictor must be in "
                             f"0..{_wl.MAX_DEPTH}. Got {self.max_h!r} instead.")
        scales = [float(s) for s in self.length_scales] if self.kernel == "rbf" else [0.0]
        return [(h, s) for h in range(int(self.max_h) + 1) for s in scales]

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        z = self._fit_targets(y)
        cands = self._candidates()
        labels, level = _wl.wl_labels(self._space(), archs, self.cells)
        vocab = np.unique(np.concatenate(labels))
        cols = np.full(len(level), -1, dtype=np.int64)
        cols[vocab] = np.arange(len(vocab))
        counts = _wl.count_matrix(labels, cols, len(vocab))
        lin = {}
        for h in sorted({h for h, _ in cands}):
            x = counts[:, level[vocab] <= h]
            norm = np.sqrt((x * x).sum(axis=1))
            xn = x / norm[:, None]
            lin[h] = xn @ xn.T

        def kernel(i: int, rows: np.ndarray | None) -> np.ndarray:
            h, scale = cands[i]
            k = lin[h] if rows is None else lin[h][np.ix_(rows, rows)]
            return self._apply(k, scale)

        self.state_ = fit_gp(kernel, len(cands), z, rng, self.select_size)
        self.h_, self.length_scale_ = cands[self.state_.index]
        self.noise_ = self.state_.noise
        self.amplitude_ = self.state_.amplitude
        keep = level[vocab] <= self.h_
        self.vocab_ = vocab[keep]
        self.columns_ = np.full(len(level), -1, dtype=np.int64)
        self.columns_[self.vocab_] = np.arange(len(self.vocab_))
        x = counts[:, keep]
        self.train_features_ = x / np.sqrt((x * x).sum(axis=1))[:, None]

    def _apply(self, lin: np.ndarray, scale: float) -> np.ndarray:
        if self.kernel == "linear":
            return lin
        return np.exp(-(1.0 - lin) / scale**2)

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        labels, level = _wl.wl_labels(self._space(), archs, self.cells)
        columns = np.full(len(level), -1, dtype=np.int64)
        columns[: len(self.columns_)] = self.columns_

        def kernel(lo: int, hi: int) -> np.ndarray:
            part = labels[lo:hi]
            x = _wl.count_matrix(part, columns, len(self.vocab_))
            norms = np.sqrt(_wl.squared_norms(part, level, self.h_))
            return self._apply((x @ self.train_features_.T) / norms[:, None], self.length_scale_)

        return self._chunked(len(labels), kernel, return_std)

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        # label ids are per process: save the labels themselves (see _wl.export_labels)
        state, arrays = self._gp_export()
        state.update(h=self.h_, length_scale=self.length_scale_,
                     labels=_wl.export_labels(self._space(), self.vocab_, self.cells))
        arrays["train_features"] = self.train_features_
        return state, arrays, {}

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        self._gp_import(state, arrays)
        self.h_, self.length_scale_ = int(state["h"]), float(state["length_scale"])
        self.vocab_, n_labels = _wl.import_labels(self._space(), state["labels"], self.cells)
        self.columns_ = np.full(n_labels, -1, dtype=np.int64)
        self.columns_[self.vocab_] = np.arange(len(self.vocab_))
        self.train_features_ = arrays["train_features"]


def _sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * a @ b.T
    return np.clip(d, 0.0, None)
