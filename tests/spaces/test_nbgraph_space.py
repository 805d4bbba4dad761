"""NAS-Bench-Graph space: keys equal the benchmark's own hash on every raw arch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import PROTEINS_OPS, NBGraphArch, NBGraphSpace, get_space
from nasbench.spaces._nbgraph_canon import ALL_LINKS, OPS, raw_key_table

nbg = pytest.importorskip("nas_bench_graph")
space = get_space("nbgraph")


def test_keys_equal_package_hash_for_every_raw_arch() -> None:
    archs = [NBGraphArch(lk, ops) for lk in ALL_LINKS for ops in itertools.product(OPS, repeat=4)]
    assert len(archs) == 157464
    theirs = np.array([nbg.Arch(list(a.link), list(a.ops)).valid_hash() for a in archs])
    all_skip = np.array([a.ops == ("skip",) * 4 for a in archs])
    assert set(theirs[all_skip].tolist()) == {88888}
    ours = space.keys([a for a, s in zip(archs, all_skip, strict=True) if not s])
    assert np.array_equal(ours, theirs[~all_skip])
    assert np.array_equal(raw_key_table()[~all_skip], theirs[~all_skip])
    assert len(np.unique(theirs)) == 26207
    sample = np.random.default_rng(0).choice(np.flatnonzero(~all_skip), 2000, replace=False)
    assert [space.key(archs[i]) for i in sample] == theirs[sample].tolist()


def test_enumerate_is_the_benchmark() -> None:
    enum = space.enumerate()
    keys = space.keys(enum)
    assert len(enum) == 26206 and np.all(np.diff(keys) > 0)
    assert keys.tolist() == sorted(nbg.light_read("cora"))
    assert all(space.canonical(a) == a for a in enum[::97])


def test_proteins_variant_is_the_proteins_table() -> None:
    prot = NBGraphSpace(ops=PROTEINS_OPS)
    keys = prot.keys(prot.enumerate())
    assert len(keys) == 2021 and keys.tolist() == sorted(nbg.light_read("proteins"))
    with pytest.raises(InvalidArchitectureError, match="'gat'.*gcn, sage, arma, fc, skip"):
        prot.parse("0,0,0,0|gat,gcn,gcn,gcn")
    with pytest.raises(InvalidArchitectureError, match="uses ops outside"):
        prot.from_key(space.key("0,1,2,3|gat,gat,gat,gat"))
    with pytest.raises(ValueError, match="Did you mean 'sage'"):
        NBGraphSpace(ops=["gcn", "sag"])


def test_encodings_agree() -> None:
    a = NBGraphArch((0, 0, 1, 2), ("gcn", "gat", "skip", "fc"))
    forms = [a, "0,0,1,2|gcn,gat,skip,fc", " 0, 0, 1, 2 | gcn, gat, skip, fc ",
             {"link": [0, 0, 1, 2], "ops": ["gcn", "gat", "skip", "fc"]},
             ([0, 0, 1, 2], ["gcn", "gat", "skip", "fc"]), ((0, 0, 1, 2), (1, 0, 8, 7)),
             (np.array([0, 0, 1, 2]), ["gcn", "gat", "skip", "fc"])]
    assert {space.parse(f) for f in forms} == {a}
    assert space.to_string(a) == "0,0,1,2|gcn,gat,skip,fc"


def test_isomorphic_archs_share_a_key() -> None:
    # four parallel branches: order does not matter
    perms = {space.key(NBGraphArch((0, 0, 0, 0), p))
             for p in itertools.permutations(("gcn", "gat", "sage", "fc"))}
    assert len(perms) == 1
    # a skip that feeds others is contracted away; a skip leaf off the input is dropped
    k = space.key(NBGraphArch((0, 1, 1, 1), ("skip", "gat", "gat", "gat")))
    assert k == 58000 == space.key(NBGraphArch((0, 0, 0, 0), ("gat", "gat", "gat", "skip")))
    assert space.canonical(NBGraphArch((0, 0, 0, 0), ("gat", "gat", "gat", "skip"))) == (
        NBGraphArch((0, 1, 1, 1), ("skip", "gat", "gat", "gat")))
    # but a skip leaf next to a sibling adds a residual term: a different network
    assert space.key("0,1,1,0|gcn,skip,sage,fc") != space.key("0,1,1,0|gcn,fc,sage,fc")


@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        ("0,0,0,0|skip,skip,skip,skip", ["all-skip", "no row"]),
        ("0,2,0,0|gcn,gcn,gcn,gcn", ["link 1", "index 2", "0..1"]),
        ("0,0,x,0|gcn,gcn,gcn,gcn", ["link 2", "'x'"]),
        ("0,0,0,0|gcn,gcnn,gcn,gcn", ["op 1", "'gcnn'", "Did you mean 'gcn'"]),
        ("0,0,0|gcn,gcn,gcn,gcn", ["4 entries", "Got 3"]),
        ("0,0,0,0,gcn,gcn,gcn,gcn", ["exactly one '|'"]),
        ({"link": [0, 0, 0, 0]}, ["'ops'"]),
        ({"link": [0] * 4, "ops": ["gcn"] * 4, "x": 1}, ["unexpected", "'x'"]),
        (NBGraphArch((0, 0, 0, 5), ("gcn",) * 4), ["link 3", "index 5"]),
    ],
)
def test_errors_name_the_bad_token(value: object, pieces: list[str]) -> None:
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse(value)
    for piece in pieces:
        assert piece in str(err.value), (piece, str(err.value))


def test_from_key_rejects_non_canonical_keys() -> None:
    assert space.from_key(58000) == NBGraphArch((0, 1, 1, 1), ("skip", "gat", "gat", "gat"))
    assert space.from_key(7) == NBGraphArch((0, 0, 0, 0), ("gat", "gat", "gat", "fc"))
    with pytest.raises(InvalidArchitectureError, match=r"non-canonical form of key 7\.$"):
        space.from_key(7000)  # fc,gat,gat,gat on 4 parallel branches: ops sort to key 7
    with pytest.raises(InvalidArchitectureError, match="not a NAS-Bench-Graph key"):
        space.from_key(88888)


def test_neighbours_are_distinct_representatives() -> None:
    a = space.parse("0,1,2,3|gcn,gat,sage,fc")
    nbrs = space.neighbours(a)
    keys = [space.key(n) for n in nbrs]
    assert len(set(keys)) == len(keys) and space.key(a) not in keys
    assert all(space.canonical(n) == n for n in nbrs)
    assert space.canonical("0,1,2,3|gcn,gat,sage,gin") in nbrs  # one op changed
    assert space.canonical("0,1,1,3|gcn,gat,sage,fc") in nbrs  # one link changed
    # changing the last op of an arch whose other ops are skips never yields all-skip
    lone = space.parse("0,1,2,3|skip,skip,skip,gcn")
    assert all(any(op != "skip" for op in n.ops) for n in space.neighbours(lone))


def test_graph_wires_leaves_to_output() -> None:
    g = space.to_graph("0,0,1,1|gcn,gat,sage,fc")
    assert [g.nodes[i]["op"] for i in range(6)] == ["input", "gcn", "gat", "sage", "fc", "output"]
    assert sorted(g.edges) == [(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (3, 5), (4, 5)]
