"""``nasbench import nb101 PATH``: NAS-Bench-101's ``nasbench_only108.tfrecord`` or
``nasbench_full.tfrecord`` (or a folder holding them; the full file wins when both are
there, its 108-epoch records being the same runs).

Read without TensorFlow:

* **TFRecord framing** (per record): ``uint64`` little-endian length ``L``, ``uint32``
  masked CRC32C of those 8 bytes, ``L`` data bytes, ``uint32`` masked CRC32C of the data.
  ``masked(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8 (mod 2**32)``. Both CRCs are
  checked; a mismatch or a file that ends inside a record raises :class:`ImportError_`
  naming the file, the record number and its byte offset, before any table is written.
  CRC32C comes from the ``crc32c`` package when installed (``pip install
  'nasbench[nb101]'``), else from a table-driven pure-Python fallback (correct, slow).
* **Record** = UTF-8 JSON ``[module_hash, epochs, adjacency digits (row-major),
  "input,op,...,output", base64(ModelMetrics)]``.
* **ModelMetrics** (proto2) is decoded by :func:`decode_model_metrics`, a small reader of
  the protobuf wire format (varint = 7 bits per byte, low groups first, high bit = more;
  a field starts with the varint ``number << 3 | wire_type``; wire type 0 varint, 1 eight
  little-endian bytes, 2 varint length + bytes, 5 four bytes; unknown fields are skipped):
  ``evaluation_data = 1`` (repeated message), ``trainable_parameters = 2`` (int32),
  ``total_time = 3`` (double); ``EvaluationData``: ``current_epoch = 1``,
  ``training_time = 2``, ``train_accuracy = 3``, ``validation_accuracy = 4``,
  ``test_accuracy = 5`` (doubles), ``checkpoint_path = 6`` (string). As in the official
  API, ``evaluation_data[1]`` is the halfway evaluation and ``[2]`` the final one.

Table ``nb101/cifar10``: one row per cell (key = :class:`~nasbench.spaces.NB101Space`'s),
three seeds (= the three repeats, in file order). Columns (108 epochs plain, other budgets
``@4``, ``@12``, ``@36``): ``train_acc``, ``val_acc``, ``test_acc`` (percent),
``train_time`` (seconds), at the end of training; the same with ``_half`` (e.g.
``val_acc_half@36``) at the halfway evaluation; ``params`` (millions). Every record's
``module_hash`` is checked against our own :func:`~nasbench.spaces._nb101.module_hash` of
its spec, and all records of one cell must share one hash.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.importers import register
from nasbench.importers._base import Importer, ImportError_, ImportWriter
from nasbench.recipes._base import TableData
from nasbench.store._metrics import MetricInfo

FILES = ("nasbench_full.tfrecord", "nasbench_only108.tfrecord")
BUDGETS = (108, 36, 12, 4)
MAIN = 108
#: Records per resumable chunk.
CHUNK = 200_000
_MASK_DELTA = 0xA282EAD8
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
#: per record, in this order: (final, halfway) x (train_time, train, valid, test)
FIELDS = ("train_time", "train_acc", "val_acc", "test_acc")


# ---- CRC32C ------------------------------------------------------------------------------

def _crc_table() -> list[int]:
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c_py(data: bytes | memoryview) -> int:
    """CRC32C (Castagnoli) of ``data``, pure Python (the fallback)."""
    crc = 0xFFFFFFFF
    t = _TABLE
    for b in bytes(data):
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc_function() -> Callable[[Any], int]:
    try:
        import crc32c

        return crc32c.crc32c  # type: ignore[no-any-return]
    except ImportError:
        return crc32c_py


def masked_crc(data: bytes | memoryview, crc: Callable[[Any], int] | None = None) -> int:
    """TFRecord's masked CRC32C of ``data``."""
    c = (crc or _crc_function())(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def iter_records(path: Path, start: int = 0, index: int = 0
                 ) -> Iterator[tuple[int, int, memoryview]]:
    """``(record number, byte offset, data)`` of every record of a TFRecord file from byte
    ``start`` (record number ``index``); CRCs checked (see the module docstring)."""
    crc = _crc_function()
    with path.open("rb") as f:
        f.seek(start)
        buf = memoryview(b"")
        pos = 0
        offset = start
        eof = False
        while True:
            if len(buf) - pos < 12 and not eof:
                more = f.read(1 << 24)
                eof = not more
                buf = memoryview(bytes(buf[pos:]) + more)
                pos = 0
            if len(buf) - pos == 0 and eof:
                return
            if len(buf) - pos < 12:
                raise ImportError_(
                    f"{path}: truncated file: record {index} at byte {offset} has "
                    f"{len(buf) - pos} of the 12 header bytes.")
            header = buf[pos:pos + 8]
            (length,) = _U64.unpack_from(buf, pos)
            (hcrc,) = _U32.unpack_from(buf, pos + 8)
            if masked_crc(header, crc) != hcrc:
                raise ImportError_(
                    f"{path}: record {index} at byte {offset}: the CRC of the length field "
                    "does not match (corrupt file, or not a TFRecord file).")
            need = 12 + length + 4
            while len(buf) - pos < need and not eof:
                more = f.read(max(1 << 24, need))
                eof = not more
                buf = memoryview(bytes(buf[pos:]) + more)
                pos = 0
            if len(buf) - pos < need:
                raise ImportError_(
                    f"{path}: truncated file: record {index} at byte {offset} needs {need} "
                    f"bytes, the file has {len(buf) - pos} left.")
            data = buf[pos + 12:pos + 12 + length]
            (dcrc,) = _U32.unpack_from(buf, pos + 12 + length)
            if masked_crc(data, crc) != dcrc:
                raise ImportError_(
                    f"{path}: record {index} at byte {offset}: the CRC of the data does not "
                    "match (corrupt file).")
            yield index, offset, data
            pos += need
            offset += need
            index += 1


def write_record(f: Any, data: bytes, crc: Callable[[Any], int] | None = None) -> None:
    """Append one TFRecord record holding ``data`` to the binary file ``f`` (for fixtures)."""
    head = _U64.pack(len(data))
    f.write(head + _U32.pack(masked_crc(head, crc)) + data + _U32.pack(masked_crc(data, crc)))


# ---- protobuf wire format ----------------------------------------------------------------

def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """``(field number, wire type, value)``: int (0), 8 bytes (1), bytes (2), 4 bytes (5)."""
    i, n = 0, len(buf)
    while i < n:
        tag, i = _varint(buf, i)
        number, wire = tag >> 3, tag & 7
        value: Any
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i:i + size], i + size
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire} (field {number})")
        if i > n:
            raise ValueError(f"field {number} runs past the end of the message")
        yield number, wire, value


