"""Import optional dependencies with an error that says which extra installs them."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(module: str, extra: str, needed_by: str) -> ModuleType:
    """Import ``module`` or raise ImportError naming ``pip install 'nasbench[<extra>]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{needed_by} needs {module}: pip install 'nasbench[{extra}]'."
                          ) from exc
