"""Optuna samplers as harness optimizers: ``"optuna:TPESampler"``, ``"optuna:NSGAIISampler"``.

``pip install 'nasbench[optuna]'``. The spec names any sampler class of the ``optuna.samplers``
module (or a dotted path below ``optuna``, e.g. ``optuna:samplers.GPSampler``); settings go
to the sampler's constructor (``--param optuna:TPESampler.n_startup_trials=20``). Each
harness seed seeds the sampler (``seed=`` of every Optuna sampler, drawn from the run's
optimizer stream), so a run is reproducible.

The search space is the space's categorical fields (:mod:`nasbench.spaces._configspace`):
one ``CategoricalDistribution`` per field that varies; a suggestion that is not an
architecture of the table maps to the nearest one (Hamming distance, first in table order on
ties). The same class speaks both protocols: built with ``direction=`` it is single-objective
(``harness.run``, ``nasbench compare --optimizers optuna:TPESampler``); built with
``directions=`` (``harness.run_mo``, ``--mo optuna:NSGAIISampler``) its ``tell`` takes one
value per objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nasbench.harness._base import Optimizer, check_direction

_DIRECTION = {"max": "maximize", "min": "minimize"}


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        from nasbench.errors import NasbenchError

        raise NasbenchError("The optuna adapter needs Optuna: pip install 'nasbench[optuna]' "
                            "(or pip install optuna).") from None
    return optuna


def sampler_class(name: str) -> Any:
    """The Optuna sampler class ``name`` (``"TPESampler"`` or ``"samplers.TPESampler"``)."""
    optuna = _optuna()
    obj: Any = optuna.samplers if "." not in name else optuna
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            from nasbench.harness._external import ExternalOptimizerError

            names = sorted(n for n in dir(optuna.samplers) if n.endswith("Sampler"))
            raise ExternalOptimizerError(f"optuna has no sampler {name!r}; samplers: "
                                         f"{', '.join(names)}.")
    if not (isinstance(obj, type) and issubclass(obj, optuna.samplers.BaseSampler)):
        from nasbench.harness._external import ExternalOptimizerError

        raise ExternalOptimizerError(f"optuna:{name} is not an Optuna sampler class.")
    return obj


def sampler_optimizer(name: str) -> type[Optimizer]:
    """A harness optimizer class that runs the Optuna sampler ``name`` (named ``optuna:name``)."""
    sampler_class(name)  # fail early on unknown samplers
    short = name.split(".")[-1]
    attrs = {"name": f"optuna:{name}", "sampler_name": name, "__module__": __name__}
    single = type(f"Optuna{short}", (OptunaOptimizer,), dict(attrs))
    single.multi_objective_variant = type(  # type: ignore[attr-defined]
        f"Optuna{short}MO", (OptunaOptimizer,), {**attrs, "multi_objective": True})
    return single


class OptunaOptimizer(Optimizer):
    """Ask/tell over an Optuna study whose sampler is ``sampler_name``.

    :func:`sampler_optimizer` makes a single-objective class and, as its
    ``multi_objective_variant`` (what ``run_mo`` uses), a multi-objective one."""

    sampler_name = "TPESampler"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 directions: Sequence[str] | None = None, **sampler_params: Any) -> None:
        super().__init__(space, seed=seed,
                         direction=directions[0] if directions else direction)
        optuna = _optuna()
        from nasbench.spaces._configspace import CategoricalCodec

        self.directions = tuple(directions) if directions else (direction,)
        for d in self.directions:
            check_direction(d)
        self.codec = CategoricalCodec.of(space)
        self._dists = {f.name: optuna.distributions.CategoricalDistribution(list(f.choices))
                       for f in self.codec.fields if len(f.choices) > 1}
        sampler = sampler_class(self.sampler_name)(
            seed=int(self.rng.integers(2**31 - 1)), **sampler_params)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.study = optuna.create_study(
            sampler=sampler, directions=[_DIRECTION[d] for d in self.directions])
        self._trials: dict[Any, list[Any]] = {}  # arch -> outstanding trials, ask order

    def ask(self) -> Any:
        trial = self.study.ask(self._dists)
        arch = self.codec.decode(trial.params)
        self._trials.setdefault(arch, []).append(trial)
        return arch

    def tell(self, arch: Any, value: Any) -> None:
        pending = self._trials.get(arch)
        if not pending:
            from nasbench.errors import NasbenchError

            raise NasbenchError(f"tell() got architecture {arch!r}, which has no outstanding "
                                f"ask() in this {self.name} run.")
        trial = pending.pop(0)
        if not pending:
            del self._trials[arch]
        values = [float(v) for v in value] if len(self.directions) > 1 else float(value)
        self.study.tell(trial, values)
