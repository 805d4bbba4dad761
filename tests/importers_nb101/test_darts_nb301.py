"""The darts space (genotype forms, canonical edge order, keys) and the nb301 importer on a
training-data folder / zip written here in NAS-Bench-301's layout."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.importers import ImportError_, ImportWriter, load_table_data
from nasbench.importers._nb301 import NB301Importer
from nasbench.spaces import DartsSpace, get_space
from nasbench.spaces._darts import CELL_SIZE, OPS, from_config, to_config
from nasbench.testing import check_search_space

from ._nb301_fixture import result

# DARTS-V2 as published in the DARTS repository's genotypes.py (a well-known genotype)
DARTS_V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
            "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
            "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
            "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
            "reduce_concat=[2, 3, 4, 5])")


@pytest.fixture(scope="module")
def sp():
    return get_space("darts")


def test_forms_canonical_order_and_keys(sp) -> None:
    a = sp.parse(DARTS_V2)
    # node 4 is written ('sep_conv_3x3', 1), ('skip_connect', 0): canonical order is by input
    assert a.normal[4:6] == (("skip_connect", 0), ("sep_conv_3x3", 1))
    swapped = [list(a.normal[i ^ 1]) for i in range(8)]  # every node's edges swapped
    assert sp.parse({"normal": swapped, "reduce": a.reduce}) == a
    assert sp.key({"normal": swapped, "reduce": a.reduce}) == sp.key(a)
    assert sp.parse(sp.to_string(a)) == a and sp.parse(sp.to_genotype_string(a)) == a
    assert from_config(to_config(a)) == a and sp.parse(to_config(a)) == a
    assert sp.from_key(sp.key(a)) == a and 0 <= sp.key(a) < CELL_SIZE ** 2 < 2 ** 63
    for arch in sp.sample(200, seed=1):
        assert sp.from_key(sp.key(arch)) == arch
    with pytest.raises(InvalidArchitectureError, match="same input"):
        sp.parse({"normal": [("sep_conv_3x3", 0)] * 8, "reduce": a.reduce})
    with pytest.raises(InvalidArchitectureError, match="Unknown DARTS op"):
        sp.parse({"normal": [("conv_7x7", 0), ("skip_connect", 1)] + list(a.normal[2:]),
                  "reduce": a.reduce})
    with pytest.raises(InvalidArchitectureError, match="cannot be enumerated"):
        sp.enumerate()


def test_conformance_of_a_closed_subspace(sp) -> None:
    a = sp.parse(DARTS_V2)
    keys = [sp.key({"normal": [(o1, 0), (o2, 1), *a.normal[2:]], "reduce": a.reduce})
            for o1 in OPS for o2 in OPS]
    sub = DartsSpace(keys=keys)
    check_search_space(sub, n=20)
    nb = sp.neighbours(a)
    assert len(nb) == len({sp.key(b) for b in nb}) and a not in nb
    # 16 edges x 6 other ops, plus moving each edge to an unused input
    assert len(nb) == 16 * 6 + sum(2 * (n - 2) for n in range(2, 6)) * 2


def _write(root: Path, n: int = 30) -> dict:
    sp = get_space("darts")
    archs = sp.sample(n, seed=3)
    truth = {}
    for i, a in enumerate(archs):
        sub = ("rs", "re", "bananas")[i % 3]
        (root / sub).mkdir(parents=True, exist_ok=True)
        d = result(to_config(a), 90 + i / 10, i)
        (root / sub / f"results_{i}.json").write_text(json.dumps(d))
        truth[sp.key(a)] = [d]
    # a second run of archs[0] (another optimizer found the same genotype)
    d = result(to_config(archs[0]), 93.5, 99)
    (root / "de").mkdir(exist_ok=True)
    (root / "de" / "results_7_ti.json").write_text(json.dumps(d))
    truth[sp.key(archs[0])].append(d)
    return truth


def test_import_folder_and_zip(tmp_path: Path) -> None:
    root = tmp_path / "nb_301_v13_lc_iclr_final"
    truth = _write(root)
    writer = ImportWriter(tmp_path / "w1")
    NB301Importer().convert(root, writer, lambda s: None)
    t = load_table_data(writer.work / "tables" / "darts__cifar10")
    assert len(t.keys) == 30 and t.n_seeds == 2
    for k, runs in truth.items():
        row = int(np.searchsorted(t.keys, k))
        got = sorted(v for v in t.values["val_acc"][row] if not np.isnan(v))
        assert got == pytest.approx(sorted(r["info"][0]["val_accuracy"] for r in runs))
        got = sorted(v for v in t.values["params"][row] if not np.isnan(v))
        assert got == pytest.approx(sorted(r["info"][0]["model_parameters"] / 1e6
                                           for r in runs))
    assert t.curves["val_acc"].shape == (30, 2, 98) and t.metrics["test_acc"].split == "test"
    assert t.metrics["val_acc"].budget == "98 epochs"
    zpath = tmp_path / "nb_301_v13_lc_iclr_final.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for p in sorted(root.rglob("*.json")):
            z.write(p, str(p.relative_to(tmp_path)))
    w2 = ImportWriter(tmp_path / "w2")
    NB301Importer().convert(zpath, w2, lambda s: None)
    t2 = load_table_data(w2.work / "tables" / "darts__cifar10")
    assert np.array_equal(t2.keys, t.keys)
    assert np.array_equal(t2.values["val_acc"], t.values["val_acc"], equal_nan=True)


def test_bad_result_file_is_named(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _write(root, n=3)
    (root / "rs" / "results_5.json").write_text('{"info": []}')
    with pytest.raises(ImportError_, match=r"rs/results_5.json is not a NAS-Bench-301 result"):
        NB301Importer().convert(root, ImportWriter(tmp_path / "w"), lambda s: None)


def test_store_table_and_harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nasbench
    from nasbench import harness
    from nasbench.importers import import_benchmark
    from nasbench.recipes import ImportedRecipe

    monkeypatch.setattr("nasbench.store._build.default_recipes",
                        lambda home: [ImportedRecipe(home, set())])
    root = tmp_path / "nb_301_v13_lc_iclr_final"
    truth = _write(root)
    import_benchmark("nb301", root, tmp_path / "home", progress=lambda s: None)
    t = nasbench.open(tmp_path / "home", build=False).table("darts", "cifar10")
    sp = t.space
    k = next(iter(truth))
    a = sp.from_key(k)
    want = np.mean([r["info"][0]["val_accuracy"] for r in truth[k]])
    assert t.query(sp.to_genotype_string(a), "val_acc")["val_acc"] == pytest.approx(want)
    assert t.query(to_config(a), "val_acc")["val_acc"] == pytest.approx(want)
    assert t.curve(a, "val_acc").shape[-1] == 98
    for name in ("rs", "rea", "ls"):
        res = harness.run(name, t, budget=10, seed=0)
        assert len(res) == 10
