"""Peer cross-check: outputs and every gradient equal torchvision.ops.deform_conv2d."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import deform_conv2d
from implementations.dcn.identity_checks import torchvision_peer
from implementations.dcn.instances import ConvConfig
from implementations.dcn.paper import PAPER
from repro.experiment import deviation, instance_generator

tv_deform_conv2d = pytest.importorskip(
    "torchvision.ops", reason="torchvision is the peer of this check"
).deform_conv2d

SEEDS = st.integers(0, 2**32 - 1)
#: the relative tolerance in float64 (float32: the claim's tolerance)
RTOL_FLOAT64 = 1e-10


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_matches_torchvision_outputs_and_gradients(seed: int) -> None:
    """dcn.eq2.torchvision-peer: output and gradients for input, offset, weight, bias and mask
    equal torchvision's in float32; offsets reach up to 3 pixels past every border."""
    claim = PAPER.claim("dcn.eq2.torchvision-peer")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_matches_torchvision_in_float64(seed: int) -> None:
    """dcn.eq2.torchvision-peer in float64: the same instances agree to 1e-10 (relative)."""
    assert torchvision_peer(instance_generator(seed), torch.float64) <= RTOL_FLOAT64


#: (groups, offset_groups, kernel, stride, padding, dilation, with mask)
LAYERS = {
    "3x3-pad1": (1, 1, (3, 3), (1, 1), (1, 1), (1, 1), False),
    "stride2": (1, 1, (3, 3), (2, 2), (1, 1), (1, 1), False),
    "dilation2": (1, 1, (3, 3), (1, 1), (2, 2), (2, 2), False),
    "groups2-offset-groups3-mask": (2, 3, (3, 2), (2, 1), (1, 0), (2, 1), True),
}


@pytest.mark.parametrize("offsets", ["zero", "whole"])
@pytest.mark.parametrize("layer", list(LAYERS))
@pytest.mark.parametrize("size", [(5, 6), (7, 7), (10, 13)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_dcn_eq2_offset_gradient_equals_torchvision_at_whole_pixels(
    size: tuple[int, int], layer: str, offsets: str
) -> None:
    """dcn.eq2.torchvision-peer where every sample lands on a whole pixel (zero offsets, the
    layer's starting state, or whole-pixel offsets reaching past the borders), on odd map sizes:
    the output and every gradient, the offset's included, equal torchvision's in float64. The
    offset gradient differed there by up to 11.6 while sampling went through grid_sample."""
    groups, offset_groups, kernel, stride, padding, dilation, with_mask = LAYERS[layer]
    config = ConvConfig(
        batch=2,
        channels=6,
        out_channels=4,
        groups=groups,
        offset_groups=offset_groups,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        size=size,
    )
    t = config.tensors(torch.Generator().manual_seed(sum(size)), offsets=offsets)
    names = ["input", "offset", "weight", "bias"] + (["mask"] if with_mask else [])
    grad = torch.randn(2, 4, *config.out_size, dtype=torch.float64)
    results = []
    for op in (deform_conv2d, tv_deform_conv2d):
        args = {k: t[k].clone().requires_grad_() for k in names}
        out = op(**args, **config.conv_args())
        out.backward(grad)
        results.append([out] + [args[k].grad for k in names])
    for name, ours, theirs in zip(["output", *names], *results, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12, msg=name)


@pytest.mark.parametrize(
    ("dtype", "height", "width", "channel", "big"),
    [
        (torch.float32, 1, 5, 0, 1e30),  # Δy on a 1-pixel-high map
        (torch.float32, 1, 5, 0, 3e38),  # Δy · 2 / height overflowed to inf, then NaN
        (torch.float32, 4, 1, 1, -3e38),  # Δx on a 1-pixel-wide map
        (torch.float64, 1, 5, 0, 1.7e308),
        (torch.float16, 1, 5, 0, 6e4),
    ],
)
def test_dcn_huge_finite_offset_reads_zero_like_torchvision(
    dtype: torch.dtype, height: int, width: int, channel: int, big: float
) -> None:
    """A huge finite offset samples far outside the map: zero, so the output is the bias and the
    offset's gradient is zero, as in torchvision (it was NaN where the offset overflowed)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, height, width, generator=gen).to(dtype)
    weight = torch.randn(4, 3, 3, 3, generator=gen).to(dtype)
    bias = torch.randn(4, generator=gen).to(dtype)
    offset = torch.zeros(2, 18, height, width, dtype=torch.float64)
    offset[:, channel::2] = big  # every kernel position's Δy (channel 0) or Δx (channel 1)
    offset = offset.to(dtype)
    assert bool(torch.isfinite(offset).all())
    results = []
    for op in (deform_conv2d, tv_deform_conv2d):
        args = [t.clone().requires_grad_() for t in (x, offset, weight, bias)]
        out = op(*args, padding=1)
        out.sum().backward()
        results.append((out, *(a.grad for a in args)))
    ours, theirs = results
    torch.testing.assert_close(
        ours[0], bias[None, :, None, None].expand_as(ours[0]), rtol=0, atol=0
    )
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
