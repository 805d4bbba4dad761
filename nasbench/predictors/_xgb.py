"""Gradient-boosted trees (XGBoost) on a fixed-length encoding. Needs ``xgboost``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nasbench._optional import import_optional
from nasbench.predictors._base import Predictor, child_seed
from nasbench.predictors._encodings import encode
from nasbench.predictors._targets import make_transform, transform_from_dict
from nasbench.spaces import SearchSpace


def import_xgboost() -> Any:
    """``xgboost``, or an ImportError that says how to install it."""
    return import_optional("xgboost", "xgboost", "The 'xgb' predictor")


class XGBPredictor(Predictor):
    """XGBoost regression trees on ``encoding`` (default: structural / numeric).

    Args:
        n_estimators: boosting rounds.
        max_depth, learning_rate, subsample, colsample_bytree, min_child_weight,
            reg_lambda: the XGBoost parameters of the same names.
        target: ``"rank"`` (fit normal scores of the target ranks, map back; default) or
            ``"standardize"``.
        encoding: an :func:`~nasbench.predictors.encode` kind, or ``"default"``.
        n_jobs: XGBoost threads (results are identical for any value).
        cells: ``"merged"`` (default: isomorphic cells and cells differing only in dead
            edges share their structural features) or ``"raw"`` (the cell exactly as given;
            see :mod:`nasbench.predictors._encodings`).
        features: ``"arch"`` (default: the encoding only) or ``"zc"`` (nb201: the encoding
            plus our zero-cost proxy table's columns for ``proxy_dataset``, log #params and
            log #FLOPs; see :func:`nasbench.proxies._predictors.zc_features`).
        proxy_dataset: NB201 network variant of the proxy features.
    """

    name = "xgb"

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 n_estimators: int = 500, max_depth: int = 4, learning_rate: float = 0.05,
                 subsample: float = 0.8, colsample_bytree: float = 0.8,
                 min_child_weight: float = 1.0, reg_lambda: float = 1.0,
                 target: str = "rank", encoding: str = "default", n_jobs: int = 1,
                 cells: str = "merged", features: str = "arch",
                 proxy_dataset: str = "cifar10") -> None:
        super().__init__(space=space, seed=seed)
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.target = target
        self.encoding = encoding
        self.n_jobs = n_jobs
        self.cells = cells
        self.features = features
        self.proxy_dataset = proxy_dataset

    def _x(self, archs: list[Any]) -> np.ndarray:
        x = encode(self._space(), archs, self.encoding, self.cells)
        from nasbench.proxies._predictors import check_features, zc_features

        if check_features(self.features) == "zc":
            x = np.hstack([x, zc_features(self._space(), archs, self.proxy_dataset)])
        return x

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        xgb = import_xgboost()
        self.transform_ = make_transform(self.target).fit(y)
        x = self._x(archs)
        params = {"max_depth": self.max_depth, "eta": self.learning_rate,
                  "subsample": self.subsample, "colsample_bytree": self.colsample_bytree,
                  "min_child_weight": self.min_child_weight, "lambda": self.reg_lambda,
                  "nthread": self.n_jobs, "seed": child_seed(rng), "tree_method": "hist",
                  "objective": "reg:squarederror"}
        data = xgb.DMatrix(x, label=self.transform_.transform_train())
        self.booster_ = xgb.train(params, data, num_boost_round=int(self.n_estimators))

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        xgb = import_xgboost()
        x = self._x(archs)
        z = self.booster_.predict(xgb.DMatrix(x))
        return self.transform_.inverse(z), None

    def save_model(self, path: str | Path) -> None:
        """Write only the booster as XGBoost JSON to ``path``.

        The booster predicts *transformed* targets (rank scores by default), not target
        units: use :meth:`save` / :meth:`Predictor.load` for a model that round-trips.
        """
        self.check_fitted()
        self.booster_.save_model(str(path))

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        raw = bytes(self.booster_.save_raw(raw_format="json"))
        return {"transform": self.transform_.to_dict()}, {}, {"booster.json": raw}

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        xgb = import_xgboost()
        self.transform_ = transform_from_dict(state["transform"])
        booster = xgb.Booster()
        booster.load_model(bytearray((folder / "booster.json").read_bytes()))
        self.booster_ = booster
