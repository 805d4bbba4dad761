"""The NAS-Bench-Graph encodings in circulation (package ``nas-bench-graph``).

* ``nas_bench_graph``: the package's ``Arch(lk, op)`` object (attributes ``link``, ``ops``).
* ``lk_op``: a dict of that constructor's arguments, ``{"lk": [...], "op": [...]}``.
* ``valid_hash``: ``Arch(lk, op).valid_hash()``, the benchmark's key of the isomorphism class;
  it is our ``arch_id`` (``tests/spaces/test_nbgraph_space.py`` checks all 157,464 raw
  archs), so decoding gives the class representative.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces._common import short
from nasbench.spaces._encodings import Encoding, int_value, registry

_KEY_LIMIT = 9 * 10**4  # keys are 5 decimal digits: link pattern, then 4 op digits


def is_package_arch(x: Any) -> bool:
    """True for a ``nas_bench_graph.Arch`` (or any object with ``link`` and ``ops``)."""
    return (type(x).__name__ == "Arch" and hasattr(x, "link") and hasattr(x, "ops")
            and not isinstance(x, tuple))


def lk_op_fields(x: Mapping[Any, Any]) -> tuple[Any, Any]:
    """``(link, ops)`` of a ``{"lk": ..., "op": ...}`` dict; other fields raise."""
    if set(x) != {"lk", "op"}:
        raise InvalidArchitectureError(
            "A NAS-Bench-Graph lk/op dict needs exactly the fields 'lk' and 'op' (the "
            f"arguments of nas_bench_graph.Arch). Got fields {[short(f) for f in x]}."
        )
    return x["lk"], x["op"]


def _dec_string(space: Any, v: Any) -> Any:
    if not isinstance(v, str):
        raise InvalidArchitectureError(
            f"A NAS-Bench-Graph string looks like '0,0,1,2|gcn,gat,skip,fc'. Got {short(v)}.")
    return space.parse(v)


def _dec_link_ops(space: Any, v: Any) -> Any:
    if not (isinstance(v, (tuple, list)) and len(v) == 2):
        raise InvalidArchitectureError(
            f"A NAS-Bench-Graph (link, ops) pair has 2 entries. Got {short(v)}.")
    return space.parse(tuple(v))


def _dec_dict(space: Any, v: Any) -> Any:
    if not isinstance(v, Mapping) or "lk" in v or "op" in v:
        raise InvalidArchitectureError(
            f"A NAS-Bench-Graph dict is {{'link': [...], 'ops': [...]}}. Got {short(v)}.")
    return space.parse(v)


def _dec_lk_op(space: Any, v: Any) -> Any:
    if not isinstance(v, Mapping):
        raise InvalidArchitectureError(
            f"A NAS-Bench-Graph lk/op dict is {{'lk': [...], 'op': [...]}}. Got {short(v)}.")
    return space.parse(dict(zip(("link", "ops"), lk_op_fields(v), strict=True)))


def _dec_package(space: Any, v: Any) -> Any:
    if not is_package_arch(v):
        raise InvalidArchitectureError(
            f"Expected a nas_bench_graph.Arch object. Got {short(v)} (type "
            f"{type(v).__name__}).")
    return space.parse((v.link, v.ops))


def _enc_package(space: Any, a: Any) -> Any:
    from nas_bench_graph.architecture import Arch

    return Arch(list(a.link), list(a.ops))


def _dec_hash(space: Any, v: Any) -> Any:
    return space.from_key(int_value(v, _KEY_LIMIT, "NAS-Bench-Graph valid_hash"))


CODECS: dict[str, Encoding] = registry(
    Encoding("string", "'0,0,1,2|gcn,gat,skip,fc' (links, then ops)", _dec_string,
             lambda s, a: s.to_string(a)),
    Encoding("link_ops", "(link, ops) pair; NBGraphArch is one", _dec_link_ops,
             lambda s, a: a),
    Encoding("dict", "{'link': [...], 'ops': [...]}", _dec_dict,
             lambda s, a: {"link": list(a.link), "ops": list(a.ops)}),
    Encoding("lk_op", "{'lk': [...], 'op': [...]} (nas_bench_graph.Arch's arguments)",
             _dec_lk_op, lambda s, a: {"lk": list(a.link), "op": list(a.ops)}),
    Encoding("nas_bench_graph", "a nas_bench_graph.Arch object", _dec_package, _enc_package,
             requires="nas_bench_graph"),
    Encoding("valid_hash", "nas_bench_graph Arch.valid_hash() of the class (= arch_id)",
             _dec_hash, lambda s, a: s.key(a)),
    Encoding("arch_id", "this library's key (the same number as valid_hash)", _dec_hash,
             lambda s, a: s.key(a)),
)
