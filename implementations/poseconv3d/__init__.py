"""PoseConv3D (Duan et al., CVPR 2022): skeletons as pseudo-heatmap volumes for a 3D-CNN.

Keypoints with confidences become joint or limb Gaussian volumes
(:func:`keypoints_to_heatmaps`), after uniform temporal sampling (:func:`uniform_sample`) and
subject-centred cropping (:func:`subject_box`, :func:`to_heatmap_pixels`); 3D Kinect skeletons
are projected to 2D keypoints by a pinhole camera (:func:`project`); a SlowOnly-style 3D-CNN
(:class:`SlowOnly3D`) classifies the volumes.
"""

from implementations.poseconv3d.cropping import subject_box, to_heatmap_pixels
from implementations.poseconv3d.heatmaps import SCORE_THRESHOLD, keypoints_to_heatmaps
from implementations.poseconv3d.loop_reference import heatmaps_loop
from implementations.poseconv3d.projection import KINECT_V1, PinholeCamera, project
from implementations.poseconv3d.sampling import uniform_sample
from implementations.poseconv3d.slowonly import Bottleneck3D, SlowOnly3D

__all__ = [
    "KINECT_V1",
    "SCORE_THRESHOLD",
    "Bottleneck3D",
    "PinholeCamera",
    "SlowOnly3D",
    "heatmaps_loop",
    "keypoints_to_heatmaps",
    "project",
    "subject_box",
    "to_heatmap_pixels",
    "uniform_sample",
]
