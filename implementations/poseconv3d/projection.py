"""The 2D input of our experiments: Kinect v1 3D skeletons seen through a pinhole camera.

PoseConv3D takes 2D keypoints with confidences from a pose estimator. MSR Action3D and
UTKinect-Action3D give 3D joints in metres in the camera frame of the Kinect (x right, y up,
z the depth away from the sensor), so we project them with the pinhole model

    u = c_u + f · x / z,    v = c_v − f · y / z

(v grows downwards, as image rows do) onto a 640 × 480 image with f = 525 px, the nominal
focal length of the Kinect v1 colour camera (an assumed, documented choice: the datasets do not
ship their intrinsics; subject-centred cropping later removes the overall scale, so f only sets
the perspective). A joint is tracked where its depth is positive and finite: it gets score 1;
untracked joints (MSR Action3D stores whole frames of zeros) get score 0 and coordinates 0. Both
PoseConv3D and our ST-GCN baseline read these same projected sequences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PinholeCamera:
    """Focal length ``f`` and principal point (``cu``, ``cv``) in pixels, image ``width`` ×
    ``height``."""

    f: float = 525.0
    cu: float = 320.0
    cv: float = 240.0
    width: int = 640
    height: int = 480

    def __post_init__(self) -> None:
        if not self.f > 0 or self.width < 1 or self.height < 1:
            raise ValueError(
                f"focal length and image size must be positive, got f={self.f}, "
                f"{self.width}x{self.height}"
            )


KINECT_V1 = PinholeCamera()


def project(points: np.ndarray, camera: PinholeCamera = KINECT_V1) -> tuple[np.ndarray, np.ndarray]:
    """(T, V, 3) camera-frame joints in metres -> ((T, V, 2) pixels (u, v), (T, V) scores).

    Scores are 1 for tracked joints (depth z > 0 and every coordinate finite) and 0 otherwise;
    an untracked joint's pixel coordinates are 0.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 3 or points.shape[-1] != 3:
        raise ValueError(f"points must be (T, V, 3), got shape {points.shape}")
    tracked = np.isfinite(points).all(-1) & (points[..., 2] > 0)  # (T, V)
    x, y, z = (np.where(tracked, points[..., i], 1.0) for i in range(3))
    uv = np.stack([camera.cu + camera.f * x / z, camera.cv - camera.f * y / z], -1)
    uv = np.where(tracked[..., None], uv, 0.0)
    return uv.astype(np.float32), tracked.astype(np.float32)
