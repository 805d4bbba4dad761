"""NAS-Bench-101 TFRecord fixtures written the way the official files are: ModelMetrics
serialised by the ``protobuf`` package from a descriptor built at run time (no protoc),
framed with CRC32C by an independent writer (``crc32c`` package or :mod:`binascii`-free
table code below, not the importer's)."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np


def metrics_class() -> Any:
    """The ``ModelMetrics`` message class, from a descriptor made here."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="nb101_fixture.proto", package="nbfix",
                                             syntax="proto2")
    ev = fdp.message_type.add(name="EvaluationData")
    t = descriptor_pb2.FieldDescriptorProto
    for num, name in enumerate(["current_epoch", "training_time", "train_accuracy",
                                "validation_accuracy", "test_accuracy"], start=1):
        ev.field.add(name=name, number=num, type=t.TYPE_DOUBLE, label=t.LABEL_OPTIONAL)
    ev.field.add(name="checkpoint_path", number=6, type=t.TYPE_STRING, label=t.LABEL_OPTIONAL)
    mm = fdp.message_type.add(name="ModelMetrics")
    mm.field.add(name="evaluation_data", number=1, type=t.TYPE_MESSAGE,
                 label=t.LABEL_REPEATED, type_name=".nbfix.EvaluationData")
    mm.field.add(name="trainable_parameters", number=2, type=t.TYPE_INT32,
                 label=t.LABEL_OPTIONAL)
    mm.field.add(name="total_time", number=3, type=t.TYPE_DOUBLE, label=t.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("nbfix.ModelMetrics"))


def _crc32c(data: bytes) -> int:
    import crc32c

    return int(crc32c.crc32c(data))


def _masked(data: bytes) -> int:
    c = _crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    head = struct.pack("<Q", len(data))
    return head + struct.pack("<I", _masked(head)) + data + struct.pack("<I", _masked(data))


def record(cls: Any, h: str, epochs: int, matrix: list[list[int]], ops: list[str],
           final: tuple[float, float, float, float], half: tuple[float, float, float, float],
           params: int) -> bytes:
    """One record's bytes: JSON ``[hash, epochs, digits, ops, base64(ModelMetrics)]``."""
    m = cls()
    e0 = m.evaluation_data.add()
    e0.current_epoch = 0.0
    for vals, epoch in ((half, epochs / 2), (final, float(epochs))):
        e = m.evaluation_data.add()
        e.current_epoch = epoch
        e.training_time, e.train_accuracy, e.validation_accuracy, e.test_accuracy = vals
        e.checkpoint_path = f"gs://fixture/{h}/model.ckpt-{int(epoch)}"
    m.trainable_parameters = params
    m.total_time = final[0] + 10.0
    digits = "".join(str(v) for row in matrix for v in row)
    row = [h, epochs, digits, ",".join(ops), base64.b64encode(m.SerializeToString()).decode()]
    return json.dumps(row).encode("utf-8")


def specs(seed: int = 0, n: int = 30) -> list[tuple[list[list[int]], list[str]]]:
    """``n`` distinct cells (canonical forms, small and 7-vertex ones) as raw specs, each
    given in a relabelled (isomorphic) or unpruned form: what the fixture files hold."""
    from nasbench.spaces import get_space

    sp = get_space("nb101")
    rng = np.random.default_rng(seed)
    seen: dict[int, Any] = {}
    for a in sp.sample(4 * n, seed=seed) + sp.sample_uniform(4 * n, seed=seed):
        seen.setdefault(sp.key(a), a)
    archs = list(seen.values())
    rng.shuffle(archs)
    out = []
    for a in archs[:n]:
        m = np.array(a.matrix)
        v = len(a.ops)
        perm = np.r_[0, 1 + rng.permutation(v - 2), v - 1]  # relabel, then re-sort topologically
        order = _topo(m, perm)
        m2 = m[np.ix_(order, order)]
        ops = [a.ops[i] for i in order]
        out.append((m2.tolist(), ops))
    return out


def _topo(m: np.ndarray, pref: np.ndarray) -> list[int]:
    """A topological order of ``m`` that prefers vertices in ``pref`` order."""
    n = len(m)
    indeg = m.sum(axis=0).tolist()
    done: list[int] = []
    rank = {int(v): i for i, v in enumerate(pref)}
    ready = [v for v in range(n) if indeg[v] == 0]
    while ready:
        ready.sort(key=lambda v: rank[v])
        v = ready.pop(0)
        done.append(v)
        for w in range(n):
            if m[v, w]:
                indeg[w] -= 1
                if indeg[w] == 0:
                    ready.append(w)
    return done


def write_file(path: Path, budgets: tuple[int, ...] = (108,), seed: int = 0, n: int = 30,
               extra: list[tuple[list[list[int]], list[str]]] | None = None
               ) -> dict[str, Any]:
    """Write a TFRecord file; return the truth ``{"specs", "values"}`` it holds.

    ``values[(i, budget)]`` is the list of 3 repeats of spec ``i``: ``(final, half,
    params)`` with accuracies as fractions."""
    from nasbench.spaces import get_space
    from nasbench.spaces._nb101 import module_hash

    sp = get_space("nb101")
    cls = metrics_class()
    rng = np.random.default_rng(seed + 1)
    cells = specs(seed, n) + list(extra or [])
    truth: dict[str, Any] = {"specs": cells, "values": {}}
    sizes = [int(rng.integers(200_000, 40_000_000)) for _ in cells]  # one per cell
    with path.open("wb") as f:
        for b in budgets:
            for i, (m, ops) in enumerate(cells):
                h = module_hash(sp.parse({"matrix": m, "ops": ops}))
                params = sizes[i]
                reps = []
                for _ in range(3):
                    acc = rng.uniform(0.1, 0.95, size=3)
                    final = (float(rng.uniform(100, 5000)), *map(float, acc))
                    half = (final[0] / 2, *map(float, acc * 0.9))
                    reps.append((final, half, params))
                    f.write(frame(record(cls, h, b, m, ops, final, half, params)))
                truth["values"][(i, b)] = reps
    return truth
