"""Ensembles: average several predictors (different models, or one model under many seeds).

The mean is the average of the members' predictions; ``std`` combines the spread between
members with the members' own predictive std where they have one:
``std^2 = mean_i(std_i^2) + var_i(mean_i)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.predictors._base import Predictor, child_seed
from nasbench.spaces import SearchSpace

Member = str | tuple[str, Mapping[str, Any]]


class EnsemblePredictor(Predictor):
    """Average of ``members`` (names, or ``(name, params)`` pairs), each ``n_seeds`` times.

    Args:
        members: default ``("gp", "wl_gp", "xgb")``, the most accurate combination we
            measured on NB201 (docs/predictors.md).
        n_seeds: copies of each member with different seeds (``5`` x ``"mlp"`` is BANANAS'
            ensemble).
        bootstrap: fit each copy on a bootstrap resample of the training set.
        cells: passed to every member that takes ``cells`` (unless its params set it):
            ``"merged"`` (default) or ``"raw"``.
        features: passed to every member that takes ``features`` (``xgb``) unless its
            params set it: ``"arch"`` (default) or ``"zc"`` (our NB201 proxy features).
    """

    name = "ensemble"
    has_std = True

    def __init__(self, *, space: SearchSpace | str, seed: int | None = None,
                 members: Sequence[Member] = ("gp", "wl_gp", "xgb"), n_seeds: int = 1,
                 bootstrap: bool = False, cells: str = "merged",
                 features: str = "arch") -> None:
        super().__init__(space=space, seed=seed)
        self.members = members
        self.n_seeds = n_seeds
        self.bootstrap = bootstrap
        self.cells = cells
        self.features = features

    def _fit(self, archs: list[Any], y: np.ndarray, rng: np.random.Generator) -> None:
        from nasbench.predictors._registry import PREDICTORS, create
        from nasbench.predictors._wl import check_cells

        check_cells(self.cells)

        if not self.members or int(self.n_seeds) < 1:
            raise ValueError("An ensemble needs at least one member and n_seeds >= 1. Got "
                             f"members={self.members!r}, n_seeds={self.n_seeds!r}.")
        self.members_: list[Predictor] = []
        for _ in range(int(self.n_seeds)):
            for member in self.members:
                name, given = (member, {}) if isinstance(member, str) else member
                params = dict(given)
                cls = PREDICTORS.get(name)
                if cls is not None and "cells" in cls._param_names():
                    params.setdefault("cells", self.cells)
                if cls is not None and "features" in cls._param_names():
                    params.setdefault("features", self.features)
                model = create(name, self._space(), seed=child_seed(rng), **params)
                if self.bootstrap:
                    idx = rng.integers(0, len(archs), size=len(archs))
                    model.fit([archs[i] for i in idx], y[idx])
                else:
                    model.fit(archs, y)
                self.members_.append(model)

    def _predict(self, archs: list[Any], return_std: bool) -> tuple[np.ndarray, Any]:
        means, variances = [], []
        for model in self.members_:
            if return_std and model.has_std:
                m, s = model.predict(archs, return_std=True)
                variances.append(s * s)
            else:
                m = model.predict(archs)
            means.append(m)
        stack = np.stack(means)
        mean = stack.mean(axis=0)
        if not return_std:
            return mean, None
        var = stack.var(axis=0)
        if variances:
            var = var + np.mean(variances, axis=0)
        return mean, np.sqrt(var)

    def _export(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        files = {}
        for i, model in enumerate(self.members_):
            for name, data in model._files().items():
                files[f"members/{i}/{name}"] = data
        return {"n_fitted_members": len(self.members_)}, {}, files

    def _import(self, state: dict[str, Any], arrays: dict[str, np.ndarray],
                folder: Path) -> None:
        self.members_ = [Predictor.load(folder / "members" / str(i))
                         for i in range(int(state["n_fitted_members"]))]
