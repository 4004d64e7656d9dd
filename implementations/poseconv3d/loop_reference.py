"""A slow reference for the pseudo-heatmap volume, written as plain loops over the equations.

One Gaussian at a time: for every person, frame and joint (or limb) the patch inside its ±3σ
window is computed in float64 from Eq. (1) or (2) and merged into the volume by maximum, the way
the authors' ``GeneratePoseTarget`` draws it. The identity check ``poseconv3d.sec3.loop-reference``
compares :func:`implementations.poseconv3d.heatmaps.keypoints_to_heatmaps` with it, and the
throughput suite times both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from implementations.poseconv3d.heatmaps import SCORE_THRESHOLD, WINDOW_SIGMAS


def _range(low: float, high: float, sigma: float, n: int) -> np.ndarray:
    """The pixels of the window [floor(low − 3σ), floor(high + 3σ)] inside [0, n)."""
    start = max(math.floor(low - WINDOW_SIGMAS * sigma), 0)
    end = min(math.floor(high + WINDOW_SIGMAS * sigma) + 1, n)
    return np.arange(start, end, dtype=np.float64)


def draw_joint(plane: np.ndarray, x: float, y: float, c: float, sigma: float) -> None:
    """Eq. (1) for one keypoint, max-merged into ``plane`` (H, W)."""
    cols = _range(x, x, sigma, plane.shape[1])
    rows = _range(y, y, sigma, plane.shape[0])
    if len(cols) == 0 or len(rows) == 0:
        return
    patch = c * np.exp(-((cols[None, :] - x) ** 2 + (rows[:, None] - y) ** 2) / (2 * sigma**2))
    r, q = int(rows[0]), int(cols[0])
    view = plane[r : r + len(rows), q : q + len(cols)]
    np.maximum(view, patch, out=view)


def segment_distance2(px: float, py: float, a: np.ndarray, b: np.ndarray) -> float:
    """Squared distance from the point (px, py) to the segment [a, b] (a ≠ b)."""
    ab = b - a
    t = ((px - a[0]) * ab[0] + (py - a[1]) * ab[1]) / float(ab @ ab)
    t = min(max(t, 0.0), 1.0)
    return (px - a[0] - t * ab[0]) ** 2 + (py - a[1] - t * ab[1]) ** 2


def draw_limb(plane: np.ndarray, a: np.ndarray, b: np.ndarray, c: float, sigma: float) -> None:
    """Eq. (2) for one limb with value ``c`` = min(c_a, c_b), max-merged into ``plane``; a limb
    shorter than one pixel is the joint blob at ``a``."""
    if float((a - b) @ (a - b)) < 1:
        draw_joint(plane, float(a[0]), float(a[1]), c, sigma)
        return
    cols = _range(min(a[0], b[0]), max(a[0], b[0]), sigma, plane.shape[1])
    rows = _range(min(a[1], b[1]), max(a[1], b[1]), sigma, plane.shape[0])
    for yy in rows:
        for xx in cols:
            value = c * math.exp(-segment_distance2(xx, yy, a, b) / (2 * sigma**2))
            plane[int(yy), int(xx)] = max(plane[int(yy), int(xx)], value)


def heatmaps_loop(
    keypoints: np.ndarray,
    scores: np.ndarray,
    size: tuple[int, int],
    sigma: float = 0.6,
    limbs: Sequence[tuple[int, int]] | None = None,
) -> np.ndarray:
    """(M, T, V, 2) keypoints, (M, T, V) scores -> (K, T, H, W) float64, one Gaussian at a time."""
    keypoints = np.asarray(keypoints, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    m, t, v, _ = keypoints.shape
    pairs = [(j, j) for j in range(v)] if limbs is None else list(limbs)
    out = np.zeros((len(pairs), t, *size))
    for p in range(m):
        for f in range(t):
            for k, (ja, jb) in enumerate(pairs):
                c = min(scores[p, f, ja], scores[p, f, jb])
                if c < SCORE_THRESHOLD:
                    continue
                a, b = keypoints[p, f, ja], keypoints[p, f, jb]
                if limbs is None:
                    draw_joint(out[k, f], float(a[0]), float(a[1]), c, sigma)
                else:
                    draw_limb(out[k, f], a, b, c, sigma)
    return out
