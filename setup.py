"""Build hook for the one optional C extension (everything else is in pyproject.toml).

``nasbench.store._strindex`` speeds up exact string look-ups; where it cannot be compiled
(no C compiler), the install goes on without it and the numpy path answers the same.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("nasbench.store._strindex", ["nasbench/store/_strindex.c"],
                             optional=True)])
