"""Subject-centred cropping (PoseConv3D, Sec. 3.2): one box around the subject for the whole clip.

The box is the tightest one around every visible keypoint (score ≥ the heatmap threshold) of
every frame, made square about its centre and grown by ``padding`` (pyskl's ``PoseCompact``
with ``hw_ratio=1``, padding 0.25). Keypoints are then mapped to heatmap pixels so that the box
fills the H × W heatmap: x' = (x − x₀) · W / side, y' = (y − y₀) · H / side. A box smaller than
``min_side`` (one visible keypoint, or keypoints that all coincide: zero area) is grown to
``min_side`` about its centre, where pyskl would leave the clip uncropped.
"""

from __future__ import annotations

import numpy as np

from implementations.poseconv3d.heatmaps import SCORE_THRESHOLD


def subject_box(
    keypoints: np.ndarray, scores: np.ndarray, padding: float = 0.25, min_side: float = 1.0
) -> tuple[float, float, float]:
    """(x₀, y₀, side) of the square box around the visible keypoints of a whole clip.

    ``keypoints`` (..., 2) and ``scores`` (...) for any leading shape (persons, frames, joints).
    Raises ``ValueError`` when no keypoint is visible.
    """
    keypoints, scores = np.asarray(keypoints), np.asarray(scores)
    if keypoints.shape[-1:] != (2,) or scores.shape != keypoints.shape[:-1]:
        raise ValueError(
            f"keypoints must be (..., 2) and scores their leading shape, got "
            f"{keypoints.shape} and {scores.shape}"
        )
    if padding < 0 or not min_side > 0:
        raise ValueError(f"padding must be >= 0 and min_side > 0, got {padding}, {min_side}")
    visible = (scores >= SCORE_THRESHOLD) & np.isfinite(keypoints).all(-1)
    if not visible.any():
        raise ValueError("no visible keypoint (score >= 1e-3, finite) to centre a crop on")
    pts = keypoints[visible].astype(np.float64)  # (n, 2)
    low, high = pts.min(0), pts.max(0)
    side = max(float((high - low).max()) * (1 + padding), min_side)
    centre = (low + high) / 2
    return float(centre[0] - side / 2), float(centre[1] - side / 2), side


def to_heatmap_pixels(
    keypoints: np.ndarray, box: tuple[float, float, float], size: tuple[int, int]
) -> np.ndarray:
    """Map image coordinates (..., 2) into an (H, W) heatmap covering ``box`` = (x₀, y₀, side)."""
    x0, y0, side = box
    h, w = size
    scale = np.array([w / side, h / side], dtype=np.float64)
    return ((np.asarray(keypoints, np.float64) - (x0, y0)) * scale).astype(np.float32)
