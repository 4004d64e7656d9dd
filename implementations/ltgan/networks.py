"""The two players: an MLP generator and a spectrally normalised MLP discriminator whose trunk
(every layer but the last) is the feature extractor E(·) the auxiliary task reads.

The paper's rows use SNDCGAN and BigGAN (convolutional, spectral norm in D); at CPU scale both
players are MLPs (our choice, ``paper.ASSUMPTIONS['architecture']``). The generator has no
batch normalisation: every sample depends on its own latent only, so the auxiliary task's extra
generator calls cannot change the GAN's own samples.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm


def _mlp(sizes: list[int], act: Callable[[], nn.Module], sn: bool) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        lin = nn.Linear(a, b)
        layers += [spectral_norm(lin) if sn else lin, act()]
    return layers


class Generator(nn.Module):
    """G: z ``[B, latent_dim]`` → sample ``[B, *out_shape]``; ``tanh`` output for images."""

    def __init__(
        self, latent_dim: int, hidden: tuple[int, ...], out_shape: tuple[int, ...], tanh: bool
    ) -> None:
        super().__init__()
        if latent_dim < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"latent_dim and hidden sizes must be ≥ 1, got {latent_dim}, {hidden}")
        out = 1
        for s in out_shape:
            out *= s
        self.latent_dim = latent_dim
        self.out_shape = out_shape
        self.net = nn.Sequential(
            *_mlp([latent_dim, *hidden], nn.ReLU, sn=False),
            nn.Linear(hidden[-1], out),
            *([nn.Tanh()] if tanh else []),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), *self.out_shape)


class Discriminator(nn.Module):
    """D = last ∘ trunk: sample → trunk features ``[B, hidden[-1]]`` → real/fake logit ``[B]``.

    Spectral normalisation on every linear layer (Miyato et al. 2018, as in the SNDCGAN rows),
    LeakyReLU(0.2).
    """

    def __init__(self, in_features: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        if in_features < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"sizes must be ≥ 1, got {in_features}, {hidden}")
        self.trunk = nn.Sequential(
            nn.Flatten(), *_mlp([in_features, *hidden], lambda: nn.LeakyReLU(0.2), sn=True)
        )
        self.last = spectral_norm(nn.Linear(hidden[-1], 1))
        self.features = hidden[-1]

    def forward(self, x: Tensor) -> Tensor:
        return self.last(self.trunk(x)).squeeze(1)
