"""Exact claims about deformable RoI pooling (Eq. (5)–(6)) and its position-sensitive form.

Each claim's test runs the claim's check (:mod:`implementations.dcn.identity_checks`) on the
seeds hypothesis picks; every seed draws new maps, bins, scales, sampling ratios and boxes.
"""

from __future__ import annotations

import importlib
import importlib.util

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import deform_ps_roi_pool, deform_roi_pool
from implementations.dcn.paper import PAPER
from repro.experiment import deviation

F64 = torch.float64
#: the module (its name is shadowed by the function in the package's namespace)
ROI_POOL_MODULE = importlib.import_module("implementations.dcn.deform_roi_pool")
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


#: (batch index, x1, y1, x2, y2): inverted along both axes, and inverted by less than a bin
#: along x (ceil gives 0 points) with y in order; torchvision's CPU kernels handle these
BOTH_INVERTED = [[0.0, 6, 6, 2, 2], [1.0, 3, 1, 2.7, 6]]
#: inverted along one axis only: torchvision's CPU roi_align fails ("cannot create std::vector
#: larger than max_size()"), its CUDA kernel loops zero times and writes zero
ONE_AXIS_INVERTED = [[0.0, 6, 1, 2, 6], [1.0, 1, 6, 6, 2]]


@needs_torchvision
def test_dcn_roi_pool_inverted_boxes_pool_to_zero_like_roi_align() -> None:
    """With the adaptive sampling_ratio=0, a box with x2 < x1 or y2 < y1 has no sample points and
    pools to zero whatever its offsets, as torchvision's roi_align (aligned=True) writes; with a
    fixed sampling ratio it is sampled mirrored, also as roi_align does."""
    from torchvision.ops import ps_roi_align, roi_align

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 8, 9, 9, generator=gen, dtype=F64)
    both = torch.tensor(BOTH_INVERTED, dtype=F64)
    offset = torch.rand(2, 2, 2, 2, generator=gen, dtype=F64)
    for o in (None, offset):
        ours = deform_roi_pool(x, both, o, output_size=2)
        torch.testing.assert_close(ours, roi_align(x, both, 2, 1.0, 0, aligned=True))
        assert not ours.any()
        # ps_roi_align divides 0 / 0 for the second box; ours writes roi_align's zero
        assert not deform_ps_roi_pool(x, both, o, output_size=2).any()
    torch.testing.assert_close(
        deform_ps_roi_pool(x, both[:1], output_size=2), ps_roi_align(x, both[:1], 2, 1.0, 0)
    )
    one_axis = torch.tensor(ONE_AXIS_INVERTED, dtype=F64)
    assert not deform_roi_pool(x, one_axis, offset, output_size=2).any()
    assert not deform_ps_roi_pool(x, one_axis, offset, output_size=2).any()
    torch.testing.assert_close(
        deform_roi_pool(x, one_axis, output_size=2, sampling_ratio=2),
        roi_align(x, one_axis, 2, 1.0, 2, aligned=True),
    )


def test_dcn_roi_pool_reads_in_parts_below_the_memory_bound(monkeypatch) -> None:
    """Boxes read in parts (when one read would exceed the bound) pool as when read at once."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 12, 12, generator=gen, dtype=F64)
    corners = 10 * torch.rand(20, 2, generator=gen, dtype=F64)
    rois = torch.cat(
        [torch.randint(0, 2, (20, 1), generator=gen).to(F64), corners, corners + 2.5], dim=1
    )  # 2.5-pixel boxes over 2 x 2 bins: 2 x 2 points per bin, all in one or two reads at once
    offset = torch.rand(20, 2, 2, 2, generator=gen, dtype=F64) - 0.5
    for pool in (deform_roi_pool, deform_ps_roi_pool):
        whole = pool(x, rois, offset, output_size=2)
        channels = 4 if pool is deform_roi_pool else 1
        # one box per read: 2 x 2 bins of 2 x 2 points, (channels + 8) values each
        monkeypatch.setattr(ROI_POOL_MODULE, "_MAX_READ_VALUES", 16 * (channels + 8))
        torch.testing.assert_close(pool(x, rois, offset, output_size=2), whole, rtol=0, atol=0)
        monkeypatch.undo()
