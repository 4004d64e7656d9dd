"""Bad input gives a ValueError or TypeError naming what was expected, never a kernel crash."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.dcn import (
    DeformConv2d,
    DeformConv2dPack,
    DeformPSRoIPool,
    DeformRoIPool,
    deform_conv2d,
    deform_ps_roi_pool,
    deform_roi_pool,
    effective_dilation,
)


def _good() -> dict:
    return {
        "input": torch.randn(2, 4, 6, 6),
        "offset": torch.randn(2, 18, 4, 4),
        "weight": torch.randn(3, 4, 3, 3),
        "bias": torch.randn(3),
        "mask": torch.rand(2, 9, 4, 4),
    }


def test_dcn_good_arguments_pass() -> None:
    assert deform_conv2d(**_good()).shape == (2, 3, 4, 4)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"input": torch.randn(4, 6, 6)}, ValueError, r"input must be a 4-D tensor"),
        ({"offset": torch.randn(2, 18, 4)}, ValueError, r"offset must be a 4-D tensor"),
        ({"offset": torch.randn(2, 20, 4, 4)}, ValueError, r"multiple of 18 for a 3x3 kernel"),
        ({"offset": torch.randn(2, 18, 5, 4)}, ValueError, r"output's spatial size 4 x 4"),
        ({"offset": torch.randn(1, 18, 4, 4)}, ValueError, r"input's batch size 2"),
        ({"offset": torch.randn(2, 54, 4, 4)}, ValueError, r"divisible by offset_groups \(3"),
        ({"mask": torch.rand(2, 18, 4, 4)}, ValueError, r"mask must have shape \(2, 9, 4, 4\)"),
        ({"mask": torch.rand(2, 9, 3, 4)}, ValueError, r"matching the offset"),
        ({"weight": torch.randn(3, 3, 3, 3)}, ValueError, r"divisible by weight.shape\[1\]"),
        ({"weight": torch.randn(3, 2, 3, 3)}, ValueError, r"divisible by groups \(2"),
        ({"bias": torch.randn(4)}, ValueError, r"bias must have shape \(3,\)"),
        ({"offset": torch.randn(2, 18, 4, 4).double()}, TypeError, r"input's dtype torch.float32"),
        ({"weight": torch.randn(3, 4, 3, 3).half()}, TypeError, r"weight must have the input's"),
        ({"input": torch.ones(2, 4, 6, 6, dtype=torch.long)}, TypeError, r"floating-point"),
        ({"offset": [[0.0]]}, TypeError, r"offset must be a torch.Tensor"),
        ({"input": torch.randn(2, 0, 6, 6)}, ValueError, r"at least one channel, row and column"),
        ({"input": torch.randn(2, 4, 0, 6)}, ValueError, r"at least one channel, row and column"),
        ({"weight": torch.randn(0, 4, 3, 3)}, ValueError, r"no zero-sized dimension"),
        ({"input": torch.randn(2, 4, 2, 2)}, ValueError, r"output would be empty"),
        ({"stride": 0}, ValueError, r"stride must be at least 1"),
        ({"padding": -1}, ValueError, r"padding must be at least 0"),
        ({"dilation": (1, 2, 3)}, TypeError, r"dilation must be an int or a pair"),
        ({"stride": 1.5}, TypeError, r"stride must be an int or a pair"),
    ],
)
def test_dcn_bad_input_raises(change: dict, error: type, match: str) -> None:
    """Each mistake names its constraint, and is also a RuntimeError, which torchvision raises
    for the same mistakes (a ValueError for a 3-D input), so a torchvision user's handler
    still catches it."""
    args = {**_good(), **change}
    with pytest.raises(error, match=match) as raised:
        deform_conv2d(**args)
    assert isinstance(raised.value, RuntimeError)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_dcn_non_finite_offset_raises(bad: float) -> None:
    args = _good()
    args["offset"][1, 5, 2, 3] = bad
    with pytest.raises(ValueError, match=r"offset must be finite"):
        deform_conv2d(**args)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a second device")
def test_dcn_device_mismatch_raises() -> None:
    args = {**_good(), "offset": torch.randn(2, 18, 4, 4, device="cuda")}
    with pytest.raises(ValueError, match=r"offset must be on the input's device"):
        deform_conv2d(**args)


def test_dcn_device_mismatch_raises_meta() -> None:
    """A device check that runs without a GPU: the meta device stands in for another device."""
    args = {**_good(), "weight": torch.randn(3, 4, 3, 3, device="meta")}
    with pytest.raises(ValueError, match=r"weight must be on the input's device cpu"):
        deform_conv2d(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"in_channels": 4, "out_channels": 6, "kernel_size": 3, "groups": 3}, "in_channels"),
        ({"in_channels": 6, "out_channels": 4, "kernel_size": 3, "groups": 3}, "out_channels"),
        ({"in_channels": 4, "out_channels": 4, "kernel_size": 3, "offset_groups": 3}, "offset"),
        ({"in_channels": 0, "out_channels": 4, "kernel_size": 3}, "positive int"),
        ({"in_channels": 4, "out_channels": 4, "kernel_size": 0}, "kernel_size must be"),
    ],
)
def test_dcn_module_bad_arguments_raise(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        DeformConv2dPack(**kwargs)
    if "offset_groups" not in kwargs:
        with pytest.raises(ValueError, match=match):
            DeformConv2d(**kwargs)


def _roi_good() -> dict:
    return {
        "input": torch.randn(2, 8, 10, 10),
        "boxes": torch.tensor([[0.0, 1, 1, 8, 8], [1.0, 0, 2, 5, 9]]),
        "offset": torch.zeros(2, 2, 2, 2),
        "output_size": 2,
    }


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"input": torch.randn(8, 10, 10)}, ValueError, r"input must be a 4-D tensor"),
        ({"boxes": torch.zeros(2, 4)}, ValueError, r"Tensor\[K, 5\]"),
        ({"boxes": torch.tensor([[2.0, 1, 1, 8, 8]])}, ValueError, r"integers in \[0, 2\)"),
        ({"boxes": torch.tensor([[0.0, 1, math.nan, 8, 8]])}, ValueError, r"boxes must be finite"),
        ({"boxes": [torch.zeros(1, 5)]}, ValueError, r"boxes\[0\] must be a Tensor\[L, 4\]"),
        ({"boxes": torch.zeros(2, 5).double()}, TypeError, r"boxes must have the input's dtype"),
        ({"offset": torch.zeros(2, 2, 3, 2)}, ValueError, r"offset must have shape \(2, 2, 2, 2\)"),
        ({"offset": torch.full((2, 2, 2, 2), math.inf)}, ValueError, r"offset must be finite"),
        ({"output_size": 0}, ValueError, r"output_size must be positive"),
        ({"spatial_scale": 0.0}, ValueError, r"spatial_scale must be a positive"),
        ({"spatial_scale": -0.5}, ValueError, r"spatial_scale must be a positive finite number"),
        ({"spatial_scale": math.inf}, ValueError, r"spatial_scale must be a positive finite"),
        ({"spatial_scale": math.nan}, ValueError, r"spatial_scale must be a positive finite"),
        ({"sampling_ratio": -1}, ValueError, r"sampling_ratio must be an int >= 0"),
        ({"input": torch.randn(2, 8, 0, 10)}, ValueError, r"no zero-sized dimension"),
    ],
)
def test_dcn_roi_pool_bad_input_raises(change: dict, error: type, match: str) -> None:
    args = {**_roi_good(), **change}
    with pytest.raises(error, match=match):
        deform_roi_pool(**args)


@pytest.mark.parametrize("pool", [deform_roi_pool, deform_ps_roi_pool])
def test_dcn_roi_pool_refuses_a_box_too_large_to_read(pool) -> None:
    """The adaptive sampling count grows with the box: a 10^6-pixel box would need 5·10^5 x
    5·10^5 points per bin (terabytes); it is refused before anything is allocated."""
    x = torch.randn(1, 8, 10, 10)
    huge = torch.tensor([[0.0, 0, 0, 1e6, 1e6]])
    with pytest.raises(ValueError, match=r"box 0 needs 500000 x 500000 sample points.*fixed "):
        pool(x, huge, output_size=2)
    assert pool(x, huge, output_size=2, sampling_ratio=2).shape[0] == 1
    with pytest.raises(ValueError, match=r"pass a sampling_ratio smaller than 100000"):
        pool(x, huge, output_size=2, sampling_ratio=100_000)


def test_dcn_roi_pool_box_overflow_raises() -> None:
    x = torch.randn(1, 8, 10, 10).half()
    boxes = torch.tensor([[0.0, 0, 0, 6e4, 6e4]]).half()
    with pytest.raises(ValueError, match=r"boxes times spatial_scale \(2.0\) overflow"):
        deform_roi_pool(x, boxes, output_size=2, spatial_scale=2.0)


@pytest.mark.parametrize(
    ("spoil", "match"),
    [
        ("input", r"^input must be finite; it holds NaN"),
        ("weight", r"^conv_offset's weight or bias holds NaN or infinite values"),
        ("overflow", r"^the offset branch conv_offset overflowed"),
    ],
)
def test_dcn_module_non_finite_offsets_blame_their_cause(spoil: str, match: str) -> None:
    """The layer computes its own offsets, so a non-finite offset is named by its cause: the
    input, the offset branch's parameters, or an overflow in that branch."""
    layer = DeformConv2dPack(4, 3, 3, padding=1)
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        if spoil == "input":
            x[1, 2, 3, 3] = math.nan
        elif spoil == "weight":
            layer.conv_offset.weight[0, 0, 0, 0] = math.inf
        else:
            layer.conv_offset.weight.fill_(3e38)
    with pytest.raises(ValueError, match=match):
        layer(x)


def test_dcn_ps_roi_pool_channels_must_fill_the_bins() -> None:
    args = {**_roi_good(), "input": torch.randn(2, 6, 10, 10)}
    with pytest.raises(ValueError, match=r"divisible by the number of bins 2 x 2 = 4"):
        deform_ps_roi_pool(**args)
    with pytest.raises(ValueError, match=r"divisible by the number of bins \(4\)"):
        DeformPSRoIPool(6, output_size=2)
    with pytest.raises(ValueError, match=r"in_channels must be a positive int"):
        DeformRoIPool(0, output_size=2)


def test_dcn_effective_dilation_bad_input_raises() -> None:
    with pytest.raises(ValueError, match=r"Tensor\[B, 2 \* offset_groups \* 3 \* 3, H, W\]"):
        effective_dilation(torch.zeros(1, 10, 2, 2), 3)
    with pytest.raises(ValueError, match=r"no adjacent pair"):
        effective_dilation(torch.zeros(1, 2, 2, 2), 1)
