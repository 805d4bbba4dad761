"""Name -> predictor class, and :func:`create`."""

from __future__ import annotations

from typing import Any

from nasbench.errors import NasbenchError, unknown_choice_message
from nasbench.predictors._base import Predictor
from nasbench.predictors._baselines import MeanPredictor, RidgePredictor
from nasbench.predictors._ensemble import EnsemblePredictor
from nasbench.predictors._kernels import GPPredictor, WLGPPredictor
from nasbench.predictors._neural import GCNPredictor, GINPredictor, MLPPredictor
from nasbench.predictors._xgb import XGBPredictor
from nasbench.proxies._predictors import ZeroCostPredictor
from nasbench.spaces import SearchSpace

PREDICTORS: dict[str, type[Predictor]] = {
    cls.name: cls
    for cls in (MeanPredictor, RidgePredictor, XGBPredictor, GPPredictor, WLGPPredictor,
                GINPredictor, GCNPredictor, MLPPredictor, EnsemblePredictor, ZeroCostPredictor)
}


class UnknownPredictorError(NasbenchError, KeyError):
    """A predictor name that :func:`create` does not know."""


def create(name: str, space: SearchSpace | str, seed: int | None = None,
           **params: Any) -> Predictor:
    """Build the predictor called ``name`` for ``space`` (a SearchSpace or its name).

    ``params`` are the predictor's keyword arguments (see its class). Unknown names raise
    :class:`UnknownPredictorError` listing the valid ones; unknown params raise ``TypeError``.
    """
    cls = PREDICTORS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise UnknownPredictorError(unknown_choice_message("predictor", name, PREDICTORS))
    if isinstance(space, str):
        from nasbench.spaces import get_space

        space = get_space(space)
    valid = cls._param_names()
    for key in params:
        if key not in valid:
            raise TypeError(unknown_choice_message(f"parameter of predictor {name!r}:", key,
                                                   [v for v in valid if v not in
                                                    ("space", "seed")]))
    return cls(space=space, seed=seed, **params)
