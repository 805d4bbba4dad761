"""A surrogate table served by its saved models: every arch of a space too large to tabulate.

Contract: a :class:`ModelSurrogateTable` is a :class:`~nasbench.store.SurrogateTable` whose
catalog entry has a ``model`` section (``nasbench surrogates build darts <dataset>``; see
:mod:`nasbench.predictors._served`). Its rows, and everything read from them (``array``,
``archs``, ``to_pandas``, ``pareto``, SQL, and the harness through :attr:`rows_space`), are
the predictions stored for the archs of the measured table it was trained on, plus the
whole-space sample it was built with (``surrogates build --sample N``).
:meth:`~ModelSurrogateTable.query` and :meth:`~ModelSurrogateTable.query_many` instead
predict from the models in the build for *any* valid arch of :attr:`space` (the whole
space), evaluated or not; for a stored arch the two agree bit for bit (the builder checks
it). The model files are read once when the table is opened, each checked against the
sha256 the catalog records; predictions are never cached. Invalid archs raise the space's
:class:`~nasbench.errors.InvalidArchitectureError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.store import _table
from nasbench.store._table import SurrogateTable, _frame, _generator, _leak_check, _string_array

if TYPE_CHECKING:
    import pandas as pd

NOISE_SUFFIX = "__noise_std"


class ModelSurrogateTable(SurrogateTable):
    """Surrogate predictions for any arch of the space (see the module docstring).

    ``seed="mean"`` (or ``0``, the one stored "seed") returns the model's prediction of the
    seed mean; ``seed="sample"`` adds Gaussian noise with the noise model's std at that
    prediction (``<metric>__noise_std``, also predicted for any arch). No curves, one
    schedule.
    """

    def __init__(self, build_path: Path, entry: dict[str, Any], *, ref: Any = None) -> None:
        from nasbench.predictors._served import ServedModels
        from nasbench.store._store import REPAIR

        super().__init__(build_path, entry, ref=ref)
        model = entry["model"]
        self._served = ServedModels.from_folder(build_path / model["dir"], self.space,
                                                model["metrics"], model["sha256"], REPAIR)

    @property
    def rows_space(self) -> Any:
        """The space restricted to this table's rows (the measured table's archs plus any
        whole-space sample the surrogate was built with, ``surrogates build --sample``):
        what the harness searches, since it needs a space it can enumerate. Built on first
        use."""
        rows = self.__dict__.get("_rows_space")
        if rows is None:
            from nasbench.spaces import SPACES

            make: Any = SPACES[self.space_name]  # DartsSpace(keys=...): a restricted space
            rows = self.__dict__["_rows_space"] = make(keys=np.asarray(self.keys).tolist())
        return rows

    def query(
        self,
        arch: Any,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
        encoding: str | None = None,
        *,
        schedule: str | int | None = None,
        epoch: int | None = None,
    ) -> dict[str, float]:
        """Predicted metrics of one arch of the space, as ``{metric: value}`` (see
        :meth:`Table.query` for the arguments)."""
        if epoch is not None:  # no curves: the base class says so
            return super().query(arch, metrics, seed, rng, encoding, schedule=schedule,
                                 epoch=epoch)
        if schedule is not None:
            metrics = self._scheduled(metrics, schedule)
        names = self._names(metrics)
        values = self._predict([arch], names, seed, rng, encoding, "query")
        return {n: float(values[n][0]) for n in names}

    def query_many(
        self,
        archs: Iterable[Any] | np.ndarray,
        metrics: Sequence[str] | str | None = None,
        seed: str | int = "mean",
        rng: np.random.Generator | int | None = None,
        encoding: str | None = None,
        *,
        schedule: str | int | None = None,
    ) -> pd.DataFrame:
        """Vectorised :meth:`query`: one row per input arch, in input order; an ``arch``
        column (canonical strings) and one float64 column per metric."""
        if schedule is not None:
            metrics = self._scheduled(metrics, schedule)
        items = list(archs) if not isinstance(archs, (list, tuple)) else archs
        names = self._names(metrics)
        values, parsed = self._predict(items, names, seed, rng, encoding, "query_many",
                                       with_archs=True)
        block = np.stack([np.asarray(values[n], dtype=np.float64) for n in names]) if names \
            else np.zeros((0, len(parsed)))
        to_string = self.space.to_string
        return _frame([("arch", _string_array([to_string(a) for a in parsed]))], block, names)

    # ---- internals ----------------------------------------------------------------------

    def _names(self, metrics: Sequence[str] | str | None) -> list[str]:
        """Column names of ``metrics`` (aliases resolved; unknown names raise)."""
        return [self.metrics[c] for c in self._metric_cols(metrics)]

    def _predict(self, archs: Sequence[Any], names: list[str], seed: str | int, rng: Any,
                 encoding: str | None, where: str, with_archs: bool = False) -> Any:
        """``{name: values (n,)}`` for ``archs`` (and the parsed archs if asked)."""
        if _table._leak_sections:
            _leak_check(f"Table.{where}")
        if seed != "sample" and seed != "mean":
            self._check_seed_index(seed)  # 0 is the one stored seed: the prediction itself
        gen = _generator(rng, where) if seed == "sample" else None
        parsed = self._served.parse(archs, encoding)
        x = self._served.features(parsed) if parsed else None
        means: dict[str, np.ndarray] = {}
        out: dict[str, np.ndarray] = {}
        for name in names:
            base = name.removesuffix(NOISE_SUFFIX)
            if base not in self._served.metrics:
                raise NasbenchError(f"Column {name!r} of {self.space_name}/{self.dataset} "
                                    "(surrogate) has no model to predict it with.")
            if base not in means:
                means[base] = (self._served.predict(base, x) if x is not None
                               else np.zeros(0))
            if name.endswith(NOISE_SUFFIX):
                out[name] = self._served.noise_std(base, means[base])
                continue
            value = means[base]
            if gen is not None:
                std = np.nan_to_num(self._served.noise_std(base, value))
                value = value + gen.normal(size=len(value)) * std
            out[name] = value
        return (out, parsed) if with_archs else out
