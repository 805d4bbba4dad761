"""The NATS-Bench protocol as a named harness protocol (``protocol="nats"``).

NATS-Bench (Dong et al., TPAMI 2021, and its API's ``simulate_train_eval``) benchmarks search
algorithms this way: each evaluation observes the **12-epoch validation accuracy of one
random training seed**, costs that run's **12-epoch training time plus one validation
epoch**, the search stops when the simulated time exceeds the dataset's budget (20,000 s
on CIFAR-10, 40,000 s on CIFAR-100, 120,000 s on ImageNet16-120), and the result is the
**200-epoch test accuracy of the incumbent** (the main schedule's ``test_acc``).

:func:`nats_view` presents an imported table under that protocol: ``val_acc`` is
``val_acc@12``, ``train_time`` is ``train_time@12 + val_time@12 / 12`` (per seed, from the
same run), ``test_acc`` the main schedule's; the harness runs on it unchanged
(:func:`run_nats`). The columns come from the official files (``nasbench import nats-tss``
/ ``nats-sss`` / ``nb201-pth``, see docs/importing.md); a table without them says which
file to import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench.errors import NasbenchError

#: NATS-Bench's default search budgets in simulated seconds, per our dataset (table) name.
NATS_BUDGETS: dict[str, float] = {"cifar10": 20_000.0, "cifar100": 40_000.0,
                                  "imagenet16-120": 120_000.0}
#: The schedule whose validation accuracy is observed, and its number of epochs.
SEARCH_SCHEDULE = "12"
_NEEDS = (f"val_acc@{SEARCH_SCHEDULE}", f"train_time@{SEARCH_SCHEDULE}",
          f"val_time@{SEARCH_SCHEDULE}", "test_acc")
_FILES = {"nb201": ("nats-tss", "NATS-tss-v1_0-3ffb9-simple (or NAS-Bench-201's .pth with "
                    "nb201-pth)"),
          "nats_sss": ("nats-sss", "NATS-sss-v1_0-50262-simple")}


class ProtocolError(NasbenchError, ValueError):
    """A table that lacks what a named protocol needs (says which file to import)."""


class NatsView:
    """A table under the NATS-Bench protocol (see the module docstring); everything not
    listed here is the underlying table's."""

    protocol = "nats"

    def __init__(self, table: Any) -> None:
        space = table.space_name
        missing = [m for m in _NEEDS if m not in table.metrics]
        if missing:
            source, path = _FILES.get(space, ("nats-tss", "NATS-tss-v1_0-3ffb9-simple"))
            where = f"{space}/{table.dataset}"
            hint = (f"import the official NATS-Bench file: nasbench import {source} {path} "
                    "(docs/importing.md)") if space in _FILES else (
                "it applies to the NATS-Bench tables (nb201, nats_sss)")
            raise ProtocolError(f"protocol='nats' needs {', '.join(missing)} on table {where}, "
                                f"which it lacks: {hint}.")
        self._table = table
        self.metrics = ["val_acc", "train_time", "test_acc"]
        self._cols = {"val_acc": f"val_acc@{SEARCH_SCHEDULE}", "test_acc": "test_acc"}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"NatsView({self._table!r})"

    def _column(self, metric: str) -> str:
        if metric not in self.metrics:
            raise NasbenchError(f"Under protocol='nats' the table shows {', '.join(self.metrics)}"
                                f"; got {metric!r}.")
        return self._cols.get(metric, metric)

    def seed_array(self, metric: str) -> np.ndarray:
        if metric == "train_time":
            t = self._table
            per_epoch_val = t.seed_array(f"val_time@{SEARCH_SCHEDULE}") / int(SEARCH_SCHEDULE)
            return np.asarray(t.seed_array(f"train_time@{SEARCH_SCHEDULE}") + per_epoch_val)
        return np.asarray(self._table.seed_array(self._column(metric)))

    def array(self, metric: str, seed: str | int = "mean") -> np.ndarray:
        if metric != "train_time":
            return np.asarray(self._table.array(self._column(metric), seed))
        values = self.seed_array(metric)
        if seed == "mean":
            with np.errstate(invalid="ignore"):
                return np.asarray(np.nanmean(values, axis=1))
        return np.asarray(values[:, int(seed)])

    def describe(self, metric: str) -> dict[str, Any]:
        if metric == "train_time":
            info = dict(self._table.describe(f"train_time@{SEARCH_SCHEDULE}"))
            info.update(name="train_time", description=(
                "NATS-Bench protocol cost: the 12-epoch run's training time plus one "
                "validation epoch (train-all-time + valid-per-time)"))
            return info
        info = dict(self._table.describe(self._column(metric)))
        info["name"] = metric
        return info

    def direction(self, metric: str) -> str:
        return str(self.describe(metric)["direction"])


def nats_view(table: Any) -> NatsView:
    """``table`` (a :class:`~nasbench.Table` or ``"space/dataset"``) under the NATS protocol."""
    from nasbench.harness._run import open_table

    return table if isinstance(table, NatsView) else NatsView(open_table(table))


def nats_budget(table: Any) -> float:
    """NATS-Bench's default budget (simulated seconds) of ``table``'s dataset."""
    dataset = table.dataset
    if dataset not in NATS_BUDGETS:
        raise ProtocolError(f"NATS-Bench defines no default budget for {dataset!r} (it has "
                            f"{', '.join(NATS_BUDGETS)}); pass budget= in seconds.")
    return NATS_BUDGETS[dataset]


def run_nats(optimizer: Any, table: Any, seed: int | None = None, *,
             budget: float | None = None, n_workers: int = 1, **params: Any) -> Any:
    """:func:`nasbench.harness.run` under the NATS-Bench protocol: observe 12-epoch
    validation accuracy of one random seed, pay its training time plus one validation
    epoch, stop at NATS-Bench's budget for the dataset (or ``budget`` seconds); the
    trajectory's ``incumbent_test`` is the incumbent's 200-epoch test accuracy."""
    from nasbench.harness._run import run

    view = nats_view(table)
    spend = nats_budget(view) if budget is None else budget
    df = run(optimizer, view, spend, seed, metric="val_acc", unit="seconds",
             n_workers=n_workers, **params)
    df.attrs["protocol"] = "nats"
    return df


#: Named protocols ``run(..., protocol=...)`` accepts.
PROTOCOLS = ("nats",)


def apply_protocol(protocol: str, table: Any, budget: float | None, metric: str | None
                   ) -> tuple[NatsView, float, str, str]:
    """What ``run(..., protocol=protocol)`` runs on: (view of the table, budget in seconds,
    unit ``"seconds"``, metric ``"val_acc"``); ``budget=None`` takes the protocol's default."""
    if protocol not in PROTOCOLS:
        from nasbench.errors import unknown_choice_message

        raise ProtocolError(unknown_choice_message("protocol", protocol, PROTOCOLS))
    if metric not in (None, "val_acc"):
        raise ProtocolError(f"protocol='nats' searches on the 12-epoch validation accuracy; "
                            f"metric={metric!r} cannot be combined with it.")
    view = nats_view(table)
    return view, nats_budget(view) if budget is None else float(budget), "seconds", "val_acc"
