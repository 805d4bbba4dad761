"""Surrogates served by their saved models: any arch of a space too large to tabulate.

NAS-Bench-301's idea in our formats. ``nasbench surrogates build darts <dataset>`` trains one
XGBoost model per metric on the imported ``darts`` table (:func:`build_surrogates`), saves it
as XGBoost JSON plus the target transform as JSON, and lists every file's sha256 in the
model card. The store copies those files into its build (``models/<space>/<stem>/``) and the
``source="surrogate"`` table (:class:`nasbench.store.ModelSurrogateTable`) predicts on
demand, for evaluated and never-evaluated archs alike. Nothing is pickled, and nothing is
cached but the loaded boosters of one immutable build.

Prediction of metric ``m`` for archs ``A`` (what ``query`` / ``query_many`` return)::

    x = encode(space, parse(A), encoding, cells)   # darts: space.onehot, float64 (n, 152)
    z = booster.inplace_predict(x)                 # float32, the model's transformed target
    y = transform.inverse(z)                       # m.transform.json (rank or standardize)
    value = exp(y) if the card's target is "log(seed mean)" else y
    noise_std = interp(value, centres, std)        # the card's noise model; NaN if none

``parse`` is the space's canonical form (darts: each node's two edges sorted by input), so
equivalent genotypes get one feature row and one prediction. ``inplace_predict`` on one
thread gives the values ``booster.predict(xgboost.DMatrix(x))`` gives (the build checks it
for every table arch against the trained model) without building a DMatrix per call: about
0.2 ms per model and query on our 2-core machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError

#: Spaces whose surrogate tables are served by the model (no finite ``enumerate``), with
#: the metrics trained by default (those the imported table has).
MODEL_SERVED: dict[str, tuple[str, ...]] = {"darts": ("val_acc", "train_time", "params")}


class SurrogateModelError(NasbenchError, RuntimeError):
    """A saved surrogate model file is missing, changed since its card, or unreadable."""


def model_files(entry: Mapping[str, Any]) -> list[str]:
    """File names one metric's card entry needs for serving (model, then transform)."""
    return [str(entry["model_file"]), str(entry["transform_file"])]


class ServedModels:
    """The saved models of one surrogate, predicting any arch of ``space``.

    Args:
        space: the full search space (not restricted to a table's archs).
        metrics: metric -> its model card entry (``model_file``, ``transform_file``,
            ``target``, ``params``, ``noise_model``).
        blobs: file name -> bytes of every file :func:`model_files` lists, already checked.
    """

    def __init__(self, space: Any, metrics: Mapping[str, Mapping[str, Any]],
                 blobs: Mapping[str, bytes]) -> None:
        import json

        from nasbench.predictors._targets import transform_from_dict
        from nasbench.predictors._xgb import import_xgboost

        xgb = import_xgboost()
        self.space = space
        self.metrics = tuple(metrics)
        self._boosters: dict[str, Any] = {}
        self._transforms: dict[str, Any] = {}
        self._log: dict[str, bool] = {}
        self._noise: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        first = next(iter(metrics.values()), {}).get("params", {})
        self._encoding = str(first.get("encoding", "default"))
        self._cells = str(first.get("cells", "merged"))
        for m, e in metrics.items():
            p = e.get("params", {})
            if (p.get("encoding", "default"), p.get("cells", "merged")) != (
                    self._encoding, self._cells) or p.get("features", "arch") != "arch":
                raise SurrogateModelError(f"Surrogate metric {m!r}: every served model must "
                                          "use one encoding of the arch alone; retrain with "
                                          "`nasbench surrogates build`.")
            name, tname = model_files(e)
            try:
                booster = xgb.Booster()
                booster.load_model(bytearray(blobs[name]))
                booster.set_param({"nthread": 1})  # one-row queries: threads only cost
                doc = json.loads(blobs[tname].decode("utf-8"))
                self._transforms[m] = transform_from_dict(doc["target_transform"])
            except (xgb.core.XGBoostError, ValueError, KeyError, TypeError) as exc:
                raise SurrogateModelError(f"Surrogate model file {name} or {tname} of metric "
                                          f"{m!r} is unreadable ({type(exc).__name__}); "
                                          "retrain with `nasbench surrogates build`.") from None
            self._boosters[m] = booster
            self._log[m] = str(e.get("target", "")).startswith("log")
            noise = e.get("noise_model", {})
            self._noise[m] = ((np.asarray(noise["centres"], dtype=np.float64),
                               np.asarray(noise["std"], dtype=np.float64))
                              if noise.get("centres") else None)

    @classmethod
    def from_folder(cls, folder: Path, space: Any, metrics: Mapping[str, Mapping[str, Any]],
                    sha256: Mapping[str, str], fix: str) -> ServedModels:
        """Read the files of ``metrics`` from ``folder``, each checked against ``sha256``
        (name -> hex digest) before it is parsed; ``fix`` ends the error message."""
        blobs: dict[str, bytes] = {}
        for e in metrics.values():
            for name in model_files(e):
                path = folder / name
                try:
                    data = path.read_bytes()
                except OSError:
                    raise SurrogateModelError(f"Surrogate model file {path} is missing or "
                                              f"unreadable. {fix}") from None
                want = sha256.get(name)
                if want is None or hashlib.sha256(data).hexdigest() != want:
                    state = ("has no recorded sha256" if want is None
                             else "changed since its model card was written (sha256 differs)")
                    raise SurrogateModelError(f"Surrogate model file {path} {state}. {fix}")
                blobs[name] = data
        return cls(space, metrics, blobs)

    @property
    def encoding(self) -> str:
        """The predictors' ``encoding`` parameter the features use."""
        return self._encoding

    def parse(self, archs: Sequence[Any], encoding: str | None = None) -> list[Any]:
        """Canonical archs of ``archs``; a bad one raises the space's error with its
        input position."""
        from nasbench.errors import InvalidArchitectureError

        parse = self.space.parse
        try:
            return [parse(a, encoding) for a in archs]
        except InvalidArchitectureError:
            for i, a in enumerate(archs):
                try:
                    parse(a, encoding)
                except InvalidArchitectureError as exc:
                    raise InvalidArchitectureError(f"{exc} (input position {i})") from None
            raise

    def features(self, parsed: Sequence[Any]) -> np.ndarray:
        """Model inputs of canonical archs: float64, shape (n, d)."""
        from nasbench.predictors._encodings import encode

        return encode(self.space, list(parsed), self._encoding, self._cells)

    def predict(self, metric: str, x: np.ndarray) -> np.ndarray:
        """Predicted ``metric`` (its unit; the seed mean) of feature rows ``x``: (n,)."""
        z = self._boosters[metric].inplace_predict(x, validate_features=False)
        y = np.asarray(self._transforms[metric].inverse(z), dtype=np.float64)
        return np.exp(y) if self._log[metric] else y

    def noise_std(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Seed-to-seed std of the noise model at predicted ``values``; NaN if none."""
        noise = self._noise[metric]
        if noise is None:
            return np.full(len(values), np.nan)
        return np.interp(values, noise[0], noise[1])
