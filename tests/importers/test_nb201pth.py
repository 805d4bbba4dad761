"""nb201-pth: NAS-Bench-201 v1.x .pth files read with torch.load(weights_only=True)."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.importers import ImportError_, import_benchmark
from tests.importers import nats_fixture
from tests.importers.conftest import nb201_only
from tests.importers.test_nats_tss import compare_with_api

torch = pytest.importorskip("torch")
nas_201_api = pytest.importorskip("nas_201_api")


def test_pth_equals_the_official_api(tmp_path, db, monkeypatch) -> None:
    nb201_only(monkeypatch)
    meta, archs = nats_fixture.tss_archs(db, indexes=(0, 6111), api="nas_201_api",
                                         datasets_12=("cifar10-valid",))
    path = nats_fixture.write_pth(tmp_path / "NAS-Bench-201-v1_0-e61699.pth", meta, archs)
    out = import_benchmark("nb201-pth", path, tmp_path / "h", progress=lambda line: None)
    assert all(n == 0 for v in out["mismatches"].values() for n in v.values())
    assert out["mismatches"]["nb201-pth:cifar10"]["val_acc"] == 0
    store = nasbench.open(tmp_path / "h", build=False)
    api = nas_201_api.NASBench201API(str(path), verbose=False)
    # v1.0's 12-epoch schedule has cifar10-valid only: compare what the file holds
    files = {"meta": meta, "archs": {i: {"200": hp2["200"]} for i, hp2 in archs.items()}}
    assert compare_with_api(api, store, files) > 10_000
    t = store.table("nb201", "cifar10")
    for i, hp2 in archs.items():
        seeds = hp2["12"]["dataset_seed"]["cifar10-valid"]
        for k, s in enumerate(seeds):
            want = [api.get_more_info(i, "cifar10-valid", iepoch=e, hp="12", is_random=s)
                    ["valid-accuracy"] for e in range(12)]
            np.testing.assert_allclose(t.curve(meta[i], "val_acc", seed=k, schedule=12), want,
                                       rtol=0, atol=1e-9)
    assert "val_acc@12" not in store.table("nb201", "cifar100").metrics  # v1.0: no 12 there


def test_a_file_that_needs_code_is_refused(tmp_path, monkeypatch) -> None:
    nb201_only(monkeypatch)
    victim = tmp_path / "pwned.txt"

    class Evil:
        def __reduce__(self):
            return (open, (str(victim), "w"))

    path = tmp_path / "evil.pth"
    torch.save({"meta_archs": [], "arch2infos": {0: Evil()}}, path)
    with pytest.raises(ImportError_, match=r"needs more than torch.load\(weights_only=True\)"):
        import_benchmark("nb201-pth", path, tmp_path / "h")
    assert not victim.exists()
    (tmp_path / "bad.pth").write_bytes(b"not a torch file")
    with pytest.raises(ImportError_, match="not a readable torch file|needs more than"):
        import_benchmark("nb201-pth", tmp_path / "bad.pth", tmp_path / "h")
