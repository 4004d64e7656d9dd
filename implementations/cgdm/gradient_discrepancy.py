"""CGDM's cross-domain gradient discrepancy L_GD: align the directions in which the source loss
and the (pseudo-labelled, entropy-weighted) target loss would move the classifiers."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def gradient_discrepancy(grads_source: Sequence[Tensor], grads_target: Sequence[Tensor]) -> Tensor:
    """One minus the cosine similarity of two gradients, averaged over parameter tensors.

    .. math::
        L_{GD} = \\frac{1}{|\\Theta|} \\sum_{\\theta \\in \\Theta}
                 \\left(1 - \\cos\\left(g^s_\\theta, g^t_\\theta\\right)\\right), \\qquad
        g^s_\\theta = \\nabla_\\theta L_s, \\; g^t_\\theta = \\nabla_\\theta L_t^w

    The paper writes L_GD = 1 − cos(g_s, g_t) for the classifier's gradients (S1; the paper was
    not readable here). As in the authors' ``gradient_discrepancy_loss_margin``, the cosine is
    taken per parameter tensor: a vector (bias, BatchNorm scale) as a whole, a matrix row by row
    (one cosine per output unit, then their mean); a tensor of more dimensions is flattened to
    (rows, rest) first (the code's ``dim=1`` would take the cosine along the second axis only).
    A zero gradient has cosine 0 with anything (``F.cosine_similarity`` clamps the norms).

    Args:
        grads_source: gradients of the source loss, one tensor per parameter.
        grads_target: gradients of the target loss, the same shapes in the same order.

    Returns:
        A scalar in [0, 2]: 0 for gradients that point the same way, 2 for opposite ones;
        unchanged by scaling either side by a positive number. It is differentiable when the
        gradients were built with ``create_graph=True``.
    """
    if len(grads_source) == 0 or len(grads_source) != len(grads_target):
        raise ValueError(
            "gradient_discrepancy needs two equally long, non-empty sequences of gradients, got "
            f"{len(grads_source)} and {len(grads_target)}"
        )
    terms = []
    for i, (gs, gt) in enumerate(zip(grads_source, grads_target, strict=True)):
        if gs.shape != gt.shape:
            raise ValueError(
                f"gradient {i}: source {tuple(gs.shape)} and target {tuple(gt.shape)} must have "
                "the same shape"
            )
        if gs.dim() <= 1:
            cos = F.cosine_similarity(gs.reshape(-1), gt.reshape(-1), dim=0)
        else:
            cos = F.cosine_similarity(gs.flatten(1), gt.flatten(1), dim=1).mean()
        terms.append(1.0 - cos)
    return torch.stack(terms).mean()


def classifier_gradient_discrepancy(
    classifier: nn.Module, loss_source: Tensor, loss_target: Tensor
) -> Tensor:
    """:func:`gradient_discrepancy` of one classifier's parameter gradients under the source
    loss and the target loss.

    The gradients are built with ``create_graph=True``, so L_GD is a function of the generator's
    parameters as well (through the features the losses were computed on) and step C's backward
    trains G on it (a double backward).
    """
    params = [p for p in classifier.parameters() if p.requires_grad]
    g_s = torch.autograd.grad(loss_source, params, create_graph=True)
    g_t = torch.autograd.grad(loss_target, params, create_graph=True)
    return gradient_discrepancy(g_s, g_t)
