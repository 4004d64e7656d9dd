"""Clips for both models: the batched volumes, the GCN coordinates, the flip and the test-time
corruptions, on small synthetic skeleton sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.poseconv3d import keypoints_to_heatmaps
from implementations.poseconv3d.clips import (
    ClipSpec,
    Corruption,
    PoseClips,
    coordinates,
    flip,
    volumes,
)
from repro.data.skeleton import SkeletonSequences
from repro.data.skeleton_layouts import get_layout

LAYOUT = get_layout("kinect-v1")


def _data(lengths=(5, 9, 14), seed=0, spread=0.3) -> SkeletonSequences:
    """Random Kinect-v1 sequences about 2.5 m in front of the camera."""
    rng = np.random.default_rng(seed)
    seqs = tuple(
        (rng.normal(0, spread, (t, 20, 3)) + np.array([0.0, 0.0, 2.5])).astype(np.float32)
        for t in lengths
    )
    n = len(seqs)
    return SkeletonSequences(
        "toy", "kinect-v1", seqs, np.arange(n) % 2, np.arange(n) + 1,
        tuple(f"s{i}" for i in range(n)), ("a", "b"),
    )  # fmt: skip


def test_batched_volumes_equal_one_volume_per_clip():
    """Laying the clips end to end draws the same volumes as one call per clip."""
    clips = PoseClips(_data(), ClipSpec(frames=6, size=12, sigma=0.8))
    drawn = [clips.clip(i) for i in range(3)]
    batch = volumes(drawn, 12, 0.8, LAYOUT.edges)
    for i, (kp, sc) in enumerate(drawn):
        one = keypoints_to_heatmaps(torch.from_numpy(kp)[None], torch.from_numpy(sc)[None], 12,
                                    0.8, LAYOUT.edges)  # fmt: skip
        torch.testing.assert_close(batch[i], one)
    assert batch.shape == (3, len(LAYOUT.edges), 6, 12, 12)


def test_inputs_of_both_models():
    data = _data()
    vol = PoseClips(data, ClipSpec(frames=6, size=12)).evaluation()
    gcn = PoseClips(data, ClipSpec(frames=10, size=12), kind="coordinates").evaluation()
    assert vol.shape == (3, 20, 6, 12, 12) and gcn.shape == (3, 2, 10, 20, 1)
    assert float(gcn.abs().max()) <= 1.0  # inside the box


def test_no_gcn_input_channel_is_constant_in_training():
    """Every (channel, joint) of ST-GCN's training input varies, so its input BatchNorm never
    divides by a standard deviation near 0 (a constant score channel did, and a keypoint dropped
    at test time then read hundreds of standard deviations off)."""
    clips = PoseClips(_data(lengths=(12,) * 8), ClipSpec(frames=10, size=12), "coordinates")
    rng = np.random.default_rng(0)
    x = torch.cat([clips.batch(np.arange(8), rng) for _ in range(4)])  # (32, 2, T, V, 1)
    std = x.permute(1, 3, 0, 2, 4).reshape(2 * 20, -1).std(1)  # per (channel, joint)
    assert float(std.min()) > 0.05


def test_flip_mirrors_about_the_frame_centre_and_swaps_sides():
    """Left shoulder at x lands at size − x as the right shoulder; flipping twice restores."""
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 16, (3, 20, 2)).astype(np.float32)
    sc = rng.uniform(0, 1, (3, 20)).astype(np.float32)
    mirror = np.asarray(LAYOUT.mirror)
    fk, fs = flip(kp, sc, mirror, 16)
    left, right = (
        LAYOUT.joint_names.index("left shoulder"),
        LAYOUT.joint_names.index("right shoulder"),
    )
    np.testing.assert_allclose(fk[:, right], np.stack([16 - kp[:, left, 0], kp[:, left, 1]], -1))
    np.testing.assert_array_equal(fs[:, right], sc[:, left])
    back = flip(fk, fs, mirror, 16)
    np.testing.assert_allclose(back[0], kp, atol=1e-5)
    np.testing.assert_array_equal(back[1], sc)


def test_training_clips_are_flipped_about_half_the_time():
    clips = PoseClips(_data(lengths=(30,)), ClipSpec(frames=30, size=16))
    clean = clips.clip(0)[0]
    rng = np.random.default_rng(0)
    flipped = [not np.allclose(clips.clip(0, rng)[0], clean) for _ in range(200)]
    assert 0.35 < np.mean(flipped) < 0.65


def test_dropping_every_keypoint_leaves_empty_inputs():
    """drop = 1: the volume is zero and every GCN joint reads (0, 0)."""
    data = _data()
    vol = PoseClips(data, ClipSpec(frames=6, size=12)).evaluation(Corruption(drop=1.0))
    gcn = PoseClips(data, ClipSpec(frames=6, size=12), "coordinates").evaluation(Corruption(1.0))
    assert float(vol.abs().max()) == 0.0 and float(gcn.abs().max()) == 0.0


def test_noise_moves_keypoints_by_its_scale():
    clips = PoseClips(_data(lengths=(40,)), ClipSpec(frames=40, size=100))
    clean = clips.clip(0)[0]
    noisy = clips.clip(0, None, Corruption(noise=0.05), np.random.default_rng(0))[0]
    assert np.std(noisy - clean) == pytest.approx(5.0, rel=0.1)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"drop must be in \[0, 1\]"):
        Corruption(drop=1.5)
    with pytest.raises(ValueError, match="frames and size must be >= 1"):
        ClipSpec(frames=0)
    with pytest.raises(ValueError, match="kind must be"):
        PoseClips(_data(), ClipSpec(), kind="image")
    with pytest.raises(ValueError, match="needs its own generator"):
        PoseClips(_data(), ClipSpec()).clip(0, None, Corruption(drop=0.5))


def test_a_sequence_without_tracked_joints_is_a_clear_error():
    data = _data()
    one = np.zeros(1, np.int64)
    dark = SkeletonSequences(
        "toy", "kinect-v1", (np.zeros((4, 20, 3), np.float32),), one, one + 1, ("s0",), data.classes
    )
    with pytest.raises(ValueError, match="no visible keypoint"):
        PoseClips(dark, ClipSpec())


def test_coordinates_of_an_untracked_joint_are_zero():
    kp = np.full((1, 2, 2), 12.0, np.float32)
    x = coordinates([(kp, np.array([[1.0, 0.0]], np.float32))], 16)
    np.testing.assert_array_equal(x[0, :, 0, :, 0].numpy(), [[0.5, 0.0], [0.5, 0.0]])


def test_without_the_subject_crop_the_frame_is_the_camera_image():
    """crop=False maps the whole 640 × 480 image, squared, into the frame: the principal point
    lands in the middle and the subject covers a small part of it."""
    data = _data(spread=0.05)  # a subject about 60 px across
    clips = PoseClips(data, ClipSpec(frames=4, size=64, crop=False))
    kp = clips.clip(0)[0]
    cropped = PoseClips(data, ClipSpec(frames=4, size=64)).clip(0)[0]
    assert np.ptp(kp[..., 0]) < 0.25 * np.ptp(cropped[..., 0])
    np.testing.assert_allclose(kp.mean((0, 1)), [32.0, 32.0], atol=1.0)
