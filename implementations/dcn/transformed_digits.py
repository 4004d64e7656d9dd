"""Digits with random scale and rotation: the geometric variation of the CPU-scale experiments.

The paper's claims rest on VOC, Cityscapes and COCO objects, whose scale and shape vary; here
the same kind of variation is put into real handwritten digits (the MNIST test set, the only
MNIST split available offline) by a random similarity transform per image. Each digit is
placed on a ``canvas × canvas`` field (zero background), scaled by s ~ U(scale_range) about the
centre and rotated by θ ~ U(−max_rotation, max_rotation) degrees, and resampled bilinearly. The
scale of every image is kept, so that results can be binned by object size (Table 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class TransformedDigits:
    """Images ``[N, 1, canvas, canvas]`` float32, labels ``[N]`` int64, scales ``[N]``."""

    images: Tensor
    labels: Tensor
    scales: Tensor
    rotations: Tensor


def transform_digits(
    images: np.ndarray,
    labels: np.ndarray,
    seed: int,
    canvas: int = 32,
    scale_range: tuple[float, float] = (0.5, 1.4),
    max_rotation: float = 40.0,
    copies: int = 1,
) -> TransformedDigits:
    """``copies`` randomly scaled and rotated versions of each digit, seeded.

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
    height, width = images.shape[1:]
    if height > canvas or width > canvas:
        raise ValueError(f"digits of {height} x {width} do not fit a {canvas} x {canvas} canvas")
    low, high = scale_range
    if not 0 < low <= high:
        raise ValueError(f"scale_range must satisfy 0 < low <= high, got {scale_range}")
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    rng = np.random.default_rng(seed)
    n = len(images) * copies
    scales = rng.uniform(low, high, n)
    angles = rng.uniform(-max_rotation, max_rotation, n) * math.pi / 180
    pad_y, pad_x = (canvas - height) // 2, (canvas - width) // 2
    base = torch.from_numpy(images.astype(np.float32))
    # [N, H, W] -> [N·copies, 1, canvas, canvas], centred
    base = F.pad(base, (pad_x, canvas - width - pad_x, pad_y, canvas - height - pad_y))
    base = base.repeat(copies, 1, 1)[:, None]
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
