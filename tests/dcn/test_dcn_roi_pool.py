"""Exact claims about deformable RoI pooling (Eq. (5)–(6)) and its position-sensitive form."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import DeformPSRoIPool, DeformRoIPool, deform_ps_roi_pool, deform_roi_pool

tv_ops = pytest.importorskip("torchvision.ops", reason="torchvision is the peer of this check")

F64 = torch.float64


@st.composite
def roi_cases(draw: st.DrawFn) -> dict:
    """Feature maps, boxes partly outside the image, bins, scales and sampling ratios."""
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    batch = draw(st.integers(1, 2))
    bins = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    out_channels = draw(st.integers(1, 3))
    height, width = draw(st.integers(2, 12)), draw(st.integers(2, 12))
    scale = draw(st.sampled_from([1.0, 0.5, 0.25]))
    n = draw(st.integers(1, 6))
    # boxes in image coordinates, allowed to stick out of the map by a few pixels
    corner = (torch.rand(n, 2, generator=gen, dtype=F64) * 1.4 - 0.2) * torch.tensor(
        [width / scale, height / scale], dtype=F64
    )
    size = (
        torch.rand(n, 2, generator=gen, dtype=F64)
        * torch.tensor([width / scale, height / scale], dtype=F64)
        + 0.5
    )
    index = torch.randint(0, batch, (n, 1), generator=gen).to(F64)
    return {
        "input": torch.randn(
            batch, out_channels * bins[0] * bins[1], height, width, generator=gen, dtype=F64
        ),
        "boxes": torch.cat([index, corner, corner + size], dim=1),
        "offset": torch.randn(n, 2, *bins, generator=gen, dtype=F64),
        "output_size": bins,
        "spatial_scale": scale,
        "sampling_ratio": draw(st.integers(0, 3)),
    }


def _args(case: dict) -> dict:
    return {k: case[k] for k in ("output_size", "spatial_scale", "sampling_ratio")}


@settings(max_examples=60, deadline=None)
@given(case=roi_cases())
def test_dcn_eq5_zero_offset_is_roi_align(case: dict) -> None:
    """dcn.eq5.zero-offset-roi-align: with Δp̂ = 0, Eq. (5) is RoIAlign (aligned=True, same
    sampling ratio): the average of bilinear samples over each bin."""
    ours = deform_roi_pool(
        case["input"], case["boxes"], torch.zeros_like(case["offset"]), **_args(case)
    )
    ref = tv_ops.roi_align(case["input"], case["boxes"], aligned=True, **_args(case))
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(case=roi_cases())
def test_dcn_sec2_2_ps_zero_offset_is_ps_roi_align(case: dict) -> None:
    """dcn.sec2-2.ps-zero-offset: deformable PS RoI pooling with zero offsets is R-FCN's
    position-sensitive pooling (torchvision.ops.ps_roi_align)."""
    ours = deform_ps_roi_pool(case["input"], case["boxes"], None, **_args(case))
    ref = tv_ops.ps_roi_align(case["input"], case["boxes"], **_args(case))
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(
    case=roi_cases(),
    gamma=st.sampled_from([0.1, 0.05, 0.3]),
    position_sensitive=st.booleans(),
)
def test_dcn_eq6_offset_moves_each_bin(case: dict, gamma: float, position_sensitive: bool) -> None:
    """dcn.eq6.bin-shift: offset Δp̂_ij moves bin (i, j) by γ·Δp̂_ij ∘ (w, h) and changes
    nothing else: each bin equals that bin of the zero-offset pooling of the moved box."""
    case = {**case, "sampling_ratio": max(case["sampling_ratio"], 1)}
    pool = deform_ps_roi_pool if position_sensitive else deform_roi_pool
    ours = pool(case["input"], case["boxes"], case["offset"], gamma=gamma, **_args(case))
    boxes = case["boxes"]
    w = boxes[:, 3] - boxes[:, 1]  # the box size in image pixels
    h = boxes[:, 4] - boxes[:, 2]
    ph, pw = case["output_size"]
    for i in range(ph):
        for j in range(pw):
            moved = boxes.clone()
            shift_x = gamma * case["offset"][:, 0, i, j] * w
            shift_y = gamma * case["offset"][:, 1, i, j] * h
            moved[:, [1, 3]] += shift_x[:, None]
            moved[:, [2, 4]] += shift_y[:, None]
            ref = pool(case["input"], moved, None, **_args(case))
            torch.testing.assert_close(ours[..., i, j], ref[..., i, j], rtol=0, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(case=roi_cases())
def test_dcn_sec2_2_zero_initialised_modules_are_roi_align(case: dict) -> None:
    """dcn.sec2-2.zero-init-modules: the offset fc (and the PS offset conv) start at zero, so the
    modules start as RoIAlign and PS RoIAlign, and the offset branch receives a gradient."""
    x = case["input"].clone().requires_grad_()
    channels = x.shape[1]
    plain = DeformRoIPool(channels, **_args(case)).double()
    ps = DeformPSRoIPool(channels, **_args(case)).double()
    out_plain, out_ps = plain(x, case["boxes"]), ps(x, case["boxes"])
    torch.testing.assert_close(
        out_plain,
        tv_ops.roi_align(x, case["boxes"], aligned=True, **_args(case)),
        rtol=0,
        atol=1e-10,
    )
    torch.testing.assert_close(
        out_ps, tv_ops.ps_roi_align(x, case["boxes"], **_args(case)), rtol=0, atol=1e-10
    )
    (out_plain.square().sum() + out_ps.square().sum()).backward()
    assert plain.offset_fc.weight.grad is not None
    assert ps.conv_offset.weight.grad is not None


def test_dcn_roi_pool_accepts_a_list_of_boxes_per_image() -> None:
    x = torch.randn(2, 3, 8, 8, dtype=F64)
    boxes = [torch.tensor([[0.0, 0, 5, 5]], dtype=F64), torch.tensor([[1.0, 1, 6, 7]], dtype=F64)]
    as_rows = torch.tensor([[0.0, 0, 0, 5, 5], [1.0, 1, 1, 6, 7]], dtype=F64)
    torch.testing.assert_close(
        deform_roi_pool(x, boxes, output_size=2), deform_roi_pool(x, as_rows, output_size=2)
    )


def test_dcn_roi_pool_gradcheck_offsets() -> None:
    """dcn.eq6.bin-shift: gradients of the pooled values w.r.t. input and offsets are those of
    finite differences (samples kept inside the map, off integral positions)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 4, 9, 9, generator=gen, dtype=F64, requires_grad=True)
    boxes = torch.tensor([[0.0, 2.3, 2.1, 6.2, 6.6]], dtype=F64)
    offset = (0.3 * torch.rand(1, 2, 2, 2, generator=gen, dtype=F64)).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, o: deform_roi_pool(a, boxes, o, output_size=2, sampling_ratio=2), (x, offset)
    )
