"""Inputs of the proxies: a seeded Gaussian batch, or a real batch from the user's files.

Nothing is ever downloaded. Real images come from files the user already has:

* a ``.npz`` file with arrays ``x`` (images) and ``y`` (integer labels), or a folder with
  ``x.npy`` and ``y.npy``; images are ``uint8`` of shape ``(N, H, W, 3)`` (the layout of the
  CIFAR python arrays) or float of shape ``(N, 3, H, W)`` already in ``[0, 1]``;
* a torchvision ``ImageFolder``-style folder: ``<root>/<class name>/<image>.png`` (any
  format Pillow reads); classes are numbered in sorted order of their folder names.

Images are scaled to ``[0, 1]`` and normalised with the dataset's channel mean and standard
deviation (the values NAS-Bench-201 trained with), and must have the dataset's size (32x32
for CIFAR, 16x16 for ImageNet16-120).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.hardware._nb201 import dataset_shape
from nasbench.proxies._meta import SYNTHETIC_BATCH_SIZE, ProxyError

__all__ = ["ProxyBatch", "synthetic_batch", "load_batch", "NUM_CLASSES", "MEAN_STD"]

NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}
#: Channel mean and std (of [0, 1] pixels) per dataset.
MEAN_STD = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
    "imagenet16-120": ((122.68 / 255, 116.66 / 255, 104.01 / 255),
                       (63.22 / 255, 61.26 / 255, 65.09 / 255)),
}
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".gif", ".webp"}


def _dataset(dataset: str) -> str:
    key = dataset.lower()
    if key not in NUM_CLASSES:
        raise ProxyError(f"Unknown dataset {dataset!r}; proxies know {sorted(NUM_CLASSES)}.")
    return key


@dataclass(frozen=True)
class ProxyBatch:
    """A batch of images for the proxies.

    Attributes:
        x: float32 images, shape ``(N, 3, H, W)``.
        y: int64 labels, shape ``(N,)``. For a synthetic batch they are uniform random
            classes drawn from the seed, which the label-based proxies refuse unless asked
            (``allow_synthetic_labels=True``).
        synthetic: True for :func:`synthetic_batch`.
        description: where the batch came from (recorded in proxy tables).
    """

    x: Any
    y: Any
    synthetic: bool
    description: str

    @property
    def size(self) -> int:
        return int(self.x.shape[0])


def synthetic_batch(dataset: str = "cifar10", batch_size: int = SYNTHETIC_BATCH_SIZE,
                    seed: int = 0) -> ProxyBatch:
    """``batch_size`` standard-normal images of the dataset's shape, from ``seed`` only.

    Uses its own ``torch.Generator`` (the global RNG is not touched): the same seed gives
    the same batch on every CPU.
    """
    import torch

    key = _dataset(dataset)
    if batch_size < 2:
        raise ProxyError(f"batch_size must be >= 2 (NASWOT and jacob_cov compare images); "
                         f"got {batch_size}.")
    channels, size = 3, dataset_shape(key)[1]
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randn((batch_size, channels, size, size), generator=g)
    y = torch.randint(0, NUM_CLASSES[key], (batch_size,), generator=g)
    return ProxyBatch(x, y, True, f"synthetic N(0,1) seed={seed} batch={batch_size}")


def _read_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if path.is_file() and path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            if "x" not in f or "y" not in f:
                raise ProxyError(f"{path} must hold arrays 'x' and 'y'; it has {list(f)}.")
            return np.asarray(f["x"]), np.asarray(f["y"])
    if path.is_dir() and (path / "x.npy").is_file():
        return (np.load(path / "x.npy", allow_pickle=False),
                np.load(path / "y.npy", allow_pickle=False))
    if path.is_dir():
        return _read_image_folder(path)
    raise ProxyError(f"{path}: expected a .npz file, a folder with x.npy/y.npy, or an "
                     "ImageFolder-style folder (<root>/<class>/<image>).")


def _read_image_folder(root: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow ships with torchvision setups
        raise ProxyError("Reading an image folder needs Pillow: pip install pillow") from exc
    classes = sorted(p for p in root.iterdir() if p.is_dir())
    if not classes:
        raise ProxyError(f"{root} has no class folders (<root>/<class>/<image>).")
    images, labels = [], []
    for label, folder in enumerate(classes):
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() in _IMAGE_SUFFIXES:
                with Image.open(f) as im:
                    images.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
                labels.append(label)
    if not images:
        raise ProxyError(f"No images found under {root}.")
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def load_batch(path: str | Path, dataset: str = "cifar10",
               batch_size: int = SYNTHETIC_BATCH_SIZE, seed: int = 0) -> ProxyBatch:
    """``batch_size`` images and labels drawn without replacement from the user's files.

    Args:
        path: a ``.npz`` file, a folder with ``x.npy`` / ``y.npy``, or an ImageFolder-style
            folder (see the module docstring). Never downloaded.
        dataset: ``cifar10``, ``cifar100`` or ``imagenet16-120`` (normalisation, image size
            and number of classes).
        seed: which images are drawn (a ``numpy`` Generator of its own).
    """
    import torch

    key = _dataset(dataset)
    path = Path(path)
    x, y = _read_arrays(path)
    if x.ndim != 4:
        raise ProxyError(f"Images in {path} must be 4-d (N, H, W, 3) or (N, 3, H, W); "
                         f"got shape {x.shape}.")
    if x.shape[-1] == 3 and x.shape[1] != 3:
        x = np.transpose(x, (0, 3, 1, 2))
    x = x.astype(np.float32) / (255.0 if x.dtype == np.uint8 else 1.0)
    size = dataset_shape(key)[1]
    if x.shape[1:] != (3, size, size):
        raise ProxyError(f"{dataset} images are 3x{size}x{size}; {path} has {x.shape[1:]}.")
    y = np.asarray(y).astype(np.int64).reshape(-1)
    if len(y) != len(x):
        raise ProxyError(f"{path}: {len(x)} images but {len(y)} labels.")
    if y.min() < 0 or y.max() >= NUM_CLASSES[key]:
        raise ProxyError(f"{path}: labels must lie in [0, {NUM_CLASSES[key]}); "
                         f"got {y.min()}..{y.max()}.")
    if batch_size < 2 or batch_size > len(x):
        raise ProxyError(f"batch_size must be in [2, {len(x)}] for {path}; got {batch_size}.")
    pick = np.sort(np.random.default_rng(seed).choice(len(x), size=batch_size, replace=False))
    mean, std = (np.asarray(v, dtype=np.float32).reshape(1, 3, 1, 1) for v in MEAN_STD[key])
    xb = (x[pick] - mean) / std
    return ProxyBatch(torch.from_numpy(np.ascontiguousarray(xb)), torch.from_numpy(y[pick]),
                      False, f"{key} images from {path.name} seed={seed} batch={batch_size}")
