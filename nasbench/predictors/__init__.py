"""Performance predictors: learn an architecture's metric from a few measured ones.

API (scikit-learn style; archs are anything ``space.parse`` accepts)::

    from nasbench.predictors import create
    model = create("wl_gp", space, seed=0)           # or "xgb", "gp", "gin", ...
    model.fit(train_archs, y)                        # y: float array (n,), returns model
    mean = model.predict(archs)                      # float64 (m,), target units
    mean, std = model.predict(archs, return_std=True)  # models with has_std

Names: ``mean`` and ``ridge`` (floors), ``xgb`` (XGBoost on an encoding; needs xgboost),
``gp`` (RBF GP on an encoding), ``wl_gp`` (Weisfeiler-Lehman kernel GP, NAS-BOWL style),
``gin`` / ``gcn`` / ``mlp`` (torch ensembles; need torch), ``ensemble`` (average of members;
``members=("gp", "wl_gp", "xgb")`` by default, ``create("ensemble", space, members=["mlp"])`` or
``n_seeds=5`` for BANANAS-style ensembles). ``has_std`` is True for mean, gp, wl_gp, gin,
gcn, mlp and ensemble. Constructors are keyword-only and only store their arguments
(``get_params()``); fitted attributes end in ``_``; ``predict`` before ``fit`` raises
:class:`NotFittedError`; the same ``seed`` gives the same predictions.

Persistence: ``model.save(folder)`` and ``Predictor.load(folder)`` (safe formats only: JSON,
XGBoost JSON, ``.npz`` without pickles, torch ``state_dict``; identical predictions after
the round trip). Features: ``cells="merged"`` (default; isomorphic cells share structural
features) or ``cells="raw"`` (the cell exactly as given) on every model with inputs.

Evaluation protocol: :func:`evaluate` (and ``nasbench predictors evaluate``) on a Table or a
user's ``(archs, y)``; by default no test arch shares an isomorphism class with a training
arch (``split="class"``; ``split="random"`` is the older protocol), and rows report Kendall
tau over test cells and with each test class counted once. Surrogate tables:
:func:`build_surrogates`. torch and xgboost are imported only when such a model is fitted.
"""

from __future__ import annotations

from nasbench.predictors._base import NotFittedError, Predictor
from nasbench.predictors._encodings import KINDS, encode
from nasbench.predictors._evaluate import DEFAULT_TRAIN_SIZES, SPLITS, evaluate
from nasbench.predictors._io import SavedPredictorError
from nasbench.predictors._metrics import kendall_tau, score
from nasbench.predictors._registry import PREDICTORS, UnknownPredictorError, create
from nasbench.predictors._surrogates import build_surrogates

__all__ = [
    "DEFAULT_TRAIN_SIZES",
    "KINDS",
    "NotFittedError",
    "PREDICTORS",
    "Predictor",
    "SPLITS",
    "SavedPredictorError",
    "UnknownPredictorError",
    "build_surrogates",
    "create",
    "encode",
    "evaluate",
    "kendall_tau",
    "score",
]
