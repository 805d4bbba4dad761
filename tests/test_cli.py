"""The nasbench CLI: real numbers out, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nasbench.cli import main


def run(capsys, store_home, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--home", str(store_home)])
    out, err = capsys.readouterr()
    return code, out, err


def test_query_json_gives_real_value(capsys, store_home, db) -> None:
    t = db.table("nb201", "cifar10")
    best = t.arch_strings()[int(t.array("val_acc").argmax())]
    code, out, _ = run(capsys, store_home, "query", "nb201", "cifar10", str(best),
                       "--metrics", "val_acc,params", "--format", "json")
    assert code == 0
    rec = json.loads(out)[0]
    assert rec["val_acc"] == pytest.approx(91.607, abs=1e-3)
    assert rec["arch"] == best


def test_query_csv_and_table(capsys, store_home) -> None:
    code, out, _ = run(capsys, store_home, "query", "fcnet", "naval_propulsion", "000000000",
                       "--format", "csv", "--metrics", "val_loss")
    assert code == 0
    header, row = out.strip().splitlines()
    assert header == "arch,val_loss"
    assert float(row.split(",")[-1]) == pytest.approx(
        (0.0017682454781606793 + 0.0020040383096784353 + 0.0027845464646816254
         + 0.0016481878701597452) / 4)
    code, out, _ = run(capsys, store_home, "info")
    assert code == 0 and "nbgraph" in out and "62208" in out


def test_sql_and_pareto(capsys, store_home) -> None:
    code, out, _ = run(capsys, store_home, "sql", "SELECT count(*) AS n FROM nbgraph_cora",
                       "--format", "json")
    assert code == 0 and json.loads(out) == [{"n": 26206}]
    code, out, _ = run(capsys, store_home, "sql",
                       "SELECT count(*) AS n FROM nb201_cifar10 WHERE val_acc > $1",
                       "--param", "91.5", "--format", "json")
    assert code == 0 and json.loads(out)[0]["n"] >= 1
    code, out, _ = run(capsys, store_home, "pareto", "nb201", "cifar10", "--format", "json")
    front = json.loads(out)
    assert code == 0 and len(front) >= 2
    assert max(r["val_acc"] for r in front) == pytest.approx(91.607, abs=1e-3)


@pytest.mark.parametrize("args, needle", [
    (["query", "nb201", "cifar10", "|bogus~0|"], "bogus"),
    (["query", "nb201", "cifar1000", "421211"], "cifar100"),
    (["query", "nb2011", "cifar10", "421211"], "nb201"),
    (["query", "nb201", "cifar10", "421211", "--metrics", "val_acc,acc"], "val_acc"),
    (["sql", "DELETE FROM nb201_cifar10"], "read-only"),
    (["pareto", "nb201", "cifar10", "--objectives", "val_acc:up"], "metric:max"),
    (["query", "nb201", "cifar10", "421211", "--seed", "x"], "--seed"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(capsys, store_home, args, needle) -> None:
    code = main([*args, "--home", str(store_home)])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err and "Traceback" not in err


def test_missing_store_is_built_with_progress(capsys, tmp_path) -> None:
    code = main(["query", "nb201", "cifar10", "333132", "--metrics", "val_acc", "--format", "csv",
                 "--home", str(tmp_path / "new")])
    out, err = capsys.readouterr()
    assert code == 0 and "built 17 tables" in err
    assert float(out.strip().splitlines()[-1].split(",")[-1]) == pytest.approx(91.607, abs=1e-3)


def test_unusable_home_is_one_line(capsys, tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    code = main(["info", "--home", str(tmp_path / "file" / "home")])
    err = capsys.readouterr().err
    assert code == 2 and "Not a directory" in err and len(err.strip().splitlines()) == 1


def test_real_process_exit_status(store_home) -> None:
    proc = subprocess.run([sys.executable, "-m", "nasbench.cli", "query", "nb201", "cifar10",
                           "|nor_conv_3x3~0|", "--home", str(store_home)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_query_by_official_index_and_naslib(capsys, store_home) -> None:
    code, out, _ = run(capsys, store_home, "query", "nb201", "cifar10", "6111",
                       "--encoding", "official_index", "--metrics", "val_acc", "--format", "json")
    rec = json.loads(out)[0]
    assert code == 0 and rec["official_index"] == 6111
    assert rec["val_acc"] == pytest.approx(91.607, abs=1e-3)
    code, out, _ = run(capsys, store_home, "query", "nb201", "cifar10", "(2,1,0,2,1,0)",
                       "--encoding", "naslib", "--metrics", "val_acc", "--format", "json")
    assert code == 0 and json.loads(out)[0]["val_acc"] == pytest.approx(90.86, abs=1e-2)
    code = main(["query", "nb201", "cifar10", "6111", "--home", str(store_home)])
    err = capsys.readouterr().err
    assert code == 2 and "official_index" in err and len(err.strip().splitlines()) == 1


def test_default_query_output_is_readable(capsys, store_home) -> None:
    code, out, _ = run(capsys, store_home, "query", "nb201", "cifar10", "421211", "333132")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3  # header + one row per arch
    assert max(len(line) for line in lines) < 250
    assert "90.85999999" not in out and "91.61" in out
    code, out, _ = run(capsys, store_home, "query", "nb201", "cifar10", "421211",
                       "--metrics", "all", "--format", "json")
    assert len(json.loads(out)[0]) > 40  # every column, exact values
