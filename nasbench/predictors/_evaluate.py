"""The evaluation protocol: many train sizes, repeated splits, one row per fit.

Protocol (per repetition ``r``, with ``numpy.random.default_rng([seed, r])``):

1. Shuffle the archs that have a value of ``metric`` (NaN rows are left out).
2. Draw ONE training seed per arch uniformly among the seeds it has: the label a user who
   trained the arch once would see. Test labels are the mean over all seeds.
3. For each train size ``n``, the training set is the first ``n`` archs of the shuffle (so
   training sets are nested within a repetition; they are random cells, as a user would
   train them, and may hold several members of one class).
4. The test set depends on ``split``:

   * ``"class"`` (default): every arch whose **isomorphism class** has no member in the
     training set, so no test cell is a copy of a training cell. With ``test_size``: whole
     classes are drawn in a random order (one more draw from the repetition's generator)
     until ``test_size`` archs are reached, the last class trimmed to fit; those classes
     (trimmed members included) are never used for training, and the training shuffle of
     step 3 runs over the remaining archs.
   * ``"random"`` (the protocol before class grouping, kept for comparison): every arch
     outside the training set, or with ``test_size`` the last ``test_size`` archs of the
     shuffle. Test cells may be isomorphic copies of training cells.

   Classes (:func:`arch_groups`): nb201 uses the ``"functional"`` isomorphism classes
   (4,930; the classes the default features merge, each a union of NAS-Bench-201's own
   6,466 classes). Spaces without isomorphism information (fcnet), or whose keys are
   already canonical (nbgraph: isomorphic archs share one key), group by key, so there the
   two splits coincide.
5. Each predictor is fitted on the training set and scored on the test set
   (:func:`~nasbench.predictors.score`: every test cell counts once, so a class with many
   test members weighs more; the NASLib convention), with wall-clock fit time and predict
   time. Beside it ``kendall_tau_class`` counts each test class once: Kendall tau over one
   representative per class, the test member with the smallest key (its own prediction and
   its own seed-mean label); ``n_test_classes`` is their number. Both splits report it
   (under ``"random"`` a test class may also have members in the training set).

The noise ceiling (``predictor="noise_ceiling"``) scores, on the test archs that have at
least two seeds, a "predictor" that returns each arch's value at one seed (the one drawn in
step 2) against the seed mean: no model trained on single-seed labels can be expected to
beat the noise in its own labels by much. Data with one seed per arch gets no ceiling.

:func:`evaluate` runs the protocol on a :class:`~nasbench.Table` or on a user's own
``(archs, y)`` (``space=`` required; ``y`` of shape (n,) or (n, seeds) with NaN for missing
seeds), for registry names, :class:`~nasbench.predictors.Predictor` classes or instances.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.errors import NasbenchError
from nasbench.predictors._base import Predictor
from nasbench.predictors._metrics import kendall_tau, score
from nasbench.predictors._registry import create
from nasbench.spaces import SearchSpace, get_space

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_TRAIN_SIZES: tuple[int, ...] = (10, 25, 50, 100, 200, 500, 1000, 1563)
#: Split rules of the protocol; the first is the default.
SPLITS: tuple[str, ...] = ("class", "random")
PredictorSpec = (str | type[Predictor] | Predictor | tuple[str | type[Predictor], Mapping[str, Any]]
                 | Mapping[str, Any])


@dataclass(frozen=True)
class Split:
    """One (repetition, train size) split: row positions of the data and labels."""

    repetition: int
    train_size: int
    train_rows: np.ndarray  # (n,) intp
    train_labels: np.ndarray  # (n,) one seed per arch
    test_rows: np.ndarray  # (m,) intp, disjoint from train_rows
    test_labels: np.ndarray  # (m,) seed means
    ceiling_pred: np.ndarray  # (m,) value at one seed (NaN where the arch has one seed)
    test_groups: np.ndarray  # (m,) class id of each test arch
    class_rep: np.ndarray  # positions into test_rows: one representative per test class
    split: str = "class"


@dataclass(frozen=True)
class _Data:
    """What the protocol needs, from a Table or from a user's (archs, y)."""

    space: SearchSpace
    archs: list[Any]
    keys: np.ndarray  # (N,) int64
    per_seed: np.ndarray  # (N, S) NaN where a seed is missing
    mean: np.ndarray  # (N,)
    direction: str
    space_name: str
    dataset: str
    metric: str


