"""Shared fixtures: one real store, built from the installed packages once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import nasbench


@pytest.fixture(scope="session")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("NASBENCH_HOME")
    home = Path(env) if env else tmp_path_factory.mktemp("nasbench_home")
    nasbench.open(home, build=True)  # idempotent: reuses an up-to-date build
    return home


@pytest.fixture(scope="session")
def db(store_home: Path) -> nasbench.Store:
    return nasbench.open(store_home, build=False)
