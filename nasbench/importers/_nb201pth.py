"""``nb201-pth``: NAS-Bench-201 v1.0 / v1.1 ``.pth`` files (Dong & Yang, ICLR 2020).

``NAS-Bench-201-v1_0-e61699.pth`` and ``NAS-Bench-201-v1_1-096897.pth`` are ``torch.save``
files of a dict ``{"meta_archs", "arch2infos": {index: {"less": ArchResults state dict,
"full": ArchResults state dict}}, "evaluated_indexes"}``; ``less`` is the 12-epoch
schedule (v1.0: cifar10-valid only), ``full`` the 200-epoch one. The state dicts are the
ones NATS-Bench kept (:mod:`nasbench.importers._nats_common`), so the tables, column names
and split convention are those of ``nats-tss`` (docs/importing.md).

The file is read with ``torch.load(weights_only=True)``: only tensors, containers and
numbers are built, never code from the file. A file that needs more (a pickled class) is
refused with an error naming what it needs. Needs torch (``pip install 'nasbench[torch]'``);
the published files are several GB and are loaded whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nasbench.importers import register
from nasbench.importers._base import Importer, ImportError_, ImportWriter
from nasbench.importers._nats_common import convert_layout, single_file_layout
from nasbench.importers._nats_tss import PLANS, _nb201_keys, check_tss_order

#: NAS-Bench-201's schedule names -> NATS-Bench's.
HPS = {"less": "12", "full": "200"}


def load_pth(path: Path) -> Any:
    """``torch.load(path, weights_only=True)`` with errors that say what the file needs."""
    try:
        import torch
    except ImportError:
        raise ImportError_(f"Reading {path} needs torch: pip install 'nasbench[torch]' "
                           "(or any torch >= 1.13).") from None
    import pickle

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()
        why = next((line for line in first if "GLOBAL" in line or "global" in line),
                   first[0] if first else type(exc).__name__)
        raise ImportError_(
            f"{path} needs more than torch.load(weights_only=True) allows ({why.strip()}); "
            "nasbench does not run code from benchmark files, so it cannot import this "
            "file. NAS-Bench-201 v1.0/v1.1 files hold only dicts, lists, numbers and "
            "tensors: is it the right file?") from None
    except (EOFError, OSError, RuntimeError, ValueError) as exc:
        raise ImportError_(f"{path} is not a readable torch file (truncated or corrupt?): "
                           f"{type(exc).__name__}: {exc}") from None


class NB201Pth(Importer):
    name = "nb201-pth"
    description = "NAS-Bench-201 v1.0/v1.1 .pth (torch.load weights_only=True; needs torch)"
    citation = ("Xuanyi Dong, Yi Yang. NAS-Bench-201: Extending the Scope of Reproducible "
                "Neural Architecture Search. ICLR 2020.")
    licence = "MIT (NAS-Bench-201 data and API, github.com/D-X-Y/NAS-Bench-201)"

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        if path.is_dir():
            raise ImportError_(f"{path} is a folder; nb201-pth reads one .pth file.")
        progress(f"reading {path} with torch.load(weights_only=True) (loaded whole) ...")
        meta, indexes, infos = single_file_layout(load_pth(path), path, "NAS-Bench-201")

        def load(i: int) -> dict[str, Any]:
            entry = infos[i]
            if not isinstance(entry, dict):
                raise ImportError_(f"{path} index {i}: expected {{'less', 'full'}}.")
            return {HPS.get(k, str(k)): v for k, v in entry.items()}

        convert_layout(path, writer, progress, source=self.name, space_name="nb201",
                       keys_of=_nb201_keys, main_hp="200", plans=PLANS,
                       check_meta=check_tss_order, opened=(meta, indexes, load))


register(NB201Pth())
