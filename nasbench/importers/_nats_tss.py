"""``nats-tss``: the NATS-Bench topology search space (= the NAS-Bench-201 cell space).

Reads ``NATS-tss-v1_0-3ffb9-simple/`` or ``NATS-tss-v1_0-3ffb9.pickle.pbz2`` (layouts in
:mod:`nasbench.importers._nats_common`). Tables follow the NATS-Bench paper's convention
(see docs/importing.md):

* ``nb201/cifar10``: ``val_*`` = ``cifar10-valid`` x-valid, ``test_*`` = ``cifar10``
  (trained on train+valid) ori-test, ``ori_test_*`` = ``cifar10-valid`` ori-test (trained
  on train only), ``train_*`` = ``cifar10-valid`` train. Joins the wheel's table.
* ``nb201/cifar10-full``: NATS ``cifar10`` on its own (train+valid / ori-test).
* ``nb201/cifar100``, ``nb201/imagenet16-120``: ``val_*`` = x-valid, ``test_*`` = x-test,
  ``ori_test_*`` = ori-test (valid+test). Join the wheel's tables.

The 200-epoch schedule has plain names; the 12-epoch one is ``<metric>@12``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from nasbench.importers import register
from nasbench.importers._base import ImportError_, ImportWriter
from nasbench.importers._nats_common import Column, NatsImporter, Plan, convert_layout

CITATION = ("Xuanyi Dong, Lu Liu, Katarzyna Musial, Bogdan Gabrys. NATS-Bench: Benchmarking "
            "NAS Algorithms for Architecture Topology and Size. IEEE TPAMI 2021.")
LICENCE = "MIT (NATS-Bench data and API, github.com/D-X-Y/NATS-Bench)"

_C10V = ("trained on the CIFAR-10 'train' half (25k), evaluated on the held-out 'valid' half "
         "(NATS-Bench cifar10-valid)")
_C10 = ("trained on the whole CIFAR-10 training set (train+valid, 50k), evaluated on the "
        "CIFAR-10 test set (NATS-Bench cifar10)")


def _split_plan(ours: str, nats: str, what: str) -> Plan:
    tr = f"trained on the {what} training set"
    return Plan(ours, (
        Column("val", nats, "x-valid", "valid", f"{tr}, evaluated on x-valid (half of its "
               "test set)"),
        Column("test", nats, "x-test", "test", f"{tr}, evaluated on x-test (the other half)"),
        Column("ori_test", nats, "ori-test", "test", f"{tr}, evaluated on its whole test set "
               "(x-valid + x-test)"),
        Column("train", nats, "train", "train", f"{tr}, evaluated on it"),
    ), nats)


PLANS = (
    Plan("cifar10", (
        Column("val", "cifar10-valid", "x-valid", "valid", _C10V),
        Column("test", "cifar10", "ori-test", "test", _C10),
        Column("ori_test", "cifar10-valid", "ori-test", "test",
               "trained on the CIFAR-10 'train' half (25k), evaluated on the CIFAR-10 test set "
               "(NATS-Bench cifar10-valid ori-test)"),
        Column("train", "cifar10-valid", "train", "train", _C10V),
    ), "cifar10-valid"),
    Plan("cifar10-full", (
        Column("test", "cifar10", "ori-test", "test", _C10),
        Column("train", "cifar10", "train", "train", _C10),
    ), "cifar10"),
    _split_plan("cifar100", "cifar100", "CIFAR-100"),
    _split_plan("imagenet16-120", "ImageNet16-120", "ImageNet16-120"),
)


def _nb201_keys(archs: list[str]) -> np.ndarray:
    from nasbench.errors import InvalidArchitectureError
    from nasbench.spaces import get_space

    try:
        return np.asarray(get_space("nb201").keys(archs), dtype=np.int64)
    except InvalidArchitectureError as exc:
        raise ImportError_(f"meta_archs holds an arch that is not an NB201 cell: {exc}") from None


def check_tss_order(meta_archs: list[str]) -> None:
    """A full ``meta_archs`` must follow the official NAS-Bench-201 index order."""
    from nasbench.spaces import get_space

    space = get_space("nb201")
    if len(meta_archs) != 15625:
        raise ImportError_(f"meta_archs has {len(meta_archs)} entries; the NATS-Bench "
                           "topology space has 15,625.")
    keys = _nb201_keys(meta_archs)
    want = np.fromiter((space.key(space.from_official_index(i)) for i in range(15625)),
                       dtype=np.int64, count=15625)
    bad = np.flatnonzero(keys != want)
    if len(bad):
        i = int(bad[0])
        raise ImportError_(f"meta_archs[{i}] is {meta_archs[i]!r}, but NAS-Bench-201 "
                           f"index {i} is {space.to_string(space.from_official_index(i))}"
                           ": the file does not follow the official index order.")


class NatsTss(NatsImporter):
    name = "nats-tss"
    description = "NATS-Bench topology (NATS-tss-v1_0-3ffb9 file or -simple folder)"
    citation = CITATION
    licence = LICENCE

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        def keys_of(archs: list[str]) -> np.ndarray:
            return _nb201_keys(archs)

        convert_layout(path, writer, progress, source=self.name, space_name="nb201",
                       keys_of=keys_of, main_hp="200", plans=PLANS,
                       check_meta=check_tss_order)


register(NatsTss())
