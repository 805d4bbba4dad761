"""Multi-objective runs (e.g. validation accuracy vs latency) scored by hypervolume.

Protocol: every evaluation observes all objectives from ONE training seed drawn at random
(latency and similar metrics are the same for every seed). The optimizer's front is the set
of evaluated archs that are non-dominated under the *observed* values; it is scored with the
archs' *mean* values. Objectives are normalised to utilities in [0, 1] with the table's best
value at 1 and worst at 0; the hypervolume reference point is the worst value of every
objective over the table (the utility origin). ``hv_ratio`` divides by the hypervolume of the
table's true Pareto front (means), so 1.0 means the true front was found.

Objectives are named by column, aliases resolved (``energy`` ->
``energy_cuda_h100_cudagraph_b64``): the one way the harness names them everywhere, as
``Table.query_many`` does. When an objective is missing for some cells the run is restricted
to the cells that have every objective (a :class:`~nasbench.harness._subspace.SubSpace`) and
says so (``n_cells`` of ``n_table_cells``), or refused with ``partial="refuse"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.harness._base import resolve_seed
from nasbench.harness._guard import check_metric, check_optimizer, sealed
from nasbench.harness._index import SpaceIndex
from nasbench.harness._oracle import search_space
from nasbench.harness._pareto_hv import hypervolume, non_dominated_ranks
from nasbench.harness._registry import get_optimizer
from nasbench.harness._run import open_table
from nasbench.harness._streams import EVALUATION, generator
from nasbench.harness._subspace import SubSpace

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_OBJECTIVES = {"val_acc": "max", "latency": "min"}
#: What ``run_mo`` does when an objective is missing for some cells.
PARTIAL = ("restrict", "refuse")


def resolve_objectives(table: Any, objectives: Mapping[str, str] | None
                       ) -> tuple[dict[str, str], dict[str, str]]:
    """``({column: direction}, {name used: column})``: aliases (``energy``) resolved to the
    column they stand for, the one way every harness function names objectives (the names
    ``Table.query_many`` returns). Directions must be ``"max"`` or ``"min"``."""
    objectives = dict(objectives or DEFAULT_OBJECTIVES)
    if len(objectives) < 2:
        raise ValueError("A multi-objective run needs at least two objectives, e.g. "
                         "{'val_acc': 'max', 'latency': 'min'}.")
    out: dict[str, str] = {}
    names: dict[str, str] = {}
    for m, sense in objectives.items():
        if sense not in ("max", "min"):
            raise ValueError(f"The direction of objective {m!r} must be 'max' or 'min'. Got "
                             f"{sense!r} instead.")
        col = str(table.describe(m)["name"])
        if col in out:
            same = [k for k, c in names.items() if c == col]
            raise ValueError(f"Objectives {', '.join(same)} and {m!r} are the same column "
                             f"{col!r}.")
        out[col], names[m] = sense, col
    return out, names


def describe_objectives(objectives: Mapping[str, str]) -> str:
    """``"val_acc max, latency min"`` (the report's wording comes from the objectives)."""
    return ", ".join(f"{m} {sense}" for m, sense in objectives.items())


def complete_cells(table: Any, columns: Sequence[str], index: SpaceIndex) -> np.ndarray:
    """Mask over ``index`` positions of the archs that have a value of every column."""
    perm = table.rows(index.archs)
    ok = np.ones(len(index), bool)
    for m in columns:
        ok &= ~np.isnan(table.array(m)[perm])
    return ok


class Objectives:
    """Per-seed values and normalisation of several metrics of one table, index-aligned.

    ``objectives`` maps metric names to ``"max"``/``"min"`` (aliases are resolved to their
    columns, which :attr:`names` lists); every arch of ``index`` should have a value of every
    objective (:func:`run_mo` restricts the index to those archs).
    """

    def __init__(self, table: Any, objectives: Mapping[str, str], index: SpaceIndex,
                 allow_test: bool = False) -> None:
        self.names = [str(table.describe(m)["name"]) for m in objectives]
        self.splits = [check_metric(m, table, allow_test, role="objective") for m in self.names]
        self.signs = np.array([1.0 if objectives[m] == "max" else -1.0 for m in objectives])
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
        j = min(int(u * n), max(n - 1, 0))
        out = np.array([v[pos, j] for v in self.seed_vals])
        return np.where(np.isnan(out), self.means[pos], out)

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Raw values (m, k) -> utilities in [0, 1], larger is better."""
        return (self.signs * raw - self.lo) / np.where(self.hi > self.lo, self.hi - self.lo, 1)


def run_mo(optimizer: str | type[Any], table: Any, budget: int, seed: int | None = None, *,
           objectives: Mapping[str, str] | None = None, allow_test_metric: bool = False,
           partial: str = "restrict", progress: bool | None = None, **params: Any
           ) -> pd.DataFrame:
    """One multi-objective run; returns one row per evaluation with the observed values
    (``obs_<column>``), the front found so far (``front_size``) and its normalised
    ``hypervolume`` and ``hv_ratio`` scored on mean values (see the module docstring).

    Args:
        objectives: metric -> ``"max"``/``"min"`` (default val_acc max, latency min).
            Aliases (``energy``) are resolved to their column, which names the ``obs_``
            column (``df.attrs["aliases"]`` keeps the names used).
        allow_test_metric: permit objectives whose catalog split is ``"test"``; recorded in
            the ``test_objectives`` column and stated in the report.
        partial: when some cells lack an objective (measured energy covers 2,057 of NB201's
            15,625 cells), ``"restrict"`` runs on the cells that have every objective (the
            optimizer's space is that subset; ``n_cells`` / ``df.attrs["cells"]`` say so) and
            ``"refuse"`` raises instead.
    """
    import pandas as pd

    if partial not in PARTIAL:
        raise ValueError(f"The 'partial' parameter must be one of {', '.join(PARTIAL)}. Got "
                         f"{partial!r} instead.")
    table = open_table(table)
    tab = f"{table.space_name}/{table.dataset}"
    columns, aliases = resolve_objectives(table, objectives)
    for m in columns:  # refuse test objectives before anything else is computed
        check_metric(m, table, allow_test_metric, role="objective")
    seed = resolve_seed(seed)
    space = search_space(table)
    index = SpaceIndex.of(space)
    n_table = len(index)
    ok = complete_cells(table, list(columns), index)
    n_cells = int(ok.sum())
    cells = f"all {n_table:,} cells"
    if n_cells < n_table:
        lacking = [m for m in columns if np.isnan(table.array(m)).any()]
        cells = f"{n_cells:,} of {n_table:,} cells that have every objective"
        if n_cells < 2:
            raise ValueError(f"Objective(s) {', '.join(lacking)} of table {tab} leave "
                             f"{n_cells} cell(s) with every objective; nothing to search.")
        if partial == "refuse":
            raise ValueError(
                f"Objective(s) {', '.join(lacking)} of table {tab} have values for only "
                f"{n_cells:,} of its {n_table:,} cells. Pass partial='restrict' to run on the "
                "cells that have every objective (stated in the result and the report), or "
                "choose objectives measured for every cell.")
        space = SubSpace(space, [a for a, keep in zip(index.archs, ok) if keep],
                         reason=f"cells of {tab} with {', '.join(lacking)}")
        index = SpaceIndex.of(space)
    obj = Objectives(table, columns, index, allow_test=allow_test_metric)
    cls = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    if not getattr(cls, "multi_objective", False):  # adapters carry an MO twin
        cls = getattr(cls, "multi_objective_variant", cls)
    if not getattr(cls, "multi_objective", False):
        raise ValueError(f"Optimizer {cls.name!r} is single-objective; multi-objective ones: "
                         "mo_rs, nsga2.")
    where = f"{cls.name} on {tab}"
    with sealed(f"building {cls.name} for {tab}"):
        opt = cls(space, seed=seed, directions=list(columns.values()),  # type: ignore[call-arg]
                  **params)
    check_optimizer(opt, where, table)
    rng = generator(seed, EVALUATION)
    pos = np.empty(budget, np.intp)
    raw = np.empty((budget, len(obj.names)))
    ask, tell = f"{where}: ask", f"{where}: tell"
    from nasbench.harness._progress import bar

    with bar(budget, where, unit="eval", progress=progress) as steps:
        for t in range(budget):
            with sealed(ask):
                arch = opt.ask()
            pos[t] = index.position(arch)
            raw[t] = obj.observe(int(pos[t]), float(rng.random()))
            with sealed(tell):
                opt.tell(arch, tuple(raw[t].tolist()))
            steps.update(1)
    check_optimizer(opt, where, table)
    hv, size = _anytime_hv(obj, pos, raw)
    test_obj = ",".join(m for m, sp in zip(obj.names, obj.splits) if sp == "test")
    data: dict[str, Any] = {"optimizer": cls.name, "table": tab, "seed": seed,
                            "step": np.arange(1, budget + 1), "arch": obj.strings[pos]}
    for j, m in enumerate(obj.names):
        data[f"obs_{m}"] = raw[:, j]
    data.update(front_size=size, hypervolume=hv, hv_ratio=hv / obj.true_hv,
                objectives=",".join(f"{m}:{d}" for m, d in columns.items()),
                n_cells=n_cells, n_table_cells=n_table, test_objectives=test_obj)
    df = pd.DataFrame(data)
    df.attrs.update(objectives=columns, aliases=aliases, true_hypervolume=obj.true_hv,
                    cells=f"run on {cells}", allow_test_metric=bool(allow_test_metric))
    return df


def parse_objectives(text: str) -> dict[str, str]:
    """``"val_acc:max,energy:min"`` -> ``{"val_acc": "max", "energy": "min"}``."""
    out: dict[str, str] = {}
    for item in (i.strip() for i in str(text).split(",") if i.strip()):
        name, sep, sense = item.rpartition(":")
        if not sep or not name or sense not in ("max", "min"):
            raise ValueError(f"Bad objective {item!r}: write METRIC:max or METRIC:min, e.g. "
                             "val_acc:max,latency:min.")
        out[name] = sense
    return out


def frame_objectives(df: pd.DataFrame) -> dict[str, str]:
    """The objectives ``{column: direction}`` of MO rows ``df`` (one objective set)."""
    if "objectives" in df and len(df):
        values = df["objectives"].dropna().unique()
        if len(values) > 1:
            raise ValueError(f"These multi-objective rows mix objective sets {list(values)}; "
                             "pass the rows of one of them.")
        return parse_objectives(str(values[0]))
    names = [c[4:] for c in df.columns if c.startswith("obs_")]
    if names == list(DEFAULT_OBJECTIVES):
        return dict(DEFAULT_OBJECTIVES)
    raise ValueError("These multi-objective rows have no 'objectives' column; pass "
                     "objectives=.")


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
    """The final front of one MO run (observed non-dominated archs) with their mean values,
    one column per objective under its column name (aliases resolved, as ``query_many``
    names them). ``objectives`` defaults to the run's own (its ``objectives`` column)."""
    objectives, _ = resolve_objectives(table, objectives or frame_objectives(df))
    names = list(objectives)
    signs = np.array([1.0 if objectives[m] == "max" else -1.0 for m in names])
    u = signs * df[[f"obs_{m}" for m in names]].to_numpy()
    keep = df[non_dominated_ranks(u) == 0].drop_duplicates("arch")
    means = table.query_many(list(keep["arch"]), metrics=names)
    return means.sort_values(names[0], ascending=objectives[names[0]] == "min",
                             ignore_index=True)
