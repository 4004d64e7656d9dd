"""The reconstruction and similarity losses both papers use, over valid frames only.

Shared by CRRL (:func:`sequence_sse`) and the SSL taxonomy (:func:`masked_mse`,
:func:`latent_similarity`); ``implementations.ssl_taxonomy`` imports them from
``implementations.crrl``.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from implementations.crrl.sequences import valid_mask


def _check_pair(pred: Tensor, target: Tensor, lengths: Tensor) -> None:
    if pred.shape[-2:] != target.shape[-2:] or pred.dim() < 3:
        raise ValueError(
            f"prediction and target must be (N, ..., T, D) with one (T, D), got "
            f"{tuple(pred.shape)}, {tuple(target.shape)}"
        )
    if lengths.dim() != 1 or len(lengths) != pred.shape[0]:
        raise ValueError(
            f"lengths must be (N,) with N = {pred.shape[0]}, got {tuple(lengths.shape)}"
        )


def sequence_sse(pred: Tensor, target: Tensor, lengths: Tensor) -> Tensor:
    """CRRL's reconstruction loss: the sum of squared errors of each sequence over its L_i
    valid frames, divided by L_i, averaged over the batch:

        L_rec = (1/N) Σ_i (1/L_i) Σ_{t < L_i} ||x̂_{i,t} − x_{i,t}||²

    ``pred``, ``target`` (N, T, D), ``lengths`` (N,)."""
    _check_pair(pred, target, lengths)
    mask = valid_mask(lengths, pred.shape[1])[..., None]  # (N, T, 1)
    sse = ((pred - target).square() * mask).sum((1, 2))  # (N,)
    return (sse / lengths.to(sse.dtype)).mean()


def masked_mse(pred: Tensor, target: Tensor, lengths: Tensor, reduce: bool = True) -> Tensor:
    """The taxonomy's masked reconstruction error: the squared error averaged over the D
    coordinates of a frame, then over the L_i valid frames of sequence i:

        e_i = (1/L_i) Σ_{t < L_i} (1/D) ||x̂_{i,t} − x_{i,t}||²

    ``pred`` and ``target`` (N, T, D) or broadcasting (N, K, T, D) against (1, K, T, D) (a
    prediction against a queue of reconstructions); ``lengths`` (N,). Returns the batch mean
    of e (``reduce``) or e itself, (N,) or (N, K)."""
    _check_pair(pred, target, lengths)
    err = (pred - target).square().mean(-1)  # (N, [K,] T)
    mask = valid_mask(lengths, err.shape[-1]).view(len(lengths), *[1] * (err.dim() - 2), -1)
    e = (err * mask).sum(-1) / lengths.to(err.dtype).view(mask.shape[:-1])
    return e.mean() if reduce else e


def latent_similarity(q: Tensor, z: Tensor) -> Tensor:
    """The taxonomy's attractive latent loss 2 − 2·cos(q, z), averaged over the batch
    (= ||q̂ − ẑ||² for unit vectors q̂, ẑ; BYOL's form). ``q``, ``z`` (N, D)."""
    if q.dim() != 2 or q.shape != z.shape:
        raise ValueError(
            f"q and z must be (N, D) of one shape, got {tuple(q.shape)}, {tuple(z.shape)}"
        )
    return (2 - 2 * (F.normalize(q, dim=1) * F.normalize(z, dim=1)).sum(1)).mean()
