"""nats-tss: the official API's answers equal ours on files the official package wrote."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.importers import ImportError_, import_benchmark
from tests.importers import nats_fixture
from tests.importers.conftest import nb201_only

nats_bench = pytest.importorskip("nats_bench")

#: NATS dataset -> [(our table, our prefix, get_more_info prefix)]
MAP = {
    "cifar10-valid": [("cifar10", "train", "train"), ("cifar10", "val", "valid"),
                      ("cifar10", "ori_test", "test")],
    "cifar10": [("cifar10-full", "train", "train"), ("cifar10-full", "test", "test"),
                ("cifar10", "test", "test")],
    "cifar100": [("cifar100", "train", "train"), ("cifar100", "val", "valid"),
                 ("cifar100", "test", "test"), ("cifar100", "ori_test", "valtest")],
    "ImageNet16-120": [("imagenet16-120", p, q) for _, p, q in
                       [("", "train", "train"), ("", "val", "valid"), ("", "test", "test"),
                        ("", "ori_test", "valtest")]],
}
FIELDS = (("acc", "accuracy"), ("loss", "loss"), ("time", "all-time"))


def compare_with_api(api, db: nasbench.Store, files: dict, space: str = "nb201",
                     main_hp: str = "200") -> int:
    """Every (arch, dataset, schedule, seed, epoch, split) of the fixture: API == ours."""
    checked = 0
    for idx, hp2 in files["archs"].items():
        arch = files["meta"][idx]
        for hp, state in hp2.items():
            suffix = "" if hp == main_hp else f"@{hp}"
            for dataset, targets in MAP.items():
                seeds = state["dataset_seed"][dataset]
                epochs = state["all_results"][(dataset, seeds[0])]["epochs"]
                for k, seed in enumerate(seeds):
                    infos = [api.get_more_info(idx, dataset, iepoch=e, hp=hp, is_random=seed)
                             for e in range(epochs)]
                    final = api.get_more_info(idx, dataset, hp=hp, is_random=seed)
                    for table, ours, theirs in targets:
                        t = db.table(space, table)
                        for kind, key in FIELDS:
                            name = f"{ours}_{kind}{suffix}"
                            want = np.array([i[f"{theirs}-{key}"] for i in infos])
                            got = t.curve(arch, name, seed=k)
                            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9,
                                                       err_msg=f"{idx} {dataset} {hp} {name}")
                            # seed_array: query(seed=k) counts the seeds of the first
                            # column (val_acc), and cifar10's test_acc has its own runs
                            assert t.seed_array(name)[t.row(arch), k] == pytest.approx(
                                final[f"{theirs}-{key}"], abs=1e-9)
                            checked += len(want)
                    meta = api.query_meta_info_by_index(idx, hp).query(dataset, seed)
                    table = targets[0][0]
                    t = db.table(space, table)
                    if hp == main_hp:
                        row = {m: t.seed_array(m)[t.row(arch), k]
                               for m in ("params", "flops_official", "latency")}
                        assert row["params"] == pytest.approx(meta.params, abs=1e-9)
                        assert row["flops_official"] == pytest.approx(meta.flop, abs=1e-9)
                        assert row["latency"] == pytest.approx(meta.get_latency(), abs=1e-9)
                if hp == main_hp:
                    cost = api.get_cost_info(idx, dataset, hp=hp)
                    t = db.table(space, targets[0][0])
                    assert t.query(arch, "flops_official")["flops_official"] == pytest.approx(
                        cost["flops"], abs=1e-9)
    return checked


def test_simple_folder_equals_the_official_api(tss_store, tss_files) -> None:
    db, out = tss_store
    api = nats_bench.create(str(tss_files["simple"]), "tss", fast_mode=True, verbose=False)
    assert compare_with_api(api, db, tss_files) > 50_000
    # the wheel-shared columns (real values in the fixture) agree: 0 mismatches
    assert set(out["mismatches"]) == {"nats-tss:cifar10", "nats-tss:cifar100",
                                      "nats-tss:imagenet16-120"}
    assert all(n == 0 for v in out["mismatches"].values() for n in v.values())
    assert out["mismatches"]["nats-tss:cifar10"]["val_acc"] == 0
    t = db.table("nb201", "cifar10")
    assert len(t) == 15625 and t.official_index is not None
    assert t.official_index[t.row("333132")] == 6111
    assert np.isnan(t.query("111111", "test_acc")["test_acc"])  # not in the fixture
    assert t.describe("test_acc")["split"] == "test"
    assert t.describe("val_acc@12")["schedule"] == "12"
    full = db.table("nb201", "cifar10-full")
    assert len(full) == len(tss_files["archs"])
    assert list(full.official_index[full.rows([tss_files["meta"][i] for i in (0, 6111)])]) == \
        [0, 6111]


def test_single_file_gives_the_same_tables(tmp_path, tss_files, tss_store,
                                           monkeypatch) -> None:
    nb201_only(monkeypatch)
    home = tmp_path / "h"
    import_benchmark("nats-tss", tss_files["single"], home, progress=lambda line: None)
    one = nasbench.open(home, build=False)
    api = nats_bench.create(str(tss_files["single"]), "tss", fast_mode=False, verbose=False)
    assert compare_with_api(api, one, tss_files) > 50_000
    simple, _ = tss_store
    for table in ("cifar10", "cifar10-full", "imagenet16-120"):
        a, b = one.table("nb201", table), simple.table("nb201", table)
        assert a.metrics == b.metrics
        for m in a.curve_metrics:
            np.testing.assert_array_equal(a.curve("333132", m, seed=0),
                                          b.curve("333132", m, seed=0))


def test_a_changed_value_is_exactly_one_mismatch(tmp_path, db, monkeypatch) -> None:
    nb201_only(monkeypatch)
    meta, archs = nats_fixture.tss_archs(db, indexes=(6111, 0), shift=0.25)
    folder = nats_fixture.write_simple(tmp_path / "simple", meta, archs)
    out = import_benchmark("nats-tss", folder, tmp_path / "h", progress=lambda line: None)
    assert out["mismatches"]["nats-tss:cifar10"] == {"val_acc": 1, "train_time": 0,
                                                     "params": 0, "latency": 0}
    assert all(n == 0 for k, v in out["mismatches"].items() if k != "nats-tss:cifar10"
               for n in v.values())
    t = nasbench.open(tmp_path / "h", build=False).table("nb201", "cifar10")
    assert t.query("333132", "val_acc")["val_acc"] == pytest.approx(91.607, abs=1e-3)  # kept


class _Evil:
    """Unpickling this would create a file (``__reduce__`` -> ``open(path, 'w')``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


@pytest.mark.parametrize("where", ["meta", "arch", "single"])
def test_a_malicious_file_runs_nothing(tmp_path, tss_files, where, monkeypatch) -> None:
    import bz2

    nb201_only(monkeypatch)
    victim = tmp_path / "pwned.txt"
    evil = _Evil(victim)
    meta, archs = tss_files["meta"], dict(tss_files["archs"])
    if where == "single":
        target = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
        obj = {"meta_archs": meta, "arch2infos": {0: {"200": {"all_results": evil}}},
               "evaluated_indexes": [0]}
    else:
        target = nats_fixture.write_simple(tmp_path / "simple", meta, archs)
        obj = {"meta_archs": evil} if where == "meta" else {"200": evil}
        target_file = target / ("meta.pickle.pbz2" if where == "meta" else "000000.pickle.pbz2")
    path = target if where == "single" else target_file
    with bz2.open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)
    with pytest.raises(ImportError_, match=r"refusing to unpickle the global (io|builtins)\.open"):
        import_benchmark("nats-tss", target, tmp_path / "h", progress=lambda line: None)
    assert not victim.exists()
    assert not (tmp_path / "h" / "imports" / "nats-tss").exists() or not any(
        (tmp_path / "h" / "imports" / "nats-tss").glob("*/manifest.json"))


