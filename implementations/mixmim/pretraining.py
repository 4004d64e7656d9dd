"""MixMIM pretraining: mix, encode with same-source attention, unmix, reconstruct both images."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from implementations.mixmim.decoder import UnmixingDecoder
from implementations.mixmim.encoder import SwinEncoder
from implementations.mixmim.masking import random_mask, stage_masks
from implementations.mixmim.mixing import mix_tokens
from implementations.mixmim.reconstruction import dual_reconstruction_loss
from implementations.swin import SwinTransformer

#: Decoders: MixMIM-B's (512 wide, 8 blocks, 16 heads) and the small one of our CPU experiments.
DECODERS: dict[str, dict[str, Any]] = {
    "mixmim_b": dict(dim=512, depth=8, num_heads=16),
    "mixmim_digits": dict(dim=64, depth=2, num_heads=4),
}


class MixMIM(nn.Module):
    """The pretraining model: ``forward(images)`` returns the dual reconstruction loss.

    One mask per batch is drawn on the last-stage grid (:func:`random_mask`, ratio
    ``mask_ratio``) from the model's own generator (seeded by ``seed``, so that paired runs see
    the same masks); the batch is mixed with itself reversed (:func:`mix_tokens`), encoded with
    same-source attention (:class:`SwinEncoder`), unmixed into 2B sequences
    (:class:`UnmixingDecoder`) and scored by :func:`dual_reconstruction_loss`.

    An odd batch pairs its middle image with itself: it is reconstructed, half from each
    branch, from its own two halves, which never attend to each other (documented in
    :func:`mix_tokens`; tested).

    Args:
        swin: the backbone (:func:`implementations.mixmim.encoder.mixmim_swin`), trained in place.
        decoder: :class:`UnmixingDecoder` settings (``dim``, ``depth``, ``num_heads``, …).
        mask_ratio: r, the share of last-stage cells taken from the partner.
        seed: seeds the mask generator.
    """

    def __init__(
        self,
        swin: SwinTransformer,
        decoder: dict[str, Any] | None = None,
        mask_ratio: float = 0.5,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if not 0.0 < mask_ratio < 1.0:
            raise ValueError(
                f"mask_ratio must be in (0, 1): both images need cells, got {mask_ratio}"
            )
        self.encoder = SwinEncoder(swin)
        out_dim = self.encoder.cell**2 * swin.patch_embed.proj.in_channels
        self.decoder = UnmixingDecoder(
            swin.num_features, self.encoder.grid, out_dim, **(decoder or {})
        )
        self.mask_ratio = mask_ratio
        self.generator = torch.Generator().manual_seed(seed)

    def draw_mask(self) -> Tensor:
        """The next batch's mask, Tensor[h, w]."""
        return random_mask(*self.encoder.grid, self.mask_ratio, self.generator)

    def encode(self, images: Tensor, mask: Tensor) -> Tensor:
        """The encoder's features of the mixed batch: Tensor[B, h, w, C_last]."""
        self.encoder.check_mask(mask)
        tokens = self.encoder.tokens(images)  # (B, H/p, W/p, C)
        (stage1,) = stage_masks(mask.to(tokens.dtype), self.encoder.resolutions[:1])
        return self.encoder(mix_tokens(tokens, stage1), mask)

    def predict(self, images: Tensor, mask: Tensor) -> Tensor:
        """The decoder's two branches: Tensor[2B, h, w, cell² · C_in]."""
        return self.decoder(self.encode(images, mask), mask)

    def forward(self, images: Tensor, mask: Tensor | None = None) -> Tensor:
        """The loss of one batch (a fresh mask unless ``mask`` is given)."""
        mask = (self.draw_mask() if mask is None else mask).to(images.device)
        pred = self.predict(images, mask)
        return dual_reconstruction_loss(pred, images, mask.to(pred.dtype), self.encoder.cell)
