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
* :meth:`Predictor.save` writes a fitted predictor to a folder in safe formats (JSON,
  XGBoost JSON, ``.npz`` without pickles, torch ``state_dict``); :meth:`Predictor.load`
  reads any of them back (dispatching on the folder's JSON header), with identical
  predictions. See ``_io`` for the folder layout.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from pathlib import Path
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

    # ---- persistence --------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the fitted predictor to the folder ``path`` (created if needed); returns it.

        Safe formats only (JSON, XGBoost JSON, ``.npz`` read with ``allow_pickle=False``,
        torch ``state_dict`` read with ``weights_only=True``); every file is written
        atomically and the JSON header (``predictor.json``, written last) records each
        file's SHA-256. Raises :class:`NotFittedError` before ``fit``, ``TypeError`` for
        constructor arguments that are not JSON-able.
        """
        from nasbench.predictors import _io

        self.check_fitted()
        return _io.write_folder(Path(path), self._files())

    @classmethod
    def load(cls, path: str | Path) -> Predictor:
        """Read a folder written by :meth:`save`; predictions equal the saved model's.

        ``Predictor.load`` dispatches on the header's predictor name; ``XGBPredictor.load``
        also checks that the folder holds that class. Raises
        :class:`~nasbench.predictors._io.SavedPredictorError` for a missing, foreign,
        newer-version or modified folder.
        """
        from nasbench.predictors import _io
        from nasbench.predictors._registry import PREDICTORS

        folder = Path(path)
        header = _io.read_header(folder)
        target = PREDICTORS.get(str(header.get("predictor")))
        if target is None:
            raise _io.SavedPredictorError(
                f"{folder} holds predictor {header.get('predictor')!r}, which this nasbench "
                f"does not know (known: {', '.join(PREDICTORS)}).")
        if not issubclass(target, cls):
            raise _io.SavedPredictorError(f"{folder} holds a {target.__name__}, not a "
                                          f"{cls.__name__}; use Predictor.load.")
        params = {k: _io.decode_value(v) for k, v in dict(header["params"]).items()}
        model = target(space=_space_from_doc(header["space"]), **params)
        arrays = _io.read_npz(folder / _io.ARRAYS) if (folder / _io.ARRAYS).exists() and \
            _io.ARRAYS in header.get("sha256", {}) else {}
        model._import(dict(header["state"]), arrays, folder)
        model.n_train_ = int(header["n_train"])
        return model

    def _files(self) -> dict[str, bytes]:
        """Every file of the saved folder, relative path -> bytes (header included)."""
        from nasbench.predictors import _io

        state, arrays, files = self._export()
        files = dict(files)
        if arrays:
            files[_io.ARRAYS] = _io.npz_bytes(arrays)
        params = {k: _io.encode_value(v, f"{type(self).__name__}.{k}")
                  for k, v in self.get_params().items() if k != "space"}
        header = {"format": _io.FORMAT, "format_version": _io.FORMAT_VERSION,
                  "predictor": self.name, "space": _space_doc(self._space()),
                  "params": params, "n_train": int(self.n_train_), "state": state,
                  "sha256": {name: _io.sha256(data) for name, data in sorted(files.items())},
                  "versions": _io.versions()}
        files[_io.HEADER] = (json.dumps(header, indent=1) + "\n").encode()
        return files

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        """Fitted state: (JSON-able scalars, numpy arrays, other files as bytes)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved.")

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        """Inverse of :meth:`_export` on an unfitted instance with the saved parameters."""
        raise NotImplementedError(f"{type(self).__name__} cannot be loaded.")

    # ---- hooks --------------------------------------------------------------------------

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def _space(self) -> SearchSpace:
        return get_space(self.space) if isinstance(self.space, str) else self.space


def _space_doc(space: SearchSpace) -> dict[str, Any]:
    ops = getattr(space, "ops", None)
    return {"name": space.name, "ops": list(ops) if ops is not None else None}


def _space_from_doc(doc: dict[str, Any]) -> SearchSpace:
    space = get_space(str(doc["name"]))
    ops = doc.get("ops")
    if ops is not None and list(getattr(space, "ops", ())) != list(ops):
        from nasbench.spaces import SPACES

        space = SPACES[space.name](ops=tuple(ops))  # type: ignore[call-arg]
    return space


def _std_names() -> list[str]:
    from nasbench.predictors._registry import PREDICTORS

    return [n for n, c in PREDICTORS.items() if c.has_std]


def child_seed(rng: np.random.Generator) -> int:
    """A fresh int seed (0 <= s < 2**31) drawn from ``rng``, for libraries that want ints."""
    return int(rng.integers(0, 2**31 - 1))
