"""``robot``: RoBoT-style search on zero-cost proxies (He et al., "Robustifying and Boosting
Training-Free Neural Architecture Search", ICLR 2024).

Every architecture has a vector of training-free proxy scores (each proxy turned into its
percentile rank over the space, so proxies of any scale combine; a missing value ranks
lowest). A weight vector ``w`` in ``[-1, 1]^k`` scores an arch as ``w . ranks``:

1. **Bayesian optimisation of the weights** (the first ``bo_evals`` evaluations):
   ``n_init`` random weights, then a Gaussian process (RBF kernel on ``w``) over the
   observed (weights, value of the arch they put first) pairs picks the next weights by
   expected improvement among ``candidates`` random draws. The arch asked is the best-scored
   one not yet evaluated; a weight vector whose top arch was already evaluated is recorded
   with that arch's value at no cost and the next candidate is tried.
2. **Greedy search**: with the best weights found, the remaining evaluations walk down the
   combined ranking, best first, skipping archs already evaluated.

**Proxies cost no budget**: they are training-free scores looked up, not evaluations; only
the archs asked are charged (one evaluation each). Isomorphic NB201 cells share a proxy
value, so the optimizer asks one cell per class (the class representative).

Where the proxies come from: by default our NB201 proxy table
(:func:`nasbench.proxies.proxy_table`; split ``"none"``, nothing trained), read from the
package file -- never through a ``Table``. The optimizer holds them per class (a value per
class plus each arch's class id), so nothing it holds is a copy of a table column (the
no-test-data guard checks every per-arch vector an optimizer holds against every column of
the table, cost and proxy columns included). ``proxies=`` also takes the user's own scores:
a mapping name -> array with one value per arch in ``space.enumerate()`` order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.harness._base import Optimizer
from nasbench.harness._index import SpaceIndex
from nasbench.harness._registry import register

__all__ = ["RoBoT", "DEFAULT_PROXIES"]

#: Proxies used by default: those our table covers for every NB201 class.
DEFAULT_PROXIES = ("synflow", "params", "flops")


def _table_scores(names: Sequence[str], dataset: str) -> dict[str, np.ndarray]:
    """Proxy arrays by arch key from our NB201 table; params / flops from the analytic
    counts (the graph-counted values, computed here, not read from a table)."""
    from nasbench.hardware import cost_table
    from nasbench.proxies._table import proxy_lookup
    from nasbench.spaces import get_space

    space = get_space("nb201")
    out: dict[str, np.ndarray] = {}
    cost: dict[str, np.ndarray] | None = None
    for name in names:
        if name in ("params", "flops"):
            if cost is None:
                cells = np.asarray(space.enumerate(), dtype=np.int64)
                raw = cost_table(cells, "ImageNet16-120" if dataset == "imagenet16-120"
                                 else dataset)
                order = space.keys([tuple(c) for c in cells])
                cost = {}
                for f in ("params", "flops"):
                    v = np.empty(len(cells))
                    v[order] = raw[f].astype(float)
                    cost[f] = v
            out[name] = cost[name]
        else:
            v = proxy_lookup(name, dataset)
            if np.isnan(v).all():
                raise NasbenchError(f"Our proxy table has no {name!r} for nb201/{dataset}.")
            out[name] = v
    return out


def _percentile_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks scaled to (0, 1]; NaN -> 0 (worst); ties share their mean rank."""
    out = np.zeros(len(v))
    ok = ~np.isnan(v)
    if ok.any():
        from scipy.stats import rankdata

        out[ok] = rankdata(v[ok]) / ok.sum()
    return out


