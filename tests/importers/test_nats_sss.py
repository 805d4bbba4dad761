"""nats-sss: the size space and its importer agree with the official API."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.importers import ImportError_, import_benchmark
from nasbench.spaces import get_space
from nasbench.testing import check_search_space
from tests.importers import nats_fixture
from tests.importers.conftest import nb201_only
from tests.importers.test_nats_tss import compare_with_api

nats_bench = pytest.importorskip("nats_bench")


def test_space_conforms_and_its_key_is_the_official_index() -> None:
    space = get_space("nats_sss")
    check_search_space(space)
    meta = nats_fixture.sss_meta()
    assert len(space) == len(meta) == 32768
    assert list(space.keys(meta)) == list(range(32768))
    assert space.to_string(space.from_official_index(751)) == "8:16:32:48:64"
    assert space.decode((8, 16, 32, 48, 64), "channels") == space.parse("8:16:32:48:64")
    assert space.parse("64:64:64:64:64") == (7, 7, 7, 7, 7)


def test_import_equals_the_official_api(tmp_path, monkeypatch) -> None:
    nb201_only(monkeypatch)
    meta, archs = nats_fixture.sss_archs()
    folder = nats_fixture.write_simple(tmp_path / "NATS-sss-v1_0-50262-simple", meta, archs)
    out = import_benchmark("nats-sss", folder, tmp_path / "h", progress=lambda line: None)
    assert sorted(out["tables"]) == ["nats_sss__cifar10", "nats_sss__cifar10-full",
                                     "nats_sss__cifar100", "nats_sss__imagenet16-120"]
    assert out["mismatches"] == {}  # new tables: nothing to compare with
    db = nasbench.open(tmp_path / "h", build=False)
    api = nats_bench.create(str(folder), "sss", fast_mode=True, verbose=False)
    for idx in archs:  # the official API's index of each string is our key
        assert api.query_index_by_arch(meta[idx]) == idx
    files = {"meta": meta, "archs": archs}
    assert compare_with_api(api, db, files, space="nats_sss", main_hp="90") > 5_000
    t = db.table("nats_sss", "cifar10")
    assert len(t) == 4 and list(t.official_index) == sorted(archs)
    assert t.metric_schedules("val_acc") == ["90", "01", "12"]
    assert t.curve("8:16:32:48:64", "val_acc", schedule="01").shape == (1,)
    assert t.curve("8:16:32:48:64", "val_acc", seed="all").shape == (2, 90)
    np.testing.assert_array_equal(t.array("test_acc", schedule=12), t.array("test_acc@12"))


def test_wrong_order_is_refused(tmp_path, monkeypatch) -> None:
    nb201_only(monkeypatch)
    meta = nats_fixture.sss_meta()
    meta[3], meta[4] = meta[4], meta[3]
    path = nats_fixture.write_single(tmp_path / "x.pickle.pbz2", meta, {})
    with pytest.raises(ImportError_, match=r"meta_archs\[3\].*official order"):
        import_benchmark("nats-sss", path, tmp_path / "h")
