"""The classifier discrepancy of MCD (Saito et al., CVPR 2018), which CGDM keeps unchanged."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def classifier_discrepancy(logits1: Tensor, logits2: Tensor) -> Tensor:
    """Mean absolute difference of the two classifiers' class probabilities.

    .. math::
        d(p_1, p_2) = \\frac{1}{N K} \\sum_{i=1}^{N} \\sum_{k=1}^{K} |p_1(k | x_i) - p_2(k | x_i)|

    with :math:`p_j = \\mathrm{softmax}(F_j(G(x)))` (MCD's Eq. 2; the authors' ``discrepancy``
    averages over classes as well as samples). Step B maximises it over F1, F2 on target
    samples, step C minimises it over G.

    Args:
        logits1: ``(N, K)`` logits of F1.
        logits2: ``(N, K)`` logits of F2.

    Returns:
        A scalar in [0, 2 / K]; symmetric, and 0 exactly when the two softmaxes agree.
    """
    if logits1.shape != logits2.shape or logits1.dim() != 2:
        raise ValueError(
            "the two classifiers' logits must both be (N, K), got "
            f"{tuple(logits1.shape)} and {tuple(logits2.shape)}"
        )
    return (F.softmax(logits1, dim=1) - F.softmax(logits2, dim=1)).abs().mean()
