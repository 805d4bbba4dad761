"""Encodings users bring, read through the store and the CLI (real installed data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.cli import main
from nasbench.errors import InvalidArchitectureError

RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def test_official_index_6111_is_the_best_cifar10_cell(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    assert t.query(6111, "val_acc", encoding="official_index")["val_acc"] == \
        pytest.approx(91.607, abs=1e-3)
    df = t.query_many([6111, 0], ["val_acc"], encoding="official_index")
    assert df["arch"].tolist()[1] == ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|"
                                      "nor_conv_1x1~0|skip_connect~1|skip_connect~2|")
    assert df["val_acc"].iloc[0] == pytest.approx(91.607, abs=1e-3)
    assert t.row(6111, encoding="official_index") == t.row("333132")
    assert t.rows(np.array([6111]), encoding="official_index").tolist() == [t.row("333132")]
    with pytest.raises(InvalidArchitectureError, match="official_index"):
        t.query(6111)


def test_naslib_tuple_reads_the_resnet_cell(db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    naslib = t.query((2, 1, 0, 2, 1, 0), "val_acc", encoding="naslib")["val_acc"]
    assert naslib == pytest.approx(90.86, abs=1e-2)
    assert naslib == t.query(RESNET, "val_acc")["val_acc"]
    assert t.query((2, 1, 0, 2, 1, 0), "val_acc")["val_acc"] == pytest.approx(86.344, abs=1e-3)


def test_nbgraph_package_arch_gives_the_valid_hash_row(db: nasbench.Store) -> None:
    from nas_bench_graph.architecture import Arch

    t = db.table("nbgraph", "cora")
    a = Arch([0, 0, 1, 2], ["gcn", "gat", "sage", "gin"])
    by_hash = t.query(a.valid_hash(), "val_acc", encoding="valid_hash")
    assert t.query(a, "val_acc") == by_hash
    assert t.query({"lk": [0, 0, 1, 2], "op": ["gcn", "gat", "sage", "gin"]}, "val_acc") == \
        by_hash


def test_cli_convert(capsys: pytest.CaptureFixture[str], store_home: Path) -> None:
    assert main(["convert", "nb201", "(2,1,0,2,1,0)", "--from", "naslib", "--to",
                 "official_string"]) == 0
    assert capsys.readouterr().out.strip() == RESNET
    assert main(["convert", "nb201", "6111", "--from", "official_index"]) == 0
    out = capsys.readouterr().out
    assert "op_digits        333132" in out and "naslib           (2,2,0,2,2,3)" in out
    for bad in (["convert", "nb201", "6111"], ["convert", "nb201", "(1,2", "--from", "naslib"],
                ["convert", "nb201", "421211", "--to", "nope"]):
        assert main(bad) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("nasbench: error:")
