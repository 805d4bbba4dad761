"""Recipes: the one way data enters the store.

Each recipe names the files it reads (with their sha256), the tables it makes and the meaning
of every column (:class:`~nasbench.store.MetricInfo`). The builder (:mod:`nasbench.store`)
loops over :func:`default_recipes` and writes Parquet; nothing here runs at query time.
Adding a benchmark is one recipe module, its manifest entry in ``nasbench/data/sources.json``
and its tests (see ``docs/adding-a-benchmark.md``); ``nasbench.testing.check_recipe`` is the
conformance suite every recipe passes.
"""

from __future__ import annotations

from pathlib import Path

from nasbench.recipes._base import (
    PackageRecipe,
    Recipe,
    TableData,
    TableSpec,
    load_manifest,
    source_path,
)
from nasbench.recipes._fcnet import FCNET
from nasbench.recipes._hardware import HardwareRecipe
from nasbench.recipes._imported import ImportedRecipe
from nasbench.recipes._nb201 import NB201
from nasbench.recipes._nbgraph import NBGRAPH
from nasbench.recipes._surrogate import SurrogateRecipe

#: The recipes of the installed PyPI packages' data, in catalog order.
PACKAGE_RECIPES: tuple[PackageRecipe, ...] = (NB201, NBGRAPH, FCNET)


def default_recipes(home: Path | None = None) -> list[Recipe]:
    """Every recipe a build runs, in order: package data, the user's imports (joining the
    package tables or adding tables), our hardware tables, surrogates.

    Args:
        home: store home; user-built surrogates in ``<home>/surrogates`` join the list.
    """
    taken = {spec for r in PACKAGE_RECIPES for spec in r.tables()}
    from nasbench.recipes._proxies import ProxyRecipe

    return [*PACKAGE_RECIPES, ImportedRecipe(home, taken), HardwareRecipe(), ProxyRecipe(),
            SurrogateRecipe.for_home(home)]


__all__ = ["PACKAGE_RECIPES", "ImportedRecipe", "PackageRecipe", "Recipe", "TableData", "TableSpec",
           "default_recipes", "load_manifest", "source_path"]
