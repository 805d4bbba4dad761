"""Saved-predictor folders: safe formats only, atomic writes, a versioned JSON header.

A folder written by :meth:`Predictor.save` holds::

    predictor.json   header: {"format": "nasbench.predictor", "format_version": 1,
                     "predictor": <registry name>, "space": {"name", "ops"}, "params":
                     constructor arguments (tuples tagged {"__tuple__": [...]}), "n_train",
                     "state": JSON-able fitted scalars (target transform, hyperparameters),
                     "sha256": {file: digest} of every other file, "versions"}
    arrays.npz       fitted numpy arrays (np.savez; read with allow_pickle=False)
    booster.json     xgb: the XGBoost JSON model
    models.pt        gin / gcn / mlp: one dict of tensors (every member's state_dict),
                     torch.save; read with torch.load(weights_only=True)
    members/<i>/     ensemble: one such folder per member

Nothing is pickled. Every file is written to a temporary file in the same folder, fsynced
and moved into place with ``os.replace``; the header is written last and names the SHA-256
of every file it belongs with, so a folder half-overwritten by an interrupted save is
detected on load instead of silently mixing two models. Writes go through the store's
``nasbench.store._atomic.atomic_write`` (imported lazily, when saving); a private fallback
with the same contract is used only if that module cannot be imported.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.errors import NasbenchError

FORMAT = "nasbench.predictor"
FORMAT_VERSION = 1
HEADER = "predictor.json"
ARRAYS = "arrays.npz"


class SavedPredictorError(NasbenchError, ValueError):
    """A saved-predictor folder is missing, of another format or version, or corrupt."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, replace."""
    from nasbench.store._atomic import atomic_write as store_atomic_write

    store_atomic_write(path, data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``np.savez`` of plain numeric arrays into bytes (object arrays are refused)."""
    for name, a in arrays.items():
        if np.asarray(a).dtype == object:
            raise TypeError(f"Array {name!r} has dtype object, which cannot be saved safely.")
    buf = io.BytesIO()
    plain: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
    np.savez(buf, **plain)
    return buf.getvalue()


def read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def encode_value(v: Any, where: str) -> Any:
    """JSON form of a constructor argument; tuples are tagged so they come back as tuples."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        return v.item()
    if isinstance(v, tuple):
        return {"__tuple__": [encode_value(x, where) for x in v]}
    if isinstance(v, list):
        return [encode_value(x, where) for x in v]
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {k: encode_value(x, where) for k, x in v.items()}
    raise TypeError(f"Parameter {where} = {v!r} cannot be saved as JSON; only None, bool, "
                    "int, float, str and lists / tuples / str-keyed dicts of them can.")


def decode_value(v: Any) -> Any:
    if isinstance(v, list):
        return [decode_value(x) for x in v]
    if isinstance(v, dict):
        if set(v) == {"__tuple__"}:
            return tuple(decode_value(x) for x in v["__tuple__"])
        return {k: decode_value(x) for k, x in v.items()}
    return v


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` (relative path -> bytes) under ``folder``, the header last."""
    folder.mkdir(parents=True, exist_ok=True)
    # data files first, then headers, deepest first: a header never precedes its files
    for name in sorted(files, key=lambda n: (n.rsplit("/", 1)[-1] == HEADER,
                                             -n.count("/"), n)):
        atomic_write(folder / name, files[name])
    return folder


def read_header(folder: Path) -> dict[str, Any]:
    """The header of ``folder``, after checking format, version and every file's digest."""
    path = folder / HEADER
    try:
        header = json.loads(path.read_text())
    except FileNotFoundError:
        raise SavedPredictorError(f"{folder} is not a saved predictor: {HEADER} is "
                                  "missing.") from None
    except ValueError as exc:
        raise SavedPredictorError(f"{path} is not valid JSON: {exc}.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SavedPredictorError(f"{path} is not a {FORMAT} header.")
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise SavedPredictorError(f"{path} has format_version {version!r}; this nasbench "
                                  f"reads version {FORMAT_VERSION}.")
    for name, digest in dict(header.get("sha256", {})).items():
        try:
            data = (folder / name).read_bytes()
        except FileNotFoundError:
            raise SavedPredictorError(f"{folder / name}, listed in {path}, is "
                                      "missing.") from None
        if sha256(data) != digest:
            raise SavedPredictorError(f"{folder / name} does not match the digest in {path}: "
                                      "the folder was modified or a save was interrupted.")
    return header


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for pkg in ("nasbench", "numpy", "xgboost", "torch"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            continue
    return out
