"""The :class:`~nasbench.spaces.SearchSpace` conformance suite."""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces._base import SearchSpace

_GARBAGE: tuple[Any, ...] = (None, object(), 3.5, "definitely not an architecture", b"\x00")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def check_search_space(space: SearchSpace, n: int = 200, seed: int = 0) -> None:
    """Check ``space`` against the written :class:`SearchSpace` contract.

    Args:
        space: the space under test.
        n: number of sampled archs that the per-arch checks run on.
        seed: seed of the sample.

    Raises:
        AssertionError: naming the first violated rule and the arch that broke it.
    """
    archs = _check_enumerate_and_sample(space, n, seed)
    keys = {space.key(a) for a in space._enumerated()}
    for a in archs:
        _check_encodings(space, a)
        _check_canonical(space, a)
        _check_neighbours(space, a, keys)
        _check_graph(space, a)
    _check_named_encodings(space, archs[: max(1, min(len(archs), 50))])
    _check_rejects_garbage(space)


def _check_enumerate_and_sample(space: SearchSpace, n: int, seed: int) -> list[Any]:
    enum = space.enumerate()
    _require(len(enum) > 0, f"{space!r}.enumerate() is empty")
    _require(len(space) == len(enum), f"len({space!r}) != len(enumerate())")
    _require(space.enumerate() == enum, f"{space!r}.enumerate() is not stable across calls")
    keys = space.keys(enum)
    _require(isinstance(keys, np.ndarray) and keys.dtype == np.int64 and keys.shape == (len(enum),),
             f"{space!r}.keys() must return an int64 array of shape (n,); got {keys!r}")
    _require(len(np.unique(keys)) == len(enum), f"{space!r}.enumerate() has repeated keys")
    archs = space.sample(n, seed=seed)
    _require(len(archs) == n, f"{space!r}.sample({n}) returned {len(archs)} archs")
    _require(space.sample(n, seed=seed) == archs, f"{space!r}.sample is not deterministic")
    enum_set = set(enum)
    _require(all(a in enum_set for a in archs), f"{space!r}.sample drew outside enumerate()")
    _require(list(space.keys(archs)) == [space.key(a) for a in archs],
             f"{space!r}.keys() disagrees with key() on a sample")
    return archs


def _check_encodings(space: SearchSpace, a: Any) -> None:
    p = space.parse(a)
    _require(p == a, f"parse({a!r}) == {p!r}: an enumerated arch must parse to itself")
    _require(space.parse(p) == p, f"parse is not idempotent on {a!r}")
    hash(p)
    s = space.to_string(a)
    _require(isinstance(s, str), f"to_string({a!r}) returned {type(s).__name__}, not str")
    _require(space.parse(s) == a, f"parse(to_string({a!r})) == {space.parse(s)!r}")
    k = space.key(a)
    _require(isinstance(k, int), f"key({a!r}) returned {type(k).__name__}, not int")
    _require(space.from_key(k) == a, f"from_key(key({a!r})) == {space.from_key(k)!r}")


def _check_named_encodings(space: SearchSpace, archs: list[Any]) -> None:
    """Every named encoding round-trips, and key_of / keys read it back to the same key."""
    names = space.encodings
    _require(isinstance(names, tuple) and all(isinstance(n, str) for n in names),
             f"{space!r}.encodings must be a tuple of names; got {names!r}")
    _require(len(set(names)) == len(names), f"{space!r}.encodings has repeated names")
    for name in names:
        try:
            values = [space.encode(a, name) for a in archs]
        except ImportError:  # the encoding's package is not installed
            continue
        for a, v in zip(archs, values, strict=True):
            back = space.decode(v, name)
            _require(back == a, f"decode(encode({a!r}, {name!r})) == {back!r}")
            _require(space.parse(v, encoding=name) == a,
                     f"parse(encode({a!r}, {name!r}), encoding={name!r}) != {a!r}")
            _require(space.key_of(v, encoding=name) == space.key(a),
                     f"key_of(encode({a!r}, {name!r}), encoding={name!r}) != key({a!r})")
        got = space.keys(values, encoding=name)
        want = [space.key(a) for a in archs]
        _require(isinstance(got, np.ndarray) and got.dtype == np.int64 and list(got) == want,
                 f"{space!r}.keys(..., encoding={name!r}) disagrees with key()")
    try:
        space.decode(archs[0], "no such encoding")
    except InvalidArchitectureError:
        pass
    else:
        raise AssertionError(f"{space!r}.decode accepted an unknown encoding name")


def _check_canonical(space: SearchSpace, a: Any) -> None:
    c = space.canonical(a)
    _require(space.canonical(c) == c, f"canonical is not idempotent on {a!r}")
    if space.merges_isomorphic:
        _require(space.key(c) == space.key(a), f"key(canonical({a!r})) != key({a!r})")


def _check_neighbours(space: SearchSpace, a: Any, keys: set[int]) -> None:
    before = space.to_string(a)
    nbrs = space.neighbours(a)
    _require(space.to_string(a) == before, f"neighbours mutated {a!r}")
    _require(len(nbrs) > 0, f"{a!r} has no neighbours")
    _require(a not in nbrs, f"neighbours({a!r}) contains the arch itself")
    nkeys = [space.key(b) for b in nbrs]
    _require(space.key(a) not in nkeys, f"neighbours({a!r}) contains an arch with its own key")
    _require(len(set(nkeys)) == len(nkeys), f"neighbours({a!r}) has duplicates")
    _require(all(space.parse(b) == b for b in nbrs), f"neighbours({a!r}) are not canonical values")
    _require(all(k in keys for k in nkeys), f"neighbours({a!r}) leave the table's keys")


def _check_graph(space: SearchSpace, a: Any) -> None:
    g = space.to_graph(a)
    _require(hasattr(g, "nodes") and hasattr(g, "successors"),
             f"to_graph({a!r}) is not a networkx.DiGraph")
    _require(g.number_of_nodes() > 0, f"to_graph({a!r}) is empty")
    for node, data in g.nodes(data=True):
        _require(isinstance(data.get("op"), str), f"to_graph({a!r}) node {node!r} has no 'op' str")


def _check_rejects_garbage(space: SearchSpace) -> None:
    for junk in _GARBAGE:
        try:
            space.parse(junk)
        except InvalidArchitectureError:
            continue
        raise AssertionError(f"{space!r}.parse({junk!r}) did not raise InvalidArchitectureError")