def arch_groups(space: SearchSpace, keys: Any) -> np.ndarray:
    """Isomorphism-class id (int64) of each key: the class's representative key.

    nb201: ``space.isomorphism_classes("functional")``; spaces without isomorphism classes
    (fcnet) or with canonical keys (nbgraph) return the keys themselves.
    """
    keys = np.asarray(keys, dtype=np.int64)
    iso = getattr(space, "isomorphism_classes", None)
    if iso is None:
        return keys
    return np.asarray(iso("functional"), dtype=np.int64)[keys]


def class_representatives(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions of one member per distinct group: the member with the smallest key."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.intp)
    order = np.lexsort((keys, groups))
    g = groups[order]
    first = np.concatenate([[True], g[1:] != g[:-1]])
    return np.sort(order[first]).astype(np.intp)


def splits(table: Any, metric: str | None = None,
           train_sizes: Sequence[int] = DEFAULT_TRAIN_SIZES, repetitions: int = 5,
           seed: int = 0, test_size: int | None = None, split: str = "class",
           ) -> Iterator[Split]:
    """The protocol's splits, in (repetition, train size) order; see the module docstring.

    ``table`` is a :class:`~nasbench.Table` (``metric`` defaults to its first metric).
    """
    yield from _splits(_from_table(table, metric), train_sizes, repetitions, seed,
                       test_size, split)


def _splits(data: _Data, train_sizes: Sequence[int], repetitions: int, seed: int,
            test_size: int | None, split: str) -> Iterator[Split]:
    if split not in SPLITS:
        from nasbench.errors import unknown_choice_message

        raise ProtocolError(unknown_choice_message("split", split, SPLITS))
    _check_protocol(repetitions, seed, test_size)
    per_seed, mean = data.per_seed, data.mean
    valid = np.flatnonzero(~np.isnan(mean))
    n_seeds = (~np.isnan(per_seed)).sum(axis=1)
    groups = arch_groups(data.space, data.keys)  # split by them ("class"), always reported
    sizes = _check_sizes(train_sizes, len(valid), test_size)
    present_cols = np.argsort(np.isnan(per_seed), axis=1, kind="stable")
    for r in range(int(repetitions)):
        rng = np.random.default_rng([int(seed), r])
        perm = valid[rng.permutation(len(valid))]
        u = rng.random(len(per_seed))
        draw = np.minimum((u * n_seeds).astype(np.intp), np.maximum(n_seeds - 1, 0))
        # position j among the *present* seeds -> column index
        label_col = present_cols[np.arange(len(per_seed)), draw]
        one_seed = per_seed[np.arange(len(per_seed)), label_col]
        ceiling = np.where(n_seeds >= 2, one_seed, np.nan)
        fixed_test: np.ndarray | None = None
        if split == "class" and test_size is not None:
            fixed_test, perm = _class_test_sample(groups, valid, perm, int(test_size), rng)
            if len(perm) < sizes[-1]:
                raise ValueError(f"Train size {sizes[-1]} leaves too few archs outside the "
                                 f"{test_size} test archs' classes ({len(perm)} left); use "
                                 f"train sizes <= {len(perm)}.")
        for n in sizes:
            train = perm[:n]
            if fixed_test is not None:
                test = fixed_test
            elif test_size is not None:
                test = perm[len(perm) - int(test_size):]
            elif split == "class":
                rest = perm[n:]
                test = rest[~np.isin(groups[rest], groups[train])]
            else:
                test = perm[n:]
            if len(test) < 2:
                raise ValueError(f"Train size {n} leaves {len(test)} test archs whose class "
                                 "has no member in the training set; use smaller train sizes.")
            tg = groups[test]
            yield Split(r, n, train, one_seed[train], test, mean[test], ceiling[test], tg,
                        class_representatives(tg, data.keys[test]), split)


def _class_test_sample(groups: np.ndarray, valid: np.ndarray, perm: np.ndarray, size: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(test rows, training shuffle without the test classes): whole classes, last trimmed."""
    classes = np.unique(groups[valid])
    order = classes[rng.permutation(len(classes))]
    pos = {int(c): i for i, c in enumerate(order.tolist())}
    # valid archs sorted by the random class order, within a class in shuffle order
    rank = np.fromiter((pos[int(g)] for g in groups[perm]), dtype=np.int64, count=len(perm))
    by_class = perm[np.argsort(rank, kind="stable")]
    test = by_class[:size]
    taken = np.isin(groups[perm], groups[test])
    return test, perm[~taken]


def _from_table(table: Any, metric: str | None) -> _Data:
    metric = table.metrics[0] if metric is None else metric
    return _Data(space=table.space, archs=table.archs(), keys=np.asarray(table.keys,
                 dtype=np.int64), per_seed=np.asarray(table.seed_array(metric), dtype=float),
                 mean=np.asarray(table.array(metric), dtype=float),
                 direction=table.direction(metric), space_name=table.space_name,
                 dataset=table.dataset, metric=metric)


def _from_user(data: Any, space: SearchSpace | str | None, metric: str | None,
               direction: str) -> _Data:
    if space is None:
        raise ValueError("evaluate((archs, y), ...) needs space= (a SearchSpace or its name) "
                         "to parse the archs.")
    sp = get_space(space) if isinstance(space, str) else space
    try:
        archs_in, y = data
    except (TypeError, ValueError):
        raise TypeError("The 'data' parameter must be a Table or an (archs, y) pair. Got "
                        f"{type(data).__name__}.") from None
    archs = [sp.parse(a) for a in archs_in]
    values = np.asarray(y, dtype=np.float64)
    per_seed = values[:, None] if values.ndim == 1 else values
    if per_seed.ndim != 2 or len(per_seed) != len(archs):
        raise ValueError(f"y must have shape (n,) or (n, seeds) with n = {len(archs)} archs. "
                         f"Got shape {values.shape}.")
    if direction not in ("max", "min"):
        raise ValueError(f"The 'direction' parameter must be 'max' or 'min'. Got "
                         f"{direction!r}.")
    with np.errstate(all="ignore"):
        seen = (~np.isnan(per_seed)).sum(axis=1)
        mean = np.where(seen > 0, np.nansum(per_seed, axis=1) / np.maximum(seen, 1), np.nan)
    return _Data(space=sp, archs=archs, keys=sp.keys(archs).astype(np.int64),
                 per_seed=per_seed, mean=mean, direction=direction, space_name=sp.name,
                 dataset="user", metric=metric or "y")


def evaluate(
    data: Any,
    predictors: PredictorSpec | Sequence[PredictorSpec] | Mapping[str, PredictorSpec],
    train_sizes: Sequence[int] = DEFAULT_TRAIN_SIZES,
    repetitions: int = 5,
    metric: str | None = None,
    seed: int = 0,
    test_size: int | None = None,
    noise_ceiling: bool = True,
    progress: Callable[[dict[str, Any]], None] | None = None,
    *,
    split: str = "class",
    space: SearchSpace | str | None = None,
    direction: str = "max",
) -> pd.DataFrame:
    """Run the protocol (module docstring); one row per (predictor, repetition, size).

    Args:
        data: a :class:`~nasbench.Table`, or a user's ``(archs, y)``: archs in any form
            ``space.parse`` accepts, ``y`` float of shape (n,) (one value per arch; then
            training labels are those values) or (n, seeds) with NaN for missing seeds.
        predictors: one or a list of: registry names (``"xgb"``), :class:`Predictor`
            classes (built with ``space`` and the protocol's fit seed), instances (cloned
            with their own parameters, seed included, for every fit), ``(name_or_class,
            params)`` pairs; or a mapping ``label -> spec | {"name": ..., **params}``.
        train_sizes: numbers of training archs.
        repetitions: random splits per train size.
        metric: target column of a Table (default: its first metric); for ``(archs, y)``
            only the label written in the rows (default ``"y"``).
        seed: seeds the splits, the label seeds and every predictor built here.
        test_size: score on a fixed sample of this many never-trained archs instead of on
            every eligible arch.
        noise_ceiling: add the ``noise_ceiling`` rows (data with >= 2 seeds per arch).
        progress: called with each finished row (a dict).
        split: ``"class"`` (default: no test arch shares an isomorphism class with a
            training arch) or ``"random"`` (the older protocol; isomorphic copies of
            training archs are scored too). Written to the ``split`` column.
        space: the search space of ``(archs, y)`` (ignored for a Table).
        direction: ``"max"`` or ``"min"`` for ``(archs, y)`` (a Table knows its own).

    Returns:
        DataFrame with columns ``space, dataset, metric, split, predictor, train_size,
        repetition, n_test, n_test_classes`` + :data:`~nasbench.predictors._metrics.METRICS`
        + ``kendall_tau_class, fit_seconds, predict_seconds_per_1000, load_avg`` (1-minute
        load average when the fit started).
    """
    import pandas as pd

    if hasattr(data, "seed_array") and hasattr(data, "space"):
        d = _from_table(data, metric)
    else:
        d = _from_user(data, space, metric, direction)
    specs = _normalise(predictors)
    rows: list[dict[str, Any]] = []
    for sp in _splits(d, train_sizes, repetitions, seed, test_size, split):
        base = {"space": d.space_name, "dataset": d.dataset, "metric": d.metric,
                "split": sp.split, "train_size": sp.train_size, "repetition": sp.repetition}
        if noise_ceiling:
            ok = np.flatnonzero(~np.isnan(sp.ceiling_pred))
            if len(ok) >= 2:
                rep = ok[class_representatives(sp.test_groups[ok], d.keys[sp.test_rows[ok]])]
                row = {**base, "predictor": "noise_ceiling", "n_test": len(ok),
                       "n_test_classes": len(rep),
                       **score(sp.ceiling_pred[ok], sp.test_labels[ok], d.direction),
                       "kendall_tau_class": _tau(sp.ceiling_pred[rep], sp.test_labels[rep]),
                       "fit_seconds": 0.0, "predict_seconds_per_1000": 0.0, "load_avg": _load()}
                _emit(rows, row, progress)
        train_archs = [d.archs[i] for i in sp.train_rows]
        test_archs = [d.archs[i] for i in sp.test_rows]
        fit_seed = int(np.random.default_rng([int(seed), sp.repetition, 1]).integers(2**31))
        for label, spec, params in specs:
            load = _load()
            model = _build(spec, params, d.space, fit_seed)
            t0 = time.perf_counter()
            model.fit(train_archs, sp.train_labels)
            t1 = time.perf_counter()
            pred = model.predict(test_archs)
            t2 = time.perf_counter()
            rep = sp.class_rep
            row = {**base, "predictor": label, "n_test": len(test_archs),
                   "n_test_classes": len(rep), **score(pred, sp.test_labels, d.direction),
                   "kendall_tau_class": _tau(pred[rep], sp.test_labels[rep]),
                   "fit_seconds": t1 - t0,
                   "predict_seconds_per_1000": (t2 - t1) * 1000.0 / len(test_archs),
                   "load_avg": load}
            _emit(rows, row, progress)
    columns = ["space", "dataset", "metric", "split", "predictor", "train_size", "repetition",
               "n_test", "n_test_classes"]
    frame = pd.DataFrame(rows)
    return frame[columns + [c for c in frame.columns if c not in columns]]


def _tau(pred: np.ndarray, true: np.ndarray) -> float:
    return kendall_tau(pred, true) if len(pred) >= 2 else float("nan")


def _build(spec: str | type[Predictor] | Predictor, params: dict[str, Any],
           space: SearchSpace, fit_seed: int) -> Predictor:
    if isinstance(spec, Predictor):
        model = type(spec)(**spec.get_params())
        own = model._space()
        if own.name != space.name:
            raise ValueError(f"The predictor instance is for space {own.name!r} but the data "
                             f"are {space.name!r} archs.")
        return model
    if isinstance(spec, type) and issubclass(spec, Predictor):
        return spec(space=space, seed=fit_seed, **params)
    return create(spec, space, seed=fit_seed, **params)


def summarize(results: pd.DataFrame, value: str = "kendall_tau") -> pd.DataFrame:
    """Mean and std of ``value`` over repetitions: index predictor, columns train sizes."""
    grouped = results.groupby(["predictor", "train_size"], sort=False)[value]
    mean = grouped.mean().unstack("train_size")
    std = grouped.std().unstack("train_size")
    text = mean.map(lambda v: f"{v:.3f}")
    spread = std.map(lambda v: "" if v != v else f" ± {v:.3f}")
    return text + spread


def _emit(rows: list[dict[str, Any]], row: dict[str, Any],
          progress: Callable[[dict[str, Any]], None] | None) -> None:
    rows.append(row)
    if progress is not None:
        progress(row)


def _load() -> float:
    try:
        return float(os.getloadavg()[0])
    except OSError:  # pragma: no cover - platform without load averages
        return float("nan")


class ProtocolError(NasbenchError, ValueError):
    """Protocol settings that cannot run (sizes, repetitions, test size, seed)."""


def _check_protocol(repetitions: Any, seed: Any, test_size: Any) -> None:
    def whole(value: Any) -> bool:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)

    if not whole(repetitions) or not 1 <= repetitions <= 10_000:
        raise ProtocolError(f"The 'repetitions' parameter must be an int from 1 to 10,000. "
                            f"Got {repetitions!r:.60} instead.")
    if not whole(seed) or not 0 <= seed < 2**63:
        raise ProtocolError(f"The 'seed' parameter must be a non-negative int. Got "
                            f"{seed!r:.60} instead.")
    if test_size is not None and (not whole(test_size) or test_size < 2):
        raise ProtocolError(f"The 'test_size' parameter must be None or an int >= 2 (a rank "
                            f"correlation needs two archs). Got {test_size!r:.60} instead.")


def _check_sizes(train_sizes: Sequence[int], n_valid: int, test_size: int | None) -> list[int]:
    if isinstance(train_sizes, (str, bytes)) or any(
            isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in train_sizes):
        raise ProtocolError(f"The 'train_sizes' parameter must hold ints >= 2. Got "
                            f"{train_sizes!r:.100} instead.")
    sizes = sorted({int(s) for s in train_sizes})
    if not sizes or sizes[0] < 2:
        raise ProtocolError(f"The 'train_sizes' parameter must hold ints >= 2. Got "
                            f"{list(train_sizes)!r:.100} instead.")
    room = n_valid - (int(test_size) if test_size is not None else 2)
    if sizes[-1] > room:
        raise ProtocolError(f"Train size {sizes[-1]} leaves too few test archs: the table has "
                         f"{n_valid} archs with values"
                         + (f" and test_size={test_size}" if test_size is not None else "")
                         + f"; use train sizes <= {room}.")
    return sizes


def _normalise(predictors: Any) -> list[tuple[str, str | type[Predictor] | Predictor,
                                                 dict[str, Any]]]:
    items: list[tuple[str | None, Any]]
    if isinstance(predictors, Mapping):
        items = list(predictors.items())
    elif isinstance(predictors, (str, Predictor, type)):
        items = [(None, predictors)]
    else:
        items = [(None, p) for p in predictors]
    out: list[tuple[str, str | type[Predictor] | Predictor, dict[str, Any]]] = []
    for label, spec in items:
        params: dict[str, Any] = {}
        if isinstance(spec, tuple):
            spec, params = spec[0], dict(spec[1])
        elif isinstance(spec, Mapping):
            params = dict(spec)
            spec = params.pop("name")
        if isinstance(spec, Predictor):
            if params:
                raise ValueError("A predictor instance is fitted with its own parameters; "
                                 "pass its class (or name) with params instead.")
            name = spec.name or type(spec).__name__
        elif isinstance(spec, type) and issubclass(spec, Predictor):
            name = spec.name or spec.__name__
        elif isinstance(spec, str):
            name = spec
        else:
            raise TypeError("Each predictor must be a registry name, a Predictor class or "
                            f"instance. Got {spec!r} instead.")
        out.append((label or name, spec, params))
    labels = [o[0] for o in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"Predictor labels must be unique; got {labels}. Pass a mapping "
                         "{label: spec} to compare one predictor under several settings.")
    return out