_EVAL_NAMES = {1: "current_epoch", 2: "training_time", 3: "train_accuracy",
               4: "validation_accuracy", 5: "test_accuracy"}


def decode_model_metrics(buf: bytes) -> dict[str, Any]:
    """NAS-Bench-101's ``ModelMetrics`` from its serialized bytes: ``{"evaluation_data":
    [{"current_epoch", "training_time", "train_accuracy", "validation_accuracy",
    "test_accuracy", "checkpoint_path"}, ...], "trainable_parameters", "total_time"}``
    (proto2 defaults 0 / "" where a field is absent). Raises ValueError on a bad message."""
    out: dict[str, Any] = {"evaluation_data": [], "trainable_parameters": 0, "total_time": 0.0}
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 2:
            ev: dict[str, Any] = dict.fromkeys(_EVAL_NAMES.values(), 0.0)
            ev["checkpoint_path"] = ""
            for num, w, v in _fields(value):
                if num in _EVAL_NAMES and w == 1:
                    ev[_EVAL_NAMES[num]] = _F64.unpack(v)[0]
                elif num == 6 and w == 2:
                    ev["checkpoint_path"] = bytes(v).decode("utf-8")
            out["evaluation_data"].append(ev)
        elif number == 2 and wire == 0:
            out["trainable_parameters"] = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 3 and wire == 1:
            out["total_time"] = _F64.unpack(value)[0]
    return out


# ---- the importer ------------------------------------------------------------------------

def _metric(col: str, field: str, budget: int, half: bool) -> MetricInfo:
    split = {"train_time": "train", "train_acc": "train", "val_acc": "valid",
             "test_acc": "test"}[field]
    when = f"halfway ({budget // 2} of {budget} epochs)" if half else f"{budget} epochs"
    what = {"train_time": "training time (seconds, TPU v2) up to this evaluation",
            "train_acc": "accuracy on the 40k CIFAR-10 training images",
            "val_acc": "accuracy on the 10k held-out validation images",
            "test_acc": "accuracy on the 10k CIFAR-10 test images"}[field]
    return MetricInfo(
        col, "seconds" if field == "train_time" else "percent",
        "min" if field == "train_time" else "max", split,
        "NAS-Bench-101: trained on 40k CIFAR-10 training images with a cosine schedule of "
        f"{budget} epochs; evaluated {'halfway' if half else 'at the end'}",
        when, "import:nb101", True,
        f"{what}; {'halfway' if half else 'final'} evaluation of the {budget}-epoch run",
        schedule=str(budget))


