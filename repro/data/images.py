"""Small real image datasets: the MNIST test set (10,000 digits) and USPS (7,291 + 2,007 digits).

Folder layout under the data root (``images/``)::

    mnist_test/t10k-images-idx3-ubyte.gz   IDX, (10000, 28, 28) uint8
    mnist_test/t10k-labels-idx1-ubyte.gz   IDX, (10000,) uint8
    usps/usps_16x16.npz                    x_train (7291, 16, 16) float32 in [0, 1], y_train,
                                           x_test (2007, 16, 16), y_test

Only the MNIST *test* images are available offline, so experiments that train on MNIST split the
test set into their own train/test parts with :func:`split_indices` and say so in their tables.

The pipeline every digit experiment shares: :func:`digit_tensors` (centre-pad or resize to a
square canvas, optionally normalise), :func:`split_indices` (seeded splits) and
:func:`similarity_transform` (seeded random scale and rotation, DCN's geometric variation).
"""

from __future__ import annotations

import gzip
import math
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from repro.data import DataError, find_dataset, verify_file

SHA256 = {
    "mnist_test/t10k-images-idx3-ubyte.gz": (
        "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b"
    ),
    "mnist_test/t10k-labels-idx1-ubyte.gz": (
        "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c"
    ),
    "usps/usps_16x16.npz": "c4b46d2de18f2fc59cdbd4117a86450c27fd9b3d986cb145c7e95848380e7bc9",
    # the source usps_16x16.npz is converted from (repro.data.fetch); no loader reads it
    "usps/usps.h5": "734f88c541104a956d88be2c95d03b4a463ffd74ccc2ba9c80841fb98e3fcb36",
}

HOW_TO_GET = (
    "Get them with `repro data fetch images` (the MNIST test files from github.com/kelas/mnist, "
    "usps.h5 from github.com/niuers/Learning-From-Data-A-Short-Course, at pinned commits, "
    "sha256 verified; usps_16x16.npz is converted from usps.h5), or put them under "
    "<data root>/images/ (see ../shared/data/images/README.md)."
)


@dataclass(frozen=True)
class ImageSet:
    """Images (N, H, W) float32 in [0, 1] and labels (N,) int64."""

    images: np.ndarray
    labels: np.ndarray
    name: str

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or len(self.images) != len(self.labels):
            raise DataError(
                f"{self.name}: images {self.images.shape} vs labels {self.labels.shape}"
            )


def _read_idx(path: os.PathLike[str], magic: int, ndim: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes)")
    got = int.from_bytes(raw[:4], "big")
    if got != magic:
        raise DataError(f"{path}: IDX magic {got:#x}, expected {magic:#x}")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path}: {body.size} values for shape {tuple(dims)}")
    return body.reshape(dims)


def load_mnist_test(data_root: str | os.PathLike[str] | None = None) -> ImageSet:
    """The 10,000 MNIST test digits, checksums verified."""
    folder = find_dataset("images", data_root, HOW_TO_GET)
    img = verify_file(
        folder / "mnist_test/t10k-images-idx3-ubyte.gz",
        SHA256["mnist_test/t10k-images-idx3-ubyte.gz"],
        HOW_TO_GET,
    )
    lab = verify_file(
        folder / "mnist_test/t10k-labels-idx1-ubyte.gz",
        SHA256["mnist_test/t10k-labels-idx1-ubyte.gz"],
        HOW_TO_GET,
    )
    images = _read_idx(img, 0x803, 3).astype(np.float32) / 255.0
    labels = _read_idx(lab, 0x801, 1).astype(np.int64)
    return ImageSet(images, labels, "MNIST test set")


def load_usps(split: str = "train", data_root: str | os.PathLike[str] | None = None) -> ImageSet:
    """USPS digits (16×16, values in [0, 1]) of the standard ``train`` or ``test`` split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = find_dataset("images", data_root, HOW_TO_GET)
    path = verify_file(folder / "usps/usps_16x16.npz", SHA256["usps/usps_16x16.npz"], HOW_TO_GET)
    with np.load(path, allow_pickle=False) as z:
        images = z[f"x_{split}"].astype(np.float32)
        labels = z[f"y_{split}"].astype(np.int64)
    return ImageSet(images, labels, f"USPS {split}")


def split_indices(n: int, n_train: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random split of ``range(n)`` into ``n_train`` and ``n - n_train`` indices."""
    if not 0 < n_train < n:
        raise ValueError(f"n_train must be in (0, {n}), got {n_train}")
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[:n_train]), np.sort(perm[n_train:])


