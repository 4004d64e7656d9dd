"""The latent-transformation detection loss L_LT.

With E the discriminator's trunk, A the auxiliary head and a batch of pair-of-pairs
(z₁, ε₁, z₂, ε₂, y) from :func:`implementations.ltgan.latent_pairs.draw_pairs`:

    f_i = E(G(z_i + ε_i)) − E(G(z_i)),   i = 1, 2
    L_LT = BCE(σ(A(f₁, f₂)), y) = −[y log σ(A) + (1 − y) log(1 − σ(A))], averaged over pairs

A minimises L_LT in the discriminator's step; G minimises L_G + λ·L_LT in its own step (the
abstract: the auxiliary loss is given to the generator). Whether E also learns from L_LT in the
discriminator's step is an open choice (``trunk_grad``): off, A reads detached features; on, the
gradient flows into E's weights. In the generator's step the whole graph is kept, so the
gradient reaches G through E and A (their own gradients there are discarded: only G's optimiser
steps).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.ltgan.auxiliary import TransformationHead
from implementations.ltgan.latent_pairs import LatentPairs

Step = Literal["generator", "discriminator"]


def feature_differences(
    generator: nn.Module, trunk: nn.Module, pairs: LatentPairs, step: Step, trunk_grad: bool
) -> tuple[Tensor, Tensor]:
    """f₁, f₂ ``[n, F]``: the trunk-feature change each latent perturbation causes.

    One generator call and one trunk call on the four latent sets stacked (``[4n, d]``). In the
    discriminator's step G's samples are detached, and so are the features unless
    ``trunk_grad``.
    """
    if step not in ("generator", "discriminator"):
        raise ValueError(f"step must be 'generator' or 'discriminator', got {step!r}")
    n = len(pairs.z1)
    z = torch.cat([pairs.z1, pairs.z1 + pairs.eps1, pairs.z2, pairs.z2 + pairs.eps2])  # [4n, d]
    images = generator(z)
    if step == "discriminator":
        images = images.detach()
    feats = trunk(images)  # [4n, F]
    if step == "discriminator" and not trunk_grad:
        feats = feats.detach()
    base1, moved1, base2, moved2 = feats.split(n)
    return moved1 - base1, moved2 - base2


def lt_loss(
    generator: nn.Module,
    trunk: nn.Module,
    head: TransformationHead,
    pairs: LatentPairs,
    step: Step,
    trunk_grad: bool = False,
) -> Tensor:
    """L_LT (binary cross-entropy of A's "same ε" logit against ``pairs.same``), a scalar."""
    f1, f2 = feature_differences(generator, trunk, pairs, step, trunk_grad)
    return F.binary_cross_entropy_with_logits(head(f1, f2), pairs.same)
