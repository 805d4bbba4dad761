"""The optimizer registry: ``OPTIMIZERS`` maps a name to an :class:`Optimizer` class."""

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


def get_optimizer(name: str) -> type[Optimizer]:
    """The class registered as ``name``; unknown names raise with the valid choices."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise UnknownOptimizerError(unknown_choice_message("optimizer", name, OPTIMIZERS)) \
            from None
