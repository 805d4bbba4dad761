"""Exact Gaussian-process regression with hyperparameters chosen by marginal likelihood.

The model is ``y = f(x) + eps`` with ``f ~ GP(0, a * k)`` and ``eps ~ N(0, s2)`` on
standardised targets. For every candidate base kernel ``k`` (e.g. one per WL depth ``h`` or
per RBF length scale) the train kernel is eigendecomposed once, after which the log marginal
likelihood of any ``(a, s2)`` costs O(n); the best (kernel, a, s2) on a log grid wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

AMPLITUDES = np.logspace(-1.0, 1.0, 9)
NOISES = np.logspace(-3.0, 0.5, 15)


@dataclass
class GPState:
    """A fitted GP: which candidate, its hyperparameters and the solved system."""

    index: int  # chosen candidate kernel
    amplitude: float
    noise: float
    log_ml: float  # log marginal likelihood (per datum) at the optimum
    eigvecs: np.ndarray  # (n, n)
    eigvals: np.ndarray  # (n,)
    alpha: np.ndarray  # (n,): (a K + s2 I)^-1 y


def fit_gp(kernel: Callable[[int, np.ndarray | None], np.ndarray], n_candidates: int,
           y: np.ndarray, rng: np.random.Generator, select_size: int | None = 600) -> GPState:
    """Choose the candidate kernel and (amplitude, noise) maximising the marginal likelihood.

    Args:
        kernel: ``(i, rows) -> K``: the train kernel of candidate ``i`` restricted to the
            training rows ``rows`` (``None`` = all), shape (len(rows), len(rows)).
        n_candidates: number of candidates.
        y: standardised targets, shape (n,).
        rng: draws the subsample used for selection.
        select_size: with more training points than this, the candidate is chosen on a
            random subsample of this size (one O(m^3) eigendecomposition per candidate), then
            amplitude and noise are re-chosen on the full data with one O(n^3) solve.
    """
    n = len(y)
    rows = None
    if select_size is not None and n > select_size and n_candidates > 1:
        rows = np.sort(rng.choice(n, size=int(select_size), replace=False))
    best: tuple[float, int, float, float] | None = None
    best_eig: tuple[np.ndarray, np.ndarray] | None = None
    for i in range(n_candidates):
        w, u = _eig(kernel(i, rows))
        ll, amp, noise = _grid(w, u, y if rows is None else y[rows])
        if best is None or ll > best[0]:
            best, best_eig = (ll, i, amp, noise), (w, u)
    assert best is not None and best_eig is not None
    ll, i, amp, noise = best
    w, u = best_eig
    if rows is not None:
        w, u = _eig(kernel(i, None))
        ll, amp, noise = _grid(w, u, y)
    alpha = u @ ((u.T @ y) / (amp * w + noise))
    return GPState(i, amp, noise, (ll - 0.5 * n * np.log(2 * np.pi)) / n, u, w, alpha)


def _eig(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, u = np.linalg.eigh(k)
    return np.clip(w, 0.0, None), u


def _grid(w: np.ndarray, u: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Best (log marginal likelihood + const, amplitude, noise) on the grid."""
    z2 = (u.T @ y) ** 2
    v = AMPLITUDES[:, None, None] * w[None, None, :] + NOISES[None, :, None]
    ll = -0.5 * (z2 / v).sum(axis=2) - 0.5 * np.log(v).sum(axis=2)
    ia, ino = np.unravel_index(int(np.argmax(ll)), ll.shape)
    return float(ll[ia, ino]), float(AMPLITUDES[ia]), float(NOISES[ino])


def gp_predict(state: GPState, k_star: np.ndarray, k_diag: np.ndarray | None = None,
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Posterior mean (m,) and latent std (m,) given ``k_star`` (m, n) and ``k_diag`` (m,)."""
    a = state.amplitude
    mean = a * (k_star @ state.alpha)
    if k_diag is None:
        return mean, None
    proj = k_star @ state.eigvecs
    var = a * k_diag - a * a * (proj * proj / (a * state.eigvals + state.noise)).sum(axis=1)
    return mean, np.sqrt(np.clip(var, 1e-12, None))
