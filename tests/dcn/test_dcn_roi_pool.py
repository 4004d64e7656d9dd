"""Exact claims about deformable RoI pooling (Eq. (5)–(6)) and its position-sensitive form.

Each claim's test runs the claim's check (:mod:`implementations.dcn.identity_checks`) on the
seeds hypothesis picks; every seed draws new maps, bins, scales, sampling ratios and boxes.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import deform_roi_pool
from implementations.dcn.paper import PAPER
from repro.experiment import deviation

F64 = torch.float64
SEEDS = st.integers(0, 2**32 - 1)
needs_torchvision = pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is None, reason="torchvision is the peer of this check"
)


@needs_torchvision
@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq5_zero_offset_is_roi_align(seed: int) -> None:
    """dcn.eq5.zero-offset-roi-align: with Δp̂ = 0, Eq. (5) is RoIAlign (aligned=True, same
    sampling ratio): the average of bilinear samples over each bin."""
    claim = PAPER.claim("dcn.eq5.zero-offset-roi-align")
    assert deviation(claim, seed) <= claim.tolerance


@needs_torchvision
@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_dcn_sec2_2_ps_zero_offset_is_ps_roi_align(seed: int) -> None:
    """dcn.sec2-2.ps-zero-offset: deformable PS RoI pooling with zero offsets is R-FCN's
    position-sensitive pooling (torchvision.ops.ps_roi_align)."""
    claim = PAPER.claim("dcn.sec2-2.ps-zero-offset")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq6_offset_moves_each_bin(seed: int) -> None:
    """dcn.eq6.bin-shift: offset Δp̂_ij moves bin (i, j) by γ·Δp̂_ij ∘ (w, h) and changes
    nothing else: each bin equals that bin of the zero-offset pooling of the moved box (plain
    and position-sensitive pooling)."""
    claim = PAPER.claim("dcn.eq6.bin-shift")
    assert deviation(claim, seed) <= claim.tolerance


@needs_torchvision
@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_dcn_sec2_2_zero_initialised_modules_are_roi_align(seed: int) -> None:
    """dcn.sec2-2.zero-init-modules: the offset fc (and the PS offset conv) start at zero, so the
    modules start as RoIAlign and PS RoIAlign, and the offset branch receives a gradient."""
    claim = PAPER.claim("dcn.sec2-2.zero-init-modules")
    assert deviation(claim, seed) <= claim.tolerance


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
