"""Target transforms: rank-Gaussian (monotone, invertible) and plain standardisation.

Ranking predictors care about order, and NAS targets are heavily skewed (a long tail of
broken architectures near chance accuracy). :class:`RankGauss` maps training targets to
normal scores of their ranks, so the model spends its capacity on the order of the bulk;
predictions are mapped back to target units by interpolating the training (score, value)
pairs, extrapolating linearly beyond both ends so the map stays strictly increasing.
"""

from __future__ import annotations

import numpy as np

# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
      3.754408661907416e00)


def norm_ppf(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile of probabilities ``p`` in (0, 1); float64, same shape."""
    p = np.asarray(p, dtype=np.float64)
    out = np.empty_like(p)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~(lo | hi)
    q = p[mid] - 0.5
    r = q * q
    num = ((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]
    den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1
    out[mid] = q * num / den
    for mask, sign in ((lo, 1.0), (hi, -1.0)):
        pp = p[mask] if sign > 0 else 1 - p[mask]
        s = np.sqrt(-2 * np.log(pp))
        num = ((((_C[0] * s + _C[1]) * s + _C[2]) * s + _C[3]) * s + _C[4]) * s + _C[5]
        den = (((_D[0] * s + _D[1]) * s + _D[2]) * s + _D[3]) * s + 1
        out[mask] = sign * num / den
    return out


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x`` (ties get their average rank), float64."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.concatenate([[True], xs[1:] != xs[:-1]])
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.concatenate([first[1:], [len(x)]]) - 1
    ranks = np.empty(len(x))
    ranks[order] = ((first + last) / 2.0 + 1.0)[group]
    return ranks


class RankGauss:
    """Monotone map of targets to normal scores of their ranks, and back."""

    def fit(self, y: np.ndarray) -> RankGauss:
        y = np.asarray(y, dtype=np.float64)
        z = norm_ppf((average_ranks(y) - 0.5) / len(y))
        self.y_knots_, idx = np.unique(y, return_index=True)
        self.z_knots_ = z[idx]
        k = len(self.z_knots_)
        m = max(1, k // 10)
        if k >= 2:
            self.slope_lo_ = _slope(self.z_knots_[: m + 1], self.y_knots_[: m + 1])
            self.slope_hi_ = _slope(self.z_knots_[-m - 1:], self.y_knots_[-m - 1:])
        else:
            self.slope_lo_ = self.slope_hi_ = 1.0
        self.train_z_ = z
        return self

    def transform_train(self) -> np.ndarray:
        """Scores of the training targets (mean 0, about unit variance), shape (n,)."""
        return self.train_z_

    def to_dict(self) -> dict[str, object]:
        """JSON-able state of the inverse map (knots and end slopes)."""
        return {"kind": "rank", "z_knots": self.z_knots_.tolist(),
                "y_knots": self.y_knots_.tolist(), "slope_lo": self.slope_lo_,
                "slope_hi": self.slope_hi_}

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Target values of scores ``z``: strictly increasing, linear beyond the knots."""
        z = np.asarray(z, dtype=np.float64)
        zk, yk = self.z_knots_, self.y_knots_
        if len(zk) == 1:
            return np.full_like(z, yk[0])
        out = np.interp(z, zk, yk)
        out = np.where(z < zk[0], yk[0] + (z - zk[0]) * self.slope_lo_, out)
        return np.where(z > zk[-1], yk[-1] + (z - zk[-1]) * self.slope_hi_, out)

    def inverse_std(self, z: np.ndarray, z_std: np.ndarray) -> np.ndarray:
        """Std in target units of scores with mean ``z`` and std ``z_std`` (half-width)."""
        return np.abs(self.inverse(z + z_std) - self.inverse(z - z_std)) / 2.0


class Standardize:
    """``(y - mean) / std`` and back; ``std`` is 1 for constant targets."""

    def fit(self, y: np.ndarray) -> Standardize:
        self.mean_ = float(np.mean(y))
        sd = float(np.std(y))
        self.std_ = sd if sd > 0 else 1.0
        self.train_z_ = (np.asarray(y, dtype=np.float64) - self.mean_) / self.std_
        return self

    def transform_train(self) -> np.ndarray:
        return self.train_z_

    def to_dict(self) -> dict[str, object]:
        return {"kind": "standardize", "mean": self.mean_, "std": self.std_}

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z) * self.std_ + self.mean_

    def inverse_std(self, z: np.ndarray, z_std: np.ndarray) -> np.ndarray:
        return np.asarray(z_std) * self.std_


def make_transform(name: str) -> RankGauss | Standardize:
    """``"rank"`` -> :class:`RankGauss`, ``"standardize"`` -> :class:`Standardize`."""
    if name == "rank":
        return RankGauss()
    if name == "standardize":
        return Standardize()
    raise ValueError(f"The 'target' parameter must be 'rank' or 'standardize'. Got {name!r}.")


def transform_from_dict(doc: dict[str, object]) -> RankGauss | Standardize:
    """Rebuild a fitted transform (for :meth:`inverse` only) from its ``to_dict()``."""
    if doc["kind"] == "standardize":
        st = Standardize()
        st.mean_, st.std_ = float(doc["mean"]), float(doc["std"])  # type: ignore[arg-type]
        return st
    rg = RankGauss()
    rg.z_knots_ = np.asarray(doc["z_knots"], dtype=np.float64)
    rg.y_knots_ = np.asarray(doc["y_knots"], dtype=np.float64)
    rg.slope_lo_, rg.slope_hi_ = float(doc["slope_lo"]), float(doc["slope_hi"])  # type: ignore[arg-type]
    return rg


def _slope(z: np.ndarray, y: np.ndarray) -> float:
    dz = float(z[-1] - z[0])
    s = float(y[-1] - y[0]) / dz if dz > 0 else 0.0
    return s if s > 0 else 1e-6
