"""Isomorphism classes of the NAS-Bench-201 cell.

Two rules, both over the cell's value at its output node 3:

``"nb201"`` -- NAS-Bench-201's published uniqueness rule (6,466 classes over 15,625 cells).
    It is defined on strings, and its class count depends on the exact string form, so it is
    reproduced literally: the input is ``"0"``; a ``none`` edge, or an edge leaving a node
    whose string is exactly ``"#"``, gives the zero term ``"#"``; a ``skip_connect`` edge
    gives its source node's string unchanged; any other op gives ``"(<source>)@<op>"``;
    a node is ``"+".join(sorted(terms))``. Two consequences of the string form are part of
    the rule: only node 1 (a single ``none`` input) is ever recognised as zero downstream,
    and a sum passed on by a skip edge is sorted as one unit, not merged into its new sum.

``"functional"`` -- what the cell computes, with NAS-Bench-201's convention that an op
    applied to zero is zero: zero terms are dropped, a node with no non-zero term is zero
    (whatever its number of inputs), and sums are flattened (a skip edge contributes the
    terms of its source). Every ``"nb201"`` class lies inside one ``"functional"`` class.
    The rule gives 4,930 classes.

In both modes the representative of a class is its member with the smallest key.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from nasbench.errors import unknown_choice_message

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (target node, source node) of each edge, official order.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
MODES: tuple[str, ...] = ("nb201", "functional")
_NONE, _SKIP = 0, 1
_ZERO = "#"

# A functional term: ("x",) for the input, or (op name, operand) with the operand a sorted
# tuple of terms (a sum). A node's value is a sorted tuple of terms; () means zero.
Term = tuple


def nb201_string(arch: tuple[int, ...]) -> str:
    """NAS-Bench-201's unique string of a cell (see module docstring); equal iff same class."""
    nodes = ["0"]
    for target in (1, 2, 3):
        terms = []
        for e, (t, source) in enumerate(EDGES):
            if t != target:
                continue
            op, src = arch[e], nodes[source]
            if op == _NONE or src == _ZERO:
                terms.append(_ZERO)
            elif op == _SKIP:
                terms.append(src)
            else:
                terms.append(f"({src})@{OPS[op]}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


def functional_form(arch: tuple[int, ...]) -> tuple[Term, ...]:
    """What the cell computes, as a sorted tuple of terms (``()`` for the zero cell)."""
    nodes: list[tuple[Term, ...]] = [(("x",),)]
    for target in (1, 2, 3):
        terms: list[Term] = []
        for e, (t, source) in enumerate(EDGES):
            if t != target:
                continue
            op, src = arch[e], nodes[source]
            if op == _NONE or not src:
                continue
            if op == _SKIP:
                terms.extend(src)
            else:
                terms.append((OPS[op], src))
        nodes.append(tuple(sorted(terms, key=repr)))
    return nodes[3]


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is one of :data:`MODES`, else raise ``ValueError``."""
    if mode not in MODES:
        raise ValueError(unknown_choice_message("canonical mode", mode, MODES))
    return mode


@lru_cache(maxsize=len(MODES))
def class_representatives(mode: str = "nb201") -> np.ndarray:
    """Representative key for every key: int64 array, shape (15625,), read-only.

    ``out[k]`` is the smallest key of the class of the cell with key ``k``;
    ``len(np.unique(out))`` is the number of classes (6,466 for ``"nb201"``).
    """
    signature = nb201_string if check_mode(mode) == "nb201" else functional_form
    first: dict[object, int] = {}
    out = np.empty(5**6, dtype=np.int64)
    for key, arch in enumerate(itertools.product(range(5), repeat=6)):
        out[key] = first.setdefault(signature(arch), key)
    out.setflags(write=False)
    return out
