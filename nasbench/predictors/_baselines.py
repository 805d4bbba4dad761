"""Floors for every score: the training mean, and ridge regression on the op one-hot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nasbench.predictors._base import Predictor
from nasbench.predictors._encodings import encode
from nasbench.spaces import SearchSpace

RIDGE_ALPHAS = np.logspace(-3.0, 3.0, 13)


class MeanPredictor(Predictor):
    """Predicts the training mean for every arch; ``std`` is the training std."""

    name = "mean"
    has_std = True

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None) -> None:
        super().__init__(space=space, seed=seed)

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        self.mean_ = float(y.mean())
        self.std_ = float(y.std())

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        n = len(archs)
        return np.full(n, self.mean_), np.full(n, self.std_)

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        return {"mean": self.mean_, "std": self.std_}, {}, {}

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        self.mean_, self.std_ = float(state["mean"]), float(state["std"])


class RidgePredictor(Predictor):
    """Linear least squares on an encoding (default the op one-hot) with an L2 penalty.

    Args:
        alpha: penalty; ``None`` picks it from :data:`RIDGE_ALPHAS` by exact leave-one-out
            error.
        encoding: an :func:`~nasbench.predictors.encode` kind.
        cells: ``"merged"`` (default: isomorphic cells and cells differing only in dead
            edges share their structural features) or ``"raw"`` (the cell exactly as given;
            see :mod:`nasbench.predictors._encodings`).
    """

    name = "ridge"

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 alpha: float | None = None, encoding: str = "onehot",
                 cells: str = "merged") -> None:
        super().__init__(space=space, seed=seed)
        self.alpha = alpha
        self.encoding = encoding
        self.cells = cells

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        x = encode(self._space(), archs, self.encoding, self.cells)
        self.x_mean_ = x.mean(axis=0)
        self.y_mean_ = float(y.mean())
        xc, yc = x - self.x_mean_, y - self.y_mean_
        u, s, vt = np.linalg.svd(xc, full_matrices=False)
        uy = u.T @ yc
        alphas = RIDGE_ALPHAS if self.alpha is None else np.array([float(self.alpha)])
        best = (np.inf, float(alphas[0]))
        for a in alphas:
            shrink = s * s / (s * s + a)
            hat_diag = (u * u) @ shrink
            resid = yc - u @ (shrink * uy)
            loo = float(np.mean((resid / np.clip(1 - hat_diag, 1e-9, None)) ** 2))
            if loo < best[0]:
                best = (loo, float(a))
        self.alpha_ = best[1]
        self.coef_ = vt.T @ (s / (s * s + self.alpha_) * uy)

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        x = encode(self._space(), archs, self.encoding, self.cells)
        return (x - self.x_mean_) @ self.coef_ + self.y_mean_, None

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        return ({"alpha": self.alpha_, "y_mean": self.y_mean_},
                {"x_mean": self.x_mean_, "coef": self.coef_}, {})

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        self.alpha_, self.y_mean_ = float(state["alpha"]), float(state["y_mean"])
        self.x_mean_, self.coef_ = arrays["x_mean"], arrays["coef"]
