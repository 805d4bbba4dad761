"""The evaluation protocol on the real NB201 cifar10 table: splits, labels, no leakage."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.predictors import evaluate
from nasbench.predictors._evaluate import splits


def test_splits_never_leak_and_use_one_seed_labels(nb201: nasbench.Table) -> None:
    per_seed = nb201.seed_array("val_acc")
    mean = nb201.array("val_acc")
    seen = []
    for s in splits(nb201, "val_acc", train_sizes=[10, 100, 1000], repetitions=2, seed=5):
        train, test = s.train_rows, s.test_rows
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) == s.train_size and len(np.unique(train)) == s.train_size
        assert len(train) + len(test) == len(nb201)  # every other arch is a test arch
        # a training label is one measured seed of its arch, not the mean
        hits = np.isclose(per_seed[train], s.train_labels[:, None]).any(axis=1)
        assert hits.all()
        assert np.array_equal(s.test_labels, mean[test])
        seen.append(s)
    # nested training sets within a repetition, different across repetitions
    assert set(seen[0].train_rows) <= set(seen[1].train_rows) <= set(seen[2].train_rows)
    assert not np.array_equal(seen[0].train_rows, seen[3].train_rows)
    # 2-seed and 3-seed archs: the one-seed labels differ from the means
    assert np.mean(np.abs(seen[2].train_labels - mean[seen[2].train_rows])) > 0.05


def test_fixed_test_sample_is_shared_and_disjoint(nb201: nasbench.Table) -> None:
    out = list(splits(nb201, "val_acc", train_sizes=[50, 500], repetitions=1, seed=0,
                      test_size=5000))
    assert np.array_equal(out[0].test_rows, out[1].test_rows)
    assert len(out[0].test_rows) == 5000
    assert len(np.intersect1d(out[1].train_rows, out[1].test_rows)) == 0


def test_splits_reject_sizes_without_test_archs(nb201: nasbench.Table) -> None:
    with pytest.raises(ValueError, match="too few test archs"):
        list(splits(nb201, "val_acc", train_sizes=[12000], test_size=5000))


def test_evaluate_rows_and_noise_ceiling(nb201: nasbench.Table) -> None:
    df = evaluate(nb201, ["mean", "ridge"], train_sizes=[25, 100], repetitions=2,
                  test_size=4000)
    assert len(df) == 3 * 2 * 2
    assert {"kendall_tau", "spearman", "pearson", "r2", "rmse", "precision_top1",
            "precision_top5", "fit_seconds", "predict_seconds_per_1000"} <= set(df.columns)
    ceiling = df[df.predictor == "noise_ceiling"]
    # one seed vs the seed mean on NB201 cifar10: Kendall tau 0.95 (issue #3 anchor)
    assert ceiling.kendall_tau.between(0.93, 0.97).all()
    ridge = df[df.predictor == "ridge"]
    assert (ridge.n_test == 4000).all()
    assert ridge[ridge.train_size == 100].kendall_tau.between(0.2, 0.7).all()


def test_single_seed_tables_have_no_ceiling(db: nasbench.Store) -> None:
    table = db.table("nbgraph", "proteins")
    df = evaluate(table, ["ridge"], train_sizes=[50], repetitions=1)
    assert df.predictor.tolist() == ["ridge"]
    assert df.n_test.iloc[0] == len(table) - 50
