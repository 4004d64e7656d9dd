"""From skeleton sequences to the inputs of both models: heatmap volumes and GCN coordinates.

Every sequence of a :class:`~repro.data.skeleton.SkeletonSequences` is projected to 2D once
(:func:`~implementations.poseconv3d.projection.project`). A clip is then drawn the same way for
PoseConv3D and for the ST-GCN it is compared with: ``frames`` frames by uniform sampling
(random in training, middles at test time), one subject-centred box over the whole sequence,
keypoints mapped into a ``size`` × ``size`` frame, and in training a horizontal flip with
probability 1/2 that swaps left and right joints by the layout's mirror map (pyskl's ``Flip``).
PoseConv3D reads the clip as a pseudo-heatmap volume (:func:`volumes`), ST-GCN as (x, y) per
joint scaled to [−1, 1] over the box (:func:`coordinates`), so both see the same keypoints, and
a test-time corruption (:class:`Corruption`) reaches both alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from implementations.poseconv3d.cropping import subject_box, to_heatmap_pixels
from implementations.poseconv3d.heatmaps import keypoints_to_heatmaps
from implementations.poseconv3d.projection import KINECT_V1, project
from implementations.poseconv3d.sampling import uniform_sample
from repro.data.skeleton import SkeletonSequences
from repro.data.skeleton_layouts import get_layout


@dataclass(frozen=True)
class ClipSpec:
    """``frames`` sampled per clip, a ``size`` × ``size`` frame, heatmap ``sigma`` (pixels),
    box ``padding``; ``limbs``: draw limb volumes (the layout's bones) instead of joint ones;
    ``crop``: subject-centred boxes (False: the whole camera image, squared, for the ablation)."""

    frames: int = 16
    size: int = 32
    sigma: float = 0.6
    padding: float = 0.25
    limbs: bool = False
    crop: bool = True

    def __post_init__(self) -> None:
        if self.frames < 1 or self.size < 1 or not self.sigma > 0:
            raise ValueError(
                f"frames and size must be >= 1 and sigma > 0, got {self.frames}, {self.size}, "
                f"{self.sigma}"
            )


@dataclass(frozen=True)
class Corruption:
    """Test-time corruption: each keypoint is dropped (score 0) with probability ``drop``, and
    Gaussian noise of standard deviation ``noise`` × the box side is added to every coordinate."""

    drop: float = 0.0
    noise: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.drop <= 1.0 or self.noise < 0:
            raise ValueError(
                f"drop must be in [0, 1] and noise >= 0, got {self.drop}, {self.noise}"
            )

    def apply(
        self, keypoints: np.ndarray, scores: np.ndarray, size: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Corrupt (T, V, 2) keypoints in a ``size``-pixel frame and their (T, V) scores."""
        noisy = keypoints + rng.normal(0.0, self.noise * size, keypoints.shape)
        kept = rng.random(scores.shape) >= self.drop
        return noisy.astype(np.float32), (scores * kept).astype(np.float32)


def flip(
    keypoints: np.ndarray, scores: np.ndarray, mirror: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mirror (T, V, 2) keypoints of a ``size``-wide frame about its vertical centre line
    (x -> size − x) and swap left and right joints (``mirror``: each joint's counterpart)."""
    flipped = keypoints[:, mirror] * np.array([-1.0, 1.0], np.float32) + [size, 0.0]
    return flipped.astype(np.float32), scores[:, mirror]


class PoseClips:
    """The projected sequences of a dataset, and clips of them for training and evaluation.

    ``batch(indices, rng)`` makes :class:`PoseClips` a :class:`repro.train.SampleSource`:
    random sampling and flips drawn from ``rng``, the model input chosen by ``kind``
    (``"volume"`` or ``"coordinates"``).
    """

    def __init__(self, data: SkeletonSequences, spec: ClipSpec, kind: str = "volume") -> None:
        if kind not in ("volume", "coordinates"):
            raise ValueError(f"kind must be 'volume' or 'coordinates', got {kind!r}")
        self.spec, self.kind = spec, kind
        self.layout = get_layout(data.layout)
        if self.layout.mirror is None:
            raise ValueError(f"layout {self.layout.name} has no mirror map for the flip")
        self.mirror = np.asarray(self.layout.mirror)
        self.projected = [project(s) for s in data.sequences]  # [((L, V, 2), (L, V))]
        whole = (0.0, (KINECT_V1.height - KINECT_V1.width) / 2, float(KINECT_V1.width))
        self.boxes = [
            subject_box(kp, sc, spec.padding) if spec.crop else whole for kp, sc in self.projected
        ]
        self.labels = torch.from_numpy(data.labels)  # (N,) int64

    def clip(
        self,
        i: int,
        rng: np.random.Generator | None = None,
        corruption: Corruption | None = None,
        corruption_rng: np.random.Generator | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Clip ``i`` as ((frames, V, 2) keypoints in frame pixels, (frames, V) scores)."""
        kp, sc = self.projected[i]
        s = self.spec
        idx = uniform_sample(len(kp), s.frames, rng)
        px = to_heatmap_pixels(kp[idx], self.boxes[i], (s.size, s.size))
        scores = sc[idx]
        if rng is not None and rng.random() < 0.5:
            px, scores = flip(px, scores, self.mirror, s.size)
        if corruption is not None:
            if corruption_rng is None:
                raise ValueError("a corruption needs its own generator (corruption_rng)")
            px, scores = corruption.apply(px, scores, s.size, corruption_rng)
        return px.astype(np.float32), scores.astype(np.float32)

    def inputs(self, clips: Sequence[tuple[np.ndarray, np.ndarray]]) -> Tensor:
        """The model input of a list of clips (see :func:`volumes` and :func:`coordinates`)."""
        if self.kind == "volume":
            limbs = self.layout.edges if self.spec.limbs else None
            return volumes(clips, self.spec.size, self.spec.sigma, limbs)
        return coordinates(clips, self.spec.size)

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> Tensor:
        return self.inputs([self.clip(int(i), rng) for i in indices])

    def evaluation(self, corruption: Corruption | None = None, seed: int = 0) -> Tensor:
        """Test-time inputs of every clip (middle frames, no flip), optionally corrupted with
        draws from a generator seeded with ``seed``."""
        rng = np.random.default_rng(seed)
        return self.inputs(
            [self.clip(i, None, corruption, rng) for i in range(len(self.projected))]
        )


def volumes(
    clips: Sequence[tuple[np.ndarray, np.ndarray]],
    size: int,
    sigma: float,
    limbs: Sequence[tuple[int, int]] | None = None,
) -> Tensor:
    """N clips of (T, V, 2) keypoints and (T, V) scores -> (N, K, T, size, size) volumes.

    The clips are laid end to end as the frames of one person, so a single call of
    :func:`keypoints_to_heatmaps` draws the whole batch.
    """
    kp = torch.from_numpy(np.stack([c[0] for c in clips]))  # (N, T, V, 2)
    sc = torch.from_numpy(np.stack([c[1] for c in clips]))  # (N, T, V)
    n, t = sc.shape[:2]
    vol = keypoints_to_heatmaps(
        kp.reshape(1, n * t, *kp.shape[2:]), sc.reshape(1, n * t, -1), size, sigma, limbs
    )  # (K, N*T, H, W)
    return vol.reshape(vol.shape[0], n, t, size, size).transpose(0, 1).contiguous()


def coordinates(clips: Sequence[tuple[np.ndarray, np.ndarray]], size: int) -> Tensor:
    """N clips -> (N, 2, T, V, 1) ST-GCN input: x and y scaled to [−1, 1] over the frame; a
    keypoint with score 0 (untracked or dropped) reads (0, 0), the frame's centre.

    pyskl's GCNs also read the detector's score as a third channel. Our projected skeletons
    have no detector: every tracked keypoint scores 1, so that channel is (nearly) constant in
    training, and ST-GCN's input BatchNorm divides it by a standard deviation near 0. A keypoint
    dropped at test time (score 0) then reads hundreds of standard deviations off, and ST-GCN
    fell to chance at 1/16 of keypoints dropped: an artefact of the synthetic scores, not of
    graph convolution. Without the channel a dropped keypoint is a displaced one.
    """
    kp = np.stack([c[0] for c in clips]) * (2.0 / size) - 1.0  # (N, T, V, 2)
    tracked = np.stack([c[1] for c in clips])[..., None] > 0  # (N, T, V, 1)
    x = kp * tracked  # (N, T, V, 2)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)[..., None], np.float32))
