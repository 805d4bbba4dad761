"""Shared pieces of the recipes: the manifest, source files and the in-memory table."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nasbench._metrics import MetricInfo
from nasbench.errors import NasbenchError

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "data" / "sources.json"


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, Any]:
    """Return ``data/sources.json`` (the source manifest) as a dict."""
    try:
        return json.loads(MANIFEST_PATH.read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        raise NasbenchError(
            f"Source manifest not found at {MANIFEST_PATH}. Install nasbench from a source "
            "checkout (pip install -e .) so that data/ is available."
        ) from None


def source_path(source: str, dataset: str) -> Path:
    """Absolute path of ``dataset``'s file of ``source`` inside its installed package."""
    entry = load_manifest()["sources"][source]
    spec = importlib.util.find_spec(entry["module"])
    if spec is None or not spec.submodule_search_locations:
        raise NasbenchError(
            f"Package {entry['package']!r} (module {entry['module']!r}) is not installed; "
            f"install it with: pip install {entry['package']}=={entry['package_version']}"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / entry["files"][dataset]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def installed_version(package: str) -> str:
    """Installed distribution version of ``package`` (``"unknown"`` if not found)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


@dataclass
class TableData:
    """One table in memory, as a recipe produces it.

    Attributes:
        space: search-space name.
        dataset: dataset name.
        keys: ``int64`` arch keys, shape (n_archs,), strictly increasing.
        values: metric -> ``float64`` array, shape (n_archs, n_seeds); NaN where that arch has
            no value for that seed. Metrics with one value per arch repeat it on every seed
            that the arch has.
        metrics: metric -> :class:`MetricInfo`.
        sources: ``(source_key, dataset_file_key)`` pairs read to make the table.
        aliases: plain metric name -> column it stands for (e.g. ``energy``).
        source: ``"measured"`` (published or profiled values) or ``"surrogate"``.
        model_id: the surrogate model's id (surrogate tables only).
        space_options: keyword arguments of the space class when the table covers a
            restricted variant (NAS-Bench-Graph ``proteins``: ``{"ops": [...]}``).
    """

    space: str
    dataset: str
    keys: np.ndarray
    values: dict[str, np.ndarray]
    metrics: dict[str, MetricInfo]
    sources: list[tuple[str, str]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    source: str = "measured"
    model_id: str | None = None
    space_options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_seeds(self) -> int:
        return int(next(iter(self.values.values())).shape[1])

    def sort(self) -> TableData:
        """Return the table with rows in increasing key order."""
        order = np.argsort(self.keys, kind="stable")
        self.keys = self.keys[order]
        self.values = {m: v[order] for m, v in self.values.items()}
        if len(self.keys) > 1 and np.any(np.diff(self.keys) <= 0):
            raise NasbenchError(f"Duplicate arch keys in table {self.space}/{self.dataset}")
        return self


@dataclass(frozen=True)
class Recipe:
    """How to make every table of one search space.

    Attributes:
        space: search-space name.
        datasets: dataset names, in catalog order.
        load: ``load(dataset) -> TableData`` reads the installed package's files.
    """

    space: str
    datasets: tuple[str, ...]
    load: Callable[[str], TableData]


def per_seed_matrix(lists: list[list[float]], n_seeds: int) -> np.ndarray:
    """Stack ragged per-seed lists into a (n, n_seeds) float64 array padded with NaN."""
    out = np.full((len(lists), n_seeds), np.nan)
    for i, vals in enumerate(lists):
        out[i, : len(vals)] = vals
    return out


_ALLOWED_GLOBALS = {
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
}


def load_source_pickle(path: Path) -> Any:
    """Unpickle a third-party source file from an installed package.

    Only plain containers, numbers, strings and numpy scalars/arrays are allowed; any other
    class in the file raises instead of being imported and run.
    """
    import pickle

    class _Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) in _ALLOWED_GLOBALS:
                return super().find_class(module, name)
            raise NasbenchError(f"Refusing to unpickle {module}.{name} from {path}")

    with path.open("rb") as f:
        return _Restricted(f).load()
