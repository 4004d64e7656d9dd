"""The check functions of PoseConv3D's identity claims: one seeded random instance → largest
deviation.

The runner evaluates each check on the instances of seeds 0 … n − 1 and the property tests in
``tests/poseconv3d`` on the seeds hypothesis picks (:func:`repro.experiment.deviation`). Every
instance is a random clip: 1–3 persons, 1–6 frames, 2–8 joints, heatmaps of 8–24 pixels a side,
σ in [0.4, 2.5], scores in (0, 1], and for the limb maps a random list of joint pairs.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from implementations.poseconv3d.heatmaps import (
    SCORE_THRESHOLD,
    WINDOW_SIGMAS,
    keypoints_to_heatmaps,
)
from implementations.poseconv3d.loop_reference import heatmaps_loop


def _integer(gen: torch.Generator, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return int(torch.randint(low, high + 1, (), generator=gen))


def _uniform(gen: torch.Generator, low: float, high: float, shape: tuple[int, ...] = ()) -> Tensor:
    return low + (high - low) * torch.rand(shape, generator=gen)


def _max_abs(a: Tensor | np.ndarray, b: Tensor | np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max()) if a.size else 0.0


def _clip(gen: torch.Generator, margin: float = -3.0) -> tuple[Tensor, Tensor, int, int, float]:
    """A random clip: keypoints (M, T, V, 2) in [margin, size − 1 − margin] (a negative margin
    puts keypoints outside the frame), scores (M, T, V) in (0.05, 1], H, W and σ."""
    m, t, v = _integer(gen, 1, 3), _integer(gen, 1, 6), _integer(gen, 2, 8)
    sigma = float(_uniform(gen, 0.4, 2.5))
    h, w = _integer(gen, 8, 24), _integer(gen, 8, 24)
    xy = torch.rand(m, t, v, 2, generator=gen)
    keypoints = margin + xy * torch.tensor([w - 1 - 2 * margin, h - 1 - 2 * margin])
    scores = _uniform(gen, 0.05, 1.0, (m, t, v))
    return keypoints, scores, h, w, sigma


def _limbs(gen: torch.Generator, v: int) -> list[tuple[int, int]]:
    n = _integer(gen, 1, 2 * v)
    pairs = torch.randint(0, v, (n, 2), generator=gen).tolist()
    return [(a, b) for a, b in pairs]


def loop_reference(gen: torch.Generator) -> float:
    """Random clips (keypoints partly outside the frame, some scores below 1e-3), joints or limbs.

    poseconv3d.sec3.loop-reference: the vectorised generator equals the plain per-joint loop
    (float64, one Gaussian at a time). Returns max |difference|.
    """
    keypoints, scores, h, w, sigma = _clip(gen)
    faint = torch.rand(scores.shape, generator=gen) < 0.2
    scores = torch.where(faint, scores * 1e-3, scores)  # some below the threshold
    limbs = _limbs(gen, keypoints.shape[2]) if _integer(gen, 0, 1) else None
    fast = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma, limbs)
    slow = heatmaps_loop(keypoints.numpy(), scores.numpy(), (h, w), sigma, limbs)
    return _max_abs(fast, slow)


def joint_gaussian(gen: torch.Generator) -> float:
    """One person, integer keypoints inside the frame, plus one off-grid keypoint per map.

    poseconv3d.eq1.joint-gaussian: each joint map peaks at its (integer) keypoint with the value
    c, is c·exp(−((i − x)² + (j − y)²)/(2σ²)) at every pixel of its ±3σ window and zero outside,
    and never exceeds c. Returns the largest of |peak − c|, the deviation from the closed form
    and the excess over c.
    """
    keypoints, scores, h, w, sigma = _clip(gen, margin=0.0)
    keypoints, scores = keypoints[:1], scores[:1]
    keypoints[..., 0, :] = torch.round(keypoints[..., 0, :])  # joint 0 sits on a pixel centre
    vol = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma).double()  # (V, T, H, W)
    kp = keypoints[0].double().permute(1, 0, 2)  # (V, T, 2)
    c = scores[0].double().T  # (V, T)
    xs, ys = torch.arange(w, dtype=torch.float64), torch.arange(h, dtype=torch.float64)
    x, y = kp[..., 0, None, None], kp[..., 1, None, None]
    inside = (
        (xs >= torch.floor(x - WINDOW_SIGMAS * sigma))
        & (xs <= torch.floor(x + WINDOW_SIGMAS * sigma))
        & (ys[:, None] >= torch.floor(y - WINDOW_SIGMAS * sigma))
        & (ys[:, None] <= torch.floor(y + WINDOW_SIGMAS * sigma))
    )
    closed = c[..., None, None] * torch.exp(
        -((xs - x) ** 2 + (ys[:, None] - y) ** 2) / (2 * sigma**2)
    )
    form = _max_abs(vol, closed * inside)
    px, py = kp[0, :, 0].long(), kp[0, :, 1].long()
    peak = _max_abs(vol[0, torch.arange(vol.shape[1]), py, px], c[0])
    excess = float((vol - c[..., None, None]).clamp(min=0).max())
    return max(form, peak, excess)


def _segment_pixels(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The pixel centres lying exactly on the segment between integer points a and b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    g = max(math.gcd(dx, dy), 1)
    return [(a[0] + k * dx // g, a[1] + k * dy // g) for k in range(g + 1)]


def limb_segment(gen: torch.Generator) -> float:
    """One person, limbs between integer keypoints inside the frame, random scores.

    poseconv3d.eq2.limb-segment: every limb map equals min(c_a, c_b) at each pixel centre on its
    segment, never exceeds it, and is the same map when the limb's endpoints are swapped.
    Returns the largest of the deviation on the segment, the excess and the asymmetry.
    """
    keypoints, scores, h, w, sigma = _clip(gen, margin=0.0)
    keypoints, scores = torch.round(keypoints[:1]), scores[:1]
    limbs = _limbs(gen, keypoints.shape[2])
    vol = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma, limbs)  # (E, T, H, W)
    swapped = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma, [(b, a) for a, b in limbs])
    worst = _max_abs(vol, swapped)
    for e, (a, b) in enumerate(limbs):
        for f in range(keypoints.shape[1]):
            c = float(torch.minimum(scores[0, f, a], scores[0, f, b]))
            pa = tuple(int(q) for q in keypoints[0, f, a])
            pb = tuple(int(q) for q in keypoints[0, f, b])
            for x, y in _segment_pixels(pa, pb):  # type: ignore[arg-type]
                worst = max(worst, abs(float(vol[e, f, y, x]) - c))
            worst = max(worst, float(vol[e, f].max()) - c)
    return worst


def translation(gen: torch.Generator) -> float:
    """Keypoints far enough inside the frame that every window stays inside before and after an
    integer shift of up to ±4 pixels; joints or limbs.

    poseconv3d.sec3.translation: translating every keypoint by an integer (dx, dy) translates the
    volume by (dx, dy). Returns max |shifted volume − volume of the shifted keypoints|.
    """
    sigma = float(_uniform(gen, 0.4, 1.5))
    margin = math.ceil(WINDOW_SIGMAS * sigma) + 5
    keypoints, scores, h, w, _ = _clip(gen, margin=0.0)
    h, w = h + 2 * margin, w + 2 * margin
    keypoints = keypoints + margin
    dx, dy = _integer(gen, -4, 4), _integer(gen, -4, 4)
    limbs = _limbs(gen, keypoints.shape[2]) if _integer(gen, 0, 1) else None
    vol = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma, limbs)
    moved = keypoints_to_heatmaps(keypoints + torch.tensor([dx, dy]), scores, (h, w), sigma, limbs)
    return _max_abs(torch.roll(vol, (dy, dx), dims=(2, 3)), moved)


def score_threshold(gen: torch.Generator) -> float:
    """Random clips in which some keypoints get scores in [0, 1e-3) and NaN coordinates.

    poseconv3d.sec3.score-threshold: a keypoint below the threshold leaves no trace: the volume
    equals the one computed with that keypoint's person removed from the frame (score 0), and a
    clip with only such keypoints gives a zero volume. Returns the largest deviation.
    """
    keypoints, scores, h, w, sigma = _clip(gen)
    faint = torch.rand(scores.shape, generator=gen) < 0.5
    low = _uniform(gen, 0.0, SCORE_THRESHOLD * 0.999, scores.shape)
    faint_scores = torch.where(faint, low, scores)
    nan_keypoints = torch.where(faint[..., None], torch.nan, keypoints)
    limbs = _limbs(gen, keypoints.shape[2]) if _integer(gen, 0, 1) else None
    vol = keypoints_to_heatmaps(nan_keypoints, faint_scores, (h, w), sigma, limbs)
    zeroed = keypoints_to_heatmaps(keypoints, torch.where(faint, 0.0, scores), (h, w), sigma, limbs)
    empty = keypoints_to_heatmaps(keypoints, low, (h, w), sigma, limbs)
    return max(_max_abs(vol, zeroed), float(empty.abs().max()))


def person_merge(gen: torch.Generator) -> float:
    """Random clips of 2–3 persons, joints or limbs.

    poseconv3d.sec3.person-merge: merging persons is independent of their order, and the merged
    volume is the element-wise maximum of the persons' own volumes. Returns the largest
    deviation.
    """
    keypoints, scores, h, w, sigma = _clip(gen)
    if keypoints.shape[0] == 1:
        keypoints, scores = keypoints.repeat(2, 1, 1, 1), scores.repeat(2, 1, 1)
        keypoints[1] += 1.5
    limbs = _limbs(gen, keypoints.shape[2]) if _integer(gen, 0, 1) else None
    perm = torch.randperm(keypoints.shape[0], generator=gen)
    vol = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma, limbs)
    permuted = keypoints_to_heatmaps(keypoints[perm], scores[perm], (h, w), sigma, limbs)
    each = torch.stack(
        [
            keypoints_to_heatmaps(keypoints[p : p + 1], scores[p : p + 1], (h, w), sigma, limbs)
            for p in range(keypoints.shape[0])
        ]
    )
    return max(_max_abs(vol, permuted), _max_abs(vol, each.amax(0)))


def short_limb(gen: torch.Generator) -> float:
    """Limbs from a joint to itself, or to a point less than one pixel away.

    poseconv3d.eq2.short-limb: a limb shorter than one pixel equals the joint blob of Eq. (1) at
    its first joint with the value min(c_a, c_b). Returns max |limb map − joint map|.
    """
    keypoints, scores, h, w, sigma = _clip(gen)
    v = keypoints.shape[2]
    angle = _uniform(gen, 0.0, 2 * math.pi, keypoints.shape[:2])
    radius = _uniform(gen, 0.0, 0.99, keypoints.shape[:2])
    near = (
        keypoints[:, :, :1]
        + torch.stack([radius * angle.cos(), radius * angle.sin()], -1)[:, :, None]
    )
    keypoints = torch.cat([keypoints, near], 2)  # joint v is within 1 px of joint 0
    scores = torch.cat([scores, _uniform(gen, 0.05, 1.0, scores[..., :1].shape)], 2)
    limb = keypoints_to_heatmaps(keypoints, scores, (h, w), sigma, [(0, v), (0, 0)])
    low = torch.minimum(scores[..., 0], scores[..., v])
    blob = keypoints_to_heatmaps(keypoints[:, :, :1], low[..., None], (h, w), sigma)
    self_blob = keypoints_to_heatmaps(keypoints[:, :, :1], scores[..., :1], (h, w), sigma)
    return max(_max_abs(limb[:1], blob), _max_abs(limb[1:], self_blob))
