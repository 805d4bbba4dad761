"""Optimizers from outside the package: import paths, entry points, spawned workers, adapters."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nasbench
from nasbench import harness
from nasbench.harness import _cli, _external

GREEDY = '''
from nasbench.harness import Optimizer, register


@register
class Greedy(Optimizer):
    name = "greedy"

    def __init__(self, space, *, seed=None, direction="max", step=1):
        super().__init__(space, seed=seed, direction=direction)
        self.best = None
        self.step = step

    def ask(self):
        if self.best is None:
            return self.space.sample(1, seed=int(self.rng.integers(2**31)))[0]
        nbrs = self.space.neighbours(self.best[0])
        return nbrs[int(self.rng.integers(len(nbrs)))]

    def tell(self, arch, value):
        if self.best is None or self.utility(value) > self.utility(self.best[1]):
            self.best = (arch, value)
'''


@pytest.fixture()
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module ``ext_greedy_mod`` and an installed distribution whose entry point
    ``greedy_ep`` (group nasbench.optimizers) names it, both on sys.path."""
    (tmp_path / "ext_greedy_mod.py").write_text(GREEDY)
    dist = tmp_path / "ext_greedy-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ext-greedy\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[nasbench.optimizers]\ngreedy_ep = ext_greedy_mod:Greedy\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    yield tmp_path
    sys.modules.pop("ext_greedy_mod", None)
    _external._RESOLVED.clear()
    harness.OPTIMIZERS.pop("greedy", None)


def test_import_path_and_entry_point(plugin_dir: Path, db: nasbench.Store) -> None:
    t = db.table("nb201", "cifar10")
    df = harness.run("ext_greedy_mod:Greedy", t, budget=20, seed=3)
    assert len(df) == 20 and set(df["optimizer"]) == {"ext_greedy_mod:Greedy"}
    ep = harness.run("greedy_ep", t, budget=20, seed=3)
    assert set(ep["optimizer"]) == {"greedy_ep"}
    assert ep["arch"].tolist() == df["arch"].tolist()  # same class, same seed
    with pytest.raises(harness.UnknownOptimizerError, match="import path"):
        harness.run("no_such_thing", t, budget=5, seed=0)
    with pytest.raises(_external.ExternalOptimizerError, match="cannot import module"):
        harness.run("no_such_module_xyz:Greedy", t, budget=5, seed=0)
    with pytest.raises(_external.ExternalOptimizerError, match="not a subclass"):
        harness.run("os.path:join", t, budget=5, seed=0)


def test_grid_spawned_workers_import_by_path(plugin_dir: Path, store_home: Path,
                                             tmp_path: Path) -> None:
    spec = harness.GridSpec(["ext_greedy_mod:Greedy", "greedy_ep", "rea"], ["nb201/cifar10"],
                            range(3), 15, params={"ext_greedy_mod:Greedy": {"step": 2}})
    df = harness.run_grid(spec, tmp_path / "g", jobs=2, home=str(store_home),
                          progress=lambda *a: None)
    assert df.groupby("optimizer").size().to_dict() == {
        "ext_greedy_mod:Greedy": 45, "greedy_ep": 45, "rea": 45}
    serial = harness.run_seeds("ext_greedy_mod:Greedy", nasbench.open(
        store_home, build=False).table("nb201", "cifar10"), 15, range(3), step=2)
    got = df[df["optimizer"] == "ext_greedy_mod:Greedy"].sort_values(["seed", "step"])
    assert got["arch"].tolist() == serial["arch"].tolist()


def test_compare_cli_with_path_and_params(plugin_dir: Path, store_home: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli.parse_params(["ext_greedy_mod:Greedy.step=3", "optuna:TPESampler.n_ei="
                              "12"]) == {"ext_greedy_mod:Greedy": {"step": 3},
                                         "optuna:TPESampler": {"n_ei": 12}}
    parser = __import__("argparse").ArgumentParser()
    _cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["compare", "--optimizers", "rs,ext_greedy_mod:Greedy",
                              "--tables", "nb201/cifar10", "--seeds", "4", "--budget", "20",
                              "--jobs", "2", "--out", str(tmp_path / "c"), "--param",
                              "ext_greedy_mod:Greedy.step=2", "--home", str(store_home),
                              "--no-report"])
    _cli.run(args)
    assert "trajectory rows" in capsys.readouterr().out


DOC_SCRIPT = GREEDY + '''
import tempfile

from nasbench import harness

spec = harness.GridSpec(["greedy", "rea"], ["nb201/cifar10"], range(3), 15)
with tempfile.TemporaryDirectory() as out:
    df = harness.run_grid(spec, out, jobs=2, progress=lambda *a: None)
print("ROWS", len(df))
'''


