"""The MixMIM encoder: a Swin Transformer without shifted windows, run on the mixed batch.

The backbone is :class:`implementations.swin.SwinTransformer` itself (patch embedding, window
attention with relative position bias, patch merging), built without shifted windows and with a
fixed 2-D sin-cos absolute position embedding, as the authors' ``MixMIM`` encoder. During
pretraining each stage's windows also get the same-source attention mask; with no mask (or an
all-zero one) the encoder is exactly the Swin's ``forward_features``, so the pretrained model
fine-tunes as the plain classifier.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from implementations.mixmim.masking import stage_masks
from implementations.mixmim.mixing import same_source_attention_mask
from implementations.mixmim.position_embedding import sincos_2d
from implementations.swin import CONFIGS as SWIN_CONFIGS
from implementations.swin import (
    SwinTransformer,
    SwinTransformerBlock,
    window_partition,
    window_reverse,
)

#: Encoders: MixMIM-B at 224² (Swin-B with 14 × 14 windows; the 7 × 7 last stage is one window)
#: and the small configuration of our CPU experiments (digits on a 32² canvas, patch 4, two
#: stages: 8 × 8 and 4 × 4 token maps, windows of 4 × 4, the last stage one window; the mask grid
#: is 4 × 4 cells of 8 × 8 pixels).
CONFIGS: dict[str, dict[str, Any]] = {
    "mixmim_b": dict(SWIN_CONFIGS["swin_b"], window_size=14),
    "mixmim_digits": dict(
        img_size=32,
        patch_size=4,
        in_chans=1,
        num_classes=10,
        embed_dim=32,
        depths=(2, 2),
        num_heads=(2, 4),
        window_size=4,
        drop_path_rate=0.0,
    ),
}


def mixmim_swin(name: str, **overrides: Any) -> SwinTransformer:
    """A Swin of :data:`CONFIGS` as MixMIM builds it: no shifted windows, fixed sin-cos position
    embedding. The same model is pretrained, probed and fine-tuned (its ``forward`` classifies)."""
    if name not in CONFIGS:
        raise ValueError(f"unknown configuration {name!r}; known: {', '.join(CONFIGS)}")
    kw = {**CONFIGS[name], **overrides, "shifted_windows": False, "absolute_pos_embed": True}
    swin = SwinTransformer(**kw)
    stride = square_side(swin.patch_embed.patch_size, "patch") * 2 ** (len(swin.layers) - 1)
    if any(side % stride for side in swin.img_size):
        # Swin pads such sizes (as timm does); MixMIM's mask grid must tile the image exactly
        raise ValueError(
            f"img_size={kw.get('img_size')} must be divisible by patch_size · 2^(stages − 1) = "
            f"{stride}: the last-stage mask cells must tile the image"
        )
    _, grid, _, dim = swin.absolute_pos_embed.shape
    with torch.no_grad():
        swin.absolute_pos_embed.copy_(sincos_2d(grid, grid, dim)[None])
    swin.absolute_pos_embed.requires_grad_(False)
    return swin


def square_side(value: int | tuple[int, int], what: str) -> int:
    """The side of a square size given as an int or an (h, w) pair, as Swin's modules store
    them; MixMIM's images, windows and mask grids are square."""
    h, w = (value, value) if isinstance(value, int) else value
    if h != w:
        raise ValueError(f"MixMIM needs a square {what}, got {h}x{w}")
    return h


class SwinEncoder(nn.Module):
    """The Swin backbone as the pretraining models run it.

    :meth:`tokens` embeds the images (where MixMIM mixes, or the baseline inserts [MASK]
    tokens); :meth:`forward` adds the position embedding and runs the stages, restricting every
    window's attention to tokens of the same source when given the last-stage mask.

    Args:
        swin: a model from :func:`mixmim_swin` (or any Swin without shifted windows and with an
            absolute position embedding); its parameters are the encoder's.
    """

    def __init__(self, swin: SwinTransformer) -> None:
        super().__init__()
        if swin.absolute_pos_embed is None:
            raise ValueError("the Swin needs an absolute position embedding (mixmim_swin)")
        blocks = [b for layer in swin.layers for b in layer.blocks]
        if any(
            max(b.shift_size) if isinstance(b.shift_size, tuple) else b.shift_size for b in blocks
        ):
            raise ValueError("MixMIM's encoder has no shifted windows (shifted_windows=False)")
        self.swin = swin
        #: pixels per side of the (square) input images
        self.size = square_side(swin.img_size, "image")
        grid = self.size // square_side(swin.patch_embed.patch_size, "patch")
        self.resolutions = [(grid, grid)] + [layer.output_resolution for layer in swin.layers[1:]]
        self.grid = self.resolutions[-1]  # the mask grid (last stage)
        #: pixels per side of one last-stage cell (the mixing unit and the predicted patch)
        self.cell = self.size // self.grid[0]

    def tokens(self, images: Tensor) -> Tensor:
        """Tensor[B, C_in, H, W] -> the patch embedding Tensor[B, H/p, W/p, C]."""
        if images.ndim != 4:
            raise ValueError(f"images must have shape (B, C, H, W), got rank {images.ndim}")
        size = self.size
        if images.shape[-2:] != (size, size):
            raise ValueError(
                f"images are {images.shape[-2]}x{images.shape[-1]}, the encoder was built for "
                f"{size}x{size} (img_size, a multiple of the last-stage stride {self.cell})"
            )
        return self.swin.patch_embed(images)

    def check_mask(self, mask: Tensor) -> None:
        """Raise ``ValueError`` unless ``mask`` is a 0/1 grid of the last stage's shape."""
        if mask.shape != self.grid:
            raise ValueError(
                f"the mask must be on the last-stage grid {self.grid[0]}x{self.grid[1]}, got "
                f"shape {tuple(mask.shape)}"
            )
        if ((mask != 0) & (mask != 1)).any():
            raise ValueError("the mask must hold only 0 (own token) and 1 (partner's token)")

    def forward(self, tokens: Tensor, mask: Tensor | None = None) -> Tensor:
        """Position embedding, the stages, the final LayerNorm.

        Args:
            tokens (Tensor[B, H/p, W/p, C]): from :meth:`tokens`, mixed or not.
            mask (Tensor[h, w], optional): the last-stage mask; each stage's attention is then
                kept inside each source (:func:`same_source_attention_mask`).

        Returns:
            Tensor[B, h, w, C_last]
        """
        x = tokens + self.swin.absolute_pos_embed
        if mask is None:
            return self.swin.norm(self.swin.layers(x))
        self.check_mask(mask)
        masks = stage_masks(mask.to(x.dtype), self.resolutions)
        for layer, stage_mask in zip(self.swin.layers, masks, strict=True):
            x = layer.downsample(x)
            # the blocks of a stage share its window size
            window = square_side(layer.blocks[0].attn.window_size, "window")
            attn_mask = same_source_attention_mask(stage_mask, window)
            for block in layer.blocks:
                x = _masked_block(block, x, attn_mask)
        return self.swin.norm(x)


def _masked_block(block: SwinTransformerBlock, x: Tensor, attn_mask: Tensor) -> Tensor:
    """The block's Eq. (3) of Swin (W-MSA, no shift) with an extra mask inside each window."""
    _, h, w, c = x.shape
    m = square_side(block.attn.window_size, "window")
    windows = window_partition(block.norm1(x), m).view(-1, m * m, c)  # (B·nW, M², C)
    windows = block.attn(windows, mask=attn_mask)
    x = x + block.drop_path1(window_reverse(windows.view(-1, m, m, c), m, h, w))
    return x + block.drop_path2(block.mlp(block.norm2(x)))
