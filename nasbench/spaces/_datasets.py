"""Dataset names users type, mapped to the store's table names.

NAS-Bench-201 / NATS-Bench call the split our ``nb201/cifar10`` table holds
``cifar10-valid`` (trained on 25k training images, evaluated on the other 25k), and write
``ImageNet16-120``. Matching is case-insensitive everywhere.
"""

from __future__ import annotations

#: space -> {typed name (lower case) -> table name}; names equal to a table need no entry.
ALIASES: dict[str, dict[str, str]] = {
    "nb201": {
        "cifar10-valid": "cifar10",
        "cifar10_valid": "cifar10",
        "imagenet16-120": "imagenet16-120",
        "imagenet16_120": "imagenet16-120",
        "imagenet16": "imagenet16-120",
        "imagenet": "imagenet16-120",
    },
    "nbgraph": {},
    "fcnet": {},
}
# NATS-Bench size space: the same names (imported tables; docs/importing.md).
ALIASES["nats_sss"] = dict(ALIASES["nb201"])

#: The tables each space has (the store's own catalog is the authority; this is the list
#: the aliases resolve into).
DATASETS: dict[str, tuple[str, ...]] = {
    "nb201": ("cifar10", "cifar100", "imagenet16-120", "cifar10-full"),
    "nats_sss": ("cifar10", "cifar100", "imagenet16-120", "cifar10-full"),
    "nbgraph": ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
                "proteins"),
    "fcnet": ("naval_propulsion", "parkinsons_telemonitoring", "protein_structure",
              "slice_localization"),
}


def canonical_dataset(space: str, name: str) -> str | None:
    """The table name that ``name`` means in ``space``, or None if it means none.

    >>> canonical_dataset("nb201", "cifar10-valid"), canonical_dataset("nb201", "ImageNet16-120")
    ('cifar10', 'imagenet16-120')
    >>> canonical_dataset("nbgraph", "Cora"), canonical_dataset("nb201", "mnist")
    ('cora', None)
    """
    if not isinstance(name, str) or space not in DATASETS:
        return None
    low = name.strip().lower()
    out = ALIASES[space].get(low, low)
    return out if out in DATASETS[space] else None