def column(field: str, budget: int, half: bool) -> str:
    """Our column name of an official value (``val_acc_half@36``, ``test_acc``...)."""
    return field + ("_half" if half else "") + ("" if budget == MAIN else f"@{budget}")


class NB101Importer(Importer):
    """NAS-Bench-101 TFRecord files (see the module docstring)."""

    name = "nb101"
    description = ("NAS-Bench-101 nasbench_only108.tfrecord or nasbench_full.tfrecord "
                   "(no TensorFlow needed)")
    citation = ("Ying, Klein, Christiansen, Real, Murphy, Hutter. NAS-Bench-101: Towards "
                "Reproducible Neural Architecture Search. ICML 2019 (PMLR 97).")
    licence = "Apache-2.0 (google-research/nasbench; the README names no other data licence)"

    def inputs(self, path: Path) -> list[Path]:
        if path.is_dir():
            for name in FILES:
                if (path / name).is_file():
                    return [path / name]
            found = sorted(path.glob("*.tfrecord"))
            return found[:1]
        return [path]

    def convert(self, path: Path, writer: ImportWriter,
                progress: Callable[[str], None]) -> None:
        (file,) = self.inputs(path)
        chunks = _read_chunks(file, writer, progress)
        writer.add_table(_table(chunks, file))


def _read_chunks(file: Path, writer: ImportWriter,
                 progress: Callable[[str], None]) -> list[dict[str, np.ndarray]]:
    from nasbench.spaces import get_space

    space = get_space("nb101")
    out: list[dict[str, np.ndarray]] = []
    start, index, c = 0, 0, 0
    while writer.chunk_done(f"records_{c:05d}"):
        chunk = writer.load_chunk(f"records_{c:05d}")
        out.append(chunk)
        start, index = int(chunk["end"][0]), int(chunk["end"][1])
        c += 1
    if c:
        progress(f"nb101: resuming after {index:,} records ({c} chunk(s) saved)")
    size = file.stat().st_size
    if start >= size and c:
        return out
    keys_of: dict[str, tuple[int, bytes]] = {}
    buf = _Chunk()
    count = index
    for i, offset, data in iter_records(file, start, index):
        count = i + 1
        try:
            h, epochs, adj, ops, raw = json.loads(bytes(data).decode("utf-8"))
            metrics = decode_model_metrics(base64.b64decode(raw, validate=True))
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise ImportError_(f"{file}: record {i} at byte {offset} is not a NAS-Bench-101 "
                               f"record ({exc}).") from None
        got = keys_of.get(h)
        if got is None:
            got = keys_of[h] = _key_of(space, file, i, h, adj, ops)
        ev = metrics["evaluation_data"]
        if len(ev) < 3:
            raise ImportError_(f"{file}: record {i} (module {h}) has {len(ev)} evaluations; "
                               "NAS-Bench-101 records have 3 (start, halfway, end).")
        buf.add(got, int(epochs), ev[2], ev[1], metrics["trainable_parameters"])
        if len(buf) == CHUNK:
            c = _save(writer, buf, c, offset + len(data) + 16, i + 1, out)
            progress(f"nb101: {i + 1:,} records read ({(offset + len(data)) / size:.0%})")
            buf = _Chunk()
            if len(keys_of) > 2_000_000:
                keys_of.clear()
    if len(buf) or not out:
        _save(writer, buf, c, size, count, out)
    return out


def _key_of(space: Any, file: Path, i: int, h: Any, adj: Any, ops: Any) -> tuple[int, bytes]:
    from nasbench.errors import InvalidArchitectureError

    try:
        names = str(ops).split(",")
        n = len(names)
        digits = str(adj)
        if len(digits) != n * n:
            raise InvalidArchitectureError(f"{len(digits)} adjacency digits for {n} ops")
        matrix = [[int(digits[r * n + col]) for col in range(n)] for r in range(n)]
        arch = space.parse({"matrix": matrix, "ops": names})
    except (InvalidArchitectureError, ValueError) as exc:
        raise ImportError_(f"{file}: record {i} (module {h}) holds no valid NAS-Bench-101 "
                           f"spec: {exc}") from None
    ours = space.module_hash(arch)
    if ours != h:
        raise ImportError_(f"{file}: record {i}: the file's module hash {h} differs from the "
                           f"hash {ours} of its spec {space.to_string(arch)}.")
    try:
        raw = bytes.fromhex(h)
    except ValueError:
        raw = b""
    return space.key(arch), raw


