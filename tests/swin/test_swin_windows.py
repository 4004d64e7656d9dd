"""Window partition, relative position index, and the shifted-window equivalences of Sec. 3.2.

The identity claims are checked by their check functions (``implementations/swin/identity_checks``,
the same ones the runner measures) on the seeds hypothesis picks; the slow reference there is
plain loops over the sub-windows of the shifted partition, written as Eq. (4) reads.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.swin import (
    WindowAttention,
    shift_attention_mask,
    shifted_window_attention,
    sliding_window_attention,
    window_partition,
    window_reverse,
)
from implementations.swin.paper import PAPER
from repro.experiment import deviation

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def maps(draw: st.DrawFn) -> tuple[torch.Tensor, int]:
    """A random map (B, H, W, C) of whole windows and its window size."""
    m = draw(st.integers(2, 5))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)) * m, draw(st.integers(1, 3)) * m)
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    return torch.randn(*shape, draw(st.sampled_from([2, 4])), generator=gen), m


@settings(max_examples=30, deadline=None)
@given(case=maps())
def test_window_reverse_inverts_partition(case: tuple[torch.Tensor, int]) -> None:
    """window_reverse(window_partition(x)) == x, and each window is a contiguous M × M block."""
    x, m = case
    windows = window_partition(x, m)
    assert windows.shape == (len(x) * (x.shape[1] // m) * (x.shape[2] // m), m, m, x.shape[-1])
    torch.testing.assert_close(windows[1 % len(windows)], _block(x, m, 1 % len(windows)))
    assert torch.equal(window_reverse(windows, m, x.shape[1], x.shape[2]), x)


def _block(x: torch.Tensor, m: int, index: int) -> torch.Tensor:
    per_row, per_img = x.shape[2] // m, (x.shape[1] // m) * (x.shape[2] // m)
    img, rest = divmod(index, per_img)
    i, j = divmod(rest, per_row)
    return x[img, i * m : (i + 1) * m, j * m : (j + 1) * m]


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_relative_position_index_eq4(seed: int) -> None:
    """swin.eq4.relative-position-index: every entry of the index is B̂'s position of the
    query/key coordinate difference."""
    claim = PAPER.claim("swin.eq4.relative-position-index")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_cyclic_shift_equals_naive_per_window_attention(seed: int) -> None:
    """swin.sec3.cyclic-shift-equivalence: cyclic shift + mask gives the output of attending
    inside every shifted (sub-)window separately; so does the padding computation (shift 0
    included: W-MSA on the regular partition)."""
    claim = PAPER.claim("swin.sec3.cyclic-shift-equivalence")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_mask_isolates_sub_windows(seed: int) -> None:
    """swin.sec3.mask-isolation: perturbing the tokens of one shifted sub-window changes its own
    outputs and leaves every other token's output bit-for-bit unchanged."""
    claim = PAPER.claim("swin.sec3.mask-isolation")
    assert deviation(claim, seed) <= claim.tolerance


def test_shift_zero_builds_no_mask() -> None:
    """With shift 0 the windows are the regular partition: nothing to mask."""
    assert shift_attention_mask(8, 12, 4, 0) is None


def test_mask_at_swin_t_stage1() -> None:
    """swin.sec3.mask-isolation: at 56 × 56, M = 7, s = 3 the mask touches the 15 windows of the
    last window row and column, and splits them into 2 or 4 sub-windows."""
    mask = shift_attention_mask(56, 56, 7, 3)
    assert mask.shape == (64, 49, 49)
    masked = torch.isinf(mask).flatten(1).any(1).view(8, 8)
    expected = torch.zeros(8, 8, dtype=torch.bool)
    expected[-1, :] = expected[:, -1] = True
    assert torch.equal(masked, expected)
    # allowed pairs form an equivalence relation: the number of sub-windows per window
    groups = [len({tuple(r.tolist()) for r in (mask[i] == 0)}) for i in range(64)]
    assert sorted(set(groups)) == [1, 2, 4] and groups[-1] == 4


def test_sliding_window_equals_window_attention_at_the_centre() -> None:
    """The Table 5 baseline: on an M × M map (M odd) the centre token's neighbourhood is the
    whole map, so sliding-window attention equals window attention there."""
    torch.manual_seed(0)
    attn = WindowAttention(8, 2, 5).double().eval()
    with torch.no_grad():
        attn.relative_position_bias_table.normal_(0, 1)
        x = torch.randn(2, 5, 5, 8, dtype=torch.float64)
        sliding = sliding_window_attention(x, attn)
        window = shifted_window_attention(x, attn, 0)
    torch.testing.assert_close(sliding[:, 2, 2], window[:, 2, 2], rtol=1e-10, atol=1e-10)
    assert not torch.allclose(sliding[:, 0, 0], window[:, 0, 0])


def test_shifted_attention_gradcheck() -> None:
    """Gradients through the roll, the mask and SDPA match finite differences."""
    torch.manual_seed(0)
    attn = WindowAttention(4, 2, 2).double()
    x = torch.randn(1, 4, 4, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: shifted_window_attention(t, attn, 1), (x,))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: window_partition(torch.zeros(1, 6, 8, 2), 4), "divisible by window_size"),
        (lambda: window_partition(torch.zeros(6, 8, 2), 2), r"shape \(B, H, W, C\)"),
        (lambda: window_reverse(torch.zeros(3, 2, 2, 1), 2, 4, 4), "whole 4x4 maps"),
        (lambda: shift_attention_mask(8, 8, 4, 4), r"shift_size must be in \[0, window_size"),
        (lambda: WindowAttention(2, 3, 4), r"num_heads must be in \[1, dim=2\]"),
        (lambda: WindowAttention(4, 2, 2, head_dim=0), "head_dim must be a positive"),
        (
            lambda: WindowAttention(4, 2, 2)(torch.zeros(2, 5, 4)),
            "tokens per window",
        ),
        (
            lambda: sliding_window_attention(torch.zeros(1, 4, 4, 4), WindowAttention(4, 2, 2)),
            "square, odd window_size",
        ),
    ],
)
def test_bad_input_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
