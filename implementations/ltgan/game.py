"""The GANs compared: a baseline, LT (the latent-transformation task added), CR and CR+LT.

The baseline is a non-saturating GAN (Goodfellow et al. 2014) with a spectrally normalised
discriminator:

    L_D = E_x softplus(−D(x)) + E_z softplus(D(G(z)))        L_G = E_z softplus(−D(G(z)))

LT adds the auxiliary head A, trained on L_LT in the discriminator's step, and λ·L_LT to L_G
(:mod:`implementations.ltgan.lt_loss`); CR adds λ_CR·L_CR to L_D
(:mod:`implementations.ltgan.consistency`). Each add-on draws from its own named random stream
(:class:`repro.gan.Streams`), so the latents and real batches of the GAN under it are those of
the baseline with the same seed, and the task's generator calls leave a batch-normalised G's
running statistics as they were (:func:`repro.gan.keeping_norm_statistics`): with λ = 0 the GAN
under LT trains and samples bit for bit as the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.ltgan.auxiliary import TransformationHead
from implementations.ltgan.consistency import consistency_loss, jitter, translate
from implementations.ltgan.latent_pairs import EpsDistribution, check_eps, draw_pairs
from implementations.ltgan.lt_loss import lt_loss
from implementations.ltgan.networks import Discriminator, Generator
from repro.gan import Streams, keeping_norm_statistics


def _check_weight(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")


@dataclass(frozen=True)
class LTConfig:
    """The latent-transformation task's settings; every one is our choice (paper.ASSUMPTIONS).

    ``lam``: λ, the weight of L_LT in G's loss; ``eps_scale``, ``eps_distribution``: ε's law;
    ``pairs``: pair-of-pairs per step (half positive); ``trunk_grad``: whether D's trunk learns
    from L_LT; ``head_hidden``: A's width.
    """

    lam: float = 1.0
    eps_scale: float = 0.5
    eps_distribution: EpsDistribution = "gaussian"
    pairs: int = 32
    trunk_grad: bool = False
    head_hidden: int = 64

    def __post_init__(self) -> None:
        _check_weight("λ (the weight of L_LT)", self.lam)
        check_eps(self.eps_scale, self.eps_distribution)
        if self.pairs < 2 or self.pairs % 2:
            raise ValueError(f"pairs must be even and at least 2, got {self.pairs}")


@dataclass(frozen=True)
class CRConfig:
    """Consistency regularisation: weight λ_CR and the augmentation of real samples
    (``translate`` by up to ``amount`` pixels, or Gaussian ``jitter`` of std ``amount``)."""

    weight: float = 10.0
    augment: Literal["translate", "jitter"] = "translate"
    amount: float = 2

    def __post_init__(self) -> None:
        _check_weight("λ_CR", self.weight)
        if self.augment not in ("translate", "jitter"):
            raise ValueError(f"augment must be 'translate' or 'jitter', got {self.augment!r}")
        _check_weight("the augmentation amount", self.amount)

    def apply(self, real: Tensor, generator: torch.Generator) -> Tensor:
        if self.augment == "translate":
            return translate(real[:, None] if real.ndim == 3 else real, int(self.amount), generator)
        return jitter(real, self.amount, generator)


class LTGAN(nn.Module):
    """G, D and (with ``lt``) the auxiliary head A, as a :class:`repro.gan.Game`."""

    def __init__(
        self,
        generator: Generator,
        discriminator: Discriminator,
        lt: LTConfig | None = None,
        cr: CRConfig | None = None,
    ) -> None:
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.lt = lt
        self.cr = cr
        self.head = TransformationHead(discriminator.features, lt.head_hidden) if lt else None

    def generator_parameters(self) -> Iterable[nn.Parameter]:
        return self.generator.parameters()

    def discriminator_parameters(self) -> Iterable[nn.Parameter]:
        head = list(self.head.parameters()) if self.head is not None else []
        return [*self.discriminator.parameters(), *head]

    def _latents(self, n: int, streams: Streams) -> Tensor:
        return torch.randn(n, self.generator.latent_dim, generator=streams("latent"))

    def task_loss(self, streams: Streams, step: Literal["generator", "discriminator"]) -> Tensor:
        """L_LT on a fresh balanced batch of pair-of-pairs from the ``lt`` stream."""
        assert self.lt is not None and self.head is not None
        pairs = draw_pairs(
            self.lt.pairs,
            self.generator.latent_dim,
            self.lt.eps_scale,
            self.lt.eps_distribution,
            streams("lt"),
        )
        trunk = self.discriminator.trunk
        with keeping_norm_statistics(self.generator):
            return lt_loss(self.generator, trunk, self.head, pairs, step, self.lt.trunk_grad)

    def discriminator_loss(self, real: Tensor, streams: Streams) -> Tensor:
        """L_D [+ λ_CR·L_CR] [+ L_LT for A (and D's trunk with ``trunk_grad``)]."""
        fake = self.generator(self._latents(len(real), streams)).detach()
        d = self.discriminator
        loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        if self.cr is not None:
            augmented = self.cr.apply(real, streams("augment")).view_as(real)
            loss = loss + self.cr.weight * consistency_loss(d, real, augmented)
        if self.lt is not None:
            loss = loss + self.task_loss(streams, "discriminator")
        return loss

    def generator_loss(self, batch_size: int, streams: Streams) -> Tensor:
        """L_G [+ λ·L_LT]."""
        fake = self.generator(self._latents(batch_size, streams))
        loss = F.softplus(-self.discriminator(fake)).mean()
        if self.lt is not None:
            loss = loss + self.lt.lam * self.task_loss(streams, "generator")
        return loss
