"""Conformance suites that every implementation must pass (importable without pytest).

>>> from nasbench.spaces import get_space
>>> from nasbench.testing import check_search_space
>>> check_search_space(get_space("nb201"), n=20)  # raises AssertionError on a violation
>>> from nasbench.recipes import PACKAGE_RECIPES
>>> from nasbench.testing import check_recipe
>>> check_recipe(PACKAGE_RECIPES[0], max_tables=1)  # doctest: +SKIP
"""

from __future__ import annotations

from nasbench.testing._recipes import check_recipe, check_table_data
from nasbench.testing._spaces import check_search_space

__all__ = ["check_recipe", "check_search_space", "check_table_data"]
