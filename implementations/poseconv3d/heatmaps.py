"""Pseudo-heatmap volumes: 2D keypoints with confidences -> a K × T × H × W stack of Gaussians.

PoseConv3D (Duan et al., CVPR 2022, Sec. 3.2) feeds a 3D-CNN with one Gaussian map per joint
(or per limb) and frame instead of the coordinates themselves. The formulas, the ±3σ window,
the score threshold, the max-merge of persons and the short-limb fallback follow the authors'
``GeneratePoseTarget`` (pyskl, ``datasets/pipelines/heatmap_related.py``); this module computes
every Gaussian's window patch for all persons, frames and joints at once and merges them into
the volume with one scatter-max (no Python loop), on whatever device the keypoints are on.
The plain per-joint loop it is checked against is
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


def _window(
    low: Tensor, high: Tensor, sigma: float, n: int, extent: int | None = None
) -> tuple[Tensor, Tensor]:
    """The pixels of the windows [floor(low − 3σ), floor(high + 3σ)] along one axis of n pixels.

    ``low`` and ``high`` (...,) -> (pixels (..., P) float, inside (..., P) bool), P the widest
    window (``extent`` if given); ``inside`` is False past a window's end and outside [0, n).
    """
    start = torch.floor(low - WINDOW_SIGMAS * sigma)
    end = torch.floor(high + WINDOW_SIGMAS * sigma)
    if extent is None:
        extent = int((end - start).max()) + 1 if start.numel() else 0
    pixels = start[..., None] + torch.arange(extent, device=low.device)  # (..., P)
    inside = (pixels <= end[..., None]) & (pixels >= 0) & (pixels < n)
    return pixels, inside


def _scatter_max(
    volume: Tensor, values: Tensor, rows: Tensor, cols: Tensor, shape: tuple[int, int, int, int]
) -> Tensor:
    """Merge window patches into ``volume`` (K, T, H, W) by element-wise maximum.

    ``values`` (M, T, K, Py, Px) ≥ 0, zero wherever a pixel lies outside its window; ``rows``
    (M, T, K, Py) and ``cols`` (M, T, K, Px) their pixel coordinates (clamped into the frame,
    where only zeros land).
    """
    k, t, h, w = shape
    ki = torch.arange(k, device=volume.device)[None, None, :, None, None]
    ti = torch.arange(t, device=volume.device)[None, :, None, None, None]
    r = rows.clamp(0, h - 1).long()[..., :, None]
    c = cols.clamp(0, w - 1).long()[..., None, :]
    index = ((ki * t + ti) * h + r) * w + c  # (M, T, K, Py, Px) into the flat (K, T, H, W)
    volume.view(-1).scatter_reduce_(0, index.reshape(-1), values.reshape(-1), reduce="amax")
    return volume


def joint_maps(keypoints: Tensor, scores: Tensor, height: int, width: int, sigma: float) -> Tensor:
    """Eq. (1): J_k(i, j) = c_k · exp(−((i − x_k)² + (j − y_k)²) / (2σ²)), persons max-merged.

    ``keypoints`` (M, T, V, 2) as (x, y) pixels, ``scores`` (M, T, V) -> (V, T, H, W). Each
    Gaussian is drawn only on its ±3σ window, a patch of at most floor(6σ) + 2 pixels a side,
    as the outer product of its row and column factors (the Gaussian is separable); the patches
    of all persons, frames and joints are merged into the volume by one scatter-max.
    """
    t, v = keypoints.shape[1:3]
    extent = int(2 * WINDOW_SIGMAS * sigma) + 2
    x, y = keypoints[..., 0], keypoints[..., 1]  # (M, T, V)
    cols, in_x = _window(x, x, sigma, width, extent)  # (M, T, V, P)
    rows, in_y = _window(y, y, sigma, height, extent)
    gx = torch.exp(-((cols - x[..., None]) ** 2) / (2 * sigma**2)) * in_x
    gy = torch.exp(-((rows - y[..., None]) ** 2) / (2 * sigma**2)) * in_y
    patches = scores[..., None, None] * gy[..., :, None] * gx[..., None, :]  # (M, T, V, P, P)
    volume = torch.zeros(v, t, height, width, device=keypoints.device)
    return _scatter_max(volume, patches, rows, cols, (v, t, height, width))


def limb_maps(
    keypoints: Tensor,
    scores: Tensor,
    limbs: Sequence[tuple[int, int]],
    height: int,
    width: int,
    sigma: float,
) -> Tensor:
    """Eq. (2): L_e(i, j) = min(c_a, c_b) · exp(−D((i, j), seg[a, b])² / (2σ²)), persons
    max-merged.

    D is the distance from the pixel to the segment between joints a and b of limb e. The window
    is the segment's bounding box grown by 3σ; all windows are drawn as patches of the largest
    window's size and merged by one scatter-max. A limb shorter than one pixel is drawn as the
    joint blob of Eq. (1) at a, with the value min(c_a, c_b) (pyskl draws it with c_a; the
    minimum keeps the map symmetric in its endpoints whatever their scores). ``keypoints``
    (M, T, V, 2), ``scores`` (M, T, V) -> (E, T, H, W).
    """
    t = keypoints.shape[1]
    dev = keypoints.device
    ia = torch.tensor([a for a, _ in limbs], dtype=torch.long, device=dev)
    ib = torch.tensor([b for _, b in limbs], dtype=torch.long, device=dev)
    a, b = keypoints[:, :, ia], keypoints[:, :, ib]  # (M, T, E, 2)
    value = torch.minimum(scores[:, :, ia], scores[:, :, ib])  # (M, T, E)
    u = b - a
    d2_ab = (u**2).sum(-1)  # (M, T, E)
    short = d2_ab < 1
    lo = torch.where(short[..., None], a, torch.minimum(a, b))
    hi = torch.where(short[..., None], a, torch.maximum(a, b))
    cols, in_x = _window(lo[..., 0], hi[..., 0], sigma, width)  # (M, T, E, Px)
    rows, in_y = _window(lo[..., 1], hi[..., 1], sigma, height)  # (M, T, E, Py)
    px, py = cols[..., None, :], rows[..., :, None]  # (M, T, E, 1, Px), (M, T, E, Py, 1)

    def per_limb(q: Tensor) -> Tensor:
        return q[..., None, None]  # (M, T, E) -> (M, T, E, 1, 1)

    ax, ay, ux, uy = (per_limb(q) for q in (a[..., 0], a[..., 1], u[..., 0], u[..., 1]))
    # the pixel's projection onto the line a -> b, as a fraction of the limb, kept on the
    # segment: D² is then the squared distance to that point (to a or b past the ends)
    along = ((px - ax) * ux + (py - ay) * uy) / per_limb(torch.where(short, 1.0, d2_ab))
    along = torch.where(per_limb(short), 0.0, along.clamp(0.0, 1.0))  # short: distance to a
    d2 = (px - ax - along * ux) ** 2 + (py - ay - along * uy) ** 2  # (M, T, E, Py, Px)
    inside = in_y[..., :, None] & in_x[..., None, :]
    patches = per_limb(value) * torch.exp(-d2 / (2 * sigma**2)) * inside
    volume = torch.zeros(len(limbs), t, height, width, device=dev)
    return _scatter_max(volume, patches, rows, cols, (len(limbs), t, height, width))


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
    if limbs is None:
        return joint_maps(keypoints, scores, height, width, sigma)
    return limb_maps(keypoints, scores, limbs, height, width, sigma)
