"""Predictors that use our NB201 proxy table: proxy features, and a zero-training predictor.

Both read :func:`nasbench.proxies.proxy_table` (pandas only; no torch). Proxy values are
looked up by arch key (isomorphic cells share their class's value); a class that was not
computed is a missing value (NaN), which XGBoost handles natively and which the single-proxy
predictor ranks below every computed cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from nasbench.predictors._base import Predictor
from nasbench.proxies._meta import ProxyError, check_proxies
from nasbench.spaces import SearchSpace

__all__ = ["FEATURES", "zc_features", "zc_dense_features", "ZeroCostPredictor",
           "check_features"]

#: Feature sets of ``xgb(features=...)`` and ``ensemble(features=...)``.
FEATURES = ("arch", "zc")
#: Proxies whose values span many orders of magnitude: used as log10.
_LOG = ("synflow",)


def _check_nb201(space: SearchSpace) -> None:
    if space.name != "nb201":
        raise ProxyError(f"Proxy features exist for nb201 only (our proxy table); got space "
                         f"{space.name!r}. Use features='arch'.")


def check_features(features: str) -> str:
    if features not in FEATURES:
        from nasbench.errors import unknown_choice_message

        raise ValueError(unknown_choice_message("features", features, FEATURES))
    return features


@lru_cache(maxsize=4)
def _feature_matrix(dataset: str) -> tuple[tuple[str, ...], np.ndarray]:
    """(column names, (15625, d) matrix by arch key) for one NB201 variant."""
    from nasbench.hardware import cost_table
    from nasbench.proxies._table import proxy_lookup, proxy_table
    from nasbench.spaces import get_space

    table = proxy_table()
    names = [p for p in check_proxies("all")
             if p not in ("params", "flops")
             and not table[(table["proxy"] == p) & (table["dataset"] == dataset)].empty]
    cols, out = [], []
    for p in names:
        v = proxy_lookup(p, dataset, table)
        if p in _LOG:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(np.maximum(v, 1e-300))
        cols.append(p if p not in _LOG else f"log10_{p}")
        out.append(v)
    space = get_space("nb201")
    cells = np.asarray(space.enumerate(), dtype=np.int64)
    cost = cost_table(cells, "ImageNet16-120" if dataset == "imagenet16-120" else dataset)
    order = space.keys([tuple(c) for c in cells])
    for field in ("params", "flops"):
        v = np.empty(len(cells))
        v[order] = np.log10(cost[field].astype(float))
        cols.append(f"log10_{field}")
        out.append(v)
    matrix = np.stack(out, axis=1)
    matrix.setflags(write=False)
    return tuple(cols), matrix


def zc_features(space: SearchSpace, archs: Sequence[Any], dataset: str = "cifar10"
                ) -> np.ndarray:
    """Proxy features of NB201 ``archs``: every proxy our table has for ``dataset``
    (synflow as log10) plus log10 #params and log10 #FLOPs; float64 (n, d), NaN where a
    class was not computed."""
    _check_nb201(space)
    _, matrix = _feature_matrix(dataset.lower())
    return matrix[space.keys(archs)]


#: A proxy column enters :func:`zc_dense_features` when it covers this share of the cells.
DENSE_COVERAGE = 0.99


@lru_cache(maxsize=4)
def _dense_matrix(dataset: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The columns of :func:`_feature_matrix` that cover >= ``DENSE_COVERAGE`` of the
    cells, their few missing values (error rows) set to the column's median over all cells
    (a fixed, label-free value)."""
    cols, matrix = _feature_matrix(dataset)
    keep = [j for j in range(matrix.shape[1])
            if np.isfinite(matrix[:, j]).mean() >= DENSE_COVERAGE]
    dense = matrix[:, keep].copy()
    for j in range(dense.shape[1]):
        bad = ~np.isfinite(dense[:, j])
        dense[bad, j] = np.median(dense[~bad, j])
    dense.setflags(write=False)
    return tuple(cols[j] for j in keep), dense


def zc_dense_features(space: SearchSpace, archs: Sequence[Any], dataset: str = "cifar10"
                      ) -> np.ndarray:
    """Proxy features for models that need every value (the ``gp`` predictor): the columns
    of :func:`zc_features` that cover at least 99 % of NB201's cells (for our table: log10
    synflow, log10 #params and #FLOPs; NASWOT and jacob_cov miss the 340 cells of their 5
    error classes, 97.8 %), a missing value set to the column's median over all cells;
    float64 (n, d), no NaN."""
    _check_nb201(space)
    _, matrix = _dense_matrix(dataset.lower())
    return matrix[space.keys(archs)]


class ZeroCostPredictor(Predictor):
    """``zc``: rank archs by one proxy from our NB201 table; nothing is learned from ``y``
    except a monotone map to target units (the training targets' quantiles at the proxy's
    empirical CDF), so the ranking, and Kendall tau, is the proxy's own.

    Args:
        proxy: a proxy name (``synflow``, ``naswot``, ``jacob_cov``, ``snip``,
            ``grad_norm``, ...), or ``params`` / ``flops`` (analytic counts: the baseline).
        dataset: NB201 network variant of the proxy values.
    """

    name = "zc"

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 proxy: str = "synflow", dataset: str = "cifar10") -> None:
        super().__init__(space=space, seed=seed)
        self.proxy = proxy
        self.dataset = dataset

    def _values(self, archs: list[Any]) -> np.ndarray:
        (proxy,) = check_proxies(self.proxy)
        cols, _ = _feature_matrix(self.dataset.lower())
        col = proxy if proxy not in _LOG + ("params", "flops") else f"log10_{proxy}"
        if col not in cols:
            raise ProxyError(f"Our proxy table has no {proxy!r} for nb201/{self.dataset}; "
                             f"it has {[c.removeprefix('log10_') for c in cols]}.")
        return zc_features(self._space(), archs, self.dataset)[:, cols.index(col)]

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        v = self._values(archs)
        ok = ~np.isnan(v)
        self.train_values_ = np.sort(v[ok]) if ok.any() else np.zeros(1)
        self.train_targets_ = np.sort(y) if len(y) else np.zeros(1)

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        v = self._values(archs)
        if len(self.train_values_) < 2:
            return np.where(np.isnan(v), -np.inf, v), None
        # strictly monotone: empirical CDF among training values, interpolated, plus a tiny
        # tie-breaker in proxy order, mapped to training-target quantiles
        lo, hi = self.train_values_[0], self.train_values_[-1]
        span = hi - lo if hi > lo else 1.0
        cdf = np.interp(v, self.train_values_, np.linspace(0, 1, len(self.train_values_)))
        cdf = np.clip(cdf + 1e-6 * (v - lo) / span, -1.0, 2.0)
        q = np.linspace(0, 1, len(self.train_targets_))
        pred = np.interp(np.clip(cdf, 0, 1), q, self.train_targets_) + 1e-9 * cdf
        low = self.train_targets_[0] - 1.0
        return np.where(np.isnan(v), low, pred), None

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        return {}, {"train_values": self.train_values_, "train_targets": self.train_targets_}, {}

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray], folder: Any) -> None:
        self.train_values_ = arrays["train_values"]
        self.train_targets_ = arrays["train_targets"]
