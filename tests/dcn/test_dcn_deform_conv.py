"""Exact claims about deformable convolution (Eq. (1)–(4), Fig. 1) as property tests."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from dcn_cases import ConvCase, conv_cases
from dcn_reference import deform_conv2d_loops
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import (
    DeformConv2d,
    bilinear_interpolate,
    bilinear_weights,
    deform_conv2d,
    effective_dilation,
)

F64 = torch.float64


def _conv_args(case: ConvCase) -> dict:
    return {"stride": case.stride, "padding": case.padding, "dilation": case.dilation}


@settings(max_examples=60, deadline=None)
@given(case=conv_cases())
def test_dcn_eq1_zero_offset_is_conv2d(case: ConvCase) -> None:
    """dcn.eq1.zero-offset-conv: with Δp_n = 0, Eq. (2) is the regular convolution Eq. (1)."""
    t = case.tensors(F64)
    offset = torch.zeros_like(t["offset"])
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], **_conv_args(case))
    ref = F.conv2d(t["input"], t["weight"], t["bias"], groups=case.groups, **_conv_args(case))
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(case=conv_cases(), dy=st.integers(-4, 4), dx=st.integers(-4, 4))
def test_dcn_eq2_integer_offset_is_shifted_conv(case: ConvCase, dy: int, dx: int) -> None:
    """dcn.eq2.integer-shift: a constant integral offset (dy, dx) is the convolution of the input
    shifted by it, with zeros shifted in: x'(p) = x(p + (dy, dx))."""
    t = case.tensors(F64)
    offset = torch.zeros_like(t["offset"])
    offset[:, 0::2] = dy
    offset[:, 1::2] = dx
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], **_conv_args(case))
    (height, width), (pad_y, pad_x) = case.size, case.padding
    # zero-pad by the convolution's padding plus the shift, then crop the padded window that
    # starts (dy, dx) away and convolve it without padding
    m = max(abs(dy), abs(dx))
    padded = F.pad(t["input"], (pad_x + m, pad_x + m, pad_y + m, pad_y + m))
    shifted = padded[
        :, :, m + dy : m + dy + height + 2 * pad_y, m + dx : m + dx + width + 2 * pad_x
    ]
    args = {**_conv_args(case), "padding": 0}
    ref = F.conv2d(shifted, t["weight"], t["bias"], groups=case.groups, **args)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


def _centred_grid(kernel: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """p_n of the paper's R, centred on the kernel: (i − (kh−1)/2, j − (kw−1)/2), row-major."""
    kh, kw = kernel
    i, j = torch.meshgrid(torch.arange(kh, dtype=F64), torch.arange(kw, dtype=F64), indexing="ij")
    return (i - (kh - 1) / 2).flatten(), (j - (kw - 1) / 2).flatten()


def _grid_offset(case: ConvCase, dy_per_pn: torch.Tensor, dx_per_pn: torch.Tensor) -> torch.Tensor:
    """An offset tensor that gives every output position the same Δp_n per kernel position."""
    h_out, w_out = case.out_size
    per_n = torch.stack((dy_per_pn, dx_per_pn), dim=1).flatten()  # [2N]: Δy_0, Δx_0, Δy_1, ...
    per_n = per_n.repeat(case.offset_groups)
    return per_n[None, :, None, None].expand(case.batch, -1, h_out, w_out).clone()


@st.composite
def same_padding_cases(draw: st.DrawFn) -> ConvCase:
    """Odd kernels with 'same' padding and stride 1, dilation 1: the paper's Fig. 1 setting."""
    case = draw(conv_cases())
    k = (draw(st.sampled_from([1, 3, 5])), draw(st.sampled_from([1, 3])))
    return ConvCase(
        **{
            **case.__dict__,
            "kernel": k,
            "stride": (1, 1),
            "dilation": (1, 1),
            "padding": ((k[0] - 1) // 2, (k[1] - 1) // 2),
        }
    )


@settings(max_examples=40, deadline=None)
@given(case=same_padding_cases(), d=st.integers(1, 4))
def test_dcn_fig1c_atrous_special_case(case: ConvCase, d: int) -> None:
    """dcn.fig1c.atrous-special-case: Δp_n = (d − 1)·p_n turns the 1-dilated kernel into the
    atrous (dilated) convolution with dilation d."""
    t = case.tensors(F64)
    py, px = _centred_grid(case.kernel)
    offset = _grid_offset(case, (d - 1) * py, (d - 1) * px)
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], padding=case.padding)
    padding = (d * case.padding[0], d * case.padding[1])
    ref = F.conv2d(
        t["input"], t["weight"], t["bias"], padding=padding, dilation=d, groups=case.groups
    )
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


