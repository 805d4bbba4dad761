"""The :class:`SearchSpace` contract every search space implements.

An *architecture* ("arch") is the canonical, hashable value that :meth:`SearchSpace.parse`
returns (a tuple for NB201 and FCNet, a :class:`~nasbench.spaces.NBGraphArch` for
NAS-Bench-Graph). Archs compare by value and can be used as dict keys.

Every arch has an integer *key*: the row key (``arch_id`` column) of that space's tables.
Two archs that the benchmark treats as the same network have the same key. Keys are stable
across releases (they are derived from the source benchmark's own indexing).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.spaces import _encodings

if TYPE_CHECKING:
    from nasbench.spaces._encodings import Encoding

Arch = Hashable
_MEMO_CAP = 1 << 20


def _holds_numbers(token: Any) -> bool:
    """True for a tuple with a non-string leaf: its memo entry needs :func:`_exact`."""
    if not isinstance(token, tuple):
        return False
    return any(not isinstance(v, str) and (not isinstance(v, tuple) or _holds_numbers(v))
               for v in token)


def _exact(x: Any) -> bool:
    """True when every leaf of the tuple ``x`` is exactly an ``int`` or a ``str``.

    A memo hit only says ``x == remembered``; ``True == 1`` and ``1.0 == 1``, so other
    leaves (bools, floats, numpy scalars) go back through :meth:`SearchSpace.key`.
    """
    for v in x:
        c = v.__class__
        if c is int or c is str:
            continue
        if isinstance(v, tuple) and _exact(v):
            continue
        return False
    return True


def check_sample_size(n: object) -> None:
    """Raise ``ValueError`` unless ``n`` (an arch count to sample) is a non-negative int."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"The 'n' parameter of sample must be a non-negative int. Got {n!r}.")


