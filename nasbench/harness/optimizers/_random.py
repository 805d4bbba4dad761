"""``rs``: random search — every evaluation is an arch drawn uniformly from the space."""

from __future__ import annotations

import numpy as np

from nasbench.harness._base import BatchOptimizer, VectorizedOptimizer


class RandomSearchBatch(BatchOptimizer):
    """Uniform sampling with replacement (a re-drawn arch is evaluated again)."""

    def _ask(self) -> np.ndarray:
        return self.streams.integers(len(self.index)).astype(np.intp)

    def _tell(self, tickets: np.ndarray, positions: np.ndarray, utility: np.ndarray) -> None:
        pass


class RandomSearch(VectorizedOptimizer):
    """Random search (Bergstra & Bengio 2012; the baseline of Li & Talwalkar 2019)."""

    name = "rs"
    kernel = RandomSearchBatch
