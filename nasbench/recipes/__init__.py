"""One recipe per raw source: where its files are and how to turn them into tables.

Recipes are kept apart from the query library (Syne Tune's pattern): the builder
(:mod:`nasbench._build`) asks :data:`RECIPES` for every (space, dataset) table, reads the
installed package's file, and writes Parquet. Nothing here runs at query time.
"""

from __future__ import annotations

from nasbench.recipes._base import Recipe, TableData, load_manifest, source_path
from nasbench.recipes._fcnet import FCNET
from nasbench.recipes._nb201 import NB201
from nasbench.recipes._nbgraph import NBGRAPH

#: space name -> recipe, in catalog order.
RECIPES: dict[str, Recipe] = {r.space: r for r in (NB201, NBGRAPH, FCNET)}

__all__ = ["RECIPES", "Recipe", "TableData", "load_manifest", "source_path"]
