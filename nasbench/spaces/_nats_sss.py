"""NATS-Bench size search space (Dong et al., TPAMI 2021): 32,768 channel configurations.

A fixed cell topology in a 5-layer network whose layers' channel counts are chosen from
:data:`CHANNELS` (8, 16, ..., 64). Arch: a tuple of 5 choice indices (0..7), layer 0 first.
String form (NATS-Bench's own, e.g. ``"8:16:32:48:64"``). Key: the mixed-radix number of the
indices, first layer most significant, which is NATS-Bench's official index: the official
``meta_archs`` list enumerates the configurations layer by layer in that order (index 0 is
``"8:8:8:8:8"``, index 32767 ``"64:64:64:64:64"``). No two configurations are isomorphic.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces._base import SearchSpace
from nasbench.spaces._common import (
    check_index,
    check_length,
    index_rows,
    is_int_like,
    not_parseable,
    radix_keys,
    short,
)
from nasbench.spaces._encodings import Encoding, int_value, registry

#: Channel choices of every layer.
CHANNELS: tuple[int, ...] = (8, 16, 24, 32, 40, 48, 56, 64)
N_LAYERS = 5
SIZES: tuple[int, ...] = (len(CHANNELS),) * N_LAYERS
N_ARCHS = len(CHANNELS) ** N_LAYERS
_ACCEPTED = ("a channel string such as '8:16:32:48:64' (NATS-Bench's form) or a sequence of "
             "5 choice indices 0..7 (channel counts as a tuple: encoding='channels')")


def _channel_index(value: Any, where: str) -> int:
    if is_int_like(value) and int(value) in CHANNELS:
        return CHANNELS.index(int(value))
    raise InvalidArchitectureError(
        f"{where}: {short(value)} is not a channel count; choices: "
        f"{', '.join(map(str, CHANNELS))}.")


class NatsSssSpace(SearchSpace):
    """NATS-Bench's size space; see the module docstring for arch, string and key."""

    name = "nats_sss"
    channels = CHANNELS
    n_layers = N_LAYERS

    def parse(self, x: Any, encoding: str | None = None) -> tuple[int, ...]:
        """Arch tuple from a channel string or 5 choice indices (``encoding=`` for others)."""
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        if type(x) is tuple and len(x) == N_LAYERS and all(
                type(v) is int and 0 <= v < len(CHANNELS) for v in x):
            return x
        if isinstance(x, str):
            return self._parse_string(x)
        if isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim == 1):
            check_length(x, N_LAYERS, "NATS size arch (one choice index per layer)")
            return tuple(check_index(v, len(CHANNELS), f"layer {i} (choice index; channel "
                                     "counts need encoding='channels')")
                         for i, v in enumerate(x))
        raise not_parseable("NATS-Bench size", x, _ACCEPTED)

    def _parse_string(self, text: str) -> tuple[int, ...]:
        parts = text.strip().split(":")
        if len(parts) != N_LAYERS:
            raise InvalidArchitectureError(
                f"Cannot read {short(text)} as a NATS-Bench size architecture: expected "
                f"{N_LAYERS} channel counts separated by ':'. Accepted: {_ACCEPTED}.")
        out = []
        for i, p in enumerate(parts):
            p = p.strip()
            if not (p.isascii() and p.isdigit()):
                raise InvalidArchitectureError(
                    f"Bad NATS size string {short(text)}: layer {i} {p!r} is not a number.")
            out.append(_channel_index(int(p), f"layer {i} of {short(text)}"))
        return tuple(out)

    def to_string(self, arch: Any) -> str:
        """``"8:16:32:48:64"``: the channel counts, layer 0 first (NATS-Bench's form)."""
        return ":".join(str(c) for c in self.to_channels(arch))

    def to_channels(self, arch: Any) -> tuple[int, ...]:
        """The 5 channel counts."""
        return tuple(CHANNELS[i] for i in self.parse(arch))

    def key(self, arch: Any) -> int:
        """Mixed-radix number of the indices = NATS-Bench's official index, 0..32767."""
        k = 0
        for v in self.parse(arch):
            k = k * len(CHANNELS) + v
        return k

    def from_key(self, key: int) -> tuple[int, ...]:
        k = check_index(key, N_ARCHS, "NATS size key")
        out = []
        for _ in range(N_LAYERS):
            k, d = divmod(k, len(CHANNELS))
            out.append(d)
        return tuple(reversed(out))

    def to_official_index(self, arch: Any) -> int:
        """NATS-Bench's index of ``arch`` (equal to :meth:`key`)."""
        return self.key(arch)

    def from_official_index(self, index: int) -> tuple[int, ...]:
        return self.from_key(index)

    def keys(self, archs: Any, encoding: str | None = None) -> np.ndarray:
        if encoding is not None:
            return super().keys(archs, encoding)
        rows = None if _holds_str(archs) else index_rows(archs, N_LAYERS)
        if rows is None:
            return super().keys(archs)
        return radix_keys(rows, SIZES, "choice indices are 0..7")

    def _codecs(self) -> Mapping[str, Any]:
        return _CODECS

    def enumerate(self) -> list[Any]:
        """All 32,768 configurations in key (= official index) order."""
        return list(itertools.product(range(len(CHANNELS)), repeat=N_LAYERS))

    def neighbours(self, arch: Any) -> list[Any]:
        """The 35 configurations that differ in one layer's channel count."""
        a = self.parse(arch)
        return [a[:i] + (v,) + a[i + 1:] for i in range(N_LAYERS)
                for v in range(len(CHANNELS)) if v != a[i]]

    def canonical(self, arch: Any, **options: Any) -> tuple[int, ...]:
        """The arch itself (no two configurations are isomorphic)."""
        if options:
            raise TypeError(f"Unexpected option(s) for NATS size canonical: {sorted(options)}.")
        return self.parse(arch)

    def to_graph(self, arch: Any) -> Any:
        """Chain ``networkx.DiGraph``: input -> 5 layers (op ``"channels_<C>"``) -> output."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_node(0, op="input")
        for i, c in enumerate(self.to_channels(arch), start=1):
            g.add_node(i, op=f"channels_{c}")
        g.add_node(N_LAYERS + 1, op="output")
        g.add_edges_from((i, i + 1) for i in range(N_LAYERS + 1))
        return g


def _holds_str(x: Any) -> bool:
    """True for a list/tuple whose first item is a string (NATS strings are not digits-only
    of length 5, so index_rows must not read them as digit strings)."""
    return isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], str)


def _decode_string(space: NatsSssSpace, v: Any) -> tuple[int, ...]:
    if not isinstance(v, str):
        raise InvalidArchitectureError(f"Expected a NATS size string such as '8:16:32:48:64'. "
                                       f"Got {short(v)}.")
    return space.parse(v)


def _decode_channels(space: NatsSssSpace, v: Any) -> tuple[int, ...]:
    if isinstance(v, str) or not isinstance(v, (list, tuple, np.ndarray)):
        raise InvalidArchitectureError(f"Expected 5 channel counts. Got {short(v)}.")
    check_length(v, N_LAYERS, "NATS size channel tuple")
    return tuple(_channel_index(c, f"layer {i}") for i, c in enumerate(v))


def _decode_indices(space: NatsSssSpace, v: Any) -> tuple[int, ...]:
    if isinstance(v, str) or not isinstance(v, (list, tuple, np.ndarray)):
        raise InvalidArchitectureError(f"Expected 5 choice indices. Got {short(v)}.")
    return space.parse(tuple(v) if not isinstance(v, tuple) else v)


def _decode_index(space: NatsSssSpace, v: Any) -> tuple[int, ...]:
    return space.from_key(int_value(v, N_ARCHS, "NATS size index"))


_CODECS = registry(
    Encoding("string", "'8:16:32:48:64' (NATS-Bench's arch string)", _decode_string,
             lambda s, a: s.to_string(a)),
    Encoding("channels", "5 channel counts, layer 0 first", _decode_channels,
             lambda s, a: s.to_channels(a)),
    Encoding("index_tuple", "5 choice indices 0..7 (the bare tuple form)", _decode_indices,
             lambda s, a: tuple(a)),
    Encoding("official_index", "NATS-Bench size index 0..32767 (meta_archs position)",
             _decode_index, lambda s, a: s.key(a)),
    Encoding("arch_id", "this library's key (equal to the official index)", _decode_index,
             lambda s, a: s.key(a)),
)
