"""Mixing two images in token space, and the attention mask that keeps their tokens apart.

The mixed input (authors' ``forward_encoder``; paper equation numbers not read): after the patch
embedding, sample b takes its own tokens where M = 0 and those of its partner, the sample at
the mirrored place B − 1 − b of the batch, where M = 1. Samples b and B − 1 − b are then
complementary mixes of the same two images. Inside every window of every stage a token attends
only to tokens of the same source image (same mask value), so that neither image's features
depend on the other's.
"""

from __future__ import annotations

import torch
from torch import Tensor

from implementations.swin import window_partition


def mix_tokens(tokens: Tensor, mask: Tensor) -> Tensor:
    """x_mix[b] = x[b] · (1 − M) + x[B − 1 − b] · M.

    With an odd batch the middle sample is its own partner: its mix is itself, and the
    same-source attention mask still keeps its two halves from seeing each other.

    Args:
        tokens (Tensor[B, H, W, C]): stage-1 tokens of the batch.
        mask (Tensor[H, W]): the mask on that grid, 0 or 1 (shared by the batch).

    Returns:
        Tensor[B, H, W, C]
    """
    if tokens.ndim != 4 or mask.shape != tokens.shape[1:3]:
        raise ValueError(
            f"the mask {tuple(mask.shape)} must match the token grid (B, H, W, C) = "
            f"{tuple(tokens.shape)} on (H, W)"
        )
    m = mask.to(tokens.dtype)[None, :, :, None]  # (1, H, W, 1)
    return tokens * (1 - m) + tokens.flip(0) * m


def same_source_attention_mask(mask: Tensor, window_size: int) -> Tensor:
    """The additive attention mask of one stage: 0 between tokens of the same source, −∞ else.

    For the tokens i, j of one window: A_ij = 0 if M_i = M_j, −∞ otherwise, added to the logits
    before the softmax (the authors subtract 1e30; −∞ gives the same weights, exactly 0, and no
    row is all −∞ because a token always sees itself).

    Args:
        mask (Tensor[H, W]): the stage's mask, 0 or 1; H and W divisible by ``window_size``.
        window_size: M of the stage's windows.

    Returns:
        Tensor[nW, M², M²] in the windows' order of :func:`window_partition`, shared by the batch.
    """
    if mask.ndim != 2:
        raise ValueError(f"the mask must be a 2-D grid (H, W), got shape {tuple(mask.shape)}")
    labels = window_partition(mask[None, :, :, None], window_size)
    labels = labels.reshape(-1, window_size * window_size)  # (nW, M²)
    differ = labels[:, :, None] != labels[:, None, :]  # (nW, M², M²)
    attn = torch.zeros(differ.shape, dtype=mask.dtype, device=mask.device)
    return attn.masked_fill_(differ, float("-inf"))
