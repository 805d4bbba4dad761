"""AnalogNAS-Bench: the safe loader and the proof of its NB201 cell mapping."""

from __future__ import annotations

import itertools
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench.spaces import from_analognas, get_space, load_analognas, to_analognas
from nasbench.spaces._analognas import ANALOG_TO_NB201_OP, parse_drift


@pytest.fixture(scope="module")
def records() -> dict[tuple[int, ...], dict[str, object]]:
    return load_analognas()


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (as Spearman's rho needs)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x))
    ranks[order] = np.repeat((starts + ends - 1) / 2.0, ends - starts)
    return ranks


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def test_loader_reads_plain_records(records: dict[tuple[int, ...], dict[str, object]]) -> None:
    assert len(records) == 15625
    assert set(records) == set(itertools.product(range(5), repeat=6))
    rec = records[(0, 0, 0, 0, 0, 0)]
    assert rec["baseline_accuracy"] == pytest.approx(60.7836)
    assert rec["analog_drift_60"] == pytest.approx((87.4944, 0.3806))
    assert rec["baseline_drift_2592000"] == pytest.approx((10.0, 0.0))
    assert all(type(v) is float for k, v in rec.items() if "drift" not in k)
    assert len(rec) == 5 + 8


def test_parse_drift_strings() -> None:
    assert parse_drift("87.49 ± 0.38") == (87.49, 0.38)
    assert parse_drift(" 12.5 ") == (12.5, 0.0)
    assert parse_drift(70) == (70.0, 0.0)
    with pytest.raises(ValueError, match="'n/a'"):
        parse_drift("n/a")


def test_loader_refuses_foreign_classes(tmp_path: Path) -> None:
    evil = tmp_path / "evil.anb"
    evil.write_bytes(pickle.dumps({(0,) * 6: os.getcwd}))
    with pytest.raises(pickle.UnpicklingError, match="does not admit"):
        load_analognas(evil)


def test_mapping_is_a_bijection_and_inverts() -> None:
    mapped = {from_analognas(k) for k in itertools.product(range(5), repeat=6)}
    assert len(mapped) == 15625
    nb201 = get_space("nb201")
    for a in nb201.enumerate()[::157]:
        assert from_analognas(to_analognas(a)) == a
        assert nb201.from_analognas(nb201.to_analognas(a)) == a


def test_mapping_anchors(records: dict[tuple[int, ...], dict[str, object]]) -> None:
    nb201 = get_space("nb201")
    # AnalogNAS op 1 is `none`: its all-1 cell is the chance-level all-none cell
    assert from_analognas((1,) * 6) == (0,) * 6
    assert records[(1,) * 6]["baseline_accuracy"] == pytest.approx(10.0)
    # AnalogNAS position 2 is edge 3<-0, position 3 is edge 2<-1
    assert nb201.to_string(from_analognas((1, 1, 2, 1, 1, 1))) == (
        "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")


def test_mapping_maximises_rank_agreement_with_nb201(
    records: dict[tuple[int, ...], dict[str, object]], nb201_cifar10: dict[str, Any],
) -> None:
    nb201 = get_space("nb201")
    raw = nb201_cifar10
    val = np.empty(15625)
    val[nb201.keys(list(raw))] = [np.mean(v["val_acc"]) for v in raw.values()]
    anb_keys = list(records)
    base = np.array([records[k]["baseline_accuracy"] for k in anb_keys], dtype=float)
    mapped = _spearman(base, val[nb201.keys([from_analognas(k) for k in anb_keys])])
    identity = _spearman(base, val[nb201.keys(anb_keys)])
    # runner-up of the 86,400-candidate search: same ops, edge order read backwards
    backwards = [tuple(ANALOG_TO_NB201_OP[k[5 - e]] for e in range(6)) for k in anb_keys]
    reversed_edges = _spearman(base, val[nb201.keys(backwards)])
    assert mapped == pytest.approx(0.9868, abs=5e-4)
    assert identity == pytest.approx(0.4694, abs=5e-4)
    assert reversed_edges == pytest.approx(0.9662, abs=5e-4)
