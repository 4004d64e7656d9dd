"""The synthetic Gaussian mixtures of the mode-collapse literature (VEEGAN, PacGAN).

Two 2-D mixtures of equally weighted isotropic Gaussians, with the settings of PacGAN's public
code (``synthetic_data_experiments/2DRing_GAN&PacGAN/config.py`` and ``2DGrid_…/config.py`` in
github.com/fjxmlzn/PacGAN): the ring of 8 modes on the unit circle with standard deviation 0.01,
and the 5 × 5 grid of modes at {−4, −2, 0, 2, 4}² with standard deviation 0.05. Samples are
drawn from a seeded ``torch.Generator``; no file is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Mixture:
    """Equally weighted isotropic Gaussians: ``means`` ``[K, 2]``, one ``std`` for all."""

    name: str
    means: Tensor
    std: float

    def __post_init__(self) -> None:
        if self.means.ndim != 2 or len(self.means) < 1:
            raise ValueError(f"means must be [K, D] with K ≥ 1, got {tuple(self.means.shape)}")
        if not (math.isfinite(self.std) and self.std > 0):
            raise ValueError(f"std must be positive and finite, got {self.std}")

    @property
    def modes(self) -> int:
        return len(self.means)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` samples ``[n, D]``: a uniformly drawn mode plus Gaussian noise of ``std``."""
        which = torch.randint(self.modes, (n,), generator=generator)
        noise = torch.randn(n, self.means.shape[1], generator=generator)
        return self.means[which] + self.std * noise


def ring(modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
    """``modes`` Gaussians evenly spaced on a circle (PacGAN's 2D-ring: 8, radius 1, std 0.01)."""
    angle = 2 * math.pi * torch.arange(modes, dtype=torch.float64) / modes
    means = radius * torch.stack([angle.cos(), angle.sin()], 1)
    return Mixture(f"ring of {modes}", means.float(), std)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """``side`` × ``side`` Gaussians on a centred square grid (PacGAN's 2D-grid: 5, spacing 2,
    std 0.05)."""
    axis = spacing * (torch.arange(side, dtype=torch.float32) - (side - 1) / 2)
    means = torch.cartesian_prod(axis, axis)
    return Mixture(f"grid of {side * side}", means, std)
