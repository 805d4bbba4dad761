"""Every search space passes the shipped conformance suite; the suite itself can fail."""

from __future__ import annotations

import pytest

from nasbench.errors import UnknownSpaceError
from nasbench.spaces import (
    PROTEINS_OPS,
    SPACES,
    FCNetSpace,
    NB201Space,
    NBGraphSpace,
    SearchSpace,
    get_space,
)
from nasbench.testing import check_search_space


# darts (~1e18 archs) cannot be enumerated: its conformance runs on a closed restricted
# subspace in tests/importers_nb101/test_darts_nb301.py
@pytest.mark.parametrize("name", sorted(n for n in SPACES if n != "darts"))
def test_registered_space_conforms(name: str) -> None:
    check_search_space(get_space(name), n=100, seed=1)


def test_restricted_nbgraph_conforms() -> None:
    check_search_space(NBGraphSpace(ops=PROTEINS_OPS), n=50, seed=2)


def test_get_space_returns_singletons_of_the_right_class() -> None:
    assert get_space("nb201") is get_space("nb201")
    assert isinstance(get_space("nb201"), NB201Space)
    assert isinstance(get_space("nbgraph"), NBGraphSpace)
    assert isinstance(get_space("fcnet"), FCNetSpace)
    assert {get_space(n).name for n in SPACES} == set(SPACES)


def test_unknown_space_names_choices_and_close_match() -> None:
    with pytest.raises(UnknownSpaceError) as err:
        get_space("nb210")
    msg = str(err.value)
    assert "'nb210'" in msg and "fcnet" in msg and "Did you mean 'nb201'?" in msg
    with pytest.raises(KeyError):  # also a KeyError
        get_space("NBGRAPH")


class _SelfNeighbour(NB201Space):
    def neighbours(self, arch: object) -> list[object]:
        return [self.parse(arch), *super().neighbours(arch)]


class _NoisySample(FCNetSpace):
    calls = 0

    def sample(self, n: int, seed: int | None = None) -> list[object]:
        self.calls += 1
        return super().sample(n, seed=None if self.calls > 1 else seed)


class _LossyString(NB201Space):
    def to_string(self, arch: object) -> str:
        return "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


@pytest.mark.parametrize(
    ("space", "phrase"),
    [(_SelfNeighbour(), "contains the arch itself"),
     (_NoisySample(), "not deterministic"),
     (_LossyString(), "parse(to_string(")],
)
def test_suite_catches_broken_spaces(space: SearchSpace, phrase: str) -> None:
    with pytest.raises(AssertionError, match=phrase.replace("(", r"\(")):
        check_search_space(space, n=20)
