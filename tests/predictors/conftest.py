"""Fixtures shared by the predictor tests: real tables and fixed real splits."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench


@pytest.fixture(scope="session")
def nb201(db: nasbench.Store) -> nasbench.Table:
    return db.table("nb201", "cifar10")


@pytest.fixture(scope="session")
def nb201_split(nb201: nasbench.Table) -> dict[str, object]:
    """200 training archs with one-seed labels, 3,000 test archs with seed means (whole
    isomorphism classes with no member in training: the default class-grouped split)."""
    from nasbench.predictors._evaluate import splits

    split = next(iter(splits(nb201, "val_acc", train_sizes=[200], repetitions=1, seed=3,
                             test_size=3000)))
    archs = nb201.archs()
    return {"train": [archs[i] for i in split.train_rows], "y": split.train_labels,
            "test": [archs[i] for i in split.test_rows], "truth": split.test_labels}


@pytest.fixture(scope="session")
def small_nb201(nb201: nasbench.Table) -> tuple[list[object], np.ndarray, list[object]]:
    """40 training archs (seed means) and 200 other archs, for fast API checks."""
    rng = np.random.default_rng(0)
    rows = rng.choice(len(nb201), size=240, replace=False)
    archs = nb201.archs()
    y = nb201.array("val_acc")[rows[:40]]
    return [archs[i] for i in rows[:40]], y, [archs[i] for i in rows[40:]]
