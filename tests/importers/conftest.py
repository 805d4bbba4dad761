"""Fixtures of the importer tests: NATS-Bench files written by the official package."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nasbench

sys.path.insert(0, str(Path(__file__).parent))

import nats_fixture  # noqa: E402


def nb201_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds of the tests' homes make the NB201 tables and the imports only (fast)."""
    from nasbench.recipes import ImportedRecipe
    from nasbench.recipes._nb201 import NB201

    monkeypatch.setattr("nasbench.store._build.default_recipes",
                        lambda home: [NB201, ImportedRecipe(home, set(NB201.tables()))])


@pytest.fixture(scope="session")
def tss_files(tmp_path_factory: pytest.TempPathFactory, db: nasbench.Store
              ) -> dict[str, Any]:
    """Both NATS-tss layouts of the same archs (values shared with the wheel are real)."""
    root = tmp_path_factory.mktemp("nats_tss")
    meta, archs = nats_fixture.tss_archs(db)
    return {"meta": meta, "archs": archs,
            "simple": nats_fixture.write_simple(root / "NATS-tss-v1_0-3ffb9-simple", meta,
                                                archs),
            "single": nats_fixture.write_single(root / "NATS-tss-v1_0-3ffb9.pickle.pbz2", meta,
                                                archs)}


@pytest.fixture(scope="session")
def tss_store(tmp_path_factory: pytest.TempPathFactory, tss_files: dict[str, Any]
              ) -> Iterator[tuple[nasbench.Store, dict[str, Any]]]:
    """A home with the -simple folder imported (built with the NB201 recipe only)."""
    home = tmp_path_factory.mktemp("nats_tss_home")
    with pytest.MonkeyPatch.context() as mp:
        nb201_only(mp)
        out = nasbench.import_benchmark("nats-tss", tss_files["simple"], home,
                                        progress=lambda line: None)
    db = nasbench.open(home, build=False)
    yield db, out
    db.close()
