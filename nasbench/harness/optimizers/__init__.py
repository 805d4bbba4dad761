"""Built-in search algorithms; each module registers its class in ``OPTIMIZERS``."""

from __future__ import annotations

from nasbench.harness._registry import register
from nasbench.harness.optimizers._de import DifferentialEvolution
from nasbench.harness.optimizers._ls import LocalSearch
from nasbench.harness.optimizers._model import BOWL, BOZC, Bananas, NeuralPredictor
from nasbench.harness.optimizers._nsga2 import NSGA2, MORandomSearch
from nasbench.harness.optimizers._random import RandomSearch
from nasbench.harness.optimizers._rea import RegularizedEvolution
from nasbench.harness.optimizers._robot import RoBoT  # noqa: F401 (registers itself)

for _cls in (RandomSearch, RegularizedEvolution, LocalSearch, DifferentialEvolution,
             BOWL, BOZC, NeuralPredictor, Bananas, MORandomSearch, NSGA2):
    register(_cls)

__all__ = [
    "BOWL",
    "BOZC",
    "NSGA2",
    "Bananas",
    "NeuralPredictor",
    "DifferentialEvolution",
    "LocalSearch",
    "MORandomSearch",
    "RandomSearch",
    "RegularizedEvolution",
]
