"""Variable-length skeleton sequences as one tensor, their time reversal and their velocity.

Shared by CRRL and the SSL taxonomy (``implementations.ssl_taxonomy`` imports it from
``implementations.crrl``). A batch of N sequences of flattened frames (D = V·C coordinates per
frame) travels as one tensor ``(N, T_max, D + 1)``: each sequence zero-padded after its last
frame, and a last column that is 1 on valid frames and 0 on padding. One tensor, so that
:func:`repro.train.fit`, :func:`repro.train.features` and :func:`repro.train.linear_probe`
carry variable-length sequences unchanged; :func:`split_valid` recovers frames and lengths.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def pack_batch(sequences: list[np.ndarray] | list[Tensor]) -> Tensor:
    """Sequences ``(T_i, V, C)`` or ``(T_i, D)`` -> one tensor ``(N, T_max, D + 1)`` (padding
    after each sequence, last column the valid-frame flag)."""
    if len(sequences) == 0:
        raise ValueError("pack_batch needs at least one sequence")
    flat = [torch.as_tensor(np.asarray(s), dtype=torch.float32).flatten(1) for s in sequences]
    dims = {f.shape[1] for f in flat}
    if len(dims) != 1:
        raise ValueError(
            f"every sequence must have the same joints × coordinates per frame, got {sorted(dims)}"
        )
    if min(f.shape[0] for f in flat) < 1:
        raise ValueError("every sequence needs at least one frame")
    t_max, d = max(f.shape[0] for f in flat), dims.pop()
    out = torch.zeros(len(flat), t_max, d + 1)  # (N, T_max, D + 1)
    for i, f in enumerate(flat):
        out[i, : len(f), :d] = f
        out[i, : len(f), d] = 1.0
    return out


def split_valid(x: Tensor) -> tuple[Tensor, Tensor]:
    """``(N, T, D + 1)`` -> frames ``(N, T, D)`` and lengths ``(N,)`` int64.

    Raises ``ValueError`` unless the flags of every sequence are a prefix of ones (valid frames
    first, then padding) with at least one valid frame.
    """
    if x.dim() != 3 or x.shape[2] < 2:
        raise ValueError(
            f"a sequence batch must be (N, T, D + 1) with the valid-frame flag last, got "
            f"{tuple(x.shape)}"
        )
    flags = x[..., -1]  # (N, T)
    lengths = (flags > 0.5).sum(1)
    if bool((lengths < 1).any()):
        raise ValueError("every sequence needs at least one valid frame (its flag column is 0)")
    if not torch.equal(flags > 0.5, valid_mask(lengths, x.shape[1])):
        raise ValueError("valid-frame flags must be ones followed by zeros (padding at the end)")
    return x[..., :-1], lengths


def valid_mask(lengths: Tensor, frames: int) -> Tensor:
    """``(N, frames)`` boolean: True on the first ``lengths[i]`` frames of sequence i."""
    return torch.arange(frames, device=lengths.device)[None, :] < lengths[:, None]


def reverse_valid(frames: Tensor, lengths: Tensor) -> Tensor:
    """The time reversal of each sequence's valid frames, padding kept after them:
    ``out[i, t] = frames[i, lengths[i] − 1 − t]`` for ``t < lengths[i]`` — CRRL's reverse
    reconstruction target. ``frames`` (N, T, D) -> (N, T, D)."""
    n, t = frames.shape[:2]
    steps = torch.arange(t, device=frames.device)[None, :]  # (1, T)
    src = (lengths[:, None] - 1 - steps).clamp(min=0)  # (N, T)
    out = frames.gather(1, src[..., None].expand(n, t, frames.shape[2]))
    return out * valid_mask(lengths, t)[..., None]


def velocity(frames: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """The velocity sequence v_t = x_{t+1} − x_t (CRRL's motion input) of every sequence.

    ``frames`` (N, T, D), ``lengths`` (N,) -> velocities (N, T − 1, D), zero past each
    sequence's ``lengths − 1`` valid steps, and those lengths. The authors precompute their
    velocity offline without stating it; this first difference is our reading. Raises
    ``ValueError`` for a sequence of one frame (it has no velocity).
    """
    if bool((lengths < 2).any()):
        raise ValueError("velocity needs sequences of at least 2 frames; one has a single frame")
    v = frames[:, 1:] - frames[:, :-1]  # (N, T - 1, D)
    lv = lengths - 1
    return v * valid_mask(lv, v.shape[1])[..., None], lv