@pytest.mark.parametrize("how", ["script", "stdin", "exec"])
def test_docs_example_runs_from_script_stdin_and_exec(how: str, store_home: Path,
                                                      tmp_path: Path) -> None:
    """A class registered in __main__ (no main guard) with the default spawn executor."""
    script = tmp_path / "example.py"
    script.write_text(DOC_SCRIPT)
    env = {**os.environ, "NASBENCH_HOME": str(store_home)}
    argv = {"script": [sys.executable, str(script)], "stdin": [sys.executable, "-"],
            "exec": [sys.executable, "-c", f"exec(open({str(script)!r}).read())"]}[how]
    res = subprocess.run(argv, input=DOC_SCRIPT if how == "stdin" else None, text=True,
                         capture_output=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "ROWS 90" in res.stdout


def test_worker_paths() -> None:
    assert _external.worker_path("rea") == "rea"
    assert _external.worker_path("optuna:TPESampler") == "optuna:TPESampler"
    ns: dict = {}
    exec(textwrap.dedent(GREEDY).replace('"greedy"', '"greedy_local"'), ns)
    try:
        assert _external.worker_path("greedy_local") is None  # runs in the parent
    finally:
        harness.OPTIMIZERS.pop("greedy_local", None)


# ---- adapters --------------------------------------------------------------------------

def test_optuna_single_and_multi_objective(db: nasbench.Store) -> None:
    pytest.importorskip("optuna")
    t = db.table("nb201", "cifar10")
    a = harness.run("optuna:TPESampler", t, budget=40, seed=5)
    b = harness.run("optuna:TPESampler", t, budget=40, seed=5)
    c = harness.run("optuna:TPESampler", t, budget=40, seed=6)
    assert a["arch"].tolist() == b["arch"].tolist() != c["arch"].tolist()
    assert set(a["optimizer"]) == {"optuna:TPESampler"}
    p = harness.run("optuna:TPESampler", t, budget=15, seed=5, n_startup_trials=15)
    # params reach the sampler: 15 random start-up trials instead of 10
    assert p["arch"].tolist()[:10] == a["arch"].tolist()[:10]
    assert p["arch"].tolist()[10:] != a["arch"].tolist()[10:15]
    fc = harness.run("optuna:RandomSampler", db.table("fcnet", "protein_structure"),
                     budget=10, seed=0)
    assert fc["direction"].iloc[0] == "min" and len(fc) == 10
    mo = harness.run_mo("optuna:NSGAIISampler", t, 30, seed=1)
    mo2 = harness.run_mo("optuna:NSGAIISampler", t, 30, seed=1)
    assert mo["arch"].tolist() == mo2["arch"].tolist()
    assert set(mo["optimizer"]) == {"optuna:NSGAIISampler"} and mo["hv_ratio"].iloc[-1] > 0
    with pytest.raises(_external.ExternalOptimizerError, match="no sampler"):
        harness.run("optuna:NoSuchSampler", t, budget=5, seed=0)


@pytest.mark.parametrize("space,dataset", [("nb201", "cifar10"), ("nbgraph", "cora"),
                                           ("fcnet", "protein_structure")])
def test_configspace_roundtrip(db: nasbench.Store, space: str, dataset: str) -> None:
    cs_mod = pytest.importorskip("ConfigSpace")
    sp = db.table(space, dataset).space
    cs = sp.to_configspace(seed=0)
    assert isinstance(cs, cs_mod.ConfigurationSpace) and len(list(cs.values())) >= 1
    from nasbench.spaces._configspace import CategoricalCodec

    codec = CategoricalCodec.of(sp)
    for arch in sp.sample(200, seed=1):
        assert codec.decode(codec.encode(arch)) == arch
    configs = cs.sample_configuration(50)
    archs = [sp.from_configuration(c) for c in configs]
    keys = {sp.key(a) for a in archs}
    assert len(keys) > 1 and all(sp.parse(a) == a for a in archs)
    again = [sp.from_configuration(c) for c in sp.to_configspace(seed=0)
             .sample_configuration(50)]
    assert again == archs  # seeded


@pytest.mark.slow
def test_smac_example_from_docs(store_home: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The SMAC block of docs/harness.md, run as written (~15 s)."""
    pytest.importorskip("smac")
    doc = (Path(__file__).parents[2] / "docs" / "harness.md").read_text()
    block = doc.split("<!-- smac-example -->", 1)[1].split("```python", 1)[1]
    block = block.split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NASBENCH_HOME", str(store_home))
    ns: dict = {}
    exec(compile(block, "docs/harness.md", "exec"), ns)
    assert len(ns["df"]) == 30 and ns["df"]["incumbent_score"].iloc[-1] > 85


def test_optuna_adapter_passes_conformance(db: nasbench.Store) -> None:
    pytest.importorskip("optuna")
    from nasbench.harness.conformance import check_optimizer

    check_optimizer("optuna:TPESampler", db.table("nb201", "cifar10"))
    check_optimizer("optuna:RandomSampler", db.table("fcnet", "protein_structure"))
