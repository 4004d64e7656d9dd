"""Patch merging (Sec. 3.1): halve the resolution, double the channels."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class PatchMerging(nn.Module):
    """Concatenate each group of 2 × 2 neighbouring tokens (4C) and project them linearly to 2C.

    The four neighbours are concatenated in the order of the authors' code and timm —
    ``x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]`` — then LayerNorm(4C) and a
    linear layer without bias. The paper describes the layer in words (Sec. 3.1); it has no
    numbered equation. An odd height or width is zero-padded at the bottom or right first, as
    timm does (the paper's maps are always even): the output is ``⌈H/2⌉ × ⌈W/2⌉``.

    Args:
        dim: C.
        out_dim: output channels (2C by default).
        norm_layer: normalisation over the 4C concatenated channels.
    """

    def __init__(
        self, dim: int, out_dim: int | None = None, norm_layer: type[nn.Module] = nn.LayerNorm
    ) -> None:
        super().__init__()
        if dim < 1 or (out_dim is not None and out_dim < 1):
            raise ValueError(f"dim and out_dim must be positive, got {dim} and {out_dim}")
        self.dim = dim
        self.out_dim = out_dim or 2 * dim
        self.norm = norm_layer(4 * dim)
        self.reduction = nn.Linear(4 * dim, self.out_dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """Tensor[B, H, W, C] -> Tensor[B, ⌈H/2⌉, ⌈W/2⌉, out_dim]."""
        if x.ndim != 4:
            raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim}")
        b, h, w, c = x.shape
        if c != self.dim:
            raise ValueError(f"x has {c} channels, the layer was built for dim={self.dim}")
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))  # (B, H + H mod 2, W + W mod 2, C)
        h, w = h + h % 2, w + w % 2
        x = x.view(b, h // 2, 2, w // 2, 2, c)  # (B, H/2, dy, W/2, dx, C)
        x = x.permute(0, 1, 3, 4, 2, 5).reshape(b, h // 2, w // 2, 4 * c)  # (dx, dy, C) order
        return self.reduction(self.norm(x))
