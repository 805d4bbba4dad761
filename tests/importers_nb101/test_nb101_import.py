"""The nb101 importer on TFRecord files written here with protobuf: values, ids, budgets,
isomorphic and prunable specs, CRC / truncation errors, resumable chunks, the built table,
and the harness / predictors on it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from nasbench.importers import ImportError_, ImportWriter
from nasbench.importers import _nb101 as imp
from nasbench.importers._nb101 import NB101Importer, decode_model_metrics, iter_records
from nasbench.spaces import get_space
from nasbench.spaces._nb101 import module_hash

from ._fixture import frame, metrics_class, record, write_file

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"


def test_wire_decoder_reads_what_protobuf_writes() -> None:
    cls = metrics_class()
    m = cls()
    for k in range(3):
        e = m.evaluation_data.add()
        e.current_epoch, e.training_time = 54.0 * k, 1234.5 * k
        e.train_accuracy, e.validation_accuracy, e.test_accuracy = 0.1 * k, 0.2 * k, 0.3 * k
        e.checkpoint_path = f"ckpt-{k}"
    m.trainable_parameters, m.total_time = 2_694_282, 3000.25
    got = decode_model_metrics(m.SerializeToString())
    assert got["trainable_parameters"] == 2_694_282 and got["total_time"] == 3000.25
    assert [e["checkpoint_path"] for e in got["evaluation_data"]] == ["ckpt-0", "ckpt-1", "ckpt-2"]
    assert got["evaluation_data"][2]["test_accuracy"] == pytest.approx(0.6)
    back = cls.FromString(m.SerializeToString())  # and protobuf agrees on the fields
    assert back.evaluation_data[1].validation_accuracy == got["evaluation_data"][1][
        "validation_accuracy"]
    with pytest.raises(ValueError):
        decode_model_metrics(m.SerializeToString()[:-3])


def test_crc32c_fallback_and_framing() -> None:
    assert imp.crc32c_py(b"123456789") == 0xE3069283  # the CRC-32C check value
    buf = io.BytesIO()
    imp.write_record(buf, b"hello", imp.crc32c_py)
    assert buf.getvalue() == frame(b"hello")  # our writer == the fixture's (crc32c package)


def _import(tmp_path: Path, file: Path) -> tuple[ImportWriter, list[str]]:
    writer = ImportWriter(tmp_path / "work")
    lines: list[str] = []
    NB101Importer().convert(file, writer, lines.append)
    return writer, lines


def _table(writer: ImportWriter):
    from nasbench.importers import load_table_data

    return load_table_data(writer.work / "tables" / "nb101__cifar10")


def test_values_ids_and_budgets(tmp_path: Path) -> None:
    file = tmp_path / "nasbench_full.tfrecord"
    truth = write_file(file, budgets=(108, 4, 12, 36), n=25)
    writer, _ = _import(tmp_path, file)
    t = _table(writer)
    sp = get_space("nb101")
    assert len(t.keys) == 25 and t.n_seeds == 3
    for i, (m, ops) in enumerate(truth["specs"]):
        row = int(np.searchsorted(t.keys, sp.key({"matrix": m, "ops": ops})))
        for b in (108, 4):
            reps = truth["values"][(i, b)]
            sfx = "" if b == 108 else f"@{b}"
            for s, (final, half, params) in enumerate(reps):
                assert t.values[f"val_acc{sfx}"][row, s] == pytest.approx(100 * final[2])
                assert t.values[f"test_acc{sfx}"][row, s] == pytest.approx(100 * final[3])
                assert t.values[f"train_acc_half{sfx}"][row, s] == pytest.approx(100 * half[1])
                assert t.values[f"train_time{sfx}"][row, s] == pytest.approx(final[0])
                assert t.values["params"][row, s] == pytest.approx(params / 1e6)
    assert t.metrics["test_acc"].split == "test" and t.metrics["val_acc@12"].schedule == "12"
    assert t.metrics["val_acc_half"].split == "valid" and t.metrics["params"].split == "none"
    assert {m.split for m in t.metrics.values()} <= {"train", "valid", "test", "none"}


def test_isomorphic_and_prunable_records_share_a_row(tmp_path: Path) -> None:
    sp = get_space("nb101")
    cls = metrics_class()
    # one cell written three ways: as is, relabelled (isomorphic) and with a dead vertex
    m1 = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    o1 = ["input", C3, MP, "output"]
    o2 = ["input", MP, C3, "output"]  # vertices 1 and 2 swapped: same network
    m3 = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    o3 = ["input", C3, MP, C1, "output"]  # vertex 3 reaches no output: pruned away
    h = module_hash(sp.parse((m1, o1)))
    assert module_hash(sp.parse((m1, o2))) == h == module_hash(sp.parse((m3, o3)))
    file = tmp_path / "iso.tfrecord"
    with file.open("wb") as f:
        for s, (m, o) in enumerate([(m1, o1), (m1, o2), (m3, o3)]):
            acc = 0.5 + 0.1 * s
            f.write(frame(record(cls, h, 108, m, o, (10.0, acc, acc, acc), (5.0, 0.4, 0.4, 0.4),
                                 1000)))
    t = _table(_import(tmp_path, file)[0])
    assert len(t.keys) == 1 and t.keys[0] == sp.key((m1, o1))
    assert t.values["val_acc"][0].tolist() == pytest.approx([50.0, 60.0, 70.0])


def test_bad_files_are_refused_naming_file_and_record(tmp_path: Path) -> None:
    file = tmp_path / "good.tfrecord"
    write_file(file, n=5)
    data = bytearray(file.read_bytes())
    offsets = [off for _, off, _ in iter_records(file)]
    bad = tmp_path / "bad.tfrecord"
    data[offsets[4] + 20] ^= 0xFF  # a data byte of record 4
    bad.write_bytes(bytes(data))
    with pytest.raises(ImportError_,
                       match=r"bad.tfrecord: record 4 at byte \d+: the CRC of the data"):
        _import(tmp_path, bad)
    assert not (tmp_path / "work" / "tables").exists()  # no half-written table
    head = bytearray(file.read_bytes())
    head[offsets[2] + 1] ^= 0x01  # the length field of record 2
    bad.write_bytes(bytes(head))
    with pytest.raises(ImportError_, match="record 2 .* CRC of the length"):
        _import(tmp_path / "b", bad)
    cut = tmp_path / "cut.tfrecord"
    cut.write_bytes(file.read_bytes()[: offsets[7] + 30])
    with pytest.raises(ImportError_, match=r"cut.tfrecord: truncated file: record 7"):
        _import(tmp_path / "c", cut)
    wrong = tmp_path / "wrong.tfrecord"
    cls = metrics_class()
    wrong.write_bytes(frame(record(cls, "0" * 32, 108, [[0, 1], [0, 0]], ["input", "output"],
                                   (1.0, 0.5, 0.5, 0.5), (0.5, 0.4, 0.4, 0.4), 10)))
    with pytest.raises(ImportError_, match="module hash 0{32} differs"):
        _import(tmp_path / "d", wrong)


def test_chunks_make_it_resumable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "nasbench_only108.tfrecord"
    write_file(file, n=12)  # 36 records
    monkeypatch.setattr(imp, "CHUNK", 10)
    whole = _table(_import(tmp_path / "a", file)[0])
    writer = ImportWriter(tmp_path / "b" / "work")
    calls = {"n": 0}
    real = imp.decode_model_metrics

    def dies(buf: bytes):
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        return real(buf)

    monkeypatch.setattr(imp, "decode_model_metrics", dies)
    with pytest.raises(KeyboardInterrupt):
        NB101Importer().convert(file, writer, lambda s: None)
    assert writer.chunk_done("records_00001") and not writer.chunk_done("records_00002")
    monkeypatch.setattr(imp, "decode_model_metrics", real)
    lines: list[str] = []
    NB101Importer().convert(file, writer, lines.append)
    assert any("resuming after 20 records" in line for line in lines)
    again = _table(writer)
    assert np.array_equal(again.keys, whole.keys)
    for m in whole.values:
        assert np.array_equal(again.values[m], whole.values[m], equal_nan=True)


def test_store_table_harness_and_predictors(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import nasbench
    from nasbench.importers import import_benchmark
    from nasbench.recipes import ImportedRecipe

    monkeypatch.setattr("nasbench.store._build.default_recipes",
                        lambda home: [ImportedRecipe(home, set())])
    file = tmp_path / "nasbench_only108.tfrecord"
    truth = write_file(file, n=60, seed=4)
    home = tmp_path / "home"
    out = import_benchmark("nb101", file, home, progress=lambda s: None)
    assert out["tables"] == ["nb101__cifar10"]
    t = nasbench.open(home, build=False).table("nb101", "cifar10")
    sp = t.space
    m, ops = truth["specs"][0]
    arch = sp.parse((m, ops))
    want = 100 * np.mean([r[0][2] for r in truth["values"][(0, 108)]])
    by_spec = t.query({"matrix": m, "ops": ops}, metrics=["val_acc"])["val_acc"]
    by_hash = t.query(module_hash(arch), metrics=["val_acc"])["val_acc"]
    assert by_spec == pytest.approx(want) and by_hash == pytest.approx(want)
    perm = [0, *range(len(ops) - 2, 0, -1), len(ops) - 1]
    pm = np.array(m)[np.ix_(perm, perm)]
    if not np.any(np.tril(pm)):  # an isomorphic relabelling queries the same row
        iso = {"matrix": pm.tolist(), "ops": [ops[i] for i in perm]}
        assert t.query(iso, metrics=["val_acc"])["val_acc"] == pytest.approx(want)

    from nasbench import harness

    for name in ("rs", "rea", "ls"):
        res = harness.run(name, t, budget=15, seed=0)
        assert res is not None


def test_full_file_schedules_and_graph_predictors(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import nasbench
    from nasbench.importers import import_benchmark
    from nasbench.predictors import create
    from nasbench.recipes import ImportedRecipe

    monkeypatch.setattr("nasbench.store._build.default_recipes",
                        lambda home: [ImportedRecipe(home, set())])
    file = tmp_path / "nasbench_full.tfrecord"
    truth = write_file(file, budgets=(108, 36), n=40, seed=7)
    import_benchmark("nb101", file, tmp_path / "home", progress=lambda s: None)
    t = nasbench.open(tmp_path / "home", build=False).table("nb101", "cifar10")
    assert set(t.metric_schedules("val_acc")) >= {"108", "36"}
    m, ops = truth["specs"][3]
    want = 100 * np.mean([r[0][2] for r in truth["values"][(3, 36)]])
    got = t.query({"matrix": m, "ops": ops}, ["val_acc"], schedule=36)
    assert next(iter(got.values())) == pytest.approx(want)
    archs = t.archs()
    y = t.query_many(archs, metrics=["val_acc"])["val_acc"].to_numpy()
    model = create("wl_gp", t.space, seed=0).fit(archs[:30], y[:30])
    assert model.predict(archs[30:]).shape == (10,)
    assert t.space.onehot(archs[:5]).shape == (5, 36)
    for name in ("ridge", "xgb"):  # encoding-based predictors use the space's own one-hot
        pred = create(name, t.space, seed=0).fit(archs[:30], y[:30]).predict(archs[30:])
        assert pred.shape == (10,) and np.isfinite(pred).all()
