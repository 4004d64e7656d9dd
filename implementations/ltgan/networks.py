"""The two players: an MLP generator and an MLP discriminator whose trunk (every layer but the
last) is the feature extractor E(·) the auxiliary task reads.

The paper's rows use SNDCGAN and BigGAN (convolutional, spectral norm in D); at CPU scale both
players are MLPs (our choice, ``paper.ASSUMPTIONS['loss_and_architecture']``), in two forms:

- digits: a generator without batch normalisation and a spectrally normalised LeakyReLU
  discriminator (the SNDCGAN rows' D);
- Gaussian mixtures: PacGAN's synthetic-data players (Lin et al. 2018, their public code): a
  generator with batch normalisation after every hidden layer and a maxout discriminator
  without spectral norm. A 1-Lipschitz discriminator cannot tell a point from one 0.03 away
  (three of the ring's standard deviations) by more than 0.03 in its logit, so the SN
  baseline never placed its samples inside the modes (0.2 of 8 ring modes covered).
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


def _bn_mlp(sizes: list[int]) -> list[nn.Module]:
    """Linear (no bias: the norm's shift replaces it) → BatchNorm → ReLU, per hidden layer."""
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        layers += [nn.Linear(a, b, bias=False), nn.BatchNorm1d(b), nn.ReLU()]
    return layers


class Maxout(nn.Module):
    """Maxout unit (Goodfellow et al. 2013): h_j = max_k (W_k x + b_k)_j over ``pieces`` pieces."""

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        if pieces < 2:
            raise ValueError(f"maxout needs at least 2 pieces, got {pieces}")
        self.pieces = pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: Tensor) -> Tensor:
        y = self.linear(x)  # [B, out · pieces]
        return y.view(len(x), -1, self.pieces).amax(-1)  # [B, out]


class Generator(nn.Module):
    """G: z ``[B, latent_dim]`` → sample ``[B, *out_shape]``; ``tanh`` output for images.

    With ``batch_norm`` every hidden layer is normalised over the batch in training (PacGAN's
    generator); a sample then depends on its batch, so callers that run G for anything but the
    GAN's own batches keep its running statistics (:func:`repro.gan.keeping_norm_statistics`).
    """

    def __init__(
        self,
        latent_dim: int,
        hidden: tuple[int, ...],
        out_shape: tuple[int, ...],
        tanh: bool,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if latent_dim < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"latent_dim and hidden sizes must be ≥ 1, got {latent_dim}, {hidden}")
        out = 1
        for s in out_shape:
            out *= s
        self.latent_dim = latent_dim
        self.out_shape = out_shape
        sizes = [latent_dim, *hidden]
        self.net = nn.Sequential(
            *(_bn_mlp(sizes) if batch_norm else _mlp(sizes, nn.ReLU, sn=False)),
            nn.Linear(hidden[-1], out),
            *([nn.Tanh()] if tanh else []),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), *self.out_shape)


class Discriminator(nn.Module):
    """D = last ∘ trunk: sample → trunk features ``[B, hidden[-1]]`` → real/fake logit ``[B]``.

    ``maxout = 0``: spectral normalisation on every linear layer (Miyato et al. 2018, as in the
    SNDCGAN rows), LeakyReLU(0.2). ``maxout = k``: maxout layers of k pieces and no spectral
    norm (PacGAN's synthetic-data discriminator).
    """

    def __init__(self, in_features: int, hidden: tuple[int, ...], maxout: int = 0) -> None:
        super().__init__()
        if in_features < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"sizes must be ≥ 1, got {in_features}, {hidden}")
        if maxout:
            sizes = [in_features, *hidden]
            body: list[nn.Module] = [Maxout(a, b, maxout) for a, b in itertools.pairwise(sizes)]
            last = nn.Linear(hidden[-1], 1)
        else:
            body = _mlp([in_features, *hidden], lambda: nn.LeakyReLU(0.2), sn=True)
            last = spectral_norm(nn.Linear(hidden[-1], 1))
        self.trunk = nn.Sequential(nn.Flatten(), *body)
        self.last = last
        self.features = hidden[-1]

    def forward(self, x: Tensor) -> Tensor:
        return self.last(self.trunk(x)).squeeze(1)
