"""The optimizer registry: ``OPTIMIZERS`` maps a name to an :class:`Optimizer` class.

:func:`get_optimizer` also resolves names from outside the registry (see
:mod:`nasbench.harness._external`): import paths ``"pkg.module:Class"``, adapter specs
``"optuna:TPESampler"`` and entry points of the group ``nasbench.optimizers``.
"""

from __future__ import annotations

from typing import TypeVar

from nasbench.errors import NasbenchError, unknown_choice_message
from nasbench.harness._base import Optimizer

OPTIMIZERS: dict[str, type[Optimizer]] = {}

_T = TypeVar("_T", bound=type[Optimizer])


class UnknownOptimizerError(NasbenchError, KeyError):
    """An optimizer name that is not in :data:`OPTIMIZERS`."""


def register(cls: _T) -> _T:
    """Class decorator: add ``cls`` to :data:`OPTIMIZERS` under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a non-empty class attribute 'name' to be "
                         "registered.")
    OPTIMIZERS[cls.name] = cls
    return cls


def is_builtin(name: str) -> bool:
    """True for names registered by nasbench itself."""
    cls = OPTIMIZERS.get(name)
    return cls is not None and str(getattr(cls, "__module__", "")).startswith("nasbench.")


def get_optimizer(name: str) -> type[Optimizer]:
    """The class ``name`` stands for: a registry name, an import path ``"pkg.mod:Class"``,
    an adapter spec (``"optuna:TPESampler"``) or an installed ``nasbench.optimizers`` entry
    point. Unknown names raise with the valid choices."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        pass
    if isinstance(name, str):
        from nasbench.harness._external import entry_points, resolve

        cls = resolve(name)
        if cls is not None:
            return cls  # type: ignore[return-value]
        choices = [*OPTIMIZERS, *entry_points()]
    else:
        choices = list(OPTIMIZERS)
    raise UnknownOptimizerError(
        unknown_choice_message("optimizer", name, choices) +
        " An optimizer from elsewhere is named by its import path, e.g. 'mypkg.opts:Greedy', "
        "or an adapter, e.g. 'optuna:TPESampler'.")
