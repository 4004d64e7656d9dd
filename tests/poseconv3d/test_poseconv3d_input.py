"""The 2D input of PoseConv3D: pinhole projection, uniform temporal sampling, subject-centred
cropping, and their handling of bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.poseconv3d import (
    PinholeCamera,
    project,
    subject_box,
    to_heatmap_pixels,
    uniform_sample,
)


def test_projection_is_the_pinhole_model():
    """A point on the optical axis lands on the principal point; x/z and y/z scale by f, with
    image rows growing downwards; untracked joints (z <= 0, NaN) get score 0 and coordinates 0."""
    cam = PinholeCamera(f=500.0, cu=320.0, cv=240.0)
    pts = np.array([[[0.0, 0.0, 2.0], [1.0, 0.5, 2.0], [0.0, 0.0, 0.0], [np.nan, 0.0, 2.0]]])
    uv, score = project(pts, cam)
    np.testing.assert_allclose(uv[0, :2], [[320, 240], [570, 115]])
    np.testing.assert_array_equal(score[0], [1, 1, 0, 0])
    np.testing.assert_array_equal(uv[0, 2:], 0)


def test_projection_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match=r"points must be \(T, V, 3\)"):
        project(np.zeros((4, 20, 2)))
    with pytest.raises(ValueError, match="must be positive"):
        PinholeCamera(f=0.0)


@settings(max_examples=60, deadline=None)
@given(frames=st.integers(1, 200), clip=st.integers(1, 64), seed=st.integers(0, 2**16))
def test_uniform_sampling_takes_one_frame_per_segment(frames, clip, seed):
    """Indices are sorted and in range; for L >= T index i lies in segment i, so all differ."""
    for rng in (None, np.random.default_rng(seed)):
        idx = uniform_sample(frames, clip, rng)
        assert idx.shape == (clip,) and idx.min() >= 0 and idx.max() < frames
        assert (np.diff(idx) >= 0).all()
        if frames >= clip:
            segment = np.arange(clip)
            assert (idx >= segment * frames // clip).all()
            assert (idx < (segment + 1) * frames // clip).all()
            assert len(set(idx.tolist())) == clip


def test_test_time_sampling_takes_the_middles():
    np.testing.assert_array_equal(uniform_sample(10, 5), [1, 3, 5, 7, 9])
    np.testing.assert_array_equal(uniform_sample(3, 5), [0, 0, 1, 1, 2])


def test_empty_clip_cannot_be_sampled():
    with pytest.raises(ValueError, match="empty clip"):
        uniform_sample(0, 8)
    with pytest.raises(ValueError, match="clip_len must be >= 1"):
        uniform_sample(5, 0)


def test_subject_box_is_square_padded_and_covers_every_visible_keypoint():
    """The tight box of the visible keypoints, squared about its centre, grown by 25%;
    invisible keypoints (score < 1e-3, even NaN) are left out."""
    kp = np.array([[[0.0, 0.0], [40.0, 20.0], [np.nan, 5.0], [900.0, 900.0]]])
    sc = np.array([[1.0, 1.0, 0.0, 1e-4]])
    x0, y0, side = subject_box(kp, sc)
    assert side == pytest.approx(50.0)
    assert (x0, y0) == pytest.approx((20 - 25, 10 - 25))
    px = to_heatmap_pixels(kp[:, :2], (x0, y0, side), (32, 32))
    assert px.min() >= 0 and px.max() <= 32


def test_zero_area_box_grows_to_min_side():
    """All visible keypoints on one point: the box is min_side wide, centred on it."""
    kp = np.full((3, 5, 2), 7.0)
    x0, y0, side = subject_box(kp, np.ones((3, 5)), min_side=4.0)
    assert (x0, y0, side) == pytest.approx((5.0, 5.0, 4.0))
    np.testing.assert_allclose(to_heatmap_pixels(kp[:1, :1], (x0, y0, side), (8, 8)), 4.0)


def test_subject_box_bad_input():
    with pytest.raises(ValueError, match="no visible keypoint"):
        subject_box(np.zeros((2, 3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="scores their leading shape"):
        subject_box(np.zeros((2, 3, 2)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="min_side > 0"):
        subject_box(np.zeros((2, 3, 2)), np.ones((2, 3)), min_side=0.0)
