"""Multi-objective runs (e.g. validation accuracy vs latency) scored by hypervolume.

Protocol: every evaluation observes all objectives from ONE training seed drawn at random
(latency and similar metrics are the same for every seed). The optimizer's front is the set
of evaluated archs that are non-dominated under the *observed* values; it is scored with the
archs' *mean* values. Objectives are normalised to utilities in [0, 1] with the table's best
value at 1 and worst at 0; the hypervolume reference point is the worst value of every
objective over the table (the utility origin). ``hv_ratio`` divides by the hypervolume of the
table's true Pareto front (means), so 1.0 means the true front was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.harness._base import resolve_seed
from nasbench.harness._guard import check_metric, check_optimizer
from nasbench.harness._index import SpaceIndex
from nasbench.harness._oracle import search_space
from nasbench.harness._pareto_hv import hypervolume, non_dominated_ranks
from nasbench.harness._registry import get_optimizer
from nasbench.harness._run import open_table
from nasbench.harness._streams import EVALUATION, generator

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_OBJECTIVES = {"val_acc": "max", "latency": "min"}


class Objectives:
    """Per-seed values and normalisation of several metrics of one table, index-aligned."""

    def __init__(self, table: Any, objectives: Mapping[str, str], index: SpaceIndex) -> None:
        self.names = list(objectives)
        for m in self.names:
            check_metric(m, table)
            table.direction(m)
        self.signs = np.array([1.0 if objectives[m] == "max" else -1.0 for m in self.names])
        perm = table.rows(index.archs)
        self.seed_vals = [table.seed_array(m)[perm] for m in self.names]
        self.means = np.stack([table.array(m)[perm] for m in self.names], axis=1)
        self.n_valid = (~np.isnan(self.seed_vals[0])).sum(axis=1)
        util = self.signs * self.means
        self.lo, self.hi = np.nanmin(util, axis=0), np.nanmax(util, axis=0)
        self.strings = table.arch_strings()[perm]
        self.true_hv = hypervolume(self.normalise(self.means), np.zeros(len(self.names)))

    def observe(self, pos: int, u: float) -> np.ndarray:
        """Raw values of every objective for ``pos`` from one random seed: shape (k,)."""
        n = int(self.n_valid[pos])
        j = min(int(u * n), n - 1)
        out = np.array([v[pos, j] for v in self.seed_vals])
        return np.where(np.isnan(out), self.means[pos], out)

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Raw values (m, k) -> utilities in [0, 1], larger is better."""
        return (self.signs * raw - self.lo) / np.where(self.hi > self.lo, self.hi - self.lo, 1)


def run_mo(optimizer: str | type[Any], table: Any, budget: int, seed: int | None = None, *,
           objectives: Mapping[str, str] | None = None, **params: Any) -> pd.DataFrame:
    """One multi-objective run; returns one row per evaluation with the observed values
    (``obs_<metric>``), the front found so far (``front_size``) and its normalised
    ``hypervolume`` and ``hv_ratio`` scored on mean values (see the module docstring)."""
    import pandas as pd

    table = open_table(table)
    objectives = dict(objectives or DEFAULT_OBJECTIVES)
    seed = resolve_seed(seed)
    space = search_space(table)
    index = SpaceIndex.of(space)
    obj = Objectives(table, objectives, index)
    cls = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    if not getattr(cls, "multi_objective", False):
        raise ValueError(f"Optimizer {cls.name!r} is single-objective; multi-objective ones: "
                         "mo_rs, nsga2.")
    opt = cls(space, seed=seed, directions=[objectives[m] for m in obj.names],  # type: ignore[call-arg]
              **params)
    check_optimizer(opt, f"{cls.name} on {table.space_name}/{table.dataset}")
    rng = generator(seed, EVALUATION)
    pos = np.empty(budget, np.intp)
    raw = np.empty((budget, len(obj.names)))
    for t in range(budget):
        arch = opt.ask()
        pos[t] = index.position(arch)
        raw[t] = obj.observe(int(pos[t]), float(rng.random()))
        opt.tell(arch, tuple(raw[t].tolist()))
    check_optimizer(opt, cls.name)
    hv, size = _anytime_hv(obj, pos, raw)
    data: dict[str, Any] = {"optimizer": cls.name,
                            "table": f"{table.space_name}/{table.dataset}", "seed": seed,
                            "step": np.arange(1, budget + 1), "arch": obj.strings[pos]}
    for j, m in enumerate(obj.names):
        data[f"obs_{m}"] = raw[:, j]
    data.update(front_size=size, hypervolume=hv, hv_ratio=hv / obj.true_hv)
    df = pd.DataFrame(data)
    df.attrs.update(objectives=objectives, true_hypervolume=obj.true_hv)
    return df


def _anytime_hv(obj: Objectives, pos: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    util_obs = obj.signs * raw
    hv = np.empty(len(pos))
    size = np.empty(len(pos), np.int64)
    front: list[int] = []
    for t in range(len(pos)):
        cand = front + [t]
        ranks = non_dominated_ranks(util_obs[cand])
        front = [c for c, r in zip(cand, ranks) if r == 0]
        archs = np.unique(pos[front])
        hv[t] = hypervolume(obj.normalise(obj.means[archs]), np.zeros(len(obj.names)))
        size[t] = len(archs)
    return hv, size


def observed_front(df: pd.DataFrame, table: Any, objectives: Mapping[str, str] | None = None
                   ) -> pd.DataFrame:
    """The final front of one MO run (observed non-dominated archs) with their mean values."""
    objectives = dict(objectives or DEFAULT_OBJECTIVES)
    names = list(objectives)
    signs = np.array([1.0 if objectives[m] == "max" else -1.0 for m in names])
    u = signs * df[[f"obs_{m}" for m in names]].to_numpy()
    keep = df[non_dominated_ranks(u) == 0].drop_duplicates("arch")
    means = table.query_many(list(keep["arch"]), metrics=names)
    return means.sort_values(names[0], ascending=objectives[names[0]] == "min",
                             ignore_index=True)
