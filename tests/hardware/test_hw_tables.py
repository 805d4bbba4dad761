"""The shipped hardware tables (our own H100 and CPU measurements) and their helpers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nasbench.hardware import (
    COLUMNS,
    cost_table,
    estimated_energy,
    propagate,
    read_hardware_tables,
    repeatability,
)
from nasbench.recipes._hardware import HARDWARE_DIR
from nasbench.spaces import get_space

DATA = HARDWARE_DIR
H100 = "cuda:NVIDIA H100 80GB HBM3"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return read_hardware_tables(DATA, propagated=False)


def test_schema_and_provenance(raw: pd.DataFrame) -> None:
    assert list(raw.columns) == COLUMNS
    assert set(raw["method"]) == {"measured"}
    assert set(raw["unit"]) == {"s", "J"}
    assert raw["device"].str.match(r"^(cpu|cuda):").all()
    fp = json.loads(raw.loc[raw["device"] == H100, "fingerprint"].iloc[0])
    assert fp["gpu"] == "NVIDIA H100 80GB HBM3" and fp["driver"] == "580.159.04"
    space = get_space("nb201")
    sample = raw.drop_duplicates("cell").head(50)
    assert [space.to_string(space.parse(c)) for c in sample["cell"]] == sample["arch"].tolist()


def test_h100_sample_is_large_and_stratified(raw: pd.DataFrame) -> None:
    lat = raw[(raw["device"] == H100) & (raw["metric"] == "latency") & (raw["pass"] == 1)]
    eager = lat[lat["toolchain"].str.contains("eager")]
    for b in (1, 64):
        cells = eager.loc[eager["batch_size"] == b, "cell"]
        assert cells.nunique() >= 1000
        strata = {(c.count("3"), c.count("2")) for c in cells}
        assert len(strata) == 28  # every (#3x3, #1x1) combination


def test_cuda_graph_latency_repeats_within_5_percent(raw: pd.DataFrame) -> None:
    rep = repeatability(raw[raw["device"] == H100])
    graph = rep[rep["toolchain"].str.contains("graph")]
    assert len(graph) == 2 and (graph["n"] == 50).all()
    assert (graph["within_5pct"] == 1.0).all()


def test_cuda_graph_energy_sample_and_repeatability(raw: pd.DataFrame) -> None:
    """H100 NVML energy at batch 64: >= 1,000 stratified classes, repeats within 5 %."""
    graph = raw[(raw["device"] == H100) & raw["toolchain"].str.contains("graph")]
    energy = graph[(graph["metric"] == "energy") & (graph["batch_size"] == 64)]
    main = energy[energy["pass"] == 1]
    assert main["cell"].nunique() >= 1000
    assert len({(c.count("3"), c.count("2")) for c in main["cell"]}) == 28
    rep = repeatability(graph, metric="energy")
    assert rep["n"].tolist() == [40] and rep["within_5pct"].iloc[0] >= 0.9
    assert rep["median_abs_diff"].iloc[0] < 0.03
    # one-period windows (pass 1) agree with ten-period windows (pass 3) on the same cells
    long = energy[energy["pass"] == 3].set_index("cell")["value"]
    short = main.set_index("cell")["value"].loc[long.index]
    assert len(long) == 10 and ((long / short - 1).abs().median()) < 0.05
    # joules per pass / seconds per pass = a power between idle and the 700 W board limit
    above = graph[(graph["metric"] == "energy_above_idle") & (graph["pass"] == 1)]
    per = energy.loc[energy["pass"] == 1].set_index("cell")["value"]
    assert (above.set_index("cell")["value"].loc[per.index] < per).all()
    lat = graph[(graph["metric"] == "latency") & (graph["pass"] == 1)
                & (graph["batch_size"] == 64)].set_index("cell")["value"]
    watts = per / lat.loc[per.index]
    assert watts.between(100, 700).all() and 200 < watts.median() < 450


def test_cuda_graph_latency_follows_flops(raw: pd.DataFrame) -> None:
    lat = raw[(raw["device"] == H100) & (raw["metric"] == "latency") & (raw["pass"] == 1)
              & raw["toolchain"].str.contains("graph") & (raw["batch_size"] == 64)]
    flops = cost_table(np.array([[int(ch) for ch in c] for c in lat["cell"]]))["flops"]
    rho = lat["value"].reset_index(drop=True).corr(pd.Series(flops), method="spearman")
    assert rho > 0.9


def test_propagate_covers_class_members(raw: pd.DataFrame) -> None:
    h100 = raw[(raw["device"] == H100) & raw["toolchain"].str.contains("eager")]
    full = propagate(h100)
    space = get_space("nb201")
    reps = space.isomorphism_classes()
    lat1 = full[(full["metric"] == "latency") & (full["batch_size"] == 1)]
    assert lat1["arch"].is_unique
    measured_classes = set(reps[space.keys(h100["cell"].tolist())])
    assert len(lat1) == int(np.isin(reps, list(measured_classes)).sum())
    member_keys = space.keys(lat1["arch"].tolist())
    assert (reps[member_keys] == reps[space.keys(lat1["cell"].tolist())]).all()
    assert lat1["propagated"].sum() == len(lat1) - lat1["cell"].nunique()


def test_estimated_energy_is_labelled() -> None:
    est = estimated_energy(batch_sizes=(1,))
    assert len(est) == 15_625 and set(est["method"]) == {"estimated"}
    assert est["device"].eq("cpu").all() and est["unit"].eq("J").all()
    assert "Horowitz" in json.loads(est["fingerprint"].iloc[0])["constants"]


def test_cpu_table_covers_every_class_at_batch_1_and_64(raw: pd.DataFrame) -> None:
    """This machine kind: all 6,466 classes at both batch sizes; batch 1 repeats within 5 %."""
    cpu = raw[raw["device"].str.startswith("cpu:")]
    for metric in ("latency", "cpu_time"):
        for b in (1, 64):
            main = cpu[(cpu["metric"] == metric) & (cpu["batch_size"] == b) & (cpu["pass"] == 1)]
            assert main["cell"].is_unique and main["cell"].nunique() == 6466
            assert (main["value"] > 0).all()
    b1 = cpu[cpu["batch_size"] == 1]
    fp = json.loads(b1["fingerprint"].iloc[0])
    assert fp["threads"] == 1 and fp["settings"]["rounds"] == 3
    rep = repeatability(b1)
    assert rep["n"].tolist() == [200] and rep["median_abs_diff"].iloc[0] < 0.05
    full = read_hardware_tables(DATA)
    full_cpu = full[full["device"].str.startswith("cpu:") & (full["metric"] == "latency")]
    assert full_cpu.groupby("batch_size")["arch"].nunique().to_dict() == {1: 15625, 64: 15625}
    # the slowest cells at batch 64 are pooling-heavy (avg_pool_3x3 is slow on this CPU)
    b64 = cpu[(cpu["metric"] == "cpu_time") & (cpu["batch_size"] == 64) & (cpu["pass"] == 1)]
    pools = b64["cell"].str.count("4")
    assert b64["value"].corr(pools, method="spearman") > 0.5
