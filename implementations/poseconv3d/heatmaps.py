"""Pseudo-heatmap volumes: 2D keypoints with confidences -> a K × T × H × W stack of Gaussians.

PoseConv3D (Duan et al., CVPR 2022, Sec. 3.2) feeds a 3D-CNN with one Gaussian map per joint
(or per limb) and frame instead of the coordinates themselves. The formulas, the ±3σ window,
the score threshold, the max-merge of persons and the short-limb fallback follow the authors'
``GeneratePoseTarget`` (pyskl, ``datasets/pipelines/heatmap_related.py``); this module computes
them for all joints, frames and pixels at once (a loop runs only over persons), on whatever
device the keypoints are on. The plain per-joint loop it is checked against is
:mod:`implementations.poseconv3d.loop_reference`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

#: Keypoints whose confidence is below this leave no trace (pyskl's ``EPS``).
SCORE_THRESHOLD = 1e-3
#: The Gaussians are evaluated within this many σ of the keypoint (or the limb's bounding box).
WINDOW_SIGMAS = 3.0


def _size(size: int | Sequence[int]) -> tuple[int, int]:
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    if not (isinstance(h, int) and isinstance(w, int)) or h < 1 or w < 1:
        raise ValueError(f"size must be a positive int or (H, W) of positive ints, got {size!r}")
    return h, w


def validate(
    keypoints: Tensor, scores: Tensor, sigma: float, limbs: Sequence[tuple[int, int]] | None
) -> tuple[Tensor, Tensor]:
    """Check the inputs of :func:`keypoints_to_heatmaps`; returns (keypoints, scores) as float32
    with the coordinates of sub-threshold keypoints set to 0 (they are never read)."""
    keypoints = torch.as_tensor(keypoints)
    scores = torch.as_tensor(scores, device=keypoints.device)
    if keypoints.ndim != 4 or keypoints.shape[-1] != 2:
        raise ValueError(f"keypoints must be (M, T, V, 2), got shape {tuple(keypoints.shape)}")
    if scores.shape != keypoints.shape[:3]:
        raise ValueError(
            f"scores must be (M, T, V) = {tuple(keypoints.shape[:3])} to match the keypoints, "
            f"got shape {tuple(scores.shape)}"
        )
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    keypoints, scores = keypoints.float(), scores.float()
    if not torch.isfinite(scores).all():
        raise ValueError("scores must be finite (NaN or infinite confidence given)")
    visible = scores >= SCORE_THRESHOLD
    bad = visible & ~torch.isfinite(keypoints).all(-1)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} keypoint(s) with score >= {SCORE_THRESHOLD:g} have NaN or "
            "infinite coordinates; give missing keypoints a score below the threshold"
        )
    v = keypoints.shape[2]
    for a, b in limbs or ():
        if not (0 <= a < v and 0 <= b < v):
            raise ValueError(f"limb ({a}, {b}) is not a pair of joint indices in [0, {v})")
    return torch.where(visible[..., None], keypoints, 0.0), torch.where(visible, scores, 0.0)


def _window(low: Tensor, high: Tensor, grid: Tensor, sigma: float) -> Tensor:
    """Pixels p with floor(low − 3σ) ≤ p ≤ floor(high + 3σ): (..., len(grid)) bool."""
    start = torch.floor(low - WINDOW_SIGMAS * sigma)[..., None]
    end = torch.floor(high + WINDOW_SIGMAS * sigma)[..., None]
    return (grid >= start) & (grid <= end)


def joint_maps(keypoints: Tensor, scores: Tensor, height: int, width: int, sigma: float) -> Tensor:
    """Eq. (1), one person: J_k(i, j) = c_k · exp(−((i − x_k)² + (j − y_k)²) / (2σ²)).

    ``keypoints`` (T, V, 2) as (x, y) pixels, ``scores`` (T, V) -> (T, V, H, W). The Gaussian is
    separable, so it is the outer product of a row and a column factor, each zero outside the
    ±3σ window.
    """
    xs = torch.arange(width, dtype=torch.float32, device=keypoints.device)  # (W,)
    ys = torch.arange(height, dtype=torch.float32, device=keypoints.device)  # (H,)
    x, y = keypoints[..., 0], keypoints[..., 1]  # (T, V)
    gx = torch.exp(-((xs - x[..., None]) ** 2) / (2 * sigma**2)) * _window(x, x, xs, sigma)
    gy = torch.exp(-((ys - y[..., None]) ** 2) / (2 * sigma**2)) * _window(y, y, ys, sigma)
    return scores[..., None, None] * gy[..., :, None] * gx[..., None, :]  # (T, V, H, W)


def limb_maps(
    keypoints: Tensor,
    scores: Tensor,
    limbs: Sequence[tuple[int, int]],
    height: int,
    width: int,
    sigma: float,
) -> Tensor:
    """Eq. (2), one person: L_e(i, j) = min(c_a, c_b) · exp(−D((i, j), seg[a, b])² / (2σ²)).

    D is the distance from the pixel to the segment between joints a and b of limb e. The window
    is the segment's bounding box grown by 3σ. A limb shorter than one pixel is drawn as the joint
    blob of Eq. (1) at a, with the value min(c_a, c_b) (pyskl draws it with c_a; the minimum
    keeps the map symmetric in its endpoints whatever their scores). ``keypoints`` (T, V, 2),
    ``scores`` (T, V) -> (T, E, H, W).
    """
    dev = keypoints.device
    ia = torch.tensor([a for a, _ in limbs], dtype=torch.long, device=dev)
    ib = torch.tensor([b for _, b in limbs], dtype=torch.long, device=dev)
    a, b = keypoints[:, ia], keypoints[:, ib]  # (T, E, 2)
    value = torch.minimum(scores[:, ia], scores[:, ib])  # (T, E)
    xs = torch.arange(width, dtype=torch.float32, device=dev)
    ys = torch.arange(height, dtype=torch.float32, device=dev)
    px, py = xs[None, :], ys[:, None]  # (1, W), (H, 1)

    def coords(p: Tensor) -> tuple[Tensor, Tensor]:
        return p[..., 0, None, None], p[..., 1, None, None]  # (T, E, 1, 1) each

    (ax, ay), (bx, by) = coords(a), coords(b)
    ux, uy = bx - ax, by - ay  # (T, E, 1, 1)
    d2_ab = ux**2 + uy**2
    short = d2_ab < 1
    # the pixel's projection onto the line a -> b, as a fraction of the limb, kept on the
    # segment: D² is then the squared distance to that point (to a or b past the ends)
    along = ((px - ax) * ux + (py - ay) * uy) / torch.where(short, 1.0, d2_ab)
    along = torch.where(short, 0.0, along.clamp(0.0, 1.0))  # a short limb: distance to a
    d2 = (px - ax - along * ux) ** 2 + (py - ay - along * uy) ** 2  # (T, E, H, W)

    lo, hi = torch.minimum(a, b), torch.maximum(a, b)  # (T, E, 2)
    short_e = short[..., 0, 0]  # (T, E)
    lo = torch.where(short_e[..., None], a, lo)
    hi = torch.where(short_e[..., None], a, hi)
    inside = (
        _window(lo[..., 1], hi[..., 1], ys, sigma)[..., :, None]
        & _window(lo[..., 0], hi[..., 0], xs, sigma)[..., None, :]
    )  # (T, E, H, W)
    return value[..., None, None] * torch.exp(-d2 / (2 * sigma**2)) * inside


def keypoints_to_heatmaps(
    keypoints: Tensor,
    scores: Tensor,
    size: int | Sequence[int],
    sigma: float = 0.6,
    limbs: Sequence[tuple[int, int]] | None = None,
) -> Tensor:
    """The pseudo-heatmap volume of one clip (PoseConv3D, Sec. 3.2, Eq. (1) and (2)).

    Args:
        keypoints (Tensor[M, T, V, 2]): (x, y) of V joints of M persons in T frames, in heatmap
            pixels (x indexes the W axis, y the H axis; pixel centres are the integers).
            Keypoints may lie outside the frame: the part of their Gaussian inside is drawn.
        scores (Tensor[M, T, V]): confidences c. A keypoint with c < 1e-3 leaves no trace (its
            coordinates may then be NaN); NaN coordinates with c ≥ 1e-3, or NaN scores, raise
            ``ValueError``.
        size (int or (H, W)): the heatmap size.
        sigma (float): the Gaussians' standard deviation in pixels (pyskl default 0.6).
        limbs (list of (a, b) joint pairs, optional): draw limb maps (Eq. 2) instead of
            joint maps (Eq. 1).

    Returns:
        Tensor[V, T, H, W] (joints) or Tensor[E, T, H, W] (limbs), float32, on the keypoints'
        device. Each Gaussian is evaluated within ±3σ of its keypoint (of its limb's bounding
        box): pixels p with floor(x − 3σ) ≤ p ≤ floor(x + 3σ), as the authors' code does. The
        persons' maps are merged by element-wise maximum (as the authors' code does; the paper's
        text says the maps of several persons are accumulated), so no pixel exceeds the largest
        score. M = 0 gives a zero volume, T = 0 an empty one.

    Examples:
        >>> kp = torch.tensor([[[[4.0, 3.0]]]])  # one person, one frame, one joint
        >>> keypoints_to_heatmaps(kp, torch.ones(1, 1, 1), (8, 8))[0, 0, 3, 4]
        tensor(1.)
    """
    height, width = _size(size)
    keypoints, scores = validate(keypoints, scores, sigma, limbs)
    m, t, v, _ = keypoints.shape
    k = v if limbs is None else len(limbs)
    volume = torch.zeros(t, k, height, width, device=keypoints.device)  # (T, K, H, W)
    for person in range(m):
        if limbs is None:
            maps = joint_maps(keypoints[person], scores[person], height, width, sigma)
        else:
            maps = limb_maps(keypoints[person], scores[person], limbs, height, width, sigma)
        volume = torch.maximum(volume, maps)
    return volume.transpose(0, 1).contiguous()  # (K, T, H, W)
