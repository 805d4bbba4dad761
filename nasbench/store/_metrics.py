"""The metric registry: what every column of every table means.

Contract: a recipe declares one :class:`MetricInfo` per column it makes (next to the code that
makes it, in ``nasbench/recipes/``); the builder writes them into the catalog and nothing else
invents semantics. Readers get them back with ``Table.describe(metric)`` or, in SQL,
``SELECT * FROM catalog_metrics``. The harness decides what an optimizer may observe from
:attr:`MetricInfo.split`, and which random-architecture statistic scores are relative to from
:attr:`MetricInfo.baseline`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nasbench.errors import NasbenchError

#: Data split a value was evaluated on. ``none`` for costs that are not evaluations
#: (parameters, FLOPs, latency, energy).
SPLITS = ("train", "valid", "test", "none")
#: Statistic of a uniformly random architecture that scores are measured against:
#: ``mean`` for well-behaved metrics, ``median`` for heavy-tailed ones whose mean is
#: dominated by a few diverged runs (FCNet validation MSE).
BASELINES = ("mean", "median")
DIRECTIONS = ("max", "min")


@dataclass(frozen=True)
class MetricInfo:
    """Semantics of one metric column.

    Attributes:
        name: canonical column name.
        unit: ``"percent"``, ``"seconds"``, ``"millions"``, ``"mse"``, ``"joules"`` ...
        direction: ``"max"`` or ``"min"`` (which value is better).
        split: data split the value was evaluated on, one of :data:`SPLITS`. A search
            algorithm may observe ``train`` / ``valid`` / ``none`` metrics; ``test`` needs an
            explicit, recorded opt-in.
        protocol: what the model was trained on and evaluated on, in words.
        budget: the training budget the value belongs to (e.g. ``"200 epochs"``).
        source: key of the source in the manifest (``nasbench/data/sources.json``).
        per_seed: whether the source gives one value per training seed (else one per arch).
        description: anything else a user must know.
        baseline: random-architecture statistic for relative scores, one of :data:`BASELINES`.
        schedule: training schedule the column belongs to (``"200"`` epochs for NB201);
            empty where the benchmark has a single schedule.
    """

    name: str
    unit: str
    direction: str
    split: str
    protocol: str
    budget: str
    source: str
    per_seed: bool
    description: str = ""
    baseline: str = "mean"
    schedule: str = ""

    def __post_init__(self) -> None:
        for field, value, valid in (("split", self.split, SPLITS),
                                    ("direction", self.direction, DIRECTIONS),
                                    ("baseline", self.baseline, BASELINES)):
            if value not in valid:
                raise NasbenchError(f"The {field!r} of metric {self.name!r} must be one of "
                                    f"{', '.join(valid)}. Got {value!r} instead.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricInfo:
        return cls(**data)