def _resampled_conv(case: ConvCase, t: dict, scale_y: float, scale_x: float) -> torch.Tensor:
    """Σ_n w_n · x_n with x_n the input resampled explicitly (Eq. (3) by its dense sum) at
    p0 + (scale_y · p_n,y, scale_x · p_n,x)."""
    py, px = _centred_grid(case.kernel)
    h_out, w_out = case.out_size
    oy, ox = torch.meshgrid(
        torch.arange(h_out, dtype=F64), torch.arange(w_out, dtype=F64), indexing="ij"
    )
    # the kernel centre sits on the output position for a stride-1 'same' convolution
    resampled = torch.stack(
        [
            bilinear_interpolate(
                t["input"], (oy + scale_y * py[n]).flatten(), (ox + scale_x * px[n]).flatten()
            ).view(case.batch, case.channels, h_out, w_out)
            for n in range(case.n_kernel)
        ],
        dim=2,
    )  # [B, C, N, H_out, W_out]
    w = t["weight"].flatten(2)  # [C_out, C/groups, N]
    xg = resampled.view(
        case.batch, case.groups, case.channels // case.groups, case.n_kernel, h_out, w_out
    )
    wg = w.view(
        case.groups, case.out_channels // case.groups, case.channels // case.groups, case.n_kernel
    )
    out = torch.einsum("bgcnhw,gocn->bgohw", xg, wg).reshape(
        case.batch, case.out_channels, h_out, w_out
    )
    return out + t["bias"][None, :, None, None]


@settings(max_examples=30, deadline=None)
@given(
    case=same_padding_cases(),
    scale_y=st.floats(0.25, 3.0),
    scale_x=st.floats(0.25, 3.0),
    isotropic=st.booleans(),
)
def test_dcn_fig1c_scale_and_aspect_ratio(
    case: ConvCase, scale_y: float, scale_x: float, isotropic: bool
) -> None:
    """dcn.fig1c.scale-aspect: Δp_n = (s − 1)·p_n samples a grid scaled by s (Fig. 1(c)), and
    per-axis factors stretch its aspect ratio; both equal a convolution of the explicitly
    resampled input."""
    if isotropic:
        scale_x = scale_y
    t = case.tensors(F64)
    py, px = _centred_grid(case.kernel)
    offset = _grid_offset(case, (scale_y - 1) * py, (scale_x - 1) * px)
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], padding=case.padding)
    ref = _resampled_conv(case, t, scale_y, scale_x)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


@settings(max_examples=200, deadline=None)
@given(
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    fy=st.floats(0, 1),
    fx=st.floats(0, 1),
)
def test_dcn_eq4_bilinear_weights_partition_of_unity(
    height: int, width: int, fy: float, fx: float
) -> None:
    """dcn.eq4.bilinear-weights: G(q, p) ≥ 0, at most four non-zero, summing to 1 over the map
    for any p inside it."""
    p_y = torch.tensor(fy * (height - 1), dtype=F64)
    p_x = torch.tensor(fx * (width - 1), dtype=F64)
    weights = bilinear_weights(p_y, p_x, height, width)
    assert (weights >= 0).all()
    assert int((weights > 0).sum()) <= 4
    assert abs(float(weights.sum()) - 1.0) < 1e-12


