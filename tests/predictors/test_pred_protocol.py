"""The evaluation protocol on the real NB201 cifar10 table: splits, labels, no leakage."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.predictors import evaluate
from nasbench.predictors._evaluate import _from_user, _splits, splits


def test_splits_never_leak_and_use_one_seed_labels(nb201: nasbench.Table) -> None:
    per_seed = nb201.seed_array("val_acc")
    mean = nb201.array("val_acc")
    seen = []
    for s in splits(nb201, "val_acc", train_sizes=[10, 100, 1000], repetitions=2, seed=5,
                    split="random"):
        train, test = s.train_rows, s.test_rows
        assert s.split == "random"
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
    for split in ("class", "random"):
        out = list(splits(nb201, "val_acc", train_sizes=[50, 500], repetitions=1, seed=0,
                          test_size=5000, split=split))
        assert np.array_equal(out[0].test_rows, out[1].test_rows)
        assert len(out[0].test_rows) == 5000
        assert len(np.intersect1d(out[1].train_rows, out[1].test_rows)) == 0


def _classes(nb201: nasbench.Table, mode: str) -> np.ndarray:
    return nb201.space.isomorphism_classes(mode)[np.asarray(nb201.keys)]


@pytest.mark.parametrize("test_size", [None, 3000])
def test_default_split_keeps_isomorphism_classes_on_one_side(
        nb201: nasbench.Table, test_size: int | None) -> None:
    """No test cell is isomorphic to a training cell (functional classes, hence also
    NAS-Bench-201's own finer classes), on the real cifar10 table."""
    functional, official = _classes(nb201, "functional"), _classes(nb201, "nb201")
    seen = 0
    for s in splits(nb201, "val_acc", train_sizes=[10, 100, 1563], repetitions=2, seed=1,
                    test_size=test_size):
        assert s.split == "class"
        assert len(s.train_rows) == s.train_size
        assert not np.isin(functional[s.test_rows], functional[s.train_rows]).any()
        assert not np.isin(official[s.test_rows], official[s.train_rows]).any()
        assert np.array_equal(s.test_groups, functional[s.test_rows])
        # one representative per test class, the smallest key
        reps = s.test_rows[s.class_rep]
        assert len(reps) == len(np.unique(functional[s.test_rows]))
        keys = np.asarray(nb201.keys)
        for r in reps[:50]:
            same = s.test_rows[functional[s.test_rows] == functional[r]]
            assert keys[r] == keys[same].min()
        if test_size is None:  # every cell of an unseen class is tested
            unseen = ~np.isin(functional, functional[s.train_rows])
            assert len(s.test_rows) == unseen.sum()
        seen += 1
    assert seen == 6


def test_random_split_scores_isomorphic_copies(nb201: nasbench.Table) -> None:
    """The old protocol (kept by name) does test on copies of training cells."""
    functional = _classes(nb201, "functional")
    s = list(splits(nb201, "val_acc", train_sizes=[500], repetitions=1, seed=0,
                    split="random"))[0]
    assert np.isin(functional[s.test_rows], functional[s.train_rows]).mean() > 0.3
    with pytest.raises(ValueError, match="split"):
        list(splits(nb201, "val_acc", train_sizes=[50], split="iso"))


def test_both_tau_variants_are_reported(nb201: nasbench.Table) -> None:
    from nasbench.predictors import create, kendall_tau

    df = evaluate(nb201, ["ridge"], train_sizes=[100], repetitions=1, seed=2)
    assert {"split", "n_test_classes", "kendall_tau", "kendall_tau_class"} <= set(df.columns)
    assert (df.split == "class").all()
    row = df[df.predictor == "ridge"].iloc[0]
    s = next(iter(splits(nb201, "val_acc", train_sizes=[100], repetitions=1, seed=2)))
    archs = nb201.archs()
    fit_seed = int(np.random.default_rng([2, 0, 1]).integers(2**31))
    pred = create("ridge", nb201.space, seed=fit_seed).fit(
        [archs[i] for i in s.train_rows], s.train_labels).predict([archs[i] for i in
                                                                   s.test_rows])
    assert row.kendall_tau == pytest.approx(kendall_tau(pred, s.test_labels), abs=1e-12)
    rep = s.class_rep
    assert row.kendall_tau_class == pytest.approx(kendall_tau(pred[rep], s.test_labels[rep]),
                                                  abs=1e-12)
    assert row.n_test == len(s.test_rows) and row.n_test_classes == len(rep) < row.n_test
    assert row.kendall_tau != row.kendall_tau_class
    ceiling = df[df.predictor == "noise_ceiling"].iloc[0]
    assert 0.9 < ceiling.kendall_tau_class < 0.97
    old = evaluate(nb201, ["ridge"], train_sizes=[100], repetitions=1, seed=2,
                   split="random", noise_ceiling=False)
    assert (old.split == "random").all() and old.n_test.iloc[0] == len(nb201) - 100


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
    # nbgraph keys are canonical: the class split is a split by key
    assert df.n_test.iloc[0] == df.n_test_classes.iloc[0] == len(table) - 50
    assert df.kendall_tau.iloc[0] == df.kendall_tau_class.iloc[0]


def test_evaluate_user_archs_and_labels_with_class_and_instance(
        nb201: nasbench.Table) -> None:
    """A user's own (archs, y): no store, predictors given as class and as instance."""
    from nasbench.predictors import create
    from nasbench.predictors._baselines import RidgePredictor
    from nasbench.spaces import get_space

    space = get_space("nb201")
    rng = np.random.default_rng(4)
    rows = rng.choice(len(nb201), size=1500, replace=False)
    archs = [space.to_string(nb201.archs()[i]) for i in rows]  # any parseable form
    y = nb201.array("val_acc")[rows]
    instance = create("gp", space, seed=9)
    df = evaluate((archs, y), {"ridge_cls": RidgePredictor, "gp_inst": instance,
                               "mean": "mean"},
                  train_sizes=[30, 200], repetitions=2, space="nb201")
    assert set(df.predictor) == {"ridge_cls", "gp_inst", "mean"}  # one seed: no ceiling
    assert (df.dataset == "user").all() and (df.metric == "y").all()
    functional = space.isomorphism_classes("functional")[space.keys(archs)]
    for s in _splits(_from_user((archs, y), "nb201", None, "max"), [30, 200], 2, 0, None,
                     "class"):
        assert not np.isin(functional[s.test_rows], functional[s.train_rows]).any()
    gp = df[(df.predictor == "gp_inst") & (df.train_size == 200)]
    assert gp.kendall_tau.between(0.5, 1.0).all()
    assert not np.isnan(df[df.predictor == "ridge_cls"].kendall_tau_class).any()
    # an instance keeps its own seed: same result in every repetition's refit
    a = evaluate((archs, y), [instance], train_sizes=[50], repetitions=1, space=space,
                 noise_ceiling=False)
    b = evaluate((archs, y), [create("gp", space, seed=9)], train_sizes=[50],
                 repetitions=1, space=space, noise_ceiling=False)
    assert a.kendall_tau.tolist() == b.kendall_tau.tolist()
    assert not hasattr(instance, "n_train_")  # the user's instance is not fitted in place
    # per-seed labels (n, seeds) with NaN give one-seed training labels and a ceiling
    per_seed = nb201.seed_array("val_acc")[rows]
    c = evaluate((archs, per_seed), ["ridge"], train_sizes=[100], repetitions=1,
                 space="nb201", metric="val_acc")
    assert "noise_ceiling" in set(c.predictor) and (c.metric == "val_acc").all()
    with pytest.raises(ValueError, match="space="):
        evaluate((archs, y), ["ridge"], train_sizes=[20])
    with pytest.raises(ValueError, match="shape"):
        evaluate((archs, y[:-1]), ["ridge"], train_sizes=[20], space="nb201")
