"""Property tests of the pseudo-heatmap volumes (claims poseconv3d.eq1.*, eq2.*, sec3.*)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.poseconv3d import keypoints_to_heatmaps
from implementations.poseconv3d.paper import PAPER
from repro.experiment import deviation

SEEDS = st.integers(0, 2**32 - 1)


def _holds(claim_id: str, seed: int) -> None:
    claim = PAPER.claim(claim_id)
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_eq1_joint_gaussian(seed):
    """poseconv3d.eq1.joint-gaussian: the closed form inside the ±3σ window, zero outside, the
    peak c at an on-pixel keypoint, nothing above c."""
    _holds("poseconv3d.eq1.joint-gaussian", seed)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_eq2_limb_segment(seed):
    """poseconv3d.eq2.limb-segment: min(c_a, c_b) along the segment, symmetric endpoints."""
    _holds("poseconv3d.eq2.limb-segment", seed)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_eq2_short_limb(seed):
    """poseconv3d.eq2.short-limb: a limb shorter than 1 px is the joint blob at its first joint."""
    _holds("poseconv3d.eq2.short-limb", seed)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_sec3_translation(seed):
    """poseconv3d.sec3.translation: an integer shift of the keypoints shifts the volume."""
    _holds("poseconv3d.sec3.translation", seed)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_sec3_score_threshold(seed):
    """poseconv3d.sec3.score-threshold: keypoints scored below 1e-3 leave no trace."""
    _holds("poseconv3d.sec3.score-threshold", seed)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_sec3_person_merge(seed):
    """poseconv3d.sec3.person-merge: persons merge by maximum, in any order."""
    _holds("poseconv3d.sec3.person-merge", seed)


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_poseconv3d_sec3_loop_reference(seed):
    """poseconv3d.sec3.loop-reference: the vectorised volume equals the per-joint loop."""
    _holds("poseconv3d.sec3.loop-reference", seed)


def test_window_is_three_sigma():
    """Pixels 3σ + 1 away from a keypoint are zero; the edge of the window is not."""
    kp = torch.tensor([[[[10.0, 10.0]]]])
    vol = keypoints_to_heatmaps(kp, torch.ones(1, 1, 1), (21, 21), sigma=1.0)[0, 0]
    assert vol[10, 13] > 0 and vol[10, 14] == 0 and vol[6, 10] == 0 and vol[7, 10] > 0


def test_keypoint_outside_the_frame_draws_its_inside_part():
    """A keypoint 1 px left of the frame still lights the first column; 5 px away nothing."""
    scores = torch.ones(1, 1, 1)
    near = keypoints_to_heatmaps(torch.tensor([[[[-1.0, 4.0]]]]), scores, (9, 9), sigma=1.0)
    far = keypoints_to_heatmaps(torch.tensor([[[[-5.0, 4.0]]]]), scores, (9, 9), sigma=1.0)
    assert float(near[0, 0, 4, 0]) == pytest.approx(float(torch.exp(torch.tensor(-0.5))))
    assert float(far.abs().max()) == 0.0


def test_empty_clip_and_no_persons():
    """T = 0 gives an empty volume, M = 0 a zero one (documented), both of the right shape."""
    empty = keypoints_to_heatmaps(torch.zeros(1, 0, 5, 2), torch.zeros(1, 0, 5), 8)
    nobody = keypoints_to_heatmaps(torch.zeros(0, 3, 5, 2), torch.zeros(0, 3, 5), (8, 6))
    assert empty.shape == (5, 0, 8, 8)
    assert nobody.shape == (5, 3, 8, 6) and float(nobody.abs().max()) == 0.0


@pytest.mark.parametrize(
    ("keypoints", "scores", "kwargs", "match"),
    [
        (torch.zeros(1, 2, 3), torch.ones(1, 2), {}, r"keypoints must be \(M, T, V, 2\)"),
        (torch.zeros(1, 2, 3, 2), torch.ones(1, 2, 4), {}, r"scores must be \(M, T, V\)"),
        (torch.zeros(1, 2, 3, 2), torch.ones(1, 2, 3), {"sigma": 0.0}, "sigma must be positive"),
        (torch.zeros(1, 2, 3, 2), torch.ones(1, 2, 3), {"size": 0}, "size must be a positive"),
        (
            torch.zeros(1, 2, 3, 2),
            torch.ones(1, 2, 3),
            {"limbs": [(0, 3)]},
            r"limb \(0, 3\) is not a pair of joint indices",
        ),
        (
            torch.full((1, 2, 3, 2), float("nan")),
            torch.ones(1, 2, 3),
            {},
            "NaN or infinite coordinates",
        ),
        (torch.zeros(1, 2, 3, 2), torch.full((1, 2, 3), float("nan")), {}, "scores must be finite"),
    ],
)
def test_bad_input_is_a_clear_error(keypoints, scores, kwargs, match):
    kwargs = {"size": 8, **kwargs}
    with pytest.raises(ValueError, match=match):
        keypoints_to_heatmaps(keypoints, scores, **kwargs)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device visible to torch")
def test_cuda_equals_cpu():
    g = torch.Generator().manual_seed(0)
    kp, sc = torch.rand(2, 4, 6, 2, generator=g) * 16, torch.rand(2, 4, 6, generator=g)
    for limbs in (None, [(0, 1), (2, 3), (4, 4)]):
        cpu = keypoints_to_heatmaps(kp, sc, 16, 0.8, limbs)
        gpu = keypoints_to_heatmaps(kp.cuda(), sc.cuda(), 16, 0.8, limbs)
        assert gpu.device.type == "cuda"
        torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=0)
