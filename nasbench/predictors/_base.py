"""The :class:`Predictor` contract shared by every performance predictor.

A predictor is a scikit-learn-style estimator over architectures of one search space:

* ``__init__`` is keyword-only and only stores its arguments (``space``, ``seed`` and the
  model's hyperparameters); :meth:`Predictor.get_params` returns them.
* :meth:`Predictor.fit` takes archs (anything ``space.parse`` accepts) and a float target of
  shape (n,), learns, and returns ``self``. Fitted state lives in attributes ending in ``_``.
* :meth:`Predictor.predict` returns float64 predictions of shape (n,) in the target's units;
  ``return_std=True`` also returns a predictive standard deviation (same units) for models
  with ``has_std = True``. Calling it before ``fit`` raises :class:`NotFittedError`.
* Fitting twice with the same ``seed`` and data gives identical predictions; nothing touches
  global random state (each fit draws from ``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.spaces import SearchSpace, get_space


class NotFittedError(NasbenchError, AttributeError):
    """``predict`` (or another fitted-state method) was called before ``fit``."""


class Predictor:
    """Base class: argument storage, input checks, fitted-state checks, seeding.

    Subclasses implement ``_fit(archs, y, rng)`` and ``_predict(archs, return_std)``, where
    ``archs`` is a list of canonical archs (``space.parse`` output) and ``y`` a float64 array.
    """

    #: Registry name (``create(name, ...)``).
    name: ClassVar[str] = ""
    #: Whether ``predict(..., return_std=True)`` is supported.
    has_std: ClassVar[bool] = False

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None) -> None:
        self.space = space
        self.seed = seed

    # ---- parameters ---------------------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind is p.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as stored: ``{name: value}``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Predictor:
        """Set constructor arguments (unknown names raise ``ValueError``); returns ``self``."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                from nasbench.errors import unknown_choice_message

                raise ValueError(unknown_choice_message(f"parameter of {type(self).__name__}",
                                                        key, valid))
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()
                         if k != "space")
        return f"{type(self).__name__}({args})"

    # ---- public API ---------------------------------------------------------------------

    def fit(self, archs: Sequence[Any], y: Any) -> Predictor:
        """Learn from ``archs`` (n archs, any encoding) and targets ``y`` (shape (n,)).

        Returns ``self``. Raises ``ValueError`` if lengths differ, ``y`` has non-finite
        values or fewer than 2 archs are given.
        """
        space = self._space()
        parsed = [space.parse(a) for a in archs]
        target = np.asarray(y, dtype=np.float64).reshape(-1)
        if len(parsed) != len(target):
            raise ValueError(f"{type(self).__name__}.fit got {len(parsed)} archs but "
                             f"{len(target)} targets; they must have the same length.")
        if len(parsed) < 2:
            raise ValueError(f"{type(self).__name__}.fit needs at least 2 archs. "
                             f"Got {len(parsed)}.")
        if not np.all(np.isfinite(target)):
            bad = int(np.flatnonzero(~np.isfinite(target))[0])
            raise ValueError(f"The 'y' parameter of {type(self).__name__}.fit must be finite. "
                             f"Got {target[bad]!r} at position {bad}.")
        self._fit(parsed, target, np.random.default_rng(self.seed))
        self.n_train_ = len(parsed)
        return self

    def predict(self, archs: Sequence[Any], return_std: bool = False) -> Any:
        """Predicted targets for ``archs``: float64, shape (n,).

        With ``return_std=True`` returns ``(mean, std)``, both shape (n,), in target units;
        only for predictors with ``has_std``.
        """
        self.check_fitted()
        if return_std and not self.has_std:
            raise ValueError(f"{type(self).__name__} has no predictive uncertainty; "
                             f"use return_std=False or one of: {', '.join(_std_names())}.")
        space = self._space()
        parsed = [space.parse(a) for a in archs]
        if not parsed:
            empty = np.zeros(0)
            return (empty, empty.copy()) if return_std else empty
        mean, std = self._predict(parsed, return_std)
        mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        if return_std:
            return mean, np.asarray(std, dtype=np.float64).reshape(-1)
        return mean

    def check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless :meth:`fit` has run."""
        if not hasattr(self, "n_train_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call "
                                 f"fit(archs, y) before predict().")

    # ---- hooks --------------------------------------------------------------------------

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def _space(self) -> SearchSpace:
        return get_space(self.space) if isinstance(self.space, str) else self.space


def _std_names() -> list[str]:
    from nasbench.predictors._registry import PREDICTORS

    return [n for n, c in PREDICTORS.items() if c.has_std]


def child_seed(rng: np.random.Generator) -> int:
    """A fresh int seed (0 <= s < 2**31) drawn from ``rng``, for libraries that want ints."""
    return int(rng.integers(0, 2**31 - 1))
