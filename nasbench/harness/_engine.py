"""The simulation loop: optimizers, oracle and a simulated clock with N async workers.

With one worker the loop is ask -> evaluate -> tell. With N workers it replays what N
machines would do: N initial asks, then whenever the earliest-finishing evaluation is done
(ties: the one submitted first, FIFO), it is told and the freed worker gets the next ask.
Every seed keeps its own event queue; all seeds advance one event per step (lockstep), which
is exact because each step is one tell and one ask for every seed.

Every ``ask`` and ``tell`` runs sealed (:func:`~nasbench.harness._guard.sealed`): the
optimizer cannot open a store or read a table while it decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nasbench.harness._base import BatchOptimizer
from nasbench.harness._guard import sealed
from nasbench.harness._oracle import Oracle
from nasbench.harness._streams import EVALUATION, SeedStreams

UNITS = ("evals", "seconds")
#: Hard cap on evaluations per seed under a seconds budget (guards zero-time tables).
MAX_EVALS_PER_SEED = 1_000_000


@dataclass
class Record:
    """Finished evaluations, in finish order: arrays of shape (n_seeds, n_steps).

    ``valid`` is False for evaluations that finished after a seconds budget ran out.
    """

    pos: np.ndarray
    observed: np.ndarray
    seed_col: np.ndarray
    finish: np.ndarray
    worker: np.ndarray
    valid: np.ndarray


def simulate(batch: BatchOptimizer, oracle: Oracle, budget: float, unit: str = "evals",
             n_workers: int = 1, after_tell: Callable[[], None] | None = None,
             where: str = "optimizer") -> Record:
    """Run ``batch`` against ``oracle`` until ``budget`` (evaluations or simulated seconds).

    ``after_tell`` is called after every tell (the harness uses it for the no-test guard);
    ``where`` names the run in the guard's messages.
    """
    streams = SeedStreams(batch.seeds, EVALUATION)
    if unit == "evals" and n_workers == 1:
        return _sequential(batch, oracle, streams, int(budget), after_tell, where)
    return _async(batch, oracle, streams, budget, unit, n_workers, after_tell, where)


def _sequential(batch: BatchOptimizer, oracle: Oracle, streams: SeedStreams, budget: int,
                after_tell: Callable[[], None] | None, where: str) -> Record:
    s = batch.n_seeds
    pos = np.empty((s, budget), np.intp)
    obs = np.empty((s, budget))
    col = np.empty((s, budget), np.int64)
    dur = np.empty((s, budget))
    ask, tell = f"{where}: ask", f"{where}: tell"
    for t in range(budget):
        with sealed(ask):
            p = batch.ask()
        v, c, d = oracle.evaluate(p, streams.uniform(1)[:, 0])
        with sealed(tell):
            batch.tell(np.full(s, t), p, v)
        if after_tell is not None:
            after_tell()
        pos[:, t], obs[:, t], col[:, t], dur[:, t] = p, v, c, d
    return Record(pos, obs, col, np.cumsum(dur, axis=1), np.zeros((s, budget), np.int64),
                  np.ones((s, budget), bool))


def _async(batch: BatchOptimizer, oracle: Oracle, streams: SeedStreams, budget: float,
           unit: str, n_workers: int, after_tell: Callable[[], None] | None, where: str
           ) -> Record:
    s, w = batch.n_seeds, n_workers
    rows = np.arange(s)
    fin = np.zeros((s, w))
    tick = np.zeros((s, w), np.int64)
    wpos = np.zeros((s, w), np.intp)
    wval = np.zeros((s, w))
    wcol = np.zeros((s, w), np.int64)

    def submit(k: np.ndarray, now: np.ndarray) -> None:
        tick[rows, k] = batch.n_asked
        with sealed(ask):
            p = batch.ask()
        v, c, d = oracle.evaluate(p, streams.uniform(1)[:, 0])
        wpos[rows, k], wval[rows, k], wcol[rows, k], fin[rows, k] = p, v, c, now + d

    ask, tell = f"{where}: ask", f"{where}: tell"
    for k in range(w):
        submit(np.full(s, k), np.zeros(s))
    out: list[tuple[np.ndarray, ...]] = []
    limit = int(budget) if unit == "evals" else MAX_EVALS_PER_SEED
    for _ in range(limit):
        first = fin == fin.min(axis=1, keepdims=True)
        k = np.argmin(np.where(first, tick, np.iinfo(np.int64).max), axis=1)
        now = fin[rows, k].copy()
        out.append((wpos[rows, k].copy(), wval[rows, k].copy(), wcol[rows, k].copy(), now, k))
        with sealed(tell):
            batch.tell(tick[rows, k], wpos[rows, k], wval[rows, k])
        if after_tell is not None:
            after_tell()
        if unit == "seconds" and np.all(now > budget):
            break
        submit(k, now)
    pos, obs, col, finish, worker = (np.stack(a, axis=1) for a in zip(*out))
    valid = finish <= budget if unit == "seconds" else np.ones(pos.shape, bool)
    return Record(pos, obs, col, finish, worker, valid)
