"""Shared fixtures: one real store, built from the installed packages once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import nasbench


@pytest.fixture(scope="session")
def store_home() -> Path:
    # The one store location users have (``$NASBENCH_HOME`` or ``~/.cache/nasbench``), so
    # `make demo` then `make test` build once; tests that rebuild use their own folders.
    home = nasbench.default_home()
    nasbench.open(home, build=True)  # idempotent: reuses an up-to-date build
    return home


@pytest.fixture(scope="session")
def db(store_home: Path) -> nasbench.Store:
    return nasbench.open(store_home, build=False)
