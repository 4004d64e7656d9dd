"""CGDM's target pseudo-labels: class centroids weighted by the prediction, nearest centroid by
cosine, one refinement round with hard assignments (the authors' ``obtain_label``, after SHOT)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

#: added to the class mass, as in the authors' code
EPS = 1e-8


def weighted_centroids(features: Tensor, weights: Tensor) -> Tensor:
    """Class centroids as weighted means of the features.

    .. math::
        c_k = \\frac{\\sum_i w_{ik} f_i}{\\epsilon + \\sum_i w_{ik}}

    Args:
        features: ``(N, D)``.
        weights: ``(N, K)`` non-negative: softmax probabilities (the initial centroids) or
            one-hot assignments (the refinement, where c_k is the mean of class k's members).

    Returns:
        ``(K, D)``; a class with no weight gets the zero vector.
    """
    if features.dim() != 2 or weights.dim() != 2 or len(features) != len(weights):
        raise ValueError(
            f"features (N, D) and weights (N, K) must have the same N, got "
            f"{tuple(features.shape)} and {tuple(weights.shape)}"
        )
    return (weights.T @ features) / (EPS + weights.sum(0))[:, None]


def augment_and_normalize(features: Tensor) -> Tensor:
    """Features ``(N, D)`` with a constant 1 appended, each row scaled to unit L2 norm
    ``(N, D + 1)``, as the code does before clustering."""
    f = torch.cat([features, features.new_ones(len(features), 1)], dim=1)
    return F.normalize(f, dim=1)


def cluster_pseudo_labels(features: Tensor, logits: Tensor, rounds: int = 1) -> Tensor:
    """Pseudo-labels of target samples from their features and summed classifier logits.

    1. f̃_i = [f_i, 1] / ‖[f_i, 1]‖; p_i = softmax(F1(f_i) + F2(f_i)).
    2. c_k = Σ_i p_ik f̃_i / Σ_i p_ik (:func:`weighted_centroids`); ŷ_i = argmax_k cos(f̃_i, c_k).
    3. ``rounds`` times: c_k = the mean of the f̃_i with ŷ_i = k; reassign as in 2.

    Args:
        features: ``(N, D)`` generator outputs of all target samples (evaluation mode).
        logits: ``(N, K)`` F1 + F2 logits of the same samples.
        rounds: refinement rounds (the code: 1).

    Returns:
        ``(N,)`` int64 labels in 0 … K − 1. Ties go to the lower class. Where the code's scipy
        cosine distance to an empty class's zero centroid is NaN, ours is cosine 0.
    """
    if features.dim() != 2 or logits.dim() != 2 or len(features) != len(logits):
        raise ValueError(
            f"features (N, D) and logits (N, K) must have the same N, got "
            f"{tuple(features.shape)} and {tuple(logits.shape)}"
        )
    if len(features) == 0:
        raise ValueError("no target samples to pseudo-label")
    if rounds < 0:
        raise ValueError(f"rounds must not be negative, got {rounds}")
    f = augment_and_normalize(features.double())  # (N, D + 1)
    weights = F.softmax(logits.double(), dim=1)  # (N, K)
    classes = logits.shape[1]
    labels = _nearest(f, weighted_centroids(f, weights))
    for _ in range(rounds):
        labels = _nearest(f, weighted_centroids(f, F.one_hot(labels, classes).double()))
    return labels


def _nearest(f: Tensor, centroids: Tensor) -> Tensor:
    """Index of the centroid of highest cosine similarity to each (unit) row of ``f``."""
    return (f @ F.normalize(centroids, dim=1).T).argmax(1)  # (N,)
