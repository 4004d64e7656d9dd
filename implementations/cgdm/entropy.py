"""The entropy terms of the authors' code: confident predictions, diverse over the batch."""

from __future__ import annotations

import torch
from torch import Tensor

#: added inside the logarithms, as in the authors' code
EPS = 1e-5


def conditional_entropy(probs: Tensor) -> Tensor:
    """Mean prediction entropy :math:`\\frac{1}{N}\\sum_i H(p_i)`, :math:`H(p) = -\\sum_k p_k
    \\log(p_k + \\epsilon)`; ``probs`` ``(N, K)``. Minimising it makes predictions confident."""
    return -(probs * torch.log(probs + EPS)).sum(1).mean()


def negative_diversity(probs: Tensor) -> Tensor:
    """Negative entropy of the batch's mean prediction, :math:`\\sum_k \\bar p_k \\log \\bar p_k`
    with :math:`\\bar p = \\frac{1}{N}\\sum_i p_i + \\epsilon`; ``probs`` ``(N, K)``. Minimising it
    spreads the predictions over the classes (no collapse onto one class)."""
    mean = probs.mean(0) + EPS
    return (mean * torch.log(mean)).sum()


def entropy_loss(probs: Tensor) -> Tensor:
    """The code's ``Entropy``: :func:`conditional_entropy` + :func:`negative_diversity`, on one
    classifier's target probabilities ``(N, K)``; every step adds it for F1 and F2 with weight
    :attr:`~implementations.cgdm.bi_classifier.Method.entropy_weight`."""
    if probs.dim() != 2 or len(probs) == 0:
        raise ValueError(
            f"probabilities must be a non-empty (N, K) batch, got {tuple(probs.shape)}"
        )
    return conditional_entropy(probs) + negative_diversity(probs)
