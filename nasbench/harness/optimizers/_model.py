"""Model-based search on the predictors of :mod:`nasbench.predictors`.

* ``bo_wl`` — Bayesian optimisation with a Weisfeiler-Lehman-kernel GP and expected
  improvement, as NAS-BOWL (Ru et al., ICLR 2021).
* ``bo_zc`` — the same loop with an RBF GP on the encoding plus zero-cost proxy features
  (NB201), leader confirmation and EI over the best observed mean: the built-in that beats
  ``rea`` after 200 evaluations with 100 on every NB201 table (docs/harness.md).
* ``bananas`` — BANANAS (White et al., AAAI 2021): an ensemble predictor on the path
  encoding with independent Thompson sampling. Members default to bootstrapped XGBoost
  models instead of the paper's MLPs (5 MLP fits per iteration cost ~10 s here, XGBoost
  ~0.1 s); pass ``members=[("mlp", {})]`` for the original.
* ``np`` — the Neural Predictor (Wen et al., ECCV 2020): evaluate ``n_train`` random archs,
  fit a predictor once, then evaluate the remaining archs in predicted order (the predicted
  top-K for whatever K the budget allows). Default predictor XGBoost; ``predictor="gin"``
  gives the original graph network (minutes per fit on 2 cores).

``bo_wl`` and ``bananas`` share the loop: ``n_init`` random archs, then every ``batch`` tells
the model is refitted on all observations and the ``batch`` best candidates by acquisition
are queued. Candidates: every unevaluated neighbour of the ``n_parents`` best archs so far
(mutations of the best archs, as both papers optimise the acquisition) plus ``n_random``
random unevaluated archs (``bo_wl`` 1,000, ``bananas`` 100; the BANANAS paper uses mutations
only, ``n_random=0``: on NB201, 30 seeds x 100 evaluations, that raised the cifar10 / cifar100
medians but lowered ImageNet16-120's from 46.37 to 46.18, so the default stays). By default
none of them re-evaluates an arch; ``verify=k`` re-evaluates the k best each batch,
``confirm=c`` re-evaluates the leader until it has c observations (neither helped on NB201:
see docs/harness.md; ``bo_zc`` confirms by default).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nasbench.harness._base import Optimizer
from nasbench.harness._index import SpaceIndex


class ModelBasedOptimizer(Optimizer):
    """Shared ask/tell loop: random start, then batches proposed by :meth:`propose`."""

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 n_init: int = 10, batch: int = 10, n_parents: int = 10,
                 n_random: int = 100, verify: int = 0, max_obs: int = 3,
                 confirm: int = 0) -> None:
        super().__init__(space, seed=seed, direction=direction)
        if n_init < 2 or batch < 1 or not 0 <= verify < batch:
            raise ValueError(f"{self.name} needs n_init >= 2, batch >= 1 and 0 <= verify < "
                             f"batch. Got n_init={n_init}, batch={batch}, verify={verify}.")
        self.n_init, self.batch = int(n_init), int(batch)
        self.n_parents, self.n_random = int(n_parents), int(n_random)
        self.verify, self.max_obs = int(verify), int(max_obs)
        self.confirm = int(confirm)
        self._confirming: set[int] = set()  # re-evaluations asked, not yet told
        self.index = SpaceIndex.of(space)
        self._obs: dict[int, list[float]] = {}  # position -> [sum of utilities, count]
        self._seen: set[int] = set()
        self._queue: list[int] = []

    @property
    def _pos(self) -> list[int]:
        """Evaluated positions (each once), in order of first evaluation."""
        return list(self._obs)

    @property
    def _util(self) -> list[float]:
        """Mean observed utility of every evaluated position (same order as ``_pos``)."""
        return [s / n for s, n in self._obs.values()]

    # ---- protocol ---------------------------------------------------------------------

    def ask(self) -> Any:
        pos = self._to_confirm()
        if pos is not None:
            self._confirming.add(pos)
            return self.index.archs[pos]
        if not self._queue:
            if len(self._seen) < self.n_init or len(self._obs) < 2:
                self._queue = [self._random_unseen()]
            else:
                fresh = [p for p in self.propose(self.batch - self.verify)
                         if p not in self._seen]
                self._queue = self._to_verify() + fresh
                if not self._queue:
                    self._queue = [self._random_unseen()]
        pos = self._queue.pop(0)
        self._seen.add(pos)
        return self.index.archs[pos]

    def _to_confirm(self) -> int | None:
        """With ``confirm=c``: the best arch by mean observation, while it has fewer than
        ``c`` observations (one random seed each). The harness' incumbent is the arch with
        the best observed mean, so a single lucky seed would otherwise decide it; confirming
        the leader before trusting it costs one evaluation per change of leader."""
        if self.confirm < 2 or len(self._seen) < self.n_init or not self._obs:
            return None
        best = max(self._obs, key=lambda p: self._obs[p][0] / self._obs[p][1])
        if self._obs[best][1] < self.confirm and best not in self._confirming:
            return best
        return None

    def _to_verify(self) -> list[int]:
        """The ``verify`` best archs by mean observation that have < ``max_obs`` observations:
        re-evaluating them (another random seed, averaged in by the harness) exposes archs
        that only look best because of one lucky seed."""
        if not self.verify:
            return []
        ranked = sorted(self._obs.items(), key=lambda kv: -kv[1][0] / kv[1][1])
        return [p for p, (_, n) in ranked if n < self.max_obs][: self.verify]

    def tell(self, arch: Any, value: Any) -> None:
        pos = self.index.position(arch)
        self._confirming.discard(pos)
        u = self.utility(value)
        entry = self._obs.setdefault(pos, [0.0, 0])
        entry[0] += u if math.isfinite(u) else -1e300
        entry[1] += 1

    def propose(self, k: int) -> list[int]:
        """Return up to ``k`` unevaluated positions to evaluate next, best first."""
        raise NotImplementedError

    # ---- helpers ----------------------------------------------------------------------

    def _random_unseen(self) -> int:
        n = len(self.index)
        for _ in range(100):
            p = int(self.rng.integers(n))
            if p not in self._seen:
                return p
        return int(self.rng.integers(n))

    def candidates(self) -> np.ndarray:
        """Unevaluated neighbours of the best archs plus random unevaluated archs."""
        util = np.asarray(self._util)
        top = np.asarray(self._pos)[np.argsort(-util, kind="stable")[: self.n_parents]]
        nbr, _ = self.index.neighbours_of(top)
        pool = [int(p) for p in nbr.ravel() if p >= 0]
        pool += [int(p) for p in self.rng.integers(len(self.index), size=self.n_random)]
        pool = [p for p in dict.fromkeys(pool) if p not in self._seen]
        return np.asarray(pool if pool else [self._random_unseen()], dtype=np.intp)

    def _child_seed(self) -> int:
        return int(self.rng.integers(2**31 - 1))

    def _archs(self, pos: Any) -> list[Any]:
        return [self.index.archs[int(p)] for p in pos]


def expected_improvement(mu: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    """EI of maximisation for Gaussian predictions (shape (m,) each) over ``best``."""
    sd = np.maximum(sd, 1e-12)
    z = (mu - best) / sd
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    cdf = 0.5 * np.vectorize(math.erfc)(-z / math.sqrt(2))
    return (mu - best) * cdf + sd * pdf


class BOWL(ModelBasedOptimizer):
    """NAS-BOWL: WL-kernel GP (``wl_gp``) + expected improvement over the candidate pool."""

    name = "bo_wl"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 n_init: int = 10, batch: int = 10, n_parents: int = 10, n_random: int = 1000,
                 verify: int = 0, model: str = "wl_gp", acquisition: str = "ei", beta: float = 0.5,
                 plugin: bool = True, confirm: int = 0, **model_params: Any) -> None:
        super().__init__(space, seed=seed, direction=direction, n_init=n_init, batch=batch,
                         n_parents=n_parents, n_random=n_random, verify=verify,
                         confirm=confirm)
        if acquisition not in ("ei", "ucb"):
            raise ValueError(f"The 'acquisition' parameter of bo_wl must be 'ei' or 'ucb'. "
                             f"Got {acquisition!r} instead.")
        self.model, self.plugin = model, bool(plugin)
        self.acquisition, self.beta = acquisition, float(beta)
        self.model_params = {"target": "standardize", **model_params}

    def propose(self, k: int) -> list[int]:
        from nasbench.predictors import create

        model = create(self.model, self.space, seed=self._child_seed(), **self.model_params)
        model.fit(self._archs(self._pos), np.asarray(self._util))
        pool = self.candidates()
        mu, sd = model.predict(self._archs(pool), return_std=True)
        if self.acquisition == "ucb":
            score = mu + self.beta * sd
        else:
            if self.plugin:  # noisy observations: improve on the best posterior mean
                best = float(np.max(model.predict(self._archs(self._pos))))
            else:
                best = max(self._util)
            score = expected_improvement(mu, sd, best)
        return [int(p) for p in pool[np.argsort(-score, kind="stable")[:k]]]


class BOZC(BOWL):
    """``bo_zc``: GP Bayesian optimisation on the architecture encoding plus zero-cost
    proxy features, with the leader confirmed before it is trusted.

    The same loop as :class:`BOWL`, other model and settings: an RBF-kernel GP
    (``model="gp"``) whose inputs are the architecture encoding and, on NB201, the dense
    proxy columns of our proxy table (``features="zc"``: log10 synflow, snip, grad_norm,
    log10 #params and #FLOPs of the cifar10 network variant; looked up, no budget spent;
    other spaces: the encoding alone); ``n_init=20`` random archs, then batches of 5 by
    expected improvement over the best *observed* mean (``plugin=False``); and
    ``confirm=2``: the arch with the best mean observation is re-evaluated (another random
    seed, one unit of budget) until it has 2 observations, so one lucky seed does not
    decide the incumbent. Chosen on NB201 (50 seeds, 37 settings) and checked on 100 new
    seeds (docs/harness.md, "Sample efficiency").
    """

    name = "bo_zc"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 n_init: int = 20, batch: int = 5, n_parents: int = 10, n_random: int = 1000,
                 verify: int = 0, model: str = "gp", acquisition: str = "ei",
                 beta: float = 0.5, plugin: bool = False, confirm: int = 2,
                 features: str | None = None, **model_params: Any) -> None:
        if features is None:
            features = "zc" if space.name == "nb201" else "arch"
        super().__init__(space, seed=seed, direction=direction, n_init=n_init, batch=batch,
                         n_parents=n_parents, n_random=n_random, verify=verify, model=model,
                         acquisition=acquisition, beta=beta, plugin=plugin, confirm=confirm,
                         features=features, **model_params)


class Bananas(ModelBasedOptimizer):
    """BANANAS: ensemble on the path encoding + independent Thompson sampling."""

    name = "bananas"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 n_init: int = 10, batch: int = 10, n_parents: int = 10, n_random: int = 100,
                 verify: int = 0, members: Any = None, n_models: int = 5,
                 confirm: int = 0) -> None:
        super().__init__(space, seed=seed, direction=direction, n_init=n_init, batch=batch,
                         n_parents=n_parents, n_random=n_random, verify=verify,
                         confirm=confirm)
        enc = "path" if space.name == "nb201" else "default"
        self.members = members or [("xgb", {"encoding": enc, "n_estimators": 60,
                                            "learning_rate": 0.3})]
        self.n_models = int(n_models)

    def propose(self, k: int) -> list[int]:
        from nasbench.predictors import create

        model = create("ensemble", self.space, seed=self._child_seed(), members=self.members,
                       n_seeds=self.n_models, bootstrap=True)
        model.fit(self._archs(self._pos), np.asarray(self._util))
        pool = self.candidates()
        mu, sd = model.predict(self._archs(pool), return_std=True)
        draw = mu + sd * self.rng.standard_normal(len(pool))  # one sample per candidate
        return [int(p) for p in pool[np.argsort(-draw, kind="stable")[:k]]]


class NeuralPredictor(Optimizer):
    """Neural Predictor: ``n_train`` random archs, one fit, then predicted order."""

    name = "np"

    def __init__(self, space: Any, *, seed: int | None = None, direction: str = "max",
                 n_train: int = 50, predictor: str = "xgb", pool: int = 20_000,
                 **model_params: Any) -> None:
        super().__init__(space, seed=seed, direction=direction)
        if n_train < 2:
            raise ValueError(f"The 'n_train' parameter of np must be >= 2. Got {n_train}.")
        self.n_train, self.predictor, self.pool = int(n_train), predictor, int(pool)
        self.model_params = model_params
        self.index = SpaceIndex.of(space)
        self._pos: list[int] = []
        self._util: list[float] = []
        self._seen: set[int] = set()
        self._order: list[int] | None = None

    def ask(self) -> Any:
        n = len(self.index)
        if len(self._seen) < self.n_train or len(self._pos) < 2:
            pos = int(self.rng.integers(n))
            while pos in self._seen and len(self._seen) < n:
                pos = int(self.rng.integers(n))
        else:
            if self._order is None:
                self._order = self._rank()
            while self._order and self._order[0] in self._seen:
                self._order.pop(0)
            pos = self._order.pop(0) if self._order else int(self.rng.integers(n))
        self._seen.add(pos)
        return self.index.archs[pos]

    def _rank(self) -> list[int]:
        from nasbench.predictors import create

        model = create(self.predictor, self.space, seed=int(self.rng.integers(2**31 - 1)),
                       **self.model_params)
        model.fit([self.index.archs[p] for p in self._pos], np.asarray(self._util))
        n = len(self.index)
        cand = np.arange(n) if n <= self.pool else self.rng.choice(n, self.pool, replace=False)
        pred = model.predict([self.index.archs[int(p)] for p in cand])
        return [int(p) for p in cand[np.argsort(-pred, kind="stable")]]

    def tell(self, arch: Any, value: Any) -> None:
        self._pos.append(self.index.position(arch))
        u = self.utility(value)
        self._util.append(u if math.isfinite(u) else -1e300)
