"""Write NATS-Bench files with the OFFICIAL package's own classes (``nats_bench``).

``ArchResults``, ``ResultsCount`` and ``pickle_save`` write the state dicts the way the
official files were written. Values are random (seeded) except the columns our wheel-shipped
NB201 tables also hold (200-epoch val_acc of cifar10-valid / cifar100 / ImageNet16-120, the
training time, latency and parameters), which are copied from the store so a join agrees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

TSS_DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
WHEEL = {"cifar10-valid": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet16-120"}
EVAL_SETS = {"cifar10-valid": ("x-valid", "ori-test"), "cifar10": ("ori-test",),
             "cifar100": ("x-valid", "x-test", "ori-test"),
             "ImageNet16-120": ("x-valid", "x-test", "ori-test")}
#: A few official indexes: 0 ('421211'), 6111 ('333132', the best cifar10 cell), others.
TSS_INDEXES = (0, 6111, 11472, 15624)


def _run(rng: np.random.Generator, arch_str: str, dataset: str, seed: int, epochs: int,
         final_val: float | None, total_time: float | None, latency: float | None,
         params: float | None, flop: float, api: str = "nats_bench") -> Any:
    import importlib

    ResultsCount = importlib.import_module(api).ResultsCount  # noqa: N806

    sets = EVAL_SETS[dataset]
    tr_acc = {e: float(rng.uniform(10, 99)) for e in range(epochs)}
    tr_loss = {e: float(rng.uniform(0.01, 3)) for e in range(epochs)}
    per_epoch = (total_time / epochs) if total_time is not None else float(rng.uniform(5, 20))
    tr_time = {e: per_epoch for e in range(epochs)}
    accs = {f"{s}@{e}": float(rng.uniform(10, 95)) for s in sets for e in range(epochs)}
    losses = {f"{s}@{e}": float(rng.uniform(0.1, 3)) for s in sets for e in range(epochs)}
    times = {f"{s}@{e}": float(rng.uniform(0.5, 2)) for s in sets for e in range(epochs)}
    if final_val is not None:
        accs[f"x-valid@{epochs - 1}"] = final_val
    result = ResultsCount(dataset, None, tr_acc, tr_loss,
                          params if params is not None else float(rng.uniform(0.1, 1.5)),
                          flop,
                          {"name": "infer.tiny", "C": 16, "N": 5, "arch_str": arch_str,
                           "class_num": 10}, seed, epochs,
                          [latency if latency is not None else float(rng.uniform(0.01, 0.03))])
    result.update_train_info(tr_acc, None, tr_loss, tr_time)
    result.update_eval(accs, losses, times)
    return result


def tss_archs(db: Any, indexes: tuple[int, ...] = TSS_INDEXES, shift: float = 0.0,
              seed: int = 0, api: str = "nats_bench", datasets_12: tuple[str, ...] =
              TSS_DATASETS) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """(meta_archs, {index: {hp: ArchResults state dict}}) for ``indexes``.

    ``shift`` is added to one wheel-shared value (cifar10-valid val_acc of the first index,
    seed 0), to prove the join reports exactly that mismatch. ``api`` names the package
    whose classes write the state dicts (``nats_bench`` or NAS-Bench-201's ``nas_201_api``);
    ``datasets_12`` the datasets of the 12-epoch schedule (NAS-Bench-201 v1.0: cifar10-valid).
    """
    import importlib

    ArchResults = importlib.import_module(api).ArchResults  # noqa: N806

    from nasbench.spaces import get_space

    space = get_space("nb201")
    meta = [space.to_string(space.from_official_index(i)) for i in range(15625)]
    rng = np.random.default_rng(seed)
    out: dict[int, dict[str, Any]] = {}
    for idx in indexes:
        arch_str = meta[idx]
        hp2 = {}
        for hp, epochs in (("12", 12), ("200", 200)):
            ar = ArchResults(idx, arch_str)
            for dataset in (TSS_DATASETS if hp == "200" else datasets_12):
                wheel = WHEEL.get(dataset) if hp == "200" else None
                if wheel is not None:
                    t = db.table("nb201", wheel)
                    row = {m: t.seed_array(m)[t.row(arch_str)] for m in
                           ("val_acc", "train_time", "latency", "params")}
                    n = int((~np.isnan(row["val_acc"])).sum())
                else:
                    row, n = {}, (3 if hp == "200" else 2)
                flop = float(rng.uniform(10, 200))  # one value per arch and dataset, as published
                seeds = (777, 888, 999)[:n] if hp == "200" else (111, 777)[:n]
                for k, s in enumerate(seeds):
                    val = None
                    if row:
                        val = float(row["val_acc"][k])
                        if shift and idx == indexes[0] and k == 0 and dataset == "cifar10-valid":
                            val += shift
                    ar.update(dataset, s, _run(
                        rng, arch_str, dataset, s, epochs, val,
                        float(row["train_time"][k]) if row else None,
                        float(row["latency"][k]) if row else None,
                        float(row["params"][k]) if row else None, flop, api))
            hp2[hp] = ar.state_dict()
        out[idx] = hp2
    return meta, out


def write_simple(folder: Path, meta: list[str], archs: dict[int, dict[str, Any]]) -> Path:
    """The ``-simple`` layout: meta.pickle.pbz2 + {index:06d}.pickle.pbz2."""
    from nats_bench import pickle_save

    folder.mkdir(parents=True, exist_ok=True)
    pickle_save({"meta_archs": meta}, str(folder / "meta.pickle"))
    for idx, hp2 in archs.items():
        pickle_save(hp2, str(folder / f"{idx:06d}.pickle"))
    return folder


def write_single(path: Path, meta: list[str], archs: dict[int, dict[str, Any]]) -> Path:
    """The single-file layout: ``{meta_archs, arch2infos, evaluated_indexes}``."""
    from nats_bench import pickle_save

    path.parent.mkdir(parents=True, exist_ok=True)
    stem = str(path).removesuffix(".pbz2")
    pickle_save({"meta_archs": meta, "arch2infos": archs,
                 "evaluated_indexes": sorted(archs)}, stem)
    return Path(stem + ".pbz2")


SSS_INDEXES = (0, 1, 751, 32767)  # 8:8:8:8:8, 8:8:8:8:16, 8:16:32:48:64, 64:64:64:64:64


def sss_meta() -> list[str]:
    """The 32,768 size configurations in NATS-Bench's order, written independently of our
    space (layer by layer, the first layer varying slowest)."""
    chans = (8, 16, 24, 32, 40, 48, 56, 64)
    nets = [""]
    for _ in range(5):
        nets = [f"{n}:{c}" if n else str(c) for n in nets for c in chans]
    return nets


def sss_archs(indexes: tuple[int, ...] = SSS_INDEXES, seed: int = 1
              ) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """(meta_archs, {index: {hp: ArchResults state dict}}) of the size space."""
    from nats_bench import ArchResults

    meta = sss_meta()
    rng = np.random.default_rng(seed)
    out: dict[int, dict[str, Any]] = {}
    for idx in indexes:
        hp2 = {}
        for hp, epochs, seeds in (("01", 1, (777,)), ("12", 12, (777, 888)),
                                  ("90", 90, (777, 888))):
            ar = ArchResults(idx, meta[idx])
            for dataset in TSS_DATASETS:
                flop = float(rng.uniform(10, 200))
                for s in seeds:
                    ar.update(dataset, s, _run(rng, meta[idx], dataset, s, epochs, None, None,
                                               None, None, flop))
            hp2[hp] = ar.state_dict()
        out[idx] = hp2
    return meta, out


def write_pth(path: Path, meta: list[str], archs: dict[int, dict[str, Any]]) -> Path:
    """NAS-Bench-201 v1.x layout: ``torch.save`` of {meta_archs, arch2infos: {index:
    {"less": 12-epoch state dict, "full": 200-epoch state dict}}, evaluated_indexes}."""
    import torch

    infos = {i: {"less": hp2["12"], "full": hp2["200"]} for i, hp2 in archs.items()}
    torch.save({"meta_archs": meta, "arch2infos": infos, "evaluated_indexes": set(archs),
                "total_archs": len(meta)}, path)
    return path
