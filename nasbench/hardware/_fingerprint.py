"""Device fingerprint stored with every measurement: what ran, where, and when."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path
from typing import Any

__all__ = ["device_fingerprint", "cpu_model", "toolchain_string"]


def cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def device_fingerprint(device: str, threads: int) -> dict[str, Any]:
    """Return a JSON-able description of the machine, the device and the software.

    Keys: ``date_utc``, ``device``, ``cpu``, ``cpu_count``, ``cpu_affinity``, ``threads``,
    ``python``, ``torch``, ``platform``; on CUDA also ``gpu``, ``cuda``, ``cudnn``, ``driver``.
    """
    import torch

    fp: dict[str, Any] = {
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "device": device,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "threads": threads,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "rapl": Path("/sys/class/powercap").exists(),
        "load_1min_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    if device.startswith("cuda"):
        fp.update(
            gpu=torch.cuda.get_device_name(device),
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
        )
    return fp


def toolchain_string(fp: dict[str, Any], execution: str = "eager fp32") -> str:
    """Short software description for the ``toolchain`` column, e.g. ``torch 2.13.0 eager fp32``."""
    parts = [f"torch {fp.get('torch')}"]
    if fp.get("cuda"):
        parts.append(f"CUDA {fp['cuda']}, cuDNN {fp.get('cudnn')}")
    else:
        parts.append(f"{fp.get('threads')} thread(s)")
    parts.append(execution)
    return ", ".join(parts)
