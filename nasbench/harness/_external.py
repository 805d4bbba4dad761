"""Optimizers from outside this package: import paths, entry points, worker processes.

Three ways to name an optimizer besides the built-in registry names:

* an import path ``"pkg.module:Class"`` (``Class`` may be dotted: ``"pkg.mod:Outer.Inner"``)
  of an :class:`~nasbench.harness.Optimizer` subclass;
* an adapter spec ``"optuna:TPESampler"``: the part before the colon names an adapter
  (:data:`ADAPTERS`), the part after it the object it wraps (here an Optuna sampler class);
* the name of an entry point in the group ``nasbench.optimizers`` of an installed package
  (``[project.entry-points."nasbench.optimizers"] greedy = "mypkg.opts:Greedy"``).

Every such optimizer is named by the string the user wrote (trajectories, output folders,
``--param`` keys). Worker processes of ``run_grid`` resolve optimizers *by path*: the parent
sends, for every optimizer of the grid, an import path a fresh interpreter can follow
(:func:`worker_paths`); classes a fresh interpreter cannot import (defined in ``__main__``,
a notebook, ``exec`` of a string) run in the parent process instead (:func:`importable`).
Spawned workers never re-import the parent's ``__main__`` (:func:`bare_main`), so a script
without an ``if __name__ == "__main__"`` guard, ``python - < script.py`` and notebooks all work.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from nasbench.errors import NasbenchError

#: Entry-point group of installed optimizer plugins.
ENTRY_POINT_GROUP = "nasbench.optimizers"

#: Adapter prefix -> "module:function" building an Optimizer class from the text after the
#: colon (e.g. ``optuna:TPESampler``). Resolved lazily, so the adapter's library is imported
#: only when used.
ADAPTERS: dict[str, str] = {"optuna": "nasbench.harness._optuna:sampler_optimizer"}

#: Resolved specs (import paths, adapter specs, entry points) -> class, per process.
_RESOLVED: dict[str, type] = {}
#: Name -> import path installed in worker processes by :func:`install_paths`.
_PATHS: dict[str, str] = {}


class ExternalOptimizerError(NasbenchError, ValueError):
    """An import path, adapter spec or entry point that does not give an optimizer."""


def is_path(name: str) -> bool:
    """True for ``"module:attr"`` specs (import paths and adapter specs)."""
    mod, sep, attr = name.partition(":")
    return bool(sep and mod and attr)


def entry_points() -> dict[str, Any]:
    """Installed ``nasbench.optimizers`` entry points, name -> EntryPoint."""
    from importlib.metadata import entry_points as eps

    return {ep.name: ep for ep in eps(group=ENTRY_POINT_GROUP)}


def resolve(name: str) -> type | None:
    """The optimizer class ``name`` stands for outside the registry, or None.

    Raises :class:`ExternalOptimizerError` when ``name`` is an import path or entry point
    that cannot be imported or does not give an Optimizer subclass."""
    if name in _RESOLVED:
        return _RESOLVED[name]
    if name in _PATHS:
        cls = _load_path(_PATHS[name], name)
    elif is_path(name):
        cls = _load_path(name, name)
    else:
        ep = entry_points().get(name)
        if ep is None:
            return None
        try:
            obj = ep.load()
        except Exception as exc:
            raise ExternalOptimizerError(f"Entry point {name!r} ({ep.value}) of group "
                                         f"{ENTRY_POINT_GROUP!r} failed to load: "
                                         f"{type(exc).__name__}: {exc}") from exc
        cls = _named(_check_class(obj, name), name)
    _RESOLVED[name] = cls
    return cls


def _load_path(path: str, name: str) -> type:
    mod_name, _, attr = path.partition(":")
    if mod_name in ADAPTERS and "." not in attr:
        a_mod, _, a_attr = ADAPTERS[mod_name].partition(":")
        factory = _import_attr(a_mod, a_attr, name)
        return _named(_check_class(factory(attr), name), name)
    obj = _import_attr(mod_name, attr, name)
    return _named(_check_class(obj, name), name)


def _import_attr(mod_name: str, attr: str, name: str) -> Any:
    try:
        obj: Any = importlib.import_module(mod_name)
    except ImportError as exc:
        raise ExternalOptimizerError(f"Optimizer {name!r}: cannot import module {mod_name!r} "
                                     f"({exc}). Write an import path as 'package.module:"
                                     "Class' and make sure the package is installed or on "
                                     "sys.path.") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ExternalOptimizerError(f"Optimizer {name!r}: module {mod_name!r} has no "
                                         f"attribute {attr!r}.") from None
    return obj


def _check_class(obj: Any, name: str) -> type:
    from nasbench.harness._base import Optimizer

    if not (isinstance(obj, type) and issubclass(obj, Optimizer)):
        raise ExternalOptimizerError(f"Optimizer {name!r} is {obj!r}, not a subclass of "
                                     "nasbench.harness.Optimizer (see docs/harness.md, "
                                     "'Writing an optimizer').")
    return obj


def _named(cls: type, name: str) -> type:
    """``cls`` itself when it is already called ``name``, else a subclass that is (so that
    trajectories, output folders and --param keys all use the name the user wrote)."""
    if getattr(cls, "name", "") == name:
        return cls
    return type(cls.__name__, (cls,), {"name": name, "__module__": cls.__module__,
                                       "__qualname__": cls.__qualname__,
                                       "__doc__": cls.__doc__})


# ---- worker processes -------------------------------------------------------------------

def import_path_of(cls: type) -> str | None:
    """``"module:qualname"`` a fresh interpreter can import ``cls`` from, or None."""
    mod_name = getattr(cls, "__module__", "")
    qual = getattr(cls, "__qualname__", "")
    if not mod_name or mod_name in ("__main__", "__mp_main__") or "<locals>" in qual:
        return None
    mod = sys.modules.get(mod_name)
    spec = getattr(mod, "__spec__", None)
    if mod is None or spec is None or getattr(spec, "origin", None) in (None, "<string>"):
        return None
    obj: Any = mod
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    if obj is None or (obj is not cls and obj not in cls.__mro__[1:2]):
        return None
    return f"{mod_name}:{qual}"


def importable(name: str) -> bool:
    """True when a fresh interpreter can resolve optimizer ``name`` (by registry name of a
    built-in, import path, adapter spec, entry point, or the import path of its class)."""
    return worker_path(name) is not None


def worker_path(name: str) -> str | None:
    """What a worker process should resolve ``name`` with: ``name`` itself for built-ins,
    paths and entry points, the class's import path for user-registered classes, None for
    classes a fresh interpreter cannot import."""
    from nasbench.harness._registry import OPTIMIZERS, is_builtin

    if is_builtin(name) or is_path(name):
        return name
    if name in OPTIMIZERS:
        cls = OPTIMIZERS[name]
        # A subclass made by _named imports as its parent; workers re-apply the name.
        return import_path_of(cls)
    if name in _PATHS:
        return _PATHS[name]
    return name if name in entry_points() else None


def worker_paths(names: Any) -> dict[str, str]:
    """``{name: path}`` for every importable non-built-in optimizer in ``names``."""
    out = {}
    for n in names:
        p = worker_path(n)
        if p is not None and p != n:
            out[n] = p
    return out


def install_paths(paths: Mapping[str, str]) -> None:
    """Worker-process initializer: resolve these names by these import paths."""
    _PATHS.update(paths)


@contextlib.contextmanager
def bare_main() -> Iterator[None]:
    """While processes are spawned, show them a ``__main__`` with no file: the children then
    do not re-run the parent's script (no ``if __name__ == "__main__"`` guard needed, and
    ``<stdin>`` / notebook mains cannot break them). Workers import optimizers by path."""
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def split_by_importable(names: Any, key: Callable[[Any], str] = str
                        ) -> tuple[list[Any], list[Any]]:
    """``(importable, local)``: items whose optimizer a worker can import, and the rest."""
    yes: list[Any] = []
    no: list[Any] = []
    for item in names:
        (yes if importable(key(item)) else no).append(item)
    return yes, no
