"""Window partition, relative position index, and the shifted-window equivalences of Sec. 3.2.

The slow reference here is plain loops over the sub-windows of the shifted partition, written as
Eq. (4) reads; the cyclic-shift computation and the padding computation are both compared to it.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.swin import (
    WindowAttention,
    padded_shifted_window_attention,
    relative_position_index,
    shift_attention_mask,
    shifted_window_attention,
    sliding_window_attention,
    window_partition,
    window_reverse,
)

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def layouts(draw: st.DrawFn, min_shift: int = 0) -> dict:
    """A random map of whole windows, window size, shift, heads and seed."""
    m = draw(st.integers(2, 5))
    return dict(
        batch=draw(st.integers(1, 2)),
        rows=draw(st.integers(1, 3)) * m,
        cols=draw(st.integers(1, 3)) * m,
        m=m,
        shift=draw(st.integers(min_shift, m - 1)),
        heads=draw(st.sampled_from([1, 2])),
        head_dim=draw(st.sampled_from([2, 4])),
        seed=draw(st.integers(0, 2**16)),
    )


def _setup(p: dict) -> tuple[torch.Tensor, WindowAttention]:
    torch.manual_seed(p["seed"])
    c = p["heads"] * p["head_dim"]
    attn = WindowAttention(c, p["heads"], p["m"]).double().eval()
    with torch.no_grad():  # a bias large enough to matter
        attn.relative_position_bias_table.normal_(0, 1)
    x = torch.randn(p["batch"], p["rows"], p["cols"], c, dtype=torch.float64)
    return x, attn


def _cuts(size: int, m: int, shift: int) -> list[tuple[int, int]]:
    """The intervals of one axis of the partition displaced by ``shift`` (cuts at shift + kM)."""
    inner = {shift + k * m for k in range(size // m + 1)}
    edges = sorted({0, size} | {e for e in inner if 0 < e < size})
    return list(itertools.pairwise(edges))


def reference_attention(x: torch.Tensor, attn: WindowAttention, shift: int) -> torch.Tensor:
    """Attention inside each (sub-)window of the shifted partition, one window at a time (Eq. 4)."""
    b, h, w, c = x.shape
    m, heads = attn.window_size, attn.num_heads
    d = c // heads
    table = attn.relative_position_bias_table
    out = torch.zeros_like(x)
    for img in range(b):
        for r0, r1 in _cuts(h, m, shift):
            for c0, c1 in _cuts(w, m, shift):
                ys, xs = torch.meshgrid(torch.arange(r0, r1), torch.arange(c0, c1), indexing="ij")
                ys, xs = ys.flatten(), xs.flatten()
                tokens = x[img, ys, xs]  # (n, C)
                q, k, v = attn.qkv(tokens).view(-1, 3, heads, d).unbind(1)  # (n, heads, d) each
                heads_out = []
                for head in range(heads):
                    logits = q[:, head] @ k[:, head].T / math.sqrt(d)
                    for i in range(len(ys)):
                        for j in range(len(ys)):
                            dy = int(ys[i] - ys[j]) + m - 1
                            dx = int(xs[i] - xs[j]) + m - 1
                            logits[i, j] = logits[i, j] + table[dy * (2 * m - 1) + dx, head]
                    heads_out.append(logits.softmax(-1) @ v[:, head])
                out[img, ys, xs] = attn.proj(torch.cat(heads_out, dim=-1))
    return out


@SETTINGS
@given(p=layouts())
def test_window_reverse_inverts_partition(p: dict) -> None:
    """window_reverse(window_partition(x)) == x, and each window is a contiguous M × M block."""
    x, _ = _setup(p)
    m = p["m"]
    windows = window_partition(x, m)
    assert windows.shape == (p["batch"] * (p["rows"] // m) * (p["cols"] // m), m, m, x.shape[-1])
    torch.testing.assert_close(windows[1 % len(windows)], _block(x, m, 1 % len(windows)))
    assert torch.equal(window_reverse(windows, m, p["rows"], p["cols"]), x)


def _block(x: torch.Tensor, m: int, index: int) -> torch.Tensor:
    per_row, per_img = x.shape[2] // m, (x.shape[1] // m) * (x.shape[2] // m)
    img, rest = divmod(index, per_img)
    i, j = divmod(rest, per_row)
    return x[img, i * m : (i + 1) * m, j * m : (j + 1) * m]


@settings(max_examples=10, deadline=None)
@given(m=st.integers(1, 9))
def test_relative_position_index_eq4(m: int) -> None:
    """swin.eq4.relative-position-index: values cover [0, (2M−1)²) and depend only on the
    coordinate difference of query and key."""
    index = relative_position_index(m)
    assert index.shape == (m * m, m * m)
    assert set(index.flatten().tolist()) == set(range((2 * m - 1) ** 2))
    coords = torch.stack(torch.meshgrid(torch.arange(m), torch.arange(m), indexing="ij"), -1)
    coords = coords.view(-1, 2)
    diff = coords[:, None, :] - coords[None, :, :]  # (M², M², 2)
    key = (diff[..., 0] + m - 1) * (2 * m - 1) + diff[..., 1] + m - 1
    assert torch.equal(index, key)
    # equal index <=> equal difference
    flat_diff = diff.view(-1, 2)
    same_index = index.view(-1)[:, None] == index.view(-1)[None, :]
    same_diff = (flat_diff[:, None, :] == flat_diff[None, :, :]).all(-1)
    assert torch.equal(same_index, same_diff)


@SETTINGS
@given(p=layouts())
def test_cyclic_shift_equals_naive_per_window_attention(p: dict) -> None:
    """swin.sec3.cyclic-shift-equivalence: cyclic shift + mask gives the output of attending
    inside every shifted (sub-)window separately; so does the padding computation."""
    x, attn = _setup(p)
    with torch.no_grad():
        expected = reference_attention(x, attn, p["shift"])
        cyclic = shifted_window_attention(x, attn, p["shift"])
        padded = padded_shifted_window_attention(x, attn, p["shift"])
    torch.testing.assert_close(cyclic, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(padded, expected, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(p=layouts())
def test_shift_zero_is_window_msa(p: dict) -> None:
    """swin.sec3.cyclic-shift-equivalence: SW-MSA with shift 0 is W-MSA on the regular
    partition (no mask is built, windows are attended independently)."""
    x, attn = _setup(p)
    assert shift_attention_mask(p["rows"], p["cols"], p["m"], 0) is None
    with torch.no_grad():
        expected = reference_attention(x, attn, 0)
        got = shifted_window_attention(x, attn, 0)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(p=layouts(min_shift=1), data=st.data())
def test_mask_isolates_sub_windows(p: dict, data: st.DataObject) -> None:
    """swin.sec3.mask-isolation: perturbing the tokens of one shifted sub-window changes its own
    outputs and leaves every other token's output bit-for-bit unchanged."""
    x, attn = _setup(p)
    rows = data.draw(st.sampled_from(_cuts(p["rows"], p["m"], p["shift"])))
    cols = data.draw(st.sampled_from(_cuts(p["cols"], p["m"], p["shift"])))
    img = data.draw(st.integers(0, p["batch"] - 1))
    region = torch.zeros(x.shape[:3], dtype=torch.bool)
    region[img, rows[0] : rows[1], cols[0] : cols[1]] = True
    y = x.clone()
    y[region] += torch.randn_like(y[region])
    with torch.no_grad():
        before = shifted_window_attention(x, attn, p["shift"])
        after = shifted_window_attention(y, attn, p["shift"])
    assert torch.equal(before[~region], after[~region])
    assert not torch.allclose(before[region], after[region])


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
        (lambda: WindowAttention(10, 3, 4), "divisible by num_heads"),
        (
            lambda: WindowAttention(4, 2, 2)(torch.zeros(2, 5, 4)),
            "tokens per window",
        ),
        (
            lambda: sliding_window_attention(torch.zeros(1, 4, 4, 4), WindowAttention(4, 2, 2)),
            "odd window_size",
        ),
    ],
)
def test_bad_input_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
