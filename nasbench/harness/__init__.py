"""The fair-comparison harness: run search algorithms on the tables under an honest protocol
and score them against random architectures and random search.

>>> from nasbench import harness
>>> df = harness.run("rea", "nb201/cifar10", budget=200, seed=0)   # doctest: +SKIP
>>> df[["step", "observed", "incumbent_score"]].tail(1)             # doctest: +SKIP

See ``docs/harness.md`` for the protocol, the scores and the runner.
"""

from __future__ import annotations

from nasbench.harness import optimizers as _builtin  # noqa: F401  (registers the built-ins)
from nasbench.harness._analysis import Analysis, analyse, sample_efficiency
from nasbench.harness._base import BatchOptimizer, Optimizer, VectorizedOptimizer
from nasbench.harness._baseline import (
    Distribution,
    expected_best_of_k,
    random_search_distribution,
    relative_improvement,
    score_baseline,
)
from nasbench.harness._demo import demo_comparison
from nasbench.harness._digest import Digest, digest_runs
from nasbench.harness._guard import TestDataLeakError
from nasbench.harness._index import SpaceIndex
from nasbench.harness._mo import observed_front, run_mo
from nasbench.harness._registry import OPTIMIZERS, UnknownOptimizerError, register
from nasbench.harness._report import build_report, write_report
from nasbench.harness._run import run, run_seeds
from nasbench.harness._runner import GridSpec, load_results, run_grid, run_missing
from nasbench.harness._scores import anytime, compare_to_baseline, final_scores
from nasbench.harness._subspace import SubSpace

__all__ = [
    "OPTIMIZERS",
    "Analysis",
    "BatchOptimizer",
    "Digest",
    "Distribution",
    "GridSpec",
    "Optimizer",
    "SpaceIndex",
    "SubSpace",
    "TestDataLeakError",
    "UnknownOptimizerError",
    "VectorizedOptimizer",
    "analyse",
    "anytime",
    "build_report",
    "compare_to_baseline",
    "demo_comparison",
    "digest_runs",
    "expected_best_of_k",
    "final_scores",
    "load_results",
    "observed_front",
    "random_search_distribution",
    "register",
    "relative_improvement",
    "run",
    "run_grid",
    "run_missing",
    "run_mo",
    "run_seeds",
    "sample_efficiency",
    "score_baseline",
    "write_report",
]