class SearchSpace(ABC):
    """A fixed, finite NAS search space.

    Contract (checked for every space by ``nasbench.testing.check_search_space``):

    * :meth:`parse` accepts every encoding the space documents and returns the canonical
      arch; ``parse(parse(x)) == parse(x)``; ``parse(to_string(a)) == a``. Bad input raises
      :class:`~nasbench.errors.InvalidArchitectureError` naming the bad token and position.
    * :meth:`enumerate` returns every arch that has a row in the space's tables, in a stable
      order, each with a distinct :meth:`key`.
    * :meth:`sample` draws from :meth:`enumerate` uniformly with its own
      ``numpy.random.Generator`` (never the global RNG); same seed, same result.
    * :meth:`neighbours` returns the archs one edit away (one op or one edge changed), without
      the arch itself and without duplicates. It never mutates its argument.
    * :meth:`canonical` returns the representative of the arch's isomorphism class; it is
      idempotent and ``key(a) == key(canonical(a))`` where the tables merge isomorphic archs.
    * :meth:`to_graph` returns a ``networkx.DiGraph`` whose nodes carry an ``"op"`` label
      (a string), suitable for graph kernels and GNNs.
    """

    #: Short name used in the store ("nb201", "nbgraph", "fcnet").
    name: str = ""
    #: True when the tables merge isomorphic archs into one key (then
    #: ``key(a) == key(canonical(a))`` for every arch ``a``).
    merges_isomorphic: bool = False

    @abstractmethod
    def parse(self, x: Any, encoding: str | None = None) -> Arch:
        """Turn any accepted encoding into the canonical arch value.

        Without ``encoding`` only the space's documented bare forms are read; with it,
        ``x`` is read as that named encoding (one of :attr:`encodings`), as :meth:`decode`.
        """

    @abstractmethod
    def to_string(self, arch: Arch) -> str:
        """Return the space's canonical string form of ``arch`` (parseable by :meth:`parse`)."""

    @abstractmethod
    def enumerate(self) -> list[Arch]:
        """Return every arch of the space's tables, in a stable order."""

    @abstractmethod
    def neighbours(self, arch: Arch) -> list[Arch]:
        """Return every arch one edit away from ``arch`` (excluding ``arch`` itself)."""

    @abstractmethod
    def canonical(self, arch: Arch, **options: Any) -> Arch:
        """Return the representative of ``arch``'s isomorphism class."""

    @abstractmethod
    def to_graph(self, arch: Arch) -> Any:
        """Return a ``networkx.DiGraph`` with an ``"op"`` attribute on every node."""

    @abstractmethod
    def key(self, arch: Arch) -> int:
        """Return the integer row key (``arch_id``) of ``arch`` in this space's tables."""

    @abstractmethod
    def from_key(self, key: int) -> Arch:
        """Inverse of :meth:`key` on the keys that :meth:`enumerate` produces."""

    # ---- provided on top of the abstract methods; override for speed -------------------

    # ---- named encodings --------------------------------------------------------------

    def _codecs(self) -> Mapping[str, Encoding]:
        """``{name: Encoding}`` of this space (override); see ``_encodings``."""
        return {}

    @property
    def encodings(self) -> tuple[str, ...]:
        """Names of the encodings :meth:`encode` writes and :meth:`decode` reads."""
        return tuple(self._codecs())

    def encode(self, arch: Any, encoding: str) -> Any:
        """``arch`` (any bare encoding) written in the named ``encoding``."""
        return _encodings.encode(self, arch, encoding)

    def decode(self, value: Any, encoding: str | None = None) -> Arch:
        """The arch of ``value`` read as ``encoding`` (None: the bare forms, as :meth:`parse`)."""
        if encoding is None:
            return self.parse(value)
        return _encodings.decode(self, value, encoding)

    # ---- keys ---------------------------------------------------------------------------

    def key_of(self, x: Any, encoding: str | None = None) -> int:
        """:meth:`key` of any encoding, memoised for hashable encodings (the query hot path).

        ``encoding`` names the encoding of ``x`` (see :attr:`encodings`); None reads the bare
        forms. Only encodings that parsed successfully are remembered, at most ``_MEMO_CAP``
        of them, so bad input always reaches :meth:`parse` and its error message. A
        remembered tuple holding numbers is trusted only for an input whose numbers are
        exact ``int`` (``True == 1`` in Python, but a bool is never an index).
        """
        if encoding is not None:
            return self.key(self.decode(x, encoding))
        memo = self.__dict__.get("_key_memo")
        if memo is None:
            memo = self.__dict__["_key_memo"] = {}
        try:
            k = memo[x]
        except KeyError:
            token = x if type(x).__hash__ is not object.__hash__ else self._memo_token(x)
            if token is None:  # hashed by identity (a mutable object): never remembered
                return self.key(x)
        except TypeError:  # unhashable (dict, list): memoise under a hashable stand-in
            token = self._memo_token(x)
            if token is None:
                return self.key(x)
            try:
                hit = memo.get(token)
            except TypeError:
                return self.key(x)
            if hit is not None:
                if hit >= 0:
                    return hit  # type: ignore[no-any-return]
                return ~hit if _exact(token) else self.key(x)  # type: ignore[no-any-return]
        else:
            if k >= 0:
                return k  # type: ignore[no-any-return]
            for v in x:  # inline _exact for the flat int tuples of NB201 and FCNet
                if v.__class__ is not int:
                    return ~k if _exact(x) else self.key(x)  # type: ignore[no-any-return]
            return ~k  # type: ignore[no-any-return]
        k = self.key(x)
        if len(memo) < _MEMO_CAP:
            memo[token] = ~k if _holds_numbers(token) else k
        return k

    def _memo_token(self, x: Any) -> Hashable | None:
        """A hashable stand-in for an unhashable encoding, or None (no memo). Override.

        Two encodings may share a token only if they denote archs with the same key.
        """
        return None

    def keys(self, archs: Iterable[Any], encoding: str | None = None) -> np.ndarray:
        """Vectorised :meth:`key` over any encodings; returns an ``int64`` array, shape (n,).

        ``encoding`` names the encoding of every item (None: the bare forms).
        """
        if encoding is not None:
            return _encodings.decode_keys(self, archs, encoding)
        items = archs if isinstance(archs, (list, tuple)) else list(archs)
        memo = self.__dict__.get("_key_memo")
        if memo:
            try:  # all seen before: one dict look-up each
                out = np.array([memo[a] for a in items], dtype=np.int64)
            except (KeyError, TypeError):
                pass
            else:
                if not out.size or out.min() >= 0:
                    return out
                for i in np.flatnonzero(out < 0).tolist():  # remembered numeric tuples
                    out[i] = ~out[i] if _exact(items[i]) else self.key(items[i])
                return out
        key_of = self.key_of
        return np.fromiter((key_of(a) for a in items), dtype=np.int64, count=len(items))

    def sample(self, n: int, seed: int | None = None) -> list[Arch]:
        """Draw ``n`` archs uniformly (with replacement) from :meth:`enumerate`."""
        check_sample_size(n)
        pool = self._enumerated()
        idx = np.random.default_rng(seed).integers(0, len(pool), size=int(n))
        return [pool[i] for i in idx]

    def to_configspace(self, seed: int | None = None) -> Any:
        """This space as a ``ConfigSpace.ConfigurationSpace`` (one categorical per varying
        field; ``pip install ConfigSpace``) for SMAC, DEHB and other ConfigSpace users.
        Decode a configuration with :meth:`from_configuration`."""
        from nasbench.spaces._configspace import to_configspace

        return to_configspace(self, seed=seed)

    def from_configuration(self, config: Any) -> Arch:
        """The arch a configuration of :meth:`to_configspace` stands for (the nearest arch of
        the space by Hamming distance when the combination is not one)."""
        from nasbench.spaces._configspace import from_configuration

        return from_configuration(self, config)

    def __len__(self) -> int:
        return len(self._enumerated())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def _enumerated(self) -> Sequence[Arch]:
        cache = self.__dict__.get("_enum_cache")
        if cache is None:
            cache = self.enumerate()
            self.__dict__["_enum_cache"] = cache
        return cache
