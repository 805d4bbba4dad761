"""Named encodings of every space, checked against the installed third-party data."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import NB201Space, canonical_dataset, convert, get_space
from nasbench.spaces._nb201_codecs import official_index_tables

nb201 = get_space("nb201")
RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
OFFICIAL_0 = ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|"
              "skip_connect~1|skip_connect~2|")


def test_official_index_follows_the_pickle_key_order(nb201_cifar10: dict[str, Any]) -> None:
    keys = list(nb201_cifar10)
    assert keys[0] == "421211" and keys[6111] == "333132"
    assert nb201.encode(nb201.decode(0, "official_index"), "official_string") == OFFICIAL_0
    assert nb201.encode(OFFICIAL_0, "official_index") == 0
    assert nb201.key(nb201.decode(6111, "official_index")) == 11667
    assert nb201.from_official_index(6111) == (3, 3, 3, 1, 3, 2)
    assert nb201.to_official_index("333132") == 6111
    to_arch, to_official = official_index_tables()
    assert np.array_equal(to_arch, [int(k, 5) for k in keys])
    assert np.array_equal(to_official[to_arch], np.arange(15625))
    assert not to_arch.flags.writeable
    assert official_index_tables() is official_index_tables()  # cached per process
    assert nb201.keys(np.arange(15625), encoding="official_index").tolist() == \
        [int(k, 5) for k in keys]


def test_bare_int_is_refused_naming_both_readings() -> None:
    for x in (6111, np.int64(6111), 0):
        with pytest.raises(InvalidArchitectureError) as err:
            nb201.key_of(x)
        msg = str(err.value)
        assert "official_index" in msg and "arch_id" in msg and "encoding=" in msg
    assert nb201.key_of(6111, encoding="arch_id") == 6111
    assert nb201.key_of(6111, encoding="official_index") == 11667


@pytest.mark.parametrize("text", ["6111", "06111", "006111", "1234567", "999999", "0"])
def test_all_digit_strings_that_could_be_an_index_are_refused(text: str) -> None:
    with pytest.raises(InvalidArchitectureError) as err:
        nb201.parse(text)
    msg = str(err.value)
    assert repr(text) in msg and "official_index" in msg and "arch_id" in msg
    assert "6-digit op-digit form" in msg


def test_six_digit_strings_are_op_digits_only() -> None:
    # the documented form: one reading, never an index (an index needs encoding=)
    assert nb201.parse("001234") == (0, 0, 1, 2, 3, 4)
    assert nb201.parse("001234", encoding="op_digits") == (0, 0, 1, 2, 3, 4)
    assert nb201.key_of("001234", encoding="official_index") == int(
        official_index_tables()[0][1234])
    assert nb201.key_of("6111", encoding="official_index") == 11667  # CLI form


def test_naslib_and_analognas_conventions() -> None:
    assert nb201.encode(RESNET, "naslib") == (2, 1, 0, 2, 1, 0)
    assert nb201.decode((2, 1, 0, 2, 1, 0), "naslib") == nb201.parse(RESNET)
    assert nb201.parse((2, 1, 0, 2, 1, 0)) != nb201.parse(RESNET)  # bare tuple: ours
    # NASLib's convention is the one _analognas found by correlation search, on every cell
    for a in nb201.enumerate():
        assert nb201.encode(a, "naslib") == nb201.encode(a, "analognas")


def test_naslib_string_conversion_facts() -> None:
    # NASLib orders edges by source node; check against an independent reading of the string
    order = ((1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2))
    names = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
    for a in nb201.sample(300, seed=4):
        nodes = [part.strip("|").split("|") for part in nb201.to_string(a).split("+")]
        expect = []
        for target, source in order:
            op, src = nodes[target - 1][source].split("~")
            assert int(src) == source
            expect.append(names.index(op))
        assert nb201.encode(a, "naslib") == tuple(expect)


def test_matrix_matches_nats_str2matrix_layout() -> None:
    m = nb201.encode("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|",
                     "matrix")
    expect = np.zeros((4, 4))
    expect[1, 0], expect[3, 2] = 2, 1
    assert m.dtype == np.float64 and np.array_equal(m, expect)
    bad = expect.copy()
    bad[0, 1] = 3
    with pytest.raises(InvalidArchitectureError, match="lower triangle"):
        nb201.decode(bad, "matrix")


def test_syne_tune_config_is_op_names_in_string_order() -> None:
    cfg = nb201.encode(RESNET, "syne_tune")
    assert cfg == {"hp_x0": "nor_conv_3x3", "hp_x1": "none", "hp_x2": "nor_conv_3x3",
                   "hp_x3": "skip_connect", "hp_x4": "none", "hp_x5": "skip_connect"}
    assert nb201.decode(cfg, "syne_tune") == nb201.parse(RESNET)


def test_bools_are_never_op_indices_even_after_a_warm_memo() -> None:
    space = NB201Space()
    assert space.key_of((1, 2, 1, 2, 1, 1)) == space.key((1, 2, 1, 2, 1, 1))
    for bad in [(True, 2, 1, 2, 1, 1), (1, 2, 1, 2, 1, False), (1.0, 2, 1, 2, 1, 1)]:
        with pytest.raises(InvalidArchitectureError):
            space.key_of(bad)
        with pytest.raises(InvalidArchitectureError):
            space.keys([(1, 2, 1, 2, 1, 1), bad])
    assert space.key_of((np.int64(1), 2, 1, 2, 1, 1)) == space.key((1, 2, 1, 2, 1, 1))
    fc = get_space("fcnet")
    fc.key_of((0,) * 8 + (1,))
    with pytest.raises(InvalidArchitectureError):
        fc.key_of((0,) * 8 + (True,))


def test_unknown_encoding_lists_the_choices() -> None:
    with pytest.raises(InvalidArchitectureError) as err:
        nb201.decode((2, 1, 0, 2, 1, 0), "nas_lib")
    assert "naslib" in str(err.value) and "official_index" in str(err.value)


def test_convert_all_round_trips() -> None:
    out = convert("nb201", 6111, from_="official_index")
    assert set(out) == set(nb201.encodings)
    assert out["op_digits"] == "333132" and out["arch_id"] == 11667
    for name, value in out.items():
        assert convert("nb201", value, from_=name, to="official_index") == 6111


def test_nbgraph_package_objects_equal_ours() -> None:
    from nas_bench_graph.architecture import Arch

    g = get_space("nbgraph")
    links = [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1], [0, 0, 1, 2], [0, 0, 1, 3],
             [0, 1, 1, 1], [0, 1, 1, 2], [0, 1, 2, 2], [0, 1, 2, 3]]
    gen = np.random.default_rng(5)
    for _ in range(300):
        lk = links[int(gen.integers(len(links)))]
        op = [g.ops[int(i)] for i in gen.integers(0, len(g.ops), size=4)]
        if op == ["skip"] * 4:
            continue
        theirs = Arch(list(lk), list(op))
        h = theirs.valid_hash()
        assert g.key(theirs) == h  # bare package object
        assert g.key_of(theirs, encoding="nas_bench_graph") == h
        assert g.key_of({"lk": lk, "op": op}) == h
        assert g.key_of({"lk": lk, "op": op}, encoding="lk_op") == h
        assert g.key(g.decode(h, "valid_hash")) == h
        assert g.encode(g.decode(h, "valid_hash"), "valid_hash") == h
    with pytest.raises(InvalidArchitectureError, match="valid_hash"):
        g.parse(68017)


def test_nbgraph_mutated_package_object_is_not_served_from_the_memo() -> None:
    from nas_bench_graph.architecture import Arch

    g = get_space("nbgraph")
    a = Arch([0, 0, 1, 2], ["gcn", "gat", "skip", "fc"])
    first = g.key_of(a)
    a.ops = ["gin", "gin", "gin", "gin"]
    assert g.key_of(a) == Arch([0, 0, 1, 2], ["gin"] * 4).valid_hash() != first


@pytest.mark.parametrize(("space", "name", "want"), [
    ("nb201", "cifar10-valid", "cifar10"), ("nb201", "CIFAR10-VALID", "cifar10"),
    ("nb201", "ImageNet16-120", "imagenet16-120"), ("nb201", "imagenet", "imagenet16-120"),
    ("nb201", "Cifar100", "cifar100"), ("nbgraph", "Cora", "cora"),
    ("fcnet", "Naval_Propulsion", "naval_propulsion"), ("nb201", "mnist", None),
    ("nbgraph", "cifar10-valid", None), ("nope", "cora", None),
])
def test_canonical_dataset(space: str, name: str, want: str | None) -> None:
    assert canonical_dataset(space, name) == want


def test_every_nb201_encoding_is_a_bijection_on_all_cells() -> None:
    for name in nb201.encodings:
        seen = set()
        for a in itertools.islice(nb201.enumerate(), 0, None, 7):
            v = nb201.encode(a, name)
            seen.add(v.tobytes() if isinstance(v, np.ndarray)
                     else tuple(sorted(v.items())) if isinstance(v, dict) else v)
        assert len(seen) == len(range(0, 15625, 7)), name
