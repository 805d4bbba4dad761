"""Import optional dependencies with an error that says which extra installs them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any


def import_optional(module: str, extra: str, needed_by: str) -> ModuleType:
    """Import ``module`` or raise ImportError naming ``pip install 'nasbench[<extra>]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{needed_by} needs {module}: pip install 'nasbench[{extra}]'."
                          ) from exc


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``where[name]`` (a module path) on first use.

    Packages use it for names whose modules are heavy or optional (torch, the builder), so
    that importing the package stays cheap::

        __getattr__ = lazy_attributes(__name__, {"profile": "nasbench.hardware._profiler"})
    """

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(importlib.import_module(where[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
