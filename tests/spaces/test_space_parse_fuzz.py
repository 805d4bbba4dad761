"""Property tests: `parse` returns a valid arch or raises InvalidArchitectureError, only that."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import PROTEINS_OPS, SPACES, NBGraphArch, NBGraphSpace, get_space
from nasbench.spaces._base import SearchSpace
from nasbench.spaces._fcnet import PARAMS
from nasbench.spaces._nb201 import OPS as NB201_OPS
from nasbench.spaces._nbgraph import OPS as NBGRAPH_OPS

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(NB201_OPS + NBGRAPH_OPS + ("relu", "0.3", "8")),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=10), st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(["link", "ops", "batch_size", "x"]), inner, max_size=3),
    ),
    max_leaves=12,
)
_strings = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="|+~0123456789_,=abcdefghijklmnopqrstuvwxyz", max_size=60),
    st.text(alphabet="01234567899", min_size=5, max_size=10),
)
_SPACES: list[SearchSpace] = [get_space(n) for n in sorted(SPACES)]
_SPACES.append(NBGraphSpace(ops=PROTEINS_OPS))


def _parse_or_reject(space: SearchSpace, x: Any) -> None:
    try:
        a = space.parse(x)
    except InvalidArchitectureError as err:
        assert str(err), "error without a message"
        return
    assert space.parse(a) == a
    assert space.parse(space.to_string(a)) == a
    assert isinstance(space.key(a), int)


@pytest.mark.parametrize("space", _SPACES, ids=repr)
@FUZZ
@given(x=st.one_of(_values, _strings))
def test_parse_never_raises_anything_else(space: SearchSpace, x: Any) -> None:
    _parse_or_reject(space, x)


@FUZZ
@given(edge=st.integers(0, 5), token=st.from_regex(r"[a-z_0-9]{1,12}", fullmatch=True),
       base=st.tuples(*[st.integers(0, 4)] * 6))
def test_nb201_error_names_the_bad_op(edge: int, token: str, base: tuple[int, ...]) -> None:
    space = get_space("nb201")
    parts = space.to_string(base).split("|")
    slots = [i for i, p in enumerate(parts) if "~" in p]
    src = parts[slots[edge]].split("~")[1]
    parts[slots[edge]] = f"{token}~{src}"
    text = "|".join(parts)
    if token in NB201_OPS:
        assert space.parse(text)[edge] == NB201_OPS.index(token)
        return
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse(text)
    assert repr(token) in str(err.value) and f"edge {edge}" in str(err.value)
    assert f"character {text.index(f'|{token}~') + 1}" in str(err.value)


@FUZZ
@given(pos=st.integers(0, 3), token=st.from_regex(r"[a-z]{1,8}", fullmatch=True),
       arch=st.sampled_from(get_space("nbgraph").enumerate()[::41]))
def test_nbgraph_error_names_the_bad_op(pos: int, token: str, arch: NBGraphArch) -> None:
    space = get_space("nbgraph")
    ops = list(arch.ops)
    ops[pos] = token
    if token in NBGRAPH_OPS:
        return
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse({"link": list(arch.link), "ops": ops})
    assert repr(token) in str(err.value) and f"op {pos}" in str(err.value)


@FUZZ
@given(i=st.integers(0, 8), value=st.one_of(st.text(max_size=8), st.integers(), st.floats()))
def test_fcnet_error_names_the_bad_value(i: int, value: Any) -> None:
    space = get_space("fcnet")
    cfg = space.to_config(space.from_key(12345))
    name, choices = PARAMS[i]
    cfg[name] = value
    try:
        a = space.parse(cfg)
    except InvalidArchitectureError as err:
        assert repr(name) in str(err) and repr(value) in str(err)
    else:
        chosen = space.to_config(a)[name]
        assert chosen == value or float(chosen) == pytest.approx(float(value))
