"""TransNAS-Bench-101: the two spaces and the importer on a .pth written here with torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.importers import ImportError_, ImportWriter, load_table_data
from nasbench.importers._transnas import TransNASImporter
from nasbench.spaces import get_space
from nasbench.testing import check_search_space

METRICS = {"class_object": ["train_top1", "train_top5", "train_loss", "valid_top1",
                            "valid_top5", "valid_loss", "test_top1", "test_top5",
                            "test_loss", "time_elapsed"],
           "room_layout": ["train_loss", "train_neg_loss", "valid_loss", "valid_neg_loss",
                           "test_loss", "test_neg_loss", "time_elapsed"]}


def test_spaces() -> None:
    micro, macro = get_space("transnas_micro"), get_space("transnas_macro")
    assert len(micro) == 4096 and len(macro) == 3256  # the published counts
    check_search_space(micro, n=30)
    check_search_space(macro, n=30)
    assert micro.key("64-41414-1_02_333") == int("102333", 4)
    assert micro.parse("1_02_333") == "1_02_333" and macro.key("64-1234-basic") == 1234
    assert macro.to_string("1234") == "64-1234-basic"
    with pytest.raises(InvalidArchitectureError, match="a_bc_def"):
        micro.parse("1_02_334")
    with pytest.raises(InvalidArchitectureError, match="4 to 6 modules"):
        macro.parse("64-123-basic")


def _write(path: Path, seed: int = 0) -> dict:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    micro = [get_space("transnas_micro").to_string(a)
             for a in get_space("transnas_micro").sample(25, seed=1)]
    macro = [get_space("transnas_macro").to_string(a)
             for a in get_space("transnas_macro").sample(20, seed=2)]
    data: dict = {"micro": {}, "macro": {}}
    for ss, archs in (("micro", micro), ("macro", macro)):
        for a in dict.fromkeys(archs):
            data[ss][a] = {}
            for task, ms in METRICS.items():
                epochs = 10 if task == "class_object" else 20
                data[ss][a][task] = {
                    "metrics": {m: rng.uniform(0, 100, size=epochs).tolist() for m in ms},
                    "model_info": {"inference_time": float(rng.uniform(0.001, 0.01)),
                                   "model_params": float(rng.uniform(1e6, 5e6)),
                                   "model_FLOPs": float(rng.uniform(1e8, 1e9)),
                                   "encoder_params": 1.0e6, "encoder_FLOPs": 1.0e8},
                    "total_epochs": epochs}
    db = {"task_list": list(METRICS), "metrics_dict": METRICS,
          "info_names": ["inference_time", "encoder_params", "model_params", "model_FLOPs",
                         "encoder_FLOPs"], "data": data}
    torch.save(db, path)
    return db


def test_import_values_and_names(tmp_path: Path) -> None:
    file = tmp_path / "transnas-bench_v10141024.pth"
    db = _write(file)
    w = ImportWriter(tmp_path / "w")
    TransNASImporter().convert(file, w, lambda s: None)
    t = load_table_data(w.work / "tables" / "transnas_micro__class_object")
    sp = get_space("transnas_micro")
    a = next(iter(db["data"]["micro"]))
    row = int(np.searchsorted(t.keys, sp.key(a)))
    rec = db["data"]["micro"][a]["class_object"]
    assert t.values["val_top1"][row, 0] == pytest.approx(rec["metrics"]["valid_top1"][-1])
    assert t.curves["val_top1"][row, 0].tolist() == pytest.approx(rec["metrics"]["valid_top1"])
    assert t.values["params"][row, 0] == pytest.approx(rec["model_info"]["model_params"])
    assert t.metrics["test_top1"].split == "test" and t.metrics["val_loss"].direction == "min"
    assert t.aliases["val_acc"] == "val_top1" and t.space_options["keys"] == t.keys.tolist()
    r = load_table_data(w.work / "tables" / "transnas_macro__room_layout")
    assert r.metrics["val_neg_loss"].direction == "max" and "train_time" in r.values
    assert len(r.keys) == len(db["data"]["macro"])
    (tmp_path / "bad.pth").write_bytes(b"not a torch file")
    with pytest.raises(ImportError_, match="bad.pth cannot be read"):
        TransNASImporter().convert(tmp_path / "bad.pth", ImportWriter(tmp_path / "w2"),
                                   lambda s: None)


def test_store_and_harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nasbench
    from nasbench import harness
    from nasbench.importers import import_benchmark
    from nasbench.recipes import ImportedRecipe

    monkeypatch.setattr("nasbench.store._build.default_recipes",
                        lambda home: [ImportedRecipe(home, set())])
    file = tmp_path / "transnas-bench_v10141024.pth"
    db = _write(file)
    out = import_benchmark("transnas101", file, tmp_path / "home", progress=lambda s: None)
    assert len(out["tables"]) == 4
    t = nasbench.open(tmp_path / "home", build=False).table("transnas_micro", "class_object")
    a = next(iter(db["data"]["micro"]))
    got = t.query(a, "val_top1")["val_top1"]
    assert got == pytest.approx(db["data"]["micro"][a]["class_object"]["metrics"]["valid_top1"][-1])
    for name in ("rs", "rea", "ls"):
        assert len(harness.run(name, t, budget=8, seed=0)) == 8
