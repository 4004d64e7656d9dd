"""Exact claims about deformable convolution (Eq. (1)–(4), Fig. 1) as property tests.

Each claim's test runs the claim's check (:mod:`implementations.dcn.identity_checks`, the
function the runner measures for the tables) on the seeds hypothesis picks; every seed draws a
new configuration (groups, offset groups, kernels, strides, paddings, dilations, masks).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import DeformConv2dPack, deform_conv2d
from implementations.dcn.instances import random_conv_config
from implementations.dcn.paper import PAPER
from repro.experiment import deviation, instance_generator

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq1_zero_offset_is_conv2d(seed: int) -> None:
    """dcn.eq1.zero-offset-conv: with Δp_n = 0, Eq. (2) is the regular convolution Eq. (1)."""
    claim = PAPER.claim("dcn.eq1.zero-offset-conv")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_integer_offset_is_shifted_conv(seed: int) -> None:
    """dcn.eq2.integer-shift: a constant integral offset (dy, dx) is the convolution of the input
    shifted by it, with zeros shifted in: x'(p) = x(p + (dy, dx))."""
    claim = PAPER.claim("dcn.eq2.integer-shift")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_dcn_fig1c_atrous_special_case(seed: int) -> None:
    """dcn.fig1c.atrous-special-case: Δp_n = (d − 1)·p_n turns the 1-dilated kernel into the
    atrous (dilated) convolution with dilation d."""
    claim = PAPER.claim("dcn.fig1c.atrous-special-case")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_dcn_fig1c_scale_and_aspect_ratio(seed: int) -> None:
    """dcn.fig1c.scale-aspect: Δp_n = (s − 1)·p_n samples a grid scaled by s (Fig. 1(c)), and
    per-axis factors stretch its aspect ratio; both equal a convolution of the explicitly
    resampled input."""
    claim = PAPER.claim("dcn.fig1c.scale-aspect")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=200, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq4_bilinear_weights_partition_of_unity(seed: int) -> None:
    """dcn.eq4.bilinear-weights: G(q, p) ≥ 0, at most four non-zero, summing to 1 over the map
    for any p inside it."""
    claim = PAPER.claim("dcn.eq4.bilinear-weights")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_matches_loop_reference(seed: int) -> None:
    """dcn.eq2.deformable-sampling: the fast operator equals Eq. (2)–(4) written as loops, for
    offsets that carry samples across and beyond the border, with groups, offset groups and
    masks."""
    claim = PAPER.claim("dcn.eq2.deformable-sampling")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_gradients_match_one_sided_differences(seed: int) -> None:
    """dcn.eq2.gradients: autograd's gradients for input, offset, weight, bias and mask equal
    difference quotients from the right, at every sample position, whole pixels included
    (float64)."""
    claim = PAPER.claim("dcn.eq2.gradients")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=8, deadline=None)
@given(seed=SEEDS, with_mask=st.booleans())
def test_dcn_eq2_gradcheck(seed: int, with_mask: bool) -> None:
    """dcn.eq2.gradients, every element: ``gradcheck`` (the full Jacobians) for input, offset,
    weight, bias and mask on the configurations of the claim's check (float64). Its central
    differences need a differentiable point, so every sample stays 0.1 pixel off the whole-pixel
    kinks here; the claim's check covers the kinks with one-sided differences."""
    gen = instance_generator(seed)
    config = random_conv_config(gen, max_size=5, max_kernel=2)
    t = config.tensors(gen, offsets="fractional")
    names = ["input", "offset", "weight", "bias"] + (["mask"] if with_mask else [])
    args = tuple(t[k].clone().requires_grad_() for k in names)

    def fn(*tensors: torch.Tensor) -> torch.Tensor:
        return deform_conv2d(**dict(zip(names, tensors, strict=True)), **config.conv_args())

    assert torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_dcn_sec2_zero_initialised_module_is_plain_conv(seed: int) -> None:
    """dcn.sec2.zero-init-module: DeformConv2dPack's offset branch starts at zero, so the new layer
    equals nn.Conv2d with the same weights, and its offset branch still receives a gradient."""
    claim = PAPER.claim("dcn.sec2.zero-init-module")
    assert deviation(claim, seed) <= claim.tolerance


def test_dcn_module_repr_shows_only_non_defaults() -> None:
    layer = DeformConv2dPack(4, 8, 3, padding=1, bias=False)
    first = repr(layer).splitlines()[1].strip()
    assert first == "4, 8, kernel_size=(3, 3), padding=(1, 1), bias=False"


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_dcn_table2_effective_dilation_of_atrous_offsets(seed: int) -> None:
    """dcn.table2.dilation-definition: the mean distance between adjacent sampling locations is
    the dilation d for offsets (d − 1)·p_n (and 1 for zero offsets)."""
    claim = PAPER.claim("dcn.table2.dilation-definition")
    assert deviation(claim, seed) <= claim.tolerance


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


def test_dcn_huge_finite_offset_reads_zero_in_bfloat16() -> None:
    """In bfloat16 (which torchvision's CPU kernel lacks) an offset of 1e30 samples far outside
    the map: zero, so the output is the bias (it read a wrong value before the sample positions
    were clamped to two pixels outside)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, 1, 5, generator=gen).bfloat16()
    weight = torch.randn(4, 3, 3, 3, generator=gen).bfloat16()
    bias = torch.randn(4, generator=gen).bfloat16()
    offset = torch.zeros(1, 18, 1, 5, dtype=torch.bfloat16)
    offset[:, 0::2] = 1e30
    out = deform_conv2d(x, offset, weight, bias, padding=1)
    assert torch.equal(out, bias[None, :, None, None].expand_as(out))
