"""Search spaces: parse, enumerate, sample and walk architectures; one object per space.

>>> from nasbench.spaces import get_space
>>> nb201 = get_space("nb201")
>>> nb201.key("421211") == int("421211", 5)
True

Every space names the encodings it reads and writes (``space.encodings``;
``space.encode(arch, "naslib")``, ``space.decode(value, "official_index")``,
:func:`convert`); ``docs/concepts.md`` lists them and the rule for ambiguous input.

Spaces: ``nb201`` (:class:`NB201Space`), ``nbgraph`` (:class:`NBGraphSpace`; archs are
:class:`NBGraphArch`), ``fcnet`` (:class:`FCNetSpace`). Every space follows the
:class:`SearchSpace` contract, checked by :func:`nasbench.testing.check_search_space`.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal, overload

from nasbench._optional import lazy_attributes
from nasbench.errors import UnknownSpaceError, unknown_choice_message
from nasbench.spaces._analognas import from_analognas, load_analognas, to_analognas
from nasbench.spaces._base import Arch, SearchSpace
from nasbench.spaces._datasets import canonical_dataset
from nasbench.spaces._encodings import Encoding, convert
from nasbench.spaces._fcnet import FCNetSpace
from nasbench.spaces._nb201 import NB201Space
from nasbench.spaces._nbgraph import PROTEINS_OPS, NBGraphArch, NBGraphSpace

__all__ = [
    "SPACES",
    "Arch",
    "DartsArch",
    "DartsSpace",
    "Encoding",
    "FCNetSpace",
    "NB101Arch",
    "NB101Space",
    "NB201Space",
    "NatsSssSpace",
    "NBGraphArch",
    "NBGraphSpace",
    "PROTEINS_OPS",
    "SearchSpace",
    "TransNASMacroSpace",
    "TransNASMicroSpace",
    "canonical_dataset",
    "convert",
    "from_analognas",
    "get_space",
    "load_analognas",
    "to_analognas",
]

#: Spaces of imported benchmarks: name -> (module, class), imported on first use so that
#: ``import nasbench`` and a cold start on the wheel's tables do not pay for them.
_LAZY = {
    "nats_sss": ("nasbench.spaces._nats_sss", "NatsSssSpace"),
    "nb101": ("nasbench.spaces._nb101", "NB101Space"),
    "darts": ("nasbench.spaces._darts", "DartsSpace"),
    "transnas_micro": ("nasbench.spaces._transnas", "TransNASMicroSpace"),
    "transnas_macro": ("nasbench.spaces._transnas", "TransNASMacroSpace"),
}
_LAZY_NAMES = {"DartsArch": "nasbench.spaces._darts", "DartsSpace": "nasbench.spaces._darts",
               "NatsSssSpace": "nasbench.spaces._nats_sss",
               "NB101Arch": "nasbench.spaces._nb101", "NB101Space": "nasbench.spaces._nb101",
               "TransNASMacroSpace": "nasbench.spaces._transnas",
               "TransNASMicroSpace": "nasbench.spaces._transnas"}


class _Registry(dict):  # type: ignore[type-arg]
    """``name -> space class``; the imported benchmarks' classes load on first lookup."""

    def __missing__(self, name: str) -> type[SearchSpace]:
        if name not in _LAZY:
            raise KeyError(name)
        module, cls = _LAZY[name]
        value: type[SearchSpace] = getattr(importlib.import_module(module), cls)
        self[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in _LAZY

    def __iter__(self) -> Any:
        return iter([*dict.keys(self), *(n for n in _LAZY if not dict.__contains__(self, n))])

    def __len__(self) -> int:
        return len(list(iter(self)))


#: Registry: space name -> class (constructed with no arguments by :func:`get_space`).
SPACES: dict[str, type[SearchSpace]] = _Registry(
    {"nb201": NB201Space, "nbgraph": NBGraphSpace, "fcnet": FCNetSpace})


__getattr__ = lazy_attributes(__name__, _LAZY_NAMES)
_instances: dict[str, SearchSpace] = {}


@overload
def get_space(name: Literal["nb201"]) -> NB201Space: ...
@overload
def get_space(name: Literal["nbgraph"]) -> NBGraphSpace: ...
@overload
def get_space(name: Literal["fcnet"]) -> FCNetSpace: ...
@overload
def get_space(name: str) -> SearchSpace: ...


def get_space(name: str) -> SearchSpace:
    """The shared instance of the search space called ``name`` (``"nb201"``, ...).

    Raises:
        UnknownSpaceError: ``name`` is not in :data:`SPACES` (the message lists the choices).
    """
    space = _instances.get(name) if isinstance(name, str) else None
    if space is None:
        if name not in SPACES:
            raise UnknownSpaceError(unknown_choice_message("search space", name, SPACES))
        space = _instances.setdefault(name, SPACES[name]())
    return space
