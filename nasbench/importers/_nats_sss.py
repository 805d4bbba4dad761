"""``nats-sss``: the NATS-Bench size search space (32,768 channel configurations).

Reads ``NATS-sss-v1_0-50262-simple/`` or ``NATS-sss-v1_0-50262.pickle.pbz2`` (layouts in
:mod:`nasbench.importers._nats_common`) into tables of the ``nats_sss`` space
(:class:`nasbench.spaces.NatsSssSpace`): ``nats_sss/cifar10`` (cifar10-valid x-valid;
test from cifar10 ori-test), ``nats_sss/cifar10-full``, ``nats_sss/cifar100`` and
``nats_sss/imagenet16-120``, with the same column convention as ``nats-tss``
(docs/importing.md). The 90-epoch schedule has plain names; ``@01`` and ``@12`` the others.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from nasbench.importers import register
from nasbench.importers._base import ImportError_, ImportWriter
from nasbench.importers._nats_common import NatsImporter, convert_layout
from nasbench.importers._nats_tss import CITATION, LICENCE, PLANS


def _sss_keys(archs: list[str]) -> np.ndarray:
    from nasbench.errors import InvalidArchitectureError
    from nasbench.spaces import get_space

    try:
        return np.asarray(get_space("nats_sss").keys(archs), dtype=np.int64)
    except InvalidArchitectureError as exc:
        raise ImportError_(f"meta_archs holds an entry that is not a NATS size "
                           f"configuration: {exc}") from None


def check_sss_order(meta_archs: list[str]) -> None:
    """``meta_archs`` must be the 32,768 configurations in official (mixed-radix) order."""
    if len(meta_archs) != 32768:
        raise ImportError_(f"meta_archs has {len(meta_archs)} entries; the NATS-Bench size "
                           "space has 32,768.")
    keys = _sss_keys(meta_archs)
    bad = np.flatnonzero(keys != np.arange(len(keys)))
    if len(bad):
        i = int(bad[0])
        raise ImportError_(f"meta_archs[{i}] is {meta_archs[i]!r}, which is NATS size index "
                           f"{int(keys[i])}: the file does not follow the official order.")


class NatsSss(NatsImporter):
    name = "nats-sss"
    description = "NATS-Bench size (NATS-sss-v1_0-50262 file or -simple folder)"
    citation = CITATION
    licence = LICENCE

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        convert_layout(path, writer, progress, source=self.name, space_name="nats_sss",
                       keys_of=_sss_keys, main_hp="90", plans=PLANS,
                       check_meta=check_sss_order)


register(NatsSss())