def test_import_resumes_after_a_crash(tmp_path, tss_files, monkeypatch) -> None:
    from nasbench.importers import _nats_common

    nb201_only(monkeypatch)
    monkeypatch.setattr(_nats_common, "CHUNK", 1)
    real = _nats_common.load_pickle
    read: list[str] = []
    killed: list[bool] = []

    def flaky(path: Path):
        read.append(path.name)
        if path.name == "011472.pickle.pbz2" and not killed:
            killed.append(True)
            raise KeyboardInterrupt  # killed in the middle of the third chunk
        return real(path)

    monkeypatch.setattr(_nats_common, "load_pickle", flaky)
    with pytest.raises(KeyboardInterrupt):
        import_benchmark("nats-tss", tss_files["simple"], tmp_path / "h", build=False,
                         progress=lambda line: None)
    read.clear()
    out = import_benchmark("nats-tss", tss_files["simple"], tmp_path / "h", build=False,
                           progress=lambda line: None)
    assert out["imported"]
    # the two finished chunks were not read again (the meta file is)
    assert sorted(read) == ["011472.pickle.pbz2", "015624.pickle.pbz2", "meta.pickle.pbz2"]


def test_bad_files_are_refused(tmp_path, tss_files, monkeypatch) -> None:
    nb201_only(monkeypatch)
    (tmp_path / "trunc").mkdir()
    data = (tss_files["simple"] / "meta.pickle.pbz2").read_bytes()
    (tmp_path / "trunc" / "meta.pickle.pbz2").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportError_, match="truncated or corrupt"):
        import_benchmark("nats-tss", tmp_path / "trunc", tmp_path / "h")
    shuffled = list(reversed(tss_files["meta"]))
    wrong = nats_fixture.write_single(tmp_path / "w.pickle.pbz2", shuffled, {})
    with pytest.raises(ImportError_, match="official index order"):
        import_benchmark("nats-tss", wrong, tmp_path / "h")


def test_imported_recipe_conforms(tmp_path, tss_files, monkeypatch) -> None:
    from nasbench.recipes import ImportedRecipe
    from nasbench.recipes._nb201 import NB201
    from nasbench.testing import check_recipe

    import_benchmark("nats-tss", tss_files["simple"], tmp_path / "h", build=False,
                     progress=lambda line: None)
    (table,) = check_recipe(ImportedRecipe(tmp_path / "h", set(NB201.tables())),
                            others=[NB201])
    assert table.dataset == "cifar10-full"
