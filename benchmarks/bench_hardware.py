"""Speed of the hardware helpers: analytic cost of every cell, propagation, network build.

Run: ``python benchmarks/bench_hardware.py`` (torch optional: the build timing needs it).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import numpy as np

from nasbench.hardware import cost_table, estimate_energy_table, read_hardware_tables


def best_of(fn: Callable[[], object], repeats: int = 5) -> float:
    """Fastest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    cells = np.array(list(itertools.product(range(5), repeat=6)), dtype=np.int64)
    print(f"cost_table, 15,625 cells:        {best_of(lambda: cost_table(cells)) * 1e3:8.2f} ms")
    print(f"estimate_energy_table, 15,625:   "
          f"{best_of(lambda: estimate_energy_table(cells, batch_size=64)) * 1e3:8.2f} ms")
    t = best_of(lambda: read_hardware_tables(propagated=True), repeats=2)
    print(f"read + propagate shipped tables: {t * 1e3:8.2f} ms")
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    from nasbench.hardware import build_network

    t = best_of(lambda: build_network("333333", 10), repeats=3)
    print(f"build_network('333333'):         {t * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