class _Chunk:
    def __init__(self) -> None:
        self.key: list[int] = []
        self.hash: list[bytes] = []
        self.epochs: list[int] = []
        self.values: list[tuple[float, ...]] = []
        self.params: list[int] = []

    def __len__(self) -> int:
        return len(self.key)

    def add(self, got: tuple[int, bytes], epochs: int, final: dict[str, Any],
            half: dict[str, Any], params: int) -> None:
        self.key.append(got[0])
        self.hash.append(got[1].ljust(16, b"\0")[:16])
        self.epochs.append(epochs)
        self.values.append((final["training_time"], final["train_accuracy"],
                            final["validation_accuracy"], final["test_accuracy"],
                            half["training_time"], half["train_accuracy"],
                            half["validation_accuracy"], half["test_accuracy"]))
        self.params.append(params)


def _save(writer: ImportWriter, buf: _Chunk, c: int, end: int, index: int,
          out: list[dict[str, np.ndarray]]) -> int:
    arrays: dict[str, np.ndarray] = {
        "key": np.asarray(buf.key, dtype=np.int64),
        "hash": np.frombuffer(b"".join(buf.hash), dtype=np.uint8).reshape(-1, 16),
        "epochs": np.asarray(buf.epochs, dtype=np.int64),
        "values": np.asarray(buf.values, dtype=np.float64).reshape(-1, 8),
        "params": np.asarray(buf.params, dtype=np.int64),
        "end": np.asarray([end, index], dtype=np.int64),
    }
    writer.save_chunk(f"records_{c:05d}", arrays)
    out.append(arrays)
    return c + 1


def _table(chunks: list[dict[str, np.ndarray]], file: Path) -> TableData:
    key = np.concatenate([c["key"] for c in chunks])
    if not len(key):
        raise ImportError_(f"{file} holds no records.")
    hashes = np.concatenate([c["hash"] for c in chunks])
    epochs = np.concatenate([c["epochs"] for c in chunks])
    values = np.concatenate([c["values"] for c in chunks])
    params = np.concatenate([c["params"] for c in chunks])
    keys, inverse = np.unique(key, return_inverse=True)
    first = np.full(len(keys), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]
    bad = np.flatnonzero(np.any(hashes != hashes[first[inverse]], axis=1))
    if len(bad):
        i = int(bad[0])
        raise ImportError_(f"{file}: records {int(first[inverse[i]])} and {i} are the same cell "
                           "but carry different module hashes.")
    budgets = [b for b in BUDGETS if np.any(epochs == b)]
    unknown = sorted(set(np.unique(epochs).tolist()) - set(BUDGETS))
    if unknown:
        raise ImportError_(f"{file}: epoch budgets {unknown} are not NAS-Bench-101's "
                           f"{sorted(BUDGETS)}.")
    # repeat number of each record = how many records of its (cell, budget) came before it
    group = inverse * 1000 + epochs
    order = np.argsort(group, kind="stable")
    sg = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sg)) + 1]
    run = np.arange(len(sg)) - np.repeat(starts, np.diff(np.r_[starts, len(sg)]))
    repeat = np.empty(len(sg), dtype=np.int64)
    repeat[order] = run
    n_seeds = int(repeat.max()) + 1
    cols: dict[str, np.ndarray] = {}
    metrics: dict[str, MetricInfo] = {}
    for b in budgets:
        sel = epochs == b
        rows, seeds = inverse[sel], repeat[sel]
        for half in (False, True):
            for f, field in enumerate(FIELDS):
                name = column(field, b, half)
                col = np.full((len(keys), n_seeds), np.nan)
                v = values[sel, f + (4 if half else 0)]
                col[rows, seeds] = v if field == "train_time" else 100.0 * v
                cols[name] = col
                metrics[name] = _metric(name, field, b, half)
    present = ~np.all(np.isnan(np.stack(list(cols.values()))), axis=0)
    p = np.zeros(len(keys))
    p[inverse] = params / 1e6
    cols["params"] = np.where(present, p[:, None], np.nan)
    metrics["params"] = MetricInfo(
        "params", "millions", "min", "none", "trainable parameters of the network",
        "n/a", "import:nb101", False, "trainable parameters (millions) of the whole network")
    main: list[str] = [m for m in ("val_acc", "test_acc", "train_time", "params") if m in cols]
    from nasbench.spaces._nb101 import N_ARCHS

    # a partial file (a test fixture, a subset) gets a space of just its cells
    options = {} if len(keys) == N_ARCHS else {"keys": keys.tolist()}
    return TableData("nb101", "cifar10", keys, cols, metrics, [("import:nb101", file.name)],
                     space_options=options, main_metrics=main, lacks={
                         "latency": "NAS-Bench-101 has no latency; it records training time "
                                    "(train_time) on TPU v2."}).sort()


register(NB101Importer())
