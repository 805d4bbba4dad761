"""Conformance suites that every implementation must pass (importable without pytest).

>>> from nasbench.spaces import get_space
>>> from nasbench.testing import check_search_space
>>> check_search_space(get_space("nb201"), n=20)  # raises AssertionError on a violation
"""

from __future__ import annotations

from nasbench.testing._spaces import check_search_space

__all__ = ["check_search_space"]
