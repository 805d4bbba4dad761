"""``hw-nas-bench``: HW-NAS-Bench (Li et al., ICLR 2021), the NAS-Bench-201 part.

The file ``HW-NAS-Bench-v1_0.pickle`` (a plain pickle; read with the restricted unpickler
of the build, which admits containers, numbers and numpy arrays only) is a dict
``{"nasbench201": {dataset: {"<device>_<latency|energy>": 15,625 values, "config": [...],
...}}, "fbnet": ...}``; position ``i`` of every sequence is NAS-Bench-201 index ``i``.
Datasets ``cifar10``, ``cifar100``, ``ImageNet16-120`` join our ``nb201`` tables of the same
dataset as the columns ``latency_<device>_hwnasbench`` (seconds) and
``energy_<device>_hwnasbench`` (joules), with ``_estimated`` appended for the simulated
devices (Eyeriss, FPGA). Every value is checked (a number, not a bool, finite,
non-negative) and the first bad one is reported by its key and index.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.importers import register
from nasbench.importers._base import Importer, ImportError_, ImportWriter

#: HW-NAS-Bench dataset -> our table name.
DATASETS = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet16-120"}
_SCALE = {"latency": ("seconds", 1e-3), "energy": ("joules", 1e-3)}  # ms, mJ in the file
#: Entries of a dataset that are not per-device latency / energy (kept out, not errors).
_IGNORED = {"config", "average_hw_metric"}
N_CELLS = 15625


def _values(values: Any, where: str) -> np.ndarray:
    """Validate one sequence of HW-NAS-Bench values; the first bad one raises by position."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind not in "iuf":
            raise ImportError_(f"{where}: values of dtype {values.dtype} are not numbers.")
        items: list[Any] = values.tolist()
    elif isinstance(values, (list, tuple)):
        items = list(values)
    else:
        raise ImportError_(f"{where}: expected a sequence of numbers, found "
                           f"{type(values).__name__}.")
    out = np.empty(len(items))
    for i, v in enumerate(items):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                                 np.floating)):
            raise ImportError_(f"{where}[{i}] is {v!r} ({type(v).__name__}), not a number.")
        f = float(v)
        if not np.isfinite(f):
            raise ImportError_(f"{where}[{i}] is {f}: not finite.")
        if f < 0:
            raise ImportError_(f"{where}[{i}] is {f}: negative.")
        out[i] = f
    return out


def read_hw_file(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """``{our dataset: {"<device>_<kind>": values in the file's units}}``, every value
    validated (see the module docstring); the ``config`` entries are checked against the
    NAS-Bench-201 index order."""
    from nasbench.errors import NasbenchError
    from nasbench.hardware._hwnasbench import HWNASBENCH_DEVICES, _index_cells
    from nasbench.recipes._base import load_source_pickle

    try:
        raw = load_source_pickle(Path(path))
    except NasbenchError as exc:
        raise ImportError_(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
        raise ImportError_(f"{path} is not a readable pickle: {type(exc).__name__}: "
                           f"{exc}") from None
    if not isinstance(raw, dict) or "nasbench201" not in raw:
        raise ImportError_(f"{path} is not a HW-NAS-Bench file: no 'nasbench201' entry.")
    datasets = raw["nasbench201"]
    if not isinstance(datasets, dict):
        raise ImportError_(f"{path}: 'nasbench201' must be a dict of datasets.")
    out: dict[str, dict[str, np.ndarray]] = {}
    for dataset, metrics in datasets.items():
        where = f"{path}: nasbench201/{dataset}"
        if dataset not in DATASETS:
            raise ImportError_(f"{where}: unknown dataset {dataset!r}; HW-NAS-Bench's "
                               f"NAS-Bench-201 datasets are {', '.join(DATASETS)}.")
        if not isinstance(metrics, dict):
            raise ImportError_(f"{where} must be a dict of metrics.")
        cols = {}
        for name, values in metrics.items():
            device, _, kind = str(name).rpartition("_")
            if name in _IGNORED or kind not in _SCALE:
                continue
            if device not in HWNASBENCH_DEVICES:
                raise ImportError_(f"{where}/{name}: unknown device {device!r}; known: "
                                   f"{', '.join(HWNASBENCH_DEVICES)}.")
            col = _values(values, f"{where}/{name}")
            if len(col) != N_CELLS:
                raise ImportError_(f"{where}/{name} has {len(col)} values, not {N_CELLS}.")
            cols[name] = col
        if cols:
            out[DATASETS[dataset]] = cols
    if not out:
        raise ImportError_(f"{path} has no NB201 latency/energy entries.")
    _index_cells(datasets)  # the configs' arch strings follow the NB201 index order
    return out


def column_name(metric: str) -> str:
    """``edgegpu_latency`` -> ``latency_edgegpu_hwnasbench`` (``_estimated`` for
    the simulated devices)."""
    from nasbench.hardware._hwnasbench import HWNASBENCH_DEVICES

    device, _, kind = metric.rpartition("_")
    method = HWNASBENCH_DEVICES[device][1]
    return f"{kind}_{device}_hwnasbench" + ("" if method == "measured" else f"_{method}")


class HWNASBench(Importer):
    name = "hw-nas-bench"
    description = "HW-NAS-Bench v1.0 pickle: NB201 latency/energy on six edge devices"
    citation = ("Chaojian Li, Zhongzhi Yu, Yonggan Fu, Yongan Zhang, Yang Zhao, Haoran You, "
                "Qixuan Yu, Yue Wang, Cong Hao, Yingyan Lin. HW-NAS-Bench: Hardware-Aware "
                "Neural Architecture Search Benchmark. ICLR 2021.")
    licence = "MIT (github.com/GATECH-EIC/HW-NAS-Bench)"

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        from nasbench.hardware._hwnasbench import HWNASBENCH_DEVICES, nb201_index_order
        from nasbench.recipes._base import TableData
        from nasbench.spaces import get_space
        from nasbench.store._metrics import MetricInfo

        data = read_hw_file(path)
        keys = np.asarray(get_space("nb201").keys(nb201_index_order()), dtype=np.int64)
        official = np.arange(N_CELLS, dtype=np.int64)
        for dataset, cols in data.items():
            values, metrics = {}, {}
            for metric, col in cols.items():
                device, _, kind = metric.rpartition("_")
                unit, scale = _SCALE[kind]
                name = column_name(metric)
                label, method = HWNASBENCH_DEVICES[device]
                # one value per cell, repeated on the 3 seed columns of the NB201 tables
                values[name] = np.repeat((col * scale)[:, None], 3, axis=1)
                metrics[name] = MetricInfo(
                    name, unit, "min", "none", "inference", "batch size 1", f"import:{self.name}",
                    False, f"{kind} per forward pass of one image on {label}, {method} by "
                    f"HW-NAS-Bench (file key {metric!r}, converted from milli-units)")
            writer.add_table(TableData("nb201", dataset, keys, values, metrics,
                                       [(f"import:{self.name}", dataset)],
                                       official_index=official).sort())
            progress(f"{self.name}: nb201/{dataset}: {len(values)} columns")


register(HWNASBench())
