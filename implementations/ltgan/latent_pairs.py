"""The pretext task's input: pairs of GAN-induced transformations, half sharing their ε.

The abstract (the method section was not readable): a GAN-induced transformation is the change
a latent perturbation ε makes, (G(z), G(z + ε)). Two such pairs are drawn with independent
latents z₁, z₂ ~ N(0, I):

    positive (y = 1): ε₂ = ε₁        negative (y = 0): ε₂ drawn independently of ε₁

with ε ~ N(0, σ² I) or U(−σ, σ)^d (the distribution and σ are our choices; the paper's are
unknown), and exactly half of the pairs positive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

EpsDistribution = Literal["gaussian", "uniform"]


@dataclass(frozen=True)
class LatentPairs:
    """``n`` pair-of-pairs: latents ``z1, z2`` and perturbations ``eps1, eps2`` ``[n, d]``;
    ``same`` ``[n]`` is 1.0 where ``eps2 = eps1`` (the first n/2), 0.0 elsewhere."""

    z1: Tensor
    z2: Tensor
    eps1: Tensor
    eps2: Tensor
    same: Tensor


def check_eps(scale: float, distribution: str) -> None:
    """Refuse a perturbation scale that is not a positive finite number, or an unknown law."""
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"the ε scale must be a positive finite number, got {scale!r}")
    if distribution not in ("gaussian", "uniform"):
        raise ValueError(
            f"the ε distribution must be 'gaussian' or 'uniform', got {distribution!r}"
        )


def draw_eps(
    n: int, dim: int, scale: float, distribution: EpsDistribution, generator: torch.Generator
) -> Tensor:
    """ε ``[n, dim]``: N(0, scale² I) or U(−scale, scale)^dim."""
    if distribution == "gaussian":
        return scale * torch.randn(n, dim, generator=generator)
    return scale * (2 * torch.rand(n, dim, generator=generator) - 1)


def draw_pairs(
    n: int,
    latent_dim: int,
    scale: float,
    distribution: EpsDistribution,
    generator: torch.Generator,
) -> LatentPairs:
    """``n`` (even, ≥ 2) balanced pair-of-pairs: the first n/2 share ε, the rest do not."""
    if n < 2 or n % 2:
        raise ValueError(f"the number of pairs must be even and at least 2, got {n}")
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be at least 1, got {latent_dim}")
    check_eps(scale, distribution)
    z1 = torch.randn(n, latent_dim, generator=generator)
    z2 = torch.randn(n, latent_dim, generator=generator)
    eps1 = draw_eps(n, latent_dim, scale, distribution, generator)
    half = n // 2
    eps2 = torch.cat([eps1[:half], draw_eps(n - half, latent_dim, scale, distribution, generator)])
    same = torch.cat([torch.ones(half), torch.zeros(n - half)])
    return LatentPairs(z1, z2, eps1, eps2, same)
