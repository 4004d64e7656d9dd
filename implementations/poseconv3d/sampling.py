"""Uniform temporal sampling (PoseConv3D, Sec. 3.2): a clip of any length -> T frames.

The clip's L frames are split into T segments of (nearly) equal length, segment i holding the
frames b_i … b_{i+1} − 1 with b_i = floor(i · L / T), and one frame is taken from each: a
uniformly random one in training, the middle one (b_i + floor((b_{i+1} − b_i) / 2)) at test
time, as pyskl's ``UniformSampleFrames`` does for L ≥ 2T. When L ≥ T the segments are disjoint
and never empty, so the T frames are distinct and in order; when L < T an empty segment takes
its frame b_i, so frames repeat in order (pyskl instead loops a short clip from a random start).
"""

from __future__ import annotations

import numpy as np


def uniform_sample(
    num_frames: int, clip_len: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Indices (clip_len,) int64 into a clip of ``num_frames`` frames: random in each segment
    when ``rng`` is given (training), the segment's middle otherwise (test)."""
    if num_frames < 1:
        raise ValueError(
            f"an empty clip cannot be sampled: num_frames must be >= 1, got {num_frames}"
        )
    if clip_len < 1:
        raise ValueError(f"clip_len must be >= 1, got {clip_len}")
    bounds = np.arange(clip_len + 1) * num_frames // clip_len  # (clip_len + 1,) b_i
    start, size = bounds[:-1], np.maximum(np.diff(bounds), 1)
    if rng is None:
        return start + size // 2
    return start + np.floor(rng.random(clip_len) * size).astype(np.int64)
