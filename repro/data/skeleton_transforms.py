"""Transforms of skeleton sequences, and the stacked tensor convention of skeleton models.

A sequence is a ``(T, V, C)`` array (frames, joints, coordinates). Models take a batch as
``(N, C, T, V, M)``: N sequences, C coordinates, T frames, V joints, M persons — the
convention of the ST-GCN reference code, shared here by every skeleton paper. Random transforms
take a ``numpy.random.Generator`` so that a seed fixes them.
"""

from __future__ import annotations

import numpy as np


def _check(seq: np.ndarray) -> None:
    if not isinstance(seq, np.ndarray) or seq.ndim != 3:
        raise ValueError(f"a sequence must be a (T, V, C) array, got shape {np.shape(seq)}")
    if seq.shape[0] < 1:
        raise ValueError("a sequence must have at least one frame, got T = 0")


def center(seq: np.ndarray, joint: int, per_frame: bool = False) -> np.ndarray:
    """Subtract the position of ``joint``: in the first frame (default; the trajectory is
    kept, so walking still moves) or in every frame (``per_frame``; pose only)."""
    _check(seq)
    if not 0 <= joint < seq.shape[1]:
        raise ValueError(f"joint must be in [0, {seq.shape[1]}), got {joint}")
    ref = seq[:, joint : joint + 1] if per_frame else seq[:1, joint : joint + 1]
    return seq - ref


def resample(seq: np.ndarray, length: int) -> np.ndarray:
    """Linear interpolation in time to ``length`` frames (first and last frames are kept).

    Works in both directions, so sequences shorter than a model's temporal kernel are
    stretched to ``length``; a single-frame sequence is repeated.
    """
    _check(seq)
    if length < 1:
        raise ValueError(f"length must be at least 1, got {length}")
    t = seq.shape[0]
    if t == 1:
        return np.repeat(seq, length, axis=0)
    pos = np.linspace(0.0, t - 1, length)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, t - 1)
    w = (pos - lo).astype(seq.dtype)[:, None, None]
    return (1 - w) * seq[lo] + w * seq[hi]


def pad(seq: np.ndarray, length: int, mode: str = "zero") -> np.ndarray:
    """Pad (``zero``: with zeros after the sequence; ``loop``: by repeating it) or truncate
    to ``length`` frames."""
    _check(seq)
    if length < 1:
        raise ValueError(f"length must be at least 1, got {length}")
    if mode not in ("zero", "loop"):
        raise ValueError(f"mode must be 'zero' or 'loop', got {mode!r}")
    t = seq.shape[0]
    if t >= length:
        return seq[:length]
    if mode == "loop":
        return seq[np.arange(length) % t]
    out = np.zeros((length, *seq.shape[1:]), dtype=seq.dtype)
    out[:t] = seq
    return out


def random_crop(
    seq: np.ndarray, length: int, rng: np.random.Generator, min_fraction: float = 0.8
) -> np.ndarray:
    """A random contiguous crop holding at least ``min_fraction`` of the frames, resampled to
    ``length`` frames."""
    _check(seq)
    if not 0.0 < min_fraction <= 1.0:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction}")
    t = seq.shape[0]
    keep = int(rng.integers(max(1, int(np.ceil(min_fraction * t))), t + 1))
    start = int(rng.integers(0, t - keep + 1))
    return resample(seq[start : start + keep], length)


def rotate(seq: np.ndarray, angle: float, axis: int = 1) -> np.ndarray:
    """Rotate 3D coordinates by ``angle`` radians about coordinate ``axis`` (1: the vertical
    y axis of Kinect coordinates)."""
    _check(seq)
    if seq.shape[2] != 3:
        raise ValueError(f"rotate needs 3D coordinates (C = 3), got C = {seq.shape[2]}")
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2, got {axis}")
    c, s = np.cos(angle), np.sin(angle)
    a, b = [i for i in range(3) if i != axis]
    r = np.eye(3)
    r[a, a], r[a, b], r[b, a], r[b, b] = c, -s, s, c
    return (seq @ r.T.astype(seq.dtype)).astype(seq.dtype)


def random_rotation(
    seq: np.ndarray, rng: np.random.Generator, max_degrees: float = 15.0, axis: int = 1
) -> np.ndarray:
    """:func:`rotate` by an angle drawn uniformly from ±``max_degrees``."""
    return rotate(seq, float(np.deg2rad(rng.uniform(-max_degrees, max_degrees))), axis)


def body_size(seq: np.ndarray, edges: tuple[tuple[int, int], ...]) -> float:
    """The mean length of the bones ``edges`` over all frames: a person's size, which
    normalisation divides by (0.0 for a sequence whose joints all coincide)."""
    _check(seq)
    if not edges:
        raise ValueError("body_size needs at least one bone (edge)")
    e = np.asarray(edges, dtype=np.int64)  # (E, 2)
    if e.min() < 0 or e.max() >= seq.shape[1]:
        raise ValueError(f"edges must join joints in [0, {seq.shape[1]}), got {edges}")
    lengths = np.linalg.norm(seq[:, e[:, 0]] - seq[:, e[:, 1]], axis=-1)  # (T, E)
    return float(lengths.mean())


def mirror(seq: np.ndarray, mirror_map: tuple[int, ...], axis: int = 0) -> np.ndarray:
    """The left/right mirror image: joint j takes the coordinates of ``mirror_map[j]`` (its
    counterpart on the other side) and coordinate ``axis`` (0: the horizontal x of Kinect
    coordinates) changes sign. A mirror map is a layout's ``mirror``."""
    _check(seq)
    if sorted(mirror_map) != list(range(seq.shape[1])):
        raise ValueError(
            f"mirror_map must be a permutation of the {seq.shape[1]} joints, got {mirror_map}"
        )
    if not 0 <= axis < seq.shape[2]:
        raise ValueError(f"axis must be in [0, {seq.shape[2]}), got {axis}")
    out = seq[:, list(mirror_map)].copy()
    out[..., axis] *= -1
    return out


def random_scale(seq: np.ndarray, rng: np.random.Generator, amount: float = 0.1) -> np.ndarray:
    """Each coordinate axis scaled by its own factor drawn uniformly from [1 − amount,
    1 + amount] (a taller, wider or deeper body)."""
    _check(seq)
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1), got {amount}")
    factors = rng.uniform(1.0 - amount, 1.0 + amount, size=seq.shape[2])  # (C,)
    return (seq * factors.astype(seq.dtype)).astype(seq.dtype)


def jitter(seq: np.ndarray, rng: np.random.Generator, std: float = 0.01) -> np.ndarray:
    """Independent Gaussian noise of standard deviation ``std`` on every coordinate."""
    _check(seq)
    if std < 0:
        raise ValueError(f"std must not be negative, got {std}")
    return (seq + std * rng.standard_normal(seq.shape)).astype(seq.dtype)


def stack(sequences: list[np.ndarray] | tuple[np.ndarray, ...]) -> np.ndarray:
    """Equal-length ``(T, V, C)`` sequences of one person each -> ``(N, C, T, V, M=1)``."""
    if len(sequences) == 0:
        raise ValueError("stack needs at least one sequence")
    for s in sequences:
        _check(s)
    shapes = {s.shape for s in sequences}
    if len(shapes) != 1:
        raise ValueError(
            f"sequences must share one (T, V, C) shape (resample or pad them first), "
            f"got {sorted(shapes)}"
        )
    x = np.stack(sequences)  # (N, T, V, C)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)[..., None])  # (N, C, T, V, 1)
