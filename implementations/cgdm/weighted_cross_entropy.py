"""CGDM's self-supervised target loss: cross-entropy on pseudo-labels, confident samples first."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.cgdm.entropy import EPS


def entropy_weights(logits: Tensor) -> Tensor:
    """Per-sample weights from the prediction entropy, normalised over the batch.

    .. math::
        w_i = \\frac{1 + e^{-H(p_i)}}{\\sum_j \\left(1 + e^{-H(p_j)}\\right)}, \\qquad
        H(p) = -\\sum_k p_k \\log(p_k + \\epsilon)

    A confident prediction (low entropy) weighs up to twice a uniform one. As in the authors'
    ``Weighted_CrossEntropy`` the normaliser is detached, the numerators are not.

    Args:
        logits: ``(N, K)`` target logits, N ≥ 1.

    Returns:
        ``(N,)`` positive weights summing to 1.
    """
    if logits.dim() != 2 or len(logits) == 0:
        raise ValueError(f"logits must be a non-empty (N, K) batch, got {tuple(logits.shape)}")
    p = F.softmax(logits, dim=1)
    entropy = -(p * torch.log(p + EPS)).sum(1)  # (N,)
    w = 1.0 + torch.exp(-entropy)
    return w / w.sum().detach()


def weighted_cross_entropy(logits: Tensor, labels: Tensor) -> Tensor:
    """The entropy-weighted target loss :math:`\\frac{1}{N}\\sum_i w_i\\,\\mathrm{CE}(F(G(x_i)),
    \\hat y_i)` with :func:`entropy_weights` and pseudo-labels :math:`\\hat y` ``(N,)`` (the code
    averages the weighted terms, so the loss is the weighted mean divided by N)."""
    if labels.shape != logits.shape[:1]:
        raise ValueError(
            f"one pseudo-label per target sample: logits {tuple(logits.shape)}, labels "
            f"{tuple(labels.shape)}"
        )
    return (entropy_weights(logits) * F.cross_entropy(logits, labels, reduction="none")).mean()
