"""The import machinery on a toy format: idempotent, joins the wheel's table, reports
mismatches, adds new tables, refuses what it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.importers import IMPORTERS, Importer, ImportWriter, import_benchmark, register
from nasbench.recipes import ImportedRecipe, TableData
from nasbench.recipes._nb201 import NB201
from nasbench.store import MetricInfo
from nasbench.testing import check_recipe

CELLS = ("421211", "333132", "000001")


class _Toy(Importer):
    """A JSON file {"cells": [...], "val_acc": [...], "test_acc": [...]} of NB201 cifar10."""

    name = "toy-nb201"
    description = "toy format for the tests"
    citation = "nobody"
    licence = "CC0"

    def convert(self, path: Path, writer: ImportWriter, progress) -> None:
        from nasbench.spaces import get_space

        raw = json.loads(path.read_text())
        nb = get_space("nb201")
        keys = np.array([nb.key(c) for c in raw["cells"]], dtype=np.int64)

        def info(name: str, split: str) -> MetricInfo:
            return MetricInfo(name, "percent", "max", split, "toy", "200 epochs", "toy", True,
                              schedule="200")

        for i in range(len(keys)):
            if not writer.chunk_done(f"c{i}"):
                writer.save_chunk(f"c{i}", {"v": np.array([raw["val_acc"][i]])})
        vals = np.array([writer.load_chunk(f"c{i}")["v"][0] for i in range(len(keys))])
        for dataset in ("cifar10", "toyset"):
            writer.add_table(TableData(
                "nb201", dataset, keys,
                {"val_acc": vals[:, None], "test_acc": np.array(raw["test_acc"])[:, None]},
                {"val_acc": info("val_acc", "valid"), "test_acc": info("test_acc", "test")},
                [("toy", dataset)]).sort())


@pytest.fixture()
def toy(monkeypatch: pytest.MonkeyPatch) -> _Toy:
    imp = register(_Toy())
    monkeypatch.setattr("nasbench.store._build.default_recipes",
                        lambda home: [NB201, ImportedRecipe(home, set(NB201.tables()))])
    yield imp
    IMPORTERS.pop(imp.name, None)


def _file(tmp_path: Path, db: nasbench.Store, shift: float = 0.0) -> Path:
    t = db.table("nb201", "cifar10")
    val = [t.query(c, "val_acc", seed=0)["val_acc"] + shift for c in CELLS]
    path = tmp_path / "toy.json"
    path.write_text(json.dumps({"cells": list(CELLS), "val_acc": val,
                                "test_acc": [90.0, 91.0, 10.0]}))
    return path


def test_import_joins_the_wheel_table_and_is_idempotent(toy, tmp_path, db) -> None:
    home = tmp_path / "home"
    lines: list[str] = []
    out = import_benchmark("toy-nb201", _file(tmp_path, db), home, progress=lines.append)
    assert out["imported"] and out["mismatches"] == {"toy-nb201:cifar10": {"val_acc": 0}}
    store = nasbench.open(home, build=False)
    t = store.table("nb201", "cifar10")
    assert len(t) == 15625  # joined, not replaced
    assert t.query("333132", "test_acc")["test_acc"] == 91.0
    assert np.isnan(t.query("111111", "test_acc")["test_acc"])
    assert t.describe("test_acc")["split"] == "test"
    assert len(store.table("nb201", "toyset")) == 3  # a dataset the wheel lacks: own table
    again = import_benchmark("toy-nb201", _file(tmp_path, db), home, progress=lines.append)
    assert not again["imported"] and any("already imported" in line for line in lines)


def test_import_reports_values_that_disagree(toy, tmp_path, db) -> None:
    out = import_benchmark("toy-nb201", _file(tmp_path, db, shift=0.5), tmp_path / "h")
    assert out["mismatches"]["toy-nb201:cifar10"]["val_acc"] == 3
    t = nasbench.open(tmp_path / "h", build=False).table("nb201", "cifar10")
    assert t.query("333132", "val_acc")["val_acc"] == pytest.approx(91.607, abs=1e-3)  # kept


def test_imported_recipe_conforms(toy, tmp_path, db) -> None:
    import_benchmark("toy-nb201", _file(tmp_path, db), tmp_path / "h", build=False)
    recipe = ImportedRecipe(tmp_path / "h", set(NB201.tables()))
    (table,) = check_recipe(recipe, others=[NB201])
    assert table.dataset == "toyset"


def test_bad_inputs_are_refused(toy, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="No such file"):
        import_benchmark("toy-nb201", tmp_path / "missing.json", tmp_path / "h")
    with pytest.raises(KeyError, match="Unknown import source 'nats'"):
        import_benchmark("nats", tmp_path, tmp_path / "h")
    from nasbench.cli import main

    assert main(["import", "nope", str(tmp_path), "--home", str(tmp_path / "h")]) == 2
