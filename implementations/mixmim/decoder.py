"""The unmixing decoder: one mixed sequence becomes two, each predicting the image hidden in it."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.mixmim.position_embedding import sincos_2d
from implementations.swin import SwinTransformerBlock


class UnmixingDecoder(nn.Module):
    """Linear embedding, unmixing with a mask token, global Transformer blocks, pixel prediction.

    For the last-stage features z of mix b and the mask M (authors' ``forward_decoder``):

        u = Linear(z)
        u¹ = u where M = 0, [MASK] where M = 1   (keeps image b: predicts image b at M = 1)
        u² = u where M = 1, [MASK] where M = 0   (keeps image B − 1 − b: predicts it at M = 0)

    The 2B sequences get a fixed sin-cos position embedding and pass ``depth`` pre-norm
    Transformer blocks with global attention (Swin blocks whose one window is the whole grid,
    without relative position bias: a ViT block), a LayerNorm and a linear layer to the
    ``cell² · C_in`` pixels of each cell. Without a mask (the [MASK]-token baseline) the B
    sequences are decoded as they are.

    Args:
        in_dim: channels of the encoder's last stage.
        grid: the last-stage grid (h, w), square.
        out_dim: pixels predicted per cell (``cell² · C_in``).
        dim, depth, num_heads, mlp_ratio: the decoder's width, blocks, heads and MLP ratio
            (512, 8, 16, 4 for MixMIM-B).
    """

    def __init__(
        self,
        in_dim: int,
        grid: tuple[int, int],
        out_dim: int,
        dim: int = 512,
        depth: int = 8,
        num_heads: int = 16,
        mlp_ratio: float = 4.0,
    ) -> None:
        super().__init__()
        if grid[0] != grid[1]:
            raise ValueError(f"the decoder's grid must be square, got {grid}")
        self.grid = grid
        self.embed = nn.Linear(in_dim, dim)
        self.mask_token = nn.Parameter(torch.zeros(dim))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        self.register_buffer("pos_embed", sincos_2d(*grid, dim)[None], persistent=False)
        self.blocks = nn.Sequential(
            *[
                SwinTransformerBlock(
                    dim, grid, num_heads, grid[0], mlp_ratio=mlp_ratio, relative_position_bias=False
                )
                for _ in range(depth)
            ]
        )
        self.norm = nn.LayerNorm(dim)
        self.pred = nn.Linear(dim, out_dim)

    def forward(self, z: Tensor, mask: Tensor | None = None) -> Tensor:
        """Tensor[B, h, w, in_dim] -> Tensor[2B, h, w, out_dim] (unmixed by ``mask``, branch 1
        then branch 2) or, without a mask, Tensor[B, h, w, out_dim]."""
        if z.ndim != 4 or tuple(z.shape[1:3]) != self.grid:
            raise ValueError(
                f"features must have shape (B, {self.grid[0]}, {self.grid[1]}, C), got "
                f"{tuple(z.shape)}"
            )
        u = self.embed(z)  # (B, h, w, D)
        if mask is not None:
            hidden = mask.bool()[None, :, :, None]  # (1, h, w, 1)
            u = torch.cat(
                [torch.where(hidden, self.mask_token, u), torch.where(hidden, u, self.mask_token)]
            )  # (2B, h, w, D)
        return self.pred(self.norm(self.blocks(u + self.pos_embed)))
