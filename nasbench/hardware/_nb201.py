"""NAS-Bench-201 facts the hardware code needs, with no dependency beyond the standard library.

An NB201 cell is a tuple of 6 op indices, one per edge, in the official edge order
``(1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2)``; op indices follow :data:`OP_NAMES`.
This module is imported by ``scripts/gpu_profile.py`` outside the installed package, so it
must stay standard-library only. Isomorphism classes live in :mod:`nasbench.spaces`.
"""

from __future__ import annotations

from collections.abc import Sequence

from nasbench.errors import InvalidArchitectureError, UnknownDatasetError, unknown_choice_message

__all__ = [
    "OP_NAMES",
    "EDGES",
    "STAGE_CHANNELS",
    "CELLS_PER_STAGE",
    "DATASETS",
    "as_cell",
    "cell_string",
    "dataset_shape",
]

#: Op names in index order (index 0 is the zero op).
OP_NAMES: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
#: Cell edges as ``(to_node, from_node)``, in the official order of the 6-tuple.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
#: Channels of the three stages; each stage holds :data:`CELLS_PER_STAGE` cells.
STAGE_CHANNELS: tuple[int, ...] = (16, 32, 64)
CELLS_PER_STAGE = 5
#: dataset -> (number of classes, input height = width in pixels).
DATASETS: dict[str, tuple[int, int]] = {
    "cifar10": (10, 32),
    "cifar100": (100, 32),
    "ImageNet16-120": (120, 16),
}
_DATASET_ALIASES = {"imagenet": "ImageNet16-120", "imagenet16-120": "ImageNet16-120"}


def as_cell(arch: Sequence[int] | str) -> tuple[int, ...]:
    """Return ``arch`` as a 6-tuple of op indices.

    Accepts a sequence of 6 ints or a 6-character digit string such as ``"421211"``.
    """
    if isinstance(arch, str):
        if len(arch) != len(EDGES) or not arch.isdigit():
            raise InvalidArchitectureError(
                f"NB201 cell {arch!r} must be {len(EDGES)} digits 0-{len(OP_NAMES) - 1}."
            )
        arch = [int(c) for c in arch]
    cell = tuple(int(o) for o in arch)
    if len(cell) != len(EDGES):
        raise InvalidArchitectureError(
            f"NB201 cell {arch!r} has {len(cell)} ops; it needs {len(EDGES)}."
        )
    for pos, op in enumerate(cell):
        if not 0 <= op < len(OP_NAMES):
            raise InvalidArchitectureError(
                f"NB201 cell {arch!r}: op index {op} at edge {pos} is not in "
                f"0..{len(OP_NAMES) - 1}."
            )
    return cell


def cell_string(cell: Sequence[int]) -> str:
    """Return the 6-digit string of a cell, e.g. ``"421211"``."""
    return "".join(str(o) for o in as_cell(cell))


def dataset_shape(dataset: str) -> tuple[int, int]:
    """Return ``(num_classes, input_size)`` of an NB201 dataset name."""
    name = _DATASET_ALIASES.get(dataset.lower(), dataset)
    if name not in DATASETS:
        raise UnknownDatasetError(unknown_choice_message("NB201 dataset", dataset, DATASETS))
    return DATASETS[name]
