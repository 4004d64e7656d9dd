"""The [MASK]-token baseline (SimMIM-style) on the same backbone, decoder and loss as MixMIM.

What the paper compares mixing against: hidden tokens are replaced by a learned [MASK] token
after the patch embedding, the encoder attends over all tokens (no attention mask), the
decoder reads the B sequences as they are, and the loss is the same normalised-pixel MSE on the
hidden cells only. SimMIM itself predicts raw pixels with a linear head and an L1 loss; here
only the input corruption differs from MixMIM, which is the comparison the paper draws.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from implementations.mixmim.masking import stage_masks
from implementations.mixmim.pretraining import MixMIM
from implementations.mixmim.reconstruction import masked_reconstruction_loss
from implementations.swin import SwinTransformer


class MaskTokenMIM(MixMIM):
    """``forward(images)`` returns the masked reconstruction loss; arguments as :class:`MixMIM`.

    MixMIM's backbone, decoder and mask generator, built in the same order, with the [MASK]
    token added last: the same seed gives the same backbone and decoder weights and the same
    masks as MixMIM's.
    """

    def __init__(
        self,
        swin: SwinTransformer,
        decoder: dict[str, Any] | None = None,
        mask_ratio: float = 0.5,
        seed: int = 0,
    ) -> None:
        super().__init__(swin, decoder, mask_ratio, seed)
        self.mask_token = nn.Parameter(torch.zeros(swin.patch_embed.proj.out_channels))
        nn.init.trunc_normal_(self.mask_token, std=0.02)

    def predict(self, images: Tensor, mask: Tensor) -> Tensor:
        """Tensor[B, h, w, cell² · C_in]: the prediction of every cell."""
        self.encoder.check_mask(mask)
        tokens = self.encoder.tokens(images)  # (B, H/p, W/p, C)
        (stage1,) = stage_masks(mask.to(tokens.dtype), self.encoder.resolutions[:1])
        tokens = torch.where(stage1.bool()[None, :, :, None], self.mask_token, tokens)
        return self.decoder(self.encoder(tokens))

    def forward(self, images: Tensor, mask: Tensor | None = None) -> Tensor:
        """The loss of one batch (a fresh mask unless ``mask`` is given)."""
        mask = (self.draw_mask() if mask is None else mask).to(images.device)
        pred = self.predict(images, mask)
        return masked_reconstruction_loss(pred, images, mask, self.encoder.cell)