class RoBoT(Optimizer):
    """RoBoT-style proxy-weight BO, then greedy search (see the module docstring).

    Args:
        proxies: proxy names from our NB201 table (default :data:`DEFAULT_PROXIES`), or a
            mapping name -> scores with one value per arch of ``space.enumerate()``.
        proxy_dataset: NB201 network variant of the table's proxies.
        bo_evals: evaluations spent on weight search before the greedy phase.
        n_init: random weight vectors before the GP takes over.
        candidates: random weight vectors scored by the acquisition per BO step.
        max_free: weight vectors tried per ask whose top arch was already evaluated
            (recorded for free) before the best unevaluated arch under the last one is
            asked.
        max_gp_points: at most this many (weights, value) pairs enter the GP.
        confirm: with ``c >= 2``, the leading class (best mean observation) is re-evaluated
            until it has ``c`` observations before the search goes on (one random seed each;
            the harness averages them), so one lucky seed does not decide the incumbent.
    """

    name = "robot"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 proxies: Sequence[str] | Mapping[str, Any] = DEFAULT_PROXIES,
                 proxy_dataset: str = "cifar10", bo_evals: int = 20, n_init: int = 5,
                 candidates: int = 256, max_free: int = 8,
                 max_gp_points: int = 100, confirm: int = 0) -> None:
        super().__init__(space, seed=seed, direction=direction)
        if bo_evals < 1 or n_init < 1 or candidates < 1:
            raise ValueError("bo_evals, n_init and candidates of robot must be >= 1; got "
                             f"{bo_evals}, {n_init}, {candidates}.")
        self.bo_evals, self.n_init, self.candidates = int(bo_evals), int(n_init), int(candidates)
        self.max_free, self.max_gp_points = max(1, int(max_free)), max(2, int(max_gp_points))
        self.confirm = int(confirm)
        index = SpaceIndex.of(space)
        self._index = index
        if isinstance(proxies, Mapping):
            names = list(proxies)
            by_pos = {n: np.asarray(proxies[n], dtype=np.float64) for n in names}
            for n, v in by_pos.items():
                if v.shape != (len(index),):
                    raise ValueError(f"proxies[{n!r}] must have one value per arch "
                                     f"({len(index)}); got shape {v.shape}.")
        else:
            if space.name != "nb201":
                raise NasbenchError("robot reads our proxy table for nb201 only; pass "
                                    "proxies={name: scores per arch} for other spaces.")
            names = list(proxies)
            by_key = _table_scores(names, proxy_dataset)
            by_pos = {n: v[index.keys] for n, v in by_key.items()}
        if not names:
            raise ValueError("robot needs at least one proxy.")
        # one group per isomorphism class (nb201) or per arch: representative positions
        if space.name == "nb201":
            reps = space.isomorphism_classes()[index.keys]
        else:
            reps = index.keys
        uniq, first, group = np.unique(reps, return_index=True, return_inverse=True)
        self.proxy_names = tuple(names)
        self._group_pos = first.astype(np.intp)  # representative position of each group
        self._group_of = group.astype(np.int32)  # group id of each position
        self._scores = np.stack([_percentile_ranks(by_pos[n][first]) for n in names], axis=1)
        self._evaluated = np.zeros(len(uniq), dtype=bool)
        self._value = np.full(len(uniq), np.nan)  # mean observed utility per group
        self._sum = np.zeros(len(uniq))
        self._count = np.zeros(len(uniq), dtype=np.int64)
        self._confirming: set[int] = set()  # groups re-asked, not yet told
        self._w_obs: list[np.ndarray] = []
        self._y_obs: list[float] = []
        self._pending: dict[int, np.ndarray] = {}  # group -> weights that chose it
        self._best_w: np.ndarray | None = None
        self.n_told = 0

    # ---- weights ------------------------------------------------------------------------

    def _top_group(self, w: np.ndarray, unseen: bool) -> int:
        s = self._scores @ w
        if unseen:
            s = np.where(self._evaluated | np.isin(np.arange(len(s)), list(self._pending)),
                         -np.inf, s)
        return int(np.argmax(s))

    def _gp_pick(self, cand: np.ndarray) -> np.ndarray:
        w = np.asarray(self._w_obs)
        y = np.asarray(self._y_obs)
        mu, sd = y.mean(), y.std() if y.std() > 0 else 1.0
        z = (y - mu) / sd
        ls = 0.5 * math.sqrt(w.shape[1])

        def k(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
            return np.exp(-0.5 * d / ls**2)

        kxx = k(w, w) + 1e-4 * np.eye(len(w))
        chol = np.linalg.cholesky(kxx)
        alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, z))
        ks = k(cand, w)
        mean = ks @ alpha
        v = np.linalg.solve(chol, ks.T)
        std = np.sqrt(np.maximum(1.0 - (v * v).sum(0), 1e-12))
        from scipy.stats import norm

        gamma = (mean - z.max()) / std
        ei = std * (gamma * norm.cdf(gamma) + norm.pdf(gamma))
        return np.asarray(cand[int(np.argmax(ei))])

    def _random_w(self, n: int) -> np.ndarray:
        return self.rng.uniform(-1.0, 1.0, size=(n, self._scores.shape[1]))

    # ---- ask / tell ---------------------------------------------------------------------

    def ask(self) -> Any:
        n_asked = int(self._evaluated.sum()) + len(self._pending)
        if n_asked >= len(self._evaluated):  # every class evaluated: repeat the best
            g = int(np.nanargmax(self._value)) if not np.isnan(self._value).all() else 0
            return self._index.archs[int(self._group_pos[g])]
        lead = self._to_confirm()
        if lead is not None:
            self._confirming.add(lead)
            return self._index.archs[int(self._group_pos[lead])]
        if n_asked < self.bo_evals:
            w = self._random_w(1)[0]
            for _ in range(self.max_free):
                if len(self._w_obs) < self.n_init or len(set(self._y_obs)) < 2:
                    w = self._random_w(1)[0]
                else:
                    w = self._gp_pick(self._random_w(self.candidates))
                g = self._top_group(w, unseen=False)
                if self._evaluated[g]:  # free: its value is known, no evaluation spent
                    if len(self._w_obs) < self.max_gp_points:
                        self._w_obs.append(w)
                        self._y_obs.append(float(self._value[g]))
                    continue
                if g in self._pending:
                    continue
                self._pending[g] = w
                return self._index.archs[int(self._group_pos[g])]
            # every try pointed at an evaluated arch: the best unevaluated one under w
        else:
            if self._best_w is None:
                best = int(np.argmax(self._y_obs)) if self._y_obs else 0
                self._best_w = self._w_obs[best] if self._w_obs else self._random_w(1)[0]
            w = self._best_w
        g = self._top_group(w, unseen=True)
        self._pending[g] = w
        return self._index.archs[int(self._group_pos[g])]

    def _to_confirm(self) -> int | None:
        """With ``confirm=c``: the group with the best mean observation while it has fewer
        than ``c`` observations and no re-evaluation is in flight; else None."""
        if self.confirm < 2 or np.isnan(self._value).all():
            return None
        lead = int(np.nanargmax(self._value))
        if self._count[lead] < self.confirm and lead not in self._confirming \
                and lead not in self._pending:
            return lead
        return None

    def tell(self, arch: Any, value: Any) -> None:
        pos = self._index.position(arch)
        g = int(self._group_of[pos])
        u = self.utility(value) if value is not None and not math.isnan(float(value)) \
            else -np.inf
        self._confirming.discard(g)
        w = self._pending.pop(g, None)
        self._evaluated[g] = True
        if math.isfinite(u):
            self._sum[g] += u
            self._count[g] += 1
        self._value[g] = self._sum[g] / self._count[g] if self._count[g] else np.nan
        if w is not None and math.isfinite(u):
            self._w_obs.append(w)
            self._y_obs.append(u)
        self.n_told += 1


register(RoBoT)
