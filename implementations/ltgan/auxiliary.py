"""The auxiliary network A: do two GAN-induced transformations share their latent ε?

A reads the discriminator trunk's feature differences f_i = E(G(z_i + ε_i)) − E(G(z_i)) and
outputs one logit. Our A (the paper's is unknown) is symmetric by construction: a shared map φ
embeds each difference, and the logit depends on them only through φ(f₁) + φ(f₂) and
|φ(f₁) − φ(f₂)|, so A(f₁, f₂) = A(f₂, f₁) exactly — the question "same transformation?" has no
order.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class TransformationHead(nn.Module):
    """A(f₁, f₂) = w₂ᵀ LReLU(W₁ [φ(f₁) + φ(f₂); |φ(f₁) − φ(f₂)|]), φ = LReLU(W_φ f)."""

    def __init__(self, features: int, hidden: int = 64) -> None:
        super().__init__()
        if features < 1 or hidden < 1:
            raise ValueError(f"features and hidden must be ≥ 1, got {features}, {hidden}")
        self.embed = nn.Sequential(nn.Linear(features, hidden), nn.LeakyReLU(0.2))
        self.out = nn.Sequential(
            nn.Linear(2 * hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1)
        )

    def forward(self, f1: Tensor, f2: Tensor) -> Tensor:
        """Logits ``[n]`` of "same ε" for feature differences ``f1, f2`` ``[n, features]``."""
        if f1.shape != f2.shape or f1.ndim != 2:
            raise ValueError(
                f"f1 and f2 must both be [n, F], got {tuple(f1.shape)}, {tuple(f2.shape)}"
            )
        a, b = self.embed(f1), self.embed(f2)
        return self.out(torch.cat([a + b, (a - b).abs()], 1)).squeeze(1)
