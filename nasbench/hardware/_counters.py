"""Hardware energy counters: RAPL on Intel CPUs, NVML on NVIDIA GPUs.

Both are cumulative counters read before and after a window of repeated inference. Where
neither exists, :func:`energy_counter` returns ``None`` and no energy is recorded.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

__all__ = ["EnergyCounter", "RaplCounter", "NvmlCounter", "energy_counter"]

RAPL_ROOT = Path("/sys/class/powercap")


class EnergyCounter:
    """A cumulative energy counter; :meth:`read` returns joules since an arbitrary origin."""

    name = "none"

    def read(self) -> float:
        raise NotImplementedError


class RaplCounter(EnergyCounter):
    """Sum of the package domains of Intel RAPL (``intel-rapl:N/energy_uj``), wrap-aware."""

    name = "rapl"

    def __init__(self, root: Path = RAPL_ROOT) -> None:
        self.domains = sorted(root.glob("intel-rapl:[0-9]"))
        if not self.domains:
            raise OSError(f"no RAPL package domain under {root}")
        self._last = [self._raw(d) for d in self.domains]
        self._total_uj = 0

    @staticmethod
    def _raw(domain: Path) -> int:
        return int((domain / "energy_uj").read_text())

    def read(self) -> float:
        for i, domain in enumerate(self.domains):
            now = self._raw(domain)
            delta = now - self._last[i]
            if delta < 0:  # the counter wrapped
                delta += int((domain / "max_energy_range_uj").read_text())
            self._total_uj += delta
            self._last[i] = now
        return self._total_uj * 1e-6


class NvmlCounter(EnergyCounter):
    """``nvmlDeviceGetTotalEnergyConsumption`` (mJ since driver load) through ctypes.

    The counter updates about every 100 ms (seen on an H100), so windows should last >= 1 s.
    """

    name = "nvml"

    def __init__(self, index: int = 0) -> None:
        self.lib = ctypes.CDLL("libnvidia-ml.so.1")
        if self.lib.nvmlInit_v2() != 0:
            raise OSError("nvmlInit_v2 failed")
        self.handle = ctypes.c_void_p()
        if self.lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(self.handle)) != 0:
            raise OSError(f"no NVML device {index}")

    def read(self) -> float:
        value = ctypes.c_ulonglong()
        rc = self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(value))
        if rc != 0:
            raise OSError(f"nvmlDeviceGetTotalEnergyConsumption returned {rc}")
        return value.value * 1e-3


def energy_counter(device: str) -> EnergyCounter | None:
    """Return the energy counter of ``device`` ("cpu" or "cuda[:i]"), or ``None`` if absent."""
    try:
        if device.startswith("cuda"):
            index = int(device.split(":")[1]) if ":" in device else 0
            return NvmlCounter(index)
        return RaplCounter()
    except (OSError, ValueError):
        return None
