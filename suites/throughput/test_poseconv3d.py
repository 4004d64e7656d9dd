"""PoseConv3D throughput: drawing pseudo-heatmap volumes (frames/s) against the per-joint loop
reference in the same run, limb volumes, and the SlowOnly 3D-CNN's samples/s with its achieved
GFLOP/s as a fraction of a matrix-multiply peak measured in the same run (the ``bench``
fixture's limit).

With ``--benchmark-disable`` (the default test run) every case runs once on a short clip, so
that the suite stays quick; the figures come from ``pytest suites/ --benchmark-only``. The
issue's target for the vectorised generator is ≥ 20× the loop's frame rate (``ratio_vs_loop``
≤ 0.05); it is recorded, not asserted (timings are never asserted on).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.poseconv3d import SlowOnly3D, heatmaps_loop, keypoints_to_heatmaps
from repro.data.skeleton_layouts import get_layout
from repro.timing import autograd_saved_bytes, count_flops

# (id, M persons, T frames, V joints, heatmap side): the paper's NTU clip (two persons, 17 COCO
# keypoints, 48 frames, 56²) and an MSR Action3D clip as trained here
CLIPS = [
    ("coco-m2-t48-v17-56x56", 2, 48, 17, 56),
    ("kinect-m1-t12-v20-24x24", 1, 12, 20, 24),
]


def _clip(m: int, t: int, v: int, side: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    keypoints = 4 + torch.rand(m, t, v, 2, generator=g) * (side - 8)
    scores = 0.5 + 0.5 * torch.rand(m, t, v, generator=g)
    return keypoints.to(device), scores.to(device)


@pytest.mark.parametrize(("sid", "m", "t", "v", "side"), CLIPS, ids=[c[0] for c in CLIPS])
def test_poseconv3d_joint_heatmaps_vs_loop(bench, benchmark, device, sid, m, t, v, side):
    """Joint volumes (Eq. 1): vectorised (ours) vs the per-joint loop (peer "loop"), frames/s."""
    benchmark.group = "poseconv3d-joint-heatmaps"
    if benchmark.disabled:
        t = 2
    keypoints, scores = _clip(m, t, v, side, device)
    kp, sc = keypoints.cpu().numpy(), scores.cpu().numpy()
    out = bench(
        lambda: keypoints_to_heatmaps(keypoints, scores, side),
        n_samples=t,
        unit="frames",
        shape=sid,
        peers={"loop": lambda: heatmaps_loop(kp, sc, (side, side))},
    )
    np.testing.assert_allclose(out.cpu().numpy(), heatmaps_loop(kp, sc, (side, side)), atol=1e-5)


@pytest.mark.parametrize(("sid", "m", "t", "v", "side"), CLIPS, ids=[c[0] for c in CLIPS])
def test_poseconv3d_limb_heatmaps(bench, benchmark, device, sid, m, t, v, side):
    """Limb volumes (Eq. 2) over a skeleton's bones, frames/s (the loop reference draws limbs
    pixel by pixel: too slow to be a fair peer)."""
    benchmark.group = "poseconv3d-limb-heatmaps"
    if benchmark.disabled:
        t = 2
    keypoints, scores = _clip(m, t, v, side, device)
    layout = {17: "openpose", 20: "kinect-v1"}[v]
    limbs = [(a, b) for a, b in get_layout(layout).edges if a < v and b < v]
    out = bench(
        lambda: keypoints_to_heatmaps(keypoints, scores, side, limbs=limbs),
        n_samples=t,
        unit="frames",
        shape=sid,
    )
    assert out.shape == (len(limbs), t, side, side)


# (id, N, K, T, side, base width): the paper's SlowOnly-R50 on an NTU clip, and ours on MSR
NETS = [
    ("ntu-n4-k17-t48-56x56-w32", 4, 17, 48, 56, 32),
    ("msr-n16-k20-t12-24x24-w8", 16, 20, 12, 24, 8),
]


@pytest.mark.parametrize("mode", ["forward", "forward-backward"])
@pytest.mark.parametrize(("sid", "n", "k", "t", "side", "width"), NETS, ids=[c[0] for c in NETS])
def test_poseconv3d_slowonly_throughput(
    bench, benchmark, model_step, device, mode, sid, n, k, t, side, width
):
    benchmark.group = f"poseconv3d-slowonly-{mode}"
    if benchmark.disabled:
        n, t, side = 2, 4, 16
    torch.manual_seed(0)
    model = SlowOnly3D(60, k, width).to(device)
    x = torch.randn(n, k, t, side, side, device=device)
    step = model_step(model, x, mode)

    flops = count_flops(step)
    out = bench(
        step,
        n_samples=n,
        shape=sid,
        gflop_per_sample=flops / n / 1e9,
        saved_activation_bytes=autograd_saved_bytes(lambda: model(x)),
    )
    assert out.shape == (n, 60)
