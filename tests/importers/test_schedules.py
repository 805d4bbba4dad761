"""The schedule API of tables (query / query_many / array / curve) and the CLI on it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nasbench.errors import UnknownMetricError

pytest.importorskip("nats_bench")

CELL = "333132"


def test_schedule_maps_metric_names(tss_store) -> None:
    db, _ = tss_store
    t = db.table("nb201", "cifar10")
    assert t.metric_schedules("val_acc") == ["200", "12"]
    assert t.metric_schedules("params") == []
    for sched in (12, "12", "012"):
        assert t.query(CELL, "val_acc", schedule=sched) == t.query(CELL, "val_acc@12")
    assert t.query(CELL, "val_acc", schedule="200") == t.query(CELL, "val_acc")
    assert t.query(CELL, ["val_acc", "test_acc"], schedule=12, seed=0) == \
        t.query(CELL, ["val_acc@12", "test_acc@12"], seed=0)
    assert set(t.query(CELL, schedule=12)) == set(t.schedules["12"])
    df = t.query_many([CELL, "421211"], ["val_acc", "train_loss"], schedule=12)
    assert list(df.columns) == ["arch", "val_acc@12", "train_loss@12"]
    np.testing.assert_array_equal(t.array("val_acc", schedule=12), t.array("val_acc@12"))
    np.testing.assert_array_equal(t.curve(CELL, "val_acc", seed=1, schedule=12),
                                  t.curve(CELL, "val_acc@12", seed=1))
    assert t.curve(CELL, "val_acc", schedule=12).shape == (12,)
    every = t.curve(CELL, "val_acc", seed="all")
    assert every.shape == (3, 200)
    np.testing.assert_array_equal(every[0], t.curve(CELL, "val_acc", seed=0))
    assert every[0, -1] == t.query(CELL, "val_acc", seed=0)["val_acc"]


def test_schedule_errors_list_what_exists(tss_store) -> None:
    db, _ = tss_store
    t = db.table("nb201", "cifar10")
    with pytest.raises(UnknownMetricError, match=r"schedules 200, 12"):
        t.query(CELL, "val_acc", schedule=90)
    with pytest.raises(UnknownMetricError, match="belongs to no training schedule"):
        t.array("params", schedule=12)
    with pytest.raises(ValueError, match="not both"):
        t.curve(CELL, "val_acc@12", schedule=12)
    with pytest.raises(ValueError, match="str or an int"):
        t.query(CELL, "val_acc", schedule=True)
    with pytest.raises(UnknownMetricError, match="no columns of schedule '01'"):
        t.query(CELL, schedule="01")


def test_cli_schedule_and_curve(tss_store, capsys) -> None:
    from nasbench.cli import main

    db, _ = tss_store
    home = str(db.home)
    t = db.table("nb201", "cifar10")
    assert main(["query", "nb201", "cifar10", CELL, "--schedule", "12", "--metrics",
                 "val_acc", "--format", "json", "--home", home]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["val_acc@12"] == t.query(CELL, "val_acc@12")["val_acc@12"]
    assert main(["curve", "nb201", "cifar10", CELL, "--metric", "val_acc", "--schedule", "12",
                 "--seed", "all", "--format", "json", "--home", home]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 12 and rows[3]["val_acc@12[seed 1]"] == \
        t.curve(CELL, "val_acc@12", seed=1)[3]
    assert main(["curve", "nb201", "cifar10", CELL, "--metric", "val_acc", "--schedule", "90",
                 "--home", home]) == 2
    assert "schedules 200, 12" in capsys.readouterr().err