#: mean and std of the MNIST test images (values in [0, 1]), for :func:`digit_tensors`
MNIST_MEAN, MNIST_STD = 0.1325, 0.3105


def digit_tensors(
    images: np.ndarray,
    size: int = 32,
    resize: bool = False,
    normalize: bool = False,
    mean: float = MNIST_MEAN,
    std: float = MNIST_STD,
) -> Tensor:
    """Digits ``(N, H, W)`` in [0, 1] as a model input ``(N, 1, size, size)`` float32.

    By default each digit is centred on a ``size × size`` zero canvas (28² MNIST → 32²);
    ``resize`` rescales it bilinearly instead (16² USPS → 28², as domain adaptation pairs
    them). ``normalize`` subtracts ``mean`` and divides by ``std``.
    """
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {images.shape}")
    height, width = images.shape[1:]
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).unsqueeze(1)
    if resize:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    else:
        if height > size or width > size:
            raise ValueError(f"digits of {height} x {width} do not fit a {size} x {size} canvas")
        top, left = (size - height) // 2, (size - width) // 2
        x = F.pad(x, (left, size - width - left, top, size - height - top))  # (N, 1, size, size)
    return (x - mean) / std if normalize else x


@dataclass(frozen=True)
class TransformedDigits:
    """Images ``[N, 1, canvas, canvas]`` float32, labels ``[N]`` int64, the scale and rotation
    (degrees) each image was given."""

    images: Tensor
    labels: Tensor
    scales: Tensor
    rotations: Tensor


def similarity_transform(
    images: np.ndarray,
    labels: np.ndarray,
    seed: int,
    canvas: int = 32,
    scale_range: tuple[float, float] = (0.5, 1.4),
    max_rotation: float = 40.0,
    copies: int = 1,
) -> TransformedDigits:
    """``copies`` randomly scaled and rotated versions of each digit, seeded.

    Each digit is centred on a ``canvas × canvas`` zero field, scaled by s ~ U(scale_range)
    about the centre and rotated by θ ~ U(−max_rotation, max_rotation) degrees, resampled
    bilinearly. The scale of every image is kept, so that results can be binned by object size.

    Args:
        images: ``[N, H, W]`` values in [0, 1] (H, W ≤ canvas).
        labels: ``[N]`` class labels.
        seed: seeds the scale and rotation draws.
        canvas: side of the square output field.
        scale_range: (low, high) of the uniform scale factor; 1 keeps the digit's size.
        max_rotation: largest absolute rotation in degrees.
        copies: transformed versions per digit (a fixed augmentation of a training set).
    """
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(
            f"images must be [N, H, W] with one label each, got {images.shape} and {labels.shape}"
        )
    low, high = scale_range
    if not 0 < low <= high:
        raise ValueError(f"scale_range must satisfy 0 < low <= high, got {scale_range}")
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    rng = np.random.default_rng(seed)
    n = len(images) * copies
    scales = rng.uniform(low, high, n)
    angles = rng.uniform(-max_rotation, max_rotation, n) * math.pi / 180
    base = digit_tensors(images, canvas)[:, 0]  # [N, canvas, canvas], centred
    base = base.repeat(copies, 1, 1)[:, None]  # [N·copies, 1, canvas, canvas]
    # affine_grid maps output coordinates to input coordinates: the inverse of scale·rotation
    cos = torch.from_numpy(np.cos(angles) / scales).float()
    sin = torch.from_numpy(np.sin(angles) / scales).float()
    theta = torch.stack(
        [torch.stack([cos, sin, torch.zeros(n)], 1), torch.stack([-sin, cos, torch.zeros(n)], 1)],
        dim=1,
    )  # [N, 2, 3]
    grid = F.affine_grid(theta, [n, 1, canvas, canvas], align_corners=False)
    out = F.grid_sample(base, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return TransformedDigits(
        images=out.contiguous(),
        labels=torch.from_numpy(np.tile(labels, copies)).long(),
        scales=torch.from_numpy(scales).float(),
        rotations=torch.from_numpy(angles * 180 / math.pi).float(),
    )
