"""Consistency regularisation (CR-GAN, Zhang et al., ICLR 2020), the paper's CR and CR+LT rows.

The discriminator is asked to give a real sample and its augmented copy the same output:

    L_CR = λ_CR · ‖D(x) − D(T(x))‖²,   added to the discriminator's loss, on real samples only

The augmentation T is ours (CR-GAN used flips and translations of CIFAR images): a random
integer translation of up to ``shift`` pixels (zeros shifted in) for images, Gaussian jitter of
standard deviation ``jitter`` for points.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def translate(images: Tensor, shift: int, generator: torch.Generator) -> Tensor:
    """Each image ``[B, C, H, W]`` moved by its own integer (dy, dx) ∈ [−shift, shift]²."""
    if shift < 0:
        raise ValueError(f"shift must be ≥ 0, got {shift}")
    b, _, h, w = images.shape
    padded = nn.functional.pad(images, (shift, shift, shift, shift))
    offsets = torch.randint(0, 2 * shift + 1, (b, 2), generator=generator)
    return torch.stack(
        [padded[i, :, dy : dy + h, dx : dx + w] for i, (dy, dx) in enumerate(offsets.tolist())]
    )


def jitter(points: Tensor, std: float, generator: torch.Generator) -> Tensor:
    """Points ``[B, D]`` plus N(0, std² I) noise."""
    return points + std * torch.randn(points.shape, generator=generator)


def consistency_loss(discriminator: nn.Module, real: Tensor, augmented: Tensor) -> Tensor:
    """mean over the batch of (D(x) − D(T(x)))², the unweighted L_CR."""
    return (discriminator(real) - discriminator(augmented)).pow(2).mean()
