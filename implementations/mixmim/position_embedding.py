"""The fixed 2-D sine-cosine position embedding of the encoder and the decoder."""

from __future__ import annotations

import torch
from torch import Tensor


def sincos_2d(height: int, width: int, dim: int) -> Tensor:
    """A fixed position embedding of an ``height × width`` grid, ``dim`` channels (MAE's form).

    The first half of the channels encodes the column x, the second half the row y, each as

        PE(p, 2i) = sin(p / 10000^(4i/dim)),  PE(p, 2i + 1) = cos(p / 10000^(4i/dim)),
        i = 0 … dim/4 − 1.

    MixMIM adds it (not trained) after mixing, before the first stage, and again in the decoder.

    Returns:
        Tensor[height, width, dim] (float32).
    """
    if dim % 4:
        raise ValueError(f"dim must be divisible by 4 (sin and cos of x and y), got {dim}")
    freq = 1.0 / 10000 ** (torch.arange(dim // 4, dtype=torch.float64) / (dim // 4))  # (dim/4,)
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float64),
        torch.arange(width, dtype=torch.float64),
        indexing="ij",
    )
    parts = []
    for pos in (xs, ys):
        angle = pos[:, :, None] * freq  # (H, W, dim/4)
        parts += [angle.sin(), angle.cos()]
    return torch.cat(parts, dim=-1).float()  # (H, W, dim)
