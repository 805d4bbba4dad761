"""The nb101 space: pruning, the module hash (against a plain transcription of the published
algorithm), canonical keys, the 423,624 cells, conformance."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space
from nasbench.spaces._nb101 import N_ARCHS, NB101Arch, module_hash, prune
from nasbench.testing import check_search_space

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
# The Inception-like cell of the official README / example.py
INCEPTION = ([[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
              [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
              [0, 0, 0, 0, 0, 0, 0]], ["input", C1, C3, C3, C3, MP, "output"])


def reference_hash(matrix: np.ndarray, labels: list[int]) -> str:
    """The published algorithm written out directly with numpy (slow, obviously right)."""
    n = matrix.shape[0]
    ins, outs = matrix.sum(axis=0).tolist(), matrix.sum(axis=1).tolist()
    h = [hashlib.md5(str((outs[v], ins[v], labels[v])).encode()).hexdigest() for v in range(n)]
    for _ in range(n):
        h = [hashlib.md5(("".join(sorted(h[w] for w in range(n) if matrix[w, v])) + "|"
                          + "".join(sorted(h[w] for w in range(n) if matrix[v, w])) + "|"
                          + h[v]).encode()).hexdigest() for v in range(n)]
    return hashlib.md5(str(sorted(h)).encode()).hexdigest()


@pytest.fixture(scope="module")
def sp():
    return get_space("nb101")


def test_conformance(sp) -> None:
    check_search_space(sp, n=20, seed=3)


def test_enumeration_is_the_published_count(sp) -> None:
    archs = sp.enumerate()
    assert len(archs) == N_ARCHS == 423_624
    keys = sp.keys(archs[::97])
    assert np.all(np.diff(keys) > 0) and keys.max() < 450_808


def test_hash_matches_reference_and_is_invariant(sp) -> None:
    for a in sp.sample(60, seed=1) + sp.sample_uniform(60, seed=2):
        labels = [-1] + [(C3, C1, MP).index(o) for o in a.ops[1:-1]] + [-2]
        h = module_hash(a)
        assert h == reference_hash(np.array(a.matrix), labels)
        n = len(a.ops)
        for perm in itertools.islice(itertools.permutations(range(1, n - 1)), 30):
            p = [0, *perm, n - 1]
            m = np.array(a.matrix)[np.ix_(p, p)]
            if np.any(np.tril(m)):  # not upper-triangular: not a spec
                continue
            b = sp.parse({"matrix": m.tolist(), "ops": [a.ops[i] for i in p]})
            assert module_hash(b) == h
            assert sp.key(b) == sp.key(a) and sp.canonical(b) == sp.canonical(a)


def test_distinct_cells_have_distinct_hashes(sp) -> None:
    archs = sp.sample_uniform(3000, seed=5)
    by_key = {sp.key(a): module_hash(a) for a in archs}
    assert len(set(by_key.values())) == len(by_key)


def test_pruning_follows_model_spec(sp) -> None:
    # vertex 2 reaches the output but not from the input; vertex 3 is a dead end
    m = [[0, 1, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0] * 5]
    pm, ops = prune(m, ["input", C3, C1, MP, "output"])
    assert pm == ((0, 1, 0), (0, 0, 1), (0, 0, 0)) and ops == ("input", C3, "output")
    assert prune([[0, 0], [0, 0]], ["input", "output"]) is None
    a = sp.parse({"matrix": m, "ops": ["input", C3, C1, MP, "output"]})
    assert a == NB101Arch(pm, ops)
    with pytest.raises(InvalidArchitectureError, match="no path"):
        sp.parse({"matrix": [[0, 0, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", C3, "output"]})
    full = [[0] + [1] * 6] + [[0] * (i + 2) + [1] * (5 - i) for i in range(6)]
    with pytest.raises(InvalidArchitectureError, match="edges after pruning"):
        sp.parse({"matrix": full, "ops": ["input"] + [C3] * 5 + ["output"]})


def test_forms_and_errors(sp) -> None:
    a = sp.parse({"matrix": INCEPTION[0], "ops": INCEPTION[1]})
    assert sp.parse(INCEPTION) == a
    assert sp.parse({"module_adjacency": np.array(INCEPTION[0]),
                     "module_operations": INCEPTION[1]}) == a
    assert sp.parse(sp.to_string(a)) == a
    short_ops = ["input", "conv1x1", "conv3x3", "conv3x3", "conv3x3", "maxpool", "output"]
    assert sp.key((INCEPTION[0], short_ops)) == sp.key(a)
    with pytest.raises(InvalidArchitectureError, match="module hash"):
        sp.parse(module_hash(a))
    with pytest.raises(InvalidArchitectureError, match="upper-triangular"):
        sp.parse(([[0, 1], [1, 0]], ["input", "output"]))
    with pytest.raises(InvalidArchitectureError, match="Unknown NAS-Bench-101 op"):
        sp.parse(([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"]))
    with pytest.raises(InvalidArchitectureError, match="not a NAS-Bench-101 key"):
        sp.from_key(10**9)


def test_sampling_and_neighbour_conventions(sp) -> None:
    s = sp.sample(300, seed=0)
    assert s == sp.sample(300, seed=0) and all(sp.canonical(a) == a for a in s)
    tiny = sp.from_key(0)  # input -> output
    assert len(tiny.ops) == 2
    nb = sp.neighbours(tiny)  # one vertex added on a new path, any op
    assert sorted(x.ops[1] for x in nb) == sorted([C3, C1, MP])
    a = sp.parse(INCEPTION)
    nbs = sp.neighbours(a)
    assert a not in nbs and len({sp.key(x) for x in nbs}) == len(nbs)
    ops_changed = [x for x in nbs if x.matrix == sp.canonical(a).matrix]
    assert len(ops_changed) >= 1
