"""The proxy recipe (conformance, coverage, propagation), proxy predictors and ``robot``."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasbench.proxies._table import proxy_lookup
from nasbench.recipes._nb201 import NB201
from nasbench.recipes._proxies import PROXY_FILE, ProxyRecipe
from nasbench.spaces import get_space
from nasbench.testing import check_recipe


def _fake_table(path: Path, n: int = 50) -> pd.DataFrame:
    space = get_space("nb201")
    reps = np.unique(space.isomorphism_classes())[:n]
    cells = [space.to_index_string(space.from_key(int(k))) for k in reps]
    rows = []
    for ds in ("cifar10", "cifar100"):
        for i, c in enumerate(cells):
            rows.append({"proxy": "synflow", "cell": c, "dataset": ds, "value": float(i + 1),
                         "error": None, "input": "all-ones image (data-free)"})
            if ds == "cifar10":
                rows.append({"proxy": "naswot", "cell": c, "dataset": ds,
                             "value": np.nan if i == 0 else -float(i), "error":
                             "singular" if i == 0 else None,
                             "input": "synthetic N(0,1) seed=0 batch=64"})
    df = pd.DataFrame(rows)
    df["space"], df["batch_size"], df["seed"], df["time_s"] = "nb201", 64, 0, 0.1
    df["arch"] = [space.to_string(space.parse(c)) for c in df["cell"]]
    df["fingerprint"] = json.dumps({"test": True})
    df.to_parquet(path, index=False)
    return df


def test_proxy_recipe_conforms_and_propagates(tmp_path: Path) -> None:
    df = _fake_table(tmp_path / "p.parquet")
    recipe = ProxyRecipe(tmp_path / "p.parquet")
    check_recipe(recipe, others=[NB201], check_sha256=True)
    data = NB201.load(NB201.tables()[0], {})
    recipe.augment(data)
    assert {"synflow", "naswot"} <= set(data.values)
    info = data.metrics["naswot"]
    assert info.split == "none" and "computed, training-free" in info.description
    assert "49 of 6466 isomorphism classes" in info.description and "1 failed" in info.description
    space = get_space("nb201")
    reps = space.isomorphism_classes()
    full = proxy_lookup("synflow", "cifar10", df)
    members = np.flatnonzero(reps == reps[space.key(df["cell"].iloc[3])])
    assert len(members) > 1 and np.all(full[members] == full[members[0]])
    view = recipe.extra_tables()["proxies"]
    assert view["propagated"].any() and (~view["propagated"]).sum() == len(df)


def test_recipe_without_a_file_adds_nothing(tmp_path: Path) -> None:
    recipe = ProxyRecipe(tmp_path / "missing.parquet")
    assert recipe.sources() == {}
    data = NB201.load(NB201.tables()[0], {})
    before = set(data.values)
    recipe.augment(data)
    assert set(data.values) == before


needs_table = pytest.mark.skipif(not PROXY_FILE.exists(), reason="no shipped proxy table")


@needs_table
def test_shipped_table_conforms() -> None:
    check_recipe(ProxyRecipe(), others=[NB201], check_sha256=True)
    rows = ProxyRecipe().rows()
    assert set(rows["dataset"]) <= {"cifar10", "cifar100", "imagenet16-120"}
    c10 = rows[(rows["dataset"] == "cifar10") & (rows["proxy"] == "synflow")]
    assert len(c10) == 6466 and c10["value"].notna().all()
    for ds in ("cifar100", "imagenet16-120"):  # synflow of every class of each variant
        sel = rows[(rows["dataset"] == ds) & (rows["proxy"] == "synflow")]
        assert len(sel) == 6466 and sel["value"].notna().all()
    for ds, proxy in itertools.product(("cifar10", "imagenet16-120"), ("naswot", "jacob_cov")):
        # every class of both variants; a few singular kernels are errors
        sel = rows[(rows["dataset"] == ds) & (rows["proxy"] == proxy)]
        assert len(sel) == 6466 and sel["value"].notna().sum() >= 6400
        assert sel.loc[sel["value"].isna(), "error"].notna().all()
    for proxy in ("snip", "grad_norm"):  # every class, random labels recorded as the input
        sel = rows[(rows["dataset"] == "cifar10") & (rows["proxy"] == proxy)]
        assert len(sel) == 6466 and sel["value"].notna().all()
        assert set(sel["input"]) == {"synthetic N(0,1) seed=0 batch=64 with random labels"}
    assert not rows.duplicated(["dataset", "cell", "proxy"]).any()


@needs_table
def test_shipped_values_recompute_bit_identically() -> None:
    """A shipped NASWOT / jacob_cov value is what compute_proxies gives for that class
    representative on the recorded input (seeded Gaussian batch of 64), in this process."""
    pytest.importorskip("torch")
    from nasbench.proxies import compute_proxies, synthetic_batch

    rows = ProxyRecipe().rows()
    sel = rows[(rows["dataset"] == "cifar10") & (rows["proxy"].isin(["naswot", "jacob_cov"]))
               & rows["value"].notna()]
    cell = sorted(sel["cell"])[len(sel) // 3]
    want = dict(sel[sel["cell"] == cell][["proxy", "value"]].itertuples(index=False))
    assert set(sel[sel["cell"] == cell]["input"]) == {"synthetic N(0,1) seed=0 batch=64"}
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the table's workers ran (compute_table threads=1)
    label = rows[(rows["dataset"] == "cifar10") & (rows["proxy"].isin(["snip", "grad_norm"]))]
    lcell = sorted(label["cell"])[len(label) // 5]
    lwant = dict(label[label["cell"] == lcell][["proxy", "value"]].itertuples(index=False))
    try:
        got = compute_proxies(cell, ["naswot", "jacob_cov"],
                              synthetic_batch("cifar10", 64, 0), seed=0)
        lgot = compute_proxies(lcell, ["snip", "grad_norm"], synthetic_batch("cifar10", 64, 0),
                               seed=0, allow_synthetic_labels=True)
    finally:
        torch.set_num_threads(threads)
    assert got == want
    assert lgot == lwant  # the label proxies too, random labels drawn from the same seed


@needs_table
def test_store_query_and_sql(db) -> None:  # type: ignore[no-untyped-def]
    t = db.table("nb201", "cifar10")
    arch = t.space.to_string(t.space.parse("333333"))
    got = t.query(arch, ["synflow", "naswot"])
    assert np.isfinite(got["synflow"])
    assert t.describe("synflow")["split"] == "none"
    n = db.sql("SELECT count(*) FROM nb201_cifar10 WHERE synflow IS NOT NULL").iloc[0, 0]
    assert n > 15000
    assert db.sql("SELECT count(*) FROM proxies").iloc[0, 0] > 0


@needs_table
def test_zero_cost_and_xgb_zc_predictors_evaluate(db) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("xgboost")
    from nasbench.predictors import create, evaluate

    t = db.table("nb201", "cifar10")
    res = evaluate(t, {"zc": ("zc", {"proxy": "synflow"}),
                       "params": ("zc", {"proxy": "params"}),
                       "xgb_zc": ("xgb", {"features": "zc", "n_estimators": 50})},
                   train_sizes=[50], repetitions=1, metric="val_acc", test_size=500)
    taus = res.groupby("predictor")["kendall_tau"].mean()
    assert taus["zc"] > 0.2 and taus["params"] > 0.2 and taus["xgb_zc"] > 0.2
    m = create("zc", "nb201", proxy="synflow").fit(t.archs()[:20], np.arange(20.0))
    assert m.predict(t.archs()[:5]).shape == (5,)


@needs_table
def test_robot_runs_under_the_guard_and_is_deterministic(db) -> None:  # type: ignore[no-untyped-def]
    from nasbench.harness import run

    t = db.table("nb201", "cifar10")
    a = run("robot", t, 30, seed=1, bo_evals=10)
    b = run("robot", t, 30, seed=1, bo_evals=10)
    assert len(a) == 30 and a["arch"].tolist() == b["arch"].tolist()
    assert a["arch"].nunique() == 30  # one cell per isomorphism class, no repeats
    from nasbench.harness.conformance import check_optimizer

    check_optimizer("robot", t, budget=25, bo_evals=10)
    # confirm=2: the leading class is re-evaluated, never more than twice in all
    c = run("robot", t, 40, seed=1, bo_evals=10, confirm=2)
    counts = c["arch"].value_counts()
    assert c["arch"].nunique() < 40 and counts.max() == 2
    assert run("robot", t, 40, seed=1, bo_evals=10, confirm=2)["arch"].tolist() == \
        c["arch"].tolist()
    assert counts[c["incumbent"].iloc[-1]] == 2  # the final incumbent was confirmed
    plain = run("robot", t, 40, seed=1, bo_evals=10)
    assert (plain["arch"] == plain["incumbent"].iloc[-1]).sum() == 1  # without: one seed


def test_robot_with_user_proxies(db) -> None:  # type: ignore[no-untyped-def]
    from nasbench.harness import run
    from nasbench.harness._index import SpaceIndex

    t = db.table("nb201", "cifar10")
    index = SpaceIndex.of(t.space)
    scores = {"random": np.random.default_rng(0).random(len(index))}
    out = run("robot", t, 15, seed=0, proxies=scores, bo_evals=5, n_init=2)
    assert len(out) == 15


@needs_table
def test_dense_zc_features_and_gp_with_proxy_features(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nasbench.predictors import Predictor, create
    from nasbench.proxies._predictors import (
        _dense_matrix,
        _feature_matrix,
        zc_dense_features,
        zc_features,
    )

    space = get_space("nb201")
    cols, full = _feature_matrix("cifar10")
    dense_cols, dense = _dense_matrix("cifar10")
    # the columns covering >= 99 % of the cells (naswot and jacob_cov miss the 340 cells of
    # their 5 error classes: 97.8 %; grasp / fisher / epsinas / zen cover a sample); no NaN
    cover = {c: np.isfinite(full[:, j]).mean() for j, c in enumerate(cols)}
    assert dense_cols == tuple(c for c in cols if cover[c] >= 0.99)
    assert {"log10_synflow", "snip", "grad_norm", "log10_params", "log10_flops"} <= set(dense_cols)
    assert 0.97 < cover["naswot"] < 0.99 and cover["grasp"] < 0.2
    assert np.isfinite(dense).all()
    for j, c in enumerate(dense_cols):  # where the table has a value it is that value
        src = full[:, cols.index(c)]
        ok = np.isfinite(src)
        assert ok.mean() >= 0.99
        np.testing.assert_array_equal(dense[ok, j], src[ok])
        assert (dense[~ok, j] == np.median(src[ok])).all()
    t = db.table("nb201", "cifar10")
    archs = t.archs()
    x = zc_dense_features(space, archs[:50])
    np.testing.assert_array_equal(x[:, dense_cols.index("log10_params")],
                                  zc_features(space, archs[:50])[:, cols.index("log10_params")])
    y = t.query_many(archs[:300], ["val_acc"])["val_acc"].to_numpy()
    gz = create("gp", space, seed=0, features="zc").fit(archs[:300], y)
    ga = create("gp", space, seed=0).fit(archs[:300], y)
    assert gz.x_train_.shape[1] == ga.x_train_.shape[1] + len(dense_cols)
    pz = gz.predict(archs[300:600])
    assert not np.allclose(pz, ga.predict(archs[300:600]))
    back = Predictor.load(gz.save(tmp_path / "gp_zc"))
    np.testing.assert_array_equal(back.predict(archs[300:600]), pz)
    # the ensemble hands features="zc" to its gp member as to xgb
    ens = create("ensemble", space, seed=0, members=["gp"], features="zc")
    ens.fit(archs[:300], y)
    assert ens.members_[0].features == "zc"
    with pytest.raises(ValueError, match="Unknown features 'zcc'. Valid choices: arch, zc"):
        create("gp", space, features="zcc").fit(archs[:20], y[:20])
