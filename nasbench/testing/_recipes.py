"""The :class:`~nasbench.recipes.Recipe` conformance suite.

Every recipe the builder runs passes it (``tests/test_recipes.py``); a new recipe runs it in
its own tests. It checks the written contract of :class:`~nasbench.recipes.Recipe`: sources
carry checksums of real files, every table's keys are valid archs of its space in increasing
order, every column is declared with valid semantics, aliases and main metrics point at real
columns, the official index and the curves have the right shapes, augmenting never changes
existing values, and the table round-trips through the builder's writer bit for bit.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.recipes import Recipe, TableData, TableSpec
from nasbench.store._metrics import BASELINES, DIRECTIONS, SPLITS, MetricInfo

_SOURCE_FIELDS = ("title", "citation", "data_licence", "files")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def check_recipe(
    recipe: Recipe,
    *,
    built: dict[TableSpec, dict[str, Any]] | None = None,
    others: list[Recipe] | None = None,
    max_tables: int | None = None,
    check_sha256: bool = False,
) -> list[TableData]:
    """Check ``recipe`` against the written :class:`Recipe` contract.

    Args:
        recipe: the recipe under test.
        built: catalog entries of tables built before it (what the builder passes).
        others: tables of these recipes are used to check ``augment``.
        max_tables: check at most this many of the recipe's tables (all by default).
        check_sha256: re-hash every source file (slow for large files).

    Returns:
        The loaded tables (so a test can assert values on them).

    Raises:
        AssertionError: naming the recipe, the table and the first violated rule.
    """
    name = recipe.name or type(recipe).__name__
    _check_sources(name, recipe.sources(), check_sha256)
    specs = recipe.tables()
    _require(len(set(specs)) == len(specs), f"{name}: tables() names a table twice: {specs}")
    loaded = []
    for spec in specs[:max_tables]:
        data = recipe.load(spec, built or {})
        check_table_data(data, where=f"recipe {name}, table {spec}")
        _require((data.space, data.dataset, data.source) == (spec.space, spec.dataset,
                                                              spec.source),
                 f"{name}: load({spec}) returned table {data.name}")
        _check_round_trip(data, name)
        loaded.append(data)
    for other in others or []:
        for spec in other.tables()[:1]:
            data = other.load(spec, built or {})
            before = {m: v.copy() for m, v in data.values.items()}
            recipe.augment(data)
            for m, v in before.items():
                _require(np.array_equal(v, data.values[m], equal_nan=True),
                         f"{name}: augment changed existing column {m!r} of {data.name}")
            check_table_data(data, where=f"recipe {name} augmenting {data.name}")
    return loaded


def check_table_data(data: TableData, where: str = "table") -> None:
    """Check one in-memory table (shapes, keys, declarations); see :func:`check_recipe`."""
    from nasbench.spaces import SPACES, get_space

    space = (SPACES[data.space](**data.space_options) if data.space_options
             else get_space(data.space))
    keys = np.asarray(data.keys)
    n = len(keys)
    _require(keys.dtype == np.int64, f"{where}: keys must be int64, got {keys.dtype}")
    _require(n > 0, f"{where}: no rows")
    _require(bool(np.all(np.diff(keys) > 0)), f"{where}: keys are not strictly increasing")
    for k in keys[np.linspace(0, n - 1, min(n, 50)).astype(int)]:
        arch = space.from_key(int(k))
        _require(space.key(arch) == int(k), f"{where}: key {k} is not a valid arch key of "
                                            f"space {data.space}")
    _require(set(data.values) == set(data.metrics),
             f"{where}: columns {sorted(set(data.values) ^ set(data.metrics))} are not both "
             "declared and filled")
    shape = None
    for m, v in data.values.items():
        info = data.metrics[m]
        _require(isinstance(info, MetricInfo), f"{where}: {m!r} is declared with "
                                               f"{type(info).__name__}, not MetricInfo")
        _require(info.name == m, f"{where}: column {m!r} is declared as {info.name!r}")
        _require(info.split in SPLITS and info.direction in DIRECTIONS
                 and info.baseline in BASELINES, f"{where}: {m!r} has invalid semantics {info}")
        _require(bool(info.unit), f"{where}: {m!r} declares no unit")
        _require(v.dtype == np.float64 and v.ndim == 2 and v.shape[0] == n,
                 f"{where}: {m!r} must be float64 of shape (n_archs, n_seeds); got {v.dtype} "
                 f"{v.shape}")
        _require(shape is None or v.shape == shape, f"{where}: {m!r} has shape {v.shape}, "
                                                    f"other columns {shape}")
        shape = v.shape
        _require(not np.isinf(v).any(), f"{where}: {m!r} holds inf")
        if "@" in m:
            _require(info.schedule == m.split("@", 1)[1],
                     f"{where}: {m!r} is a schedule column but declares schedule "
                     f"{info.schedule!r}")
    present = ~np.all(np.isnan(np.stack(list(data.values.values()))), axis=(0, 2))
    _require(bool(present.all()), f"{where}: {int((~present).sum())} rows have no value at all")
    for alias, column in data.aliases.items():
        _require(column in data.metrics, f"{where}: alias {alias!r} -> unknown {column!r}")
        _require(alias not in data.metrics, f"{where}: alias {alias!r} shadows a column")
    for m in data.main_metrics:
        _require(m in data.metrics, f"{where}: main metric {m!r} is not a column")
    for m in data.lacks:
        _require(m not in data.metrics, f"{where}: {m!r} is declared lacking but is a column")
    if data.official_index is not None:
        off = np.asarray(data.official_index)
        _require(off.shape == (n,) and off.dtype.kind == "i",
                 f"{where}: official_index must be integer of shape ({n},)")
        have = off[off >= 0]
        _require(len(np.unique(have)) == len(have), f"{where}: official_index has duplicates")
    for m, curve in data.curves.items():
        _require(m in data.metrics, f"{where}: curve {m!r} is not a declared column")
        _require(curve.ndim == 3 and curve.shape[:2] == shape,
                 f"{where}: curve {m!r} has shape {curve.shape}, want {shape} + (n_epochs,)")


def _check_sources(name: str, sources: dict[str, Any], check_sha256: bool) -> None:
    from nasbench.recipes._base import sha256_of

    for key, entry in sources.items():
        for f in _SOURCE_FIELDS:
            _require(f in entry, f"{name}: source {key!r} lacks {f!r}")
        for dataset, file in entry["files"].items():
            path = Path(file["path"])
            _require(path.is_file(), f"{name}: source file {path} ({key}/{dataset}) is missing")
            _require(len(file.get("sha256", "")) == 64, f"{name}: {key}/{dataset} has no sha256")
            _require(path.stat().st_size == file["bytes"], f"{name}: {path} size differs")
            if check_sha256:
                _require(sha256_of(path) == file["sha256"], f"{name}: {path} sha256 differs")


def _check_round_trip(data: TableData, name: str) -> None:
    """The builder's writer keeps every value: Parquet per-seed rows and the numpy mirror."""
    import pyarrow.parquet as pq

    from nasbench.store._build import write_table

    with tempfile.TemporaryDirectory() as tmp:
        entry = write_table(Path(tmp), copy.copy(data))
        frame = pq.read_table(Path(tmp) / entry["parquet"]).to_pandas()
        values = np.load(Path(tmp) / f"{entry['arrays']}.values.npy")
        for j, m in enumerate(entry["metrics"]):
            _require(np.array_equal(values[j], data.values[m], equal_nan=True),
                     f"{name}: {data.name} column {m!r} changed in the numpy mirror")
        rows = frame["arch_id"].to_numpy()
        _require(set(np.unique(rows)) == set(data.keys.tolist()),
                 f"{name}: {data.name} Parquet rows do not cover every key")
        col = entry["metrics"][0]
        seed = frame["seed"].to_numpy().astype(int)
        row_of = {int(k): i for i, k in enumerate(data.keys)}
        want = data.values[col][[row_of[int(k)] for k in rows], seed]
        _require(np.array_equal(frame[col].to_numpy(dtype=float), want, equal_nan=True),
                 f"{name}: {data.name} column {col!r} changed in Parquet")