@settings(max_examples=25, deadline=None)
@given(case=conv_cases(max_size=6, max_kernel=3), with_mask=st.booleans())
def test_dcn_eq2_matches_loop_reference(case: ConvCase, with_mask: bool) -> None:
    """dcn.eq2.deformable-sampling: the fast operator equals Eq. (2)–(4) written as loops, for
    offsets that carry samples across and beyond the border, with groups, offset groups and
    masks."""
    t = case.tensors(F64, offset_scale=3.0)
    mask = t["mask"] if with_mask else None
    ours = deform_conv2d(
        t["input"], t["offset"], t["weight"], t["bias"], mask=mask, **_conv_args(case)
    )
    ref = deform_conv2d_loops(
        t["input"],
        t["offset"],
        t["weight"],
        t["bias"],
        case.stride,
        case.padding,
        case.dilation,
        mask,
    )
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-10)


@settings(max_examples=8, deadline=None)
@given(case=conv_cases(max_size=5, max_kernel=2), with_mask=st.booleans())
def test_dcn_eq2_gradcheck(case: ConvCase, with_mask: bool) -> None:
    """dcn.eq2.gradients: analytic gradients for input, offset, weight, bias and mask equal
    finite differences at non-integral sample positions (float64)."""
    t = case.tensors(F64, away_from_integers=True)
    args = [t["input"], t["offset"], t["weight"], t["bias"]]
    mask = t["mask"] if with_mask else None
    if with_mask:
        args.append(mask)
    args = [a.clone().requires_grad_() for a in args]

    def fn(x, offset, weight, bias, *m):
        return deform_conv2d(x, offset, weight, bias, mask=m[0] if m else None, **_conv_args(case))

    assert torch.autograd.gradcheck(fn, tuple(args), eps=1e-6, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(case=conv_cases())
def test_dcn_sec2_zero_initialised_module_is_plain_conv(case: ConvCase) -> None:
    """dcn.sec2.zero-init-module: DeformConv2d's offset branch starts at zero, so the new layer
    equals nn.Conv2d with the same weights and its offset branch still receives a gradient."""
    torch.manual_seed(case.seed)
    layer = DeformConv2d(
        case.channels,
        case.out_channels,
        case.kernel,
        groups=case.groups,
        offset_groups=case.offset_groups,
        **_conv_args(case),
    ).double()
    x = case.tensors(F64)["input"]
    ref = F.conv2d(x, layer.weight, layer.bias, groups=case.groups, **_conv_args(case))
    out = layer(x)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-10)
    assert layer.conv_offset.weight.abs().sum() == 0


def test_dcn_module_repr_shows_only_non_defaults() -> None:
    layer = DeformConv2d(4, 8, 3, padding=1, bias=False)
    first = repr(layer).splitlines()[1].strip()
    assert first == "4, 8, kernel_size=(3, 3), padding=(1, 1), bias=False"


@settings(max_examples=30, deadline=None)
@given(case=same_padding_cases(), d=st.integers(1, 4))
def test_dcn_table2_effective_dilation_of_atrous_offsets(case: ConvCase, d: int) -> None:
    """dcn.table2.effective-dilation: the mean distance between adjacent sampling locations is
    the dilation d for offsets (d − 1)·p_n (and 1 for zero offsets)."""
    if case.n_kernel < 2:
        case = ConvCase(**{**case.__dict__, "kernel": (3, 3), "padding": (1, 1)})
    py, px = _centred_grid(case.kernel)
    offset = _grid_offset(case, (d - 1) * py, (d - 1) * px)
    dil = effective_dilation(offset, case.kernel)
    torch.testing.assert_close(dil, torch.full_like(dil, float(d)), rtol=0, atol=1e-12)


def test_dcn_batch_of_zero_gives_empty_output() -> None:
    x = torch.zeros(0, 2, 5, 5)
    out = deform_conv2d(x, torch.zeros(0, 18, 3, 3), torch.zeros(4, 2, 3, 3))
    assert out.shape == (0, 4, 3, 3)


@pytest.mark.parametrize(
    "device",
    [
        "cpu",
        pytest.param(
            "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
        ),
    ],
)
def test_dcn_runs_on_device(device: str) -> None:
    x = torch.randn(2, 4, 7, 7, device=device, requires_grad=True)
    offset = torch.randn(2, 18, 7, 7, device=device, requires_grad=True)
    w = torch.randn(3, 4, 3, 3, device=device, requires_grad=True)
    deform_conv2d(x, offset, w, padding=1).sum().backward()
    assert x.grad is not None and offset.grad is not None and w.grad is not None
