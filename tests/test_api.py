"""The query API on the real store: values, vectorisation, seeds, errors, SQL, Pareto."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nasbench
from nasbench.errors import (
    InvalidArchitectureError,
    StoreNotFoundError,
    UnknownDatasetError,
    UnknownMetricError,
    UnknownSpaceError,
)


def test_tables_lists_every_table(db) -> None:
    df = db.tables()
    assert list(df.columns[:4]) == ["space", "dataset", "source", "n_archs"]
    df = df[df.source == "measured"]
    assert len(df) == 3 + 9 + 4
    n = dict(zip(df.space + "/" + df.dataset, df.n_archs, strict=False))
    assert n["nb201/cifar10"] == 15625
    assert n["nbgraph/cora"] == 26206
    assert n["nbgraph/proteins"] == 2021
    assert n["fcnet/naval_propulsion"] == 62208


def test_query_known_value_every_encoding(db) -> None:
    t = db.table("nb201", "cifar10")
    best = int(t.array("val_acc").argmax())
    arch = t.archs()[best]
    s = t.space.to_string(arch)
    names = tuple(t.space.to_string(arch).strip("|").replace("+", "").split("|"))
    assert len(names) > 0
    by_string = t.query(s)
    by_tuple = t.query(arch)
    assert by_string.keys() == by_tuple.keys()
    np.testing.assert_equal(list(by_string.values()), list(by_tuple.values()))  # NaN-aware
    assert by_string["val_acc"] == pytest.approx(91.607, abs=1e-3)
    assert set(by_string) == set(t.metrics)


def test_query_seed_modes(db) -> None:
    t = db.table("nb201", "cifar10")
    arch = "421211"
    per_seed = t.seed_array("val_acc")[t.row(arch)]
    assert t.query(arch, "val_acc", seed=0)["val_acc"] == per_seed[0]
    assert t.query(arch, "val_acc")["val_acc"] == pytest.approx(np.nanmean(per_seed))
    draws = {t.query(arch, "val_acc", seed="sample", rng=np.random.default_rng(i))["val_acc"]
             for i in range(40)}
    assert draws == set(per_seed[~np.isnan(per_seed)].tolist())
    with pytest.raises(ValueError, match="rng"):
        t.query(arch, seed="sample")
    with pytest.raises(ValueError, match="seed"):
        t.query(arch, seed=7)


def test_query_many_matches_query_in_input_order(db) -> None:
    t = db.table("nb201", "cifar100")
    archs = t.space.sample(300, seed=1)
    df = t.query_many(archs, metrics=["val_acc", "params"])
    assert isinstance(df, pd.DataFrame) and len(df) == 300
    for i in (0, 17, 299):
        one = t.query(archs[i], metrics=["val_acc", "params"])
        assert df.val_acc[i] == one["val_acc"] and df.params[i] == one["params"]
        assert df.arch[i] == t.space.to_string(archs[i])


def test_query_many_sample_is_seeded(db) -> None:
    t = db.table("fcnet", "protein_structure")
    archs = t.space.sample(200, seed=3)
    a = t.query_many(archs, "val_loss", seed="sample", rng=5)
    b = t.query_many(archs, "val_loss", seed="sample", rng=5)
    pd.testing.assert_frame_equal(a, b)
    per_seed = t.seed_array("val_loss")[t.rows(archs)]
    assert (per_seed[np.arange(200), a.seed.to_numpy()] == a.val_loss.to_numpy()).all()


def test_random_baseline_exact(db) -> None:
    t = db.table("nb201", "cifar10")
    base = t.random_baseline("val_acc")
    v = t.array("val_acc")
    assert base["mean"] == pytest.approx(v.mean())
    assert base["n"] == 15625
    assert base["min"] < base["q25"] < base["median"] < base["q75"] < base["max"]
    assert base["max"] == pytest.approx(91.607, abs=1e-3)


def test_pareto_is_non_dominated_and_complete(db) -> None:
    t = db.table("nb201", "cifar10")
    front = t.pareto({"val_acc": "max", "latency": "min"})
    acc, lat = t.array("val_acc"), t.array("latency")
    for _, r in front.iterrows():
        assert not np.any((acc >= r.val_acc) & (lat <= r.latency)
                          & ((acc > r.val_acc) | (lat < r.latency)))
    # the best-accuracy arch is always on the front
    assert front.val_acc.max() == pytest.approx(acc.max())


def test_unknown_names_name_the_choices(db) -> None:
    with pytest.raises(UnknownSpaceError, match="Did you mean 'nb201'"):
        db.table("nb210", "cifar10")
    with pytest.raises(UnknownDatasetError, match="cifar100"):
        db.table("nb201", "cifar1000")
    with pytest.raises(KeyError):
        db.table("nbgraph", "corra")
    t = db.table("nb201", "cifar10")
    with pytest.raises(UnknownMetricError, match="Did you mean 'val_acc'"):
        t.query("421211", metrics=["val_ac"])
    with pytest.raises(InvalidArchitectureError):
        t.query("|nor_conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|")


def test_dataset_alias(db) -> None:
    assert db.table("nb201", "imagenet").dataset == "imagenet16-120"


def test_proteins_rejects_archs_outside_its_op_set(db) -> None:
    t = db.table("nbgraph", "proteins")
    with pytest.raises(InvalidArchitectureError, match="gat"):
        t.query({"link": [0, 0, 1, 2], "ops": ["gat", "gat", "gat", "gat"]})
    assert t.space.ops == ("gcn", "sage", "arma", "fc", "skip")
    assert t.space.keys(t.space.enumerate()).tolist() == t.keys.tolist()
    assert db.table("nbgraph", "cora").space.keys(t.archs()).tolist() == t.keys.tolist()


def test_missing_store_says_how_to_build(tmp_path) -> None:
    with pytest.raises(StoreNotFoundError, match="nasbench build"):
        nasbench.open(tmp_path / "nothing", build=False)


def test_sql_with_parameters_and_read_only(db) -> None:
    df = db.sql("SELECT count(*) AS n FROM nb201_cifar10 WHERE val_acc > $1", [91.0])
    t = db.table("nb201", "cifar10")
    assert int(df.n[0]) == int((t.array("val_acc") > 91.0).sum())
    best = db.sql("SELECT max(val_acc) AS m FROM nb201_cifar10")["m"][0]
    assert best == pytest.approx(91.607, abs=1e-3)
    seeds = db.sql("SELECT count(*) AS n FROM nb201_cifar10_seeds")["n"][0]
    assert seeds == 8169 * 3 + 7456 * 2
    for bad in ("DROP VIEW nb201_cifar10", "CREATE TABLE x AS SELECT 1",
                "COPY (SELECT 1) TO '/tmp/nasbench_x.csv'", "SELECT 1; SELECT 2"):
        with pytest.raises(ValueError):
            db.sql(bad)
    with pytest.raises(ValueError, match="read_parquet|external|Permission|disabled"):
        db.sql("SELECT * FROM read_csv('/etc/passwd')")


def test_sql_catalog_metadata(db) -> None:
    m = db.sql("SELECT unit, direction FROM catalog_metrics WHERE space = $1 AND dataset = $2 "
               "AND metric = $3", ["nb201", "cifar10", "val_acc"])
    assert (m.unit[0], m.direction[0]) == ("percent", "max")
    s = db.sql("SELECT DISTINCT source, version FROM catalog_sources ORDER BY source")
    assert "nasbench201" in set(s.source)
    assert len(db.sql("SELECT sha256 FROM catalog_sources")["sha256"][0]) == 64


def test_catalog_records_sources(db) -> None:
    src = db.catalog["sources"]["nasbench201"]
    assert src["installed_version"] == "0.2.0"
    assert "Dong" in src["citation"]
    assert db.catalog["schema_version"] == nasbench.store.SCHEMA_VERSION == 3


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, nasbench; heavy = [m for m in ('torch', 'xgboost', 'pandas', 'duckdb', "
            "'pyarrow') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
