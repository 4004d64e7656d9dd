"""The MixMIM mask: one binary mask per batch on the last-stage grid, upsampled to every stage.

As in the authors' code (``random_masking`` of ``models_mixmim.py``; the paper's equation numbers
were not read), the mask is shared by the whole batch: ``⌊n · r⌋`` of the ``n`` last-stage cells
are set to 1, chosen by ``argsort`` of uniform noise, and the mask is upsampled by nearest
neighbour to the token grid of each earlier stage. A mixing unit is therefore one last-stage cell:
a block of ``2^(stages − 1) × 2^(stages − 1)`` stage-1 tokens, never cut by patch merging.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def random_mask(
    height: int, width: int, ratio: float, generator: torch.Generator | None = None
) -> Tensor:
    """A mask on the last-stage grid: ``⌊height · width · ratio⌋`` ones at random cells.

    M[i] = 1 for the ``⌊n r⌋`` cells with the smallest noise u_i ~ U(0, 1), 0 elsewhere
    (n = height · width).

    Args:
        height, width: the last-stage grid (H/32 × W/32 for the paper's Swin at 224²).
        ratio: r, the fraction of cells whose token comes from the partner image, in [0, 1].
        generator: the noise's source (one per run, so paired runs see the same masks).

    Returns:
        Tensor[height, width] of 0.0 and 1.0 (float32).
    """
    if height < 1 or width < 1:
        raise ValueError(f"the mask grid must be positive, got {height}x{width}")
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"mask ratio must be in [0, 1], got {ratio}")
    n = height * width
    noise = torch.rand(n, generator=generator)
    mask = torch.zeros(n)
    mask[torch.argsort(noise)[: int(n * ratio)]] = 1.0
    return mask.view(height, width)


def stage_masks(mask: Tensor, resolutions: list[tuple[int, int]]) -> list[Tensor]:
    """The last-stage mask upsampled (nearest neighbour) to each stage's token grid.

    Args:
        mask (Tensor[h, w]): the mask on the last-stage grid.
        resolutions: each stage's (H_s, W_s), every one a multiple of (h, w) by the same
            integer factor on both axes.

    Returns:
        one Tensor[H_s, W_s] per stage, in the order of ``resolutions``.
    """
    if mask.ndim != 2:
        raise ValueError(f"the mask must be a 2-D grid (h, w), got shape {tuple(mask.shape)}")
    h, w = mask.shape
    out = []
    for rh, rw in resolutions:
        if rh % h or rw % w or rh // h != rw // w:
            raise ValueError(
                f"a stage grid {rh}x{rw} is not the mask grid {h}x{w} upsampled by one integer "
                "factor"
            )
        out.append(F.interpolate(mask[None, None], size=(rh, rw), mode="nearest")[0, 0])
    return out
