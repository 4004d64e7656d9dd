"""The exact claims of Sec. 3.2 as check functions: one seeded random instance → largest deviation.

Each check draws everything (sizes, weights, inputs) from the ``torch.Generator`` it is given,
so that a seed names an instance. The runner evaluates them on seeds 0 … n − 1 in every run
(:func:`repro.experiment.measure_identity`); the property tests in ``tests/swin`` call them on
the seeds hypothesis picks (:func:`repro.experiment.deviation`).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor

from implementations.swin.flops import count_macs, msa_flops, wmsa_flops
from implementations.swin.relative_position import relative_position_index
from implementations.swin.shifted_window import (
    padded_shifted_window_attention,
    shifted_window_attention,
)
from implementations.swin.window_attention import WindowAttention

F64 = torch.float64


def _draw(gen: torch.Generator, low: int, high: int) -> int:
    """An integer uniform in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def _random_layout(gen: torch.Generator, min_shift: int = 0) -> tuple[Tensor, WindowAttention, int]:
    """A float64 map (B, H, W, C) of whole M × M windows, attention with every parameter drawn
    from ``gen`` (the bias table ~ N(0, 1), large enough to matter) and a shift in
    [min_shift, M)."""
    m = _draw(gen, 2, 6)
    heads, head_dim = _draw(gen, 1, 3), 2 * _draw(gen, 1, 2)
    batch, rows, cols = _draw(gen, 1, 2), m * _draw(gen, 1, 3), m * _draw(gen, 1, 3)
    c = heads * head_dim
    with torch.random.fork_rng(devices=[]):  # the module's own init leaves no trace
        attn = WindowAttention(c, heads, m).to(F64).eval()
    with torch.no_grad():
        for name, p in attn.named_parameters():
            std = 1.0 if name == "relative_position_bias_table" else 1.0 / math.sqrt(p.shape[-1])
            p.copy_(std * torch.randn(p.shape, generator=gen, dtype=F64))
    x = torch.randn(batch, rows, cols, c, generator=gen, dtype=F64)
    return x, attn, _draw(gen, min_shift, m - 1)


def sub_window_cuts(size: int, m: int, shift: int) -> list[tuple[int, int]]:
    """The intervals of one axis of the partition displaced by ``shift`` (cuts at shift + kM)."""
    inner = {shift + k * m for k in range(size // m + 1)}
    edges = sorted({0, size} | {e for e in inner if 0 < e < size})
    return list(itertools.pairwise(edges))


def per_window_attention(x: Tensor, attn: WindowAttention, shift: int) -> Tensor:
    """Attention inside each (sub-)window of the shifted partition, one window at a time.

    The slow reference, written as Eq. (4) reads: for the tokens of one window,
    SoftMax(Q Kᵀ / √d + B) V with B[i, j] = B̂[y_i − y_j + M − 1, x_i − x_j + M − 1], looked up
    here from the coordinates themselves (not from :func:`relative_position_index`).
    """
    b, h, w, c = x.shape
    (m, _), heads = attn.window_size, attn.num_heads  # square windows (M, M) here
    d = c // heads
    table = attn.relative_position_bias_table  # ((2M − 1)², heads)
    out = torch.zeros_like(x)
    for img in range(b):
        for r0, r1 in sub_window_cuts(h, m, shift):
            for c0, c1 in sub_window_cuts(w, m, shift):
                ys, xs = torch.meshgrid(torch.arange(r0, r1), torch.arange(c0, c1), indexing="ij")
                ys, xs = ys.flatten(), xs.flatten()  # (n,) each
                q, k, v = attn.qkv(x[img, ys, xs]).view(-1, 3, heads, d).unbind(1)  # (n, heads, d)
                dy = ys[:, None] - ys[None, :] + m - 1  # (n, n)
                dx = xs[:, None] - xs[None, :] + m - 1
                bias = table[dy * (2 * m - 1) + dx].permute(2, 0, 1)  # (heads, n, n)
                logits = torch.einsum("ihd,jhd->hij", q, k) / math.sqrt(d) + bias
                heads_out = torch.einsum("hij,jhd->ihd", logits.softmax(-1), v)  # (n, heads, d)
                out[img, ys, xs] = attn.proj(heads_out.reshape(-1, c))
    return out


@torch.no_grad()
def cyclic_shift_equivalence(gen: torch.Generator) -> float:
    """A float64 map of 1-3 × 1-3 windows of M × M (M 2-6), shift 0 to M − 1, random weights.

    One or two images, 1-3 heads, a bias table large enough to matter. Returns the largest
    |cyclic − reference| and |padded − reference|, where the reference attends inside each
    shifted (sub-)window separately (:func:`per_window_attention`): the cyclic shift + mask and
    the padding computation both give exactly that attention.
    """
    x, attn, shift = _random_layout(gen)
    expected = per_window_attention(x, attn, shift)
    cyclic = shifted_window_attention(x, attn, shift)
    padded = padded_shifted_window_attention(x, attn, shift)
    return max(float((cyclic - expected).abs().max()), float((padded - expected).abs().max()))


@torch.no_grad()
def mask_isolation(gen: torch.Generator) -> float:
    """A float64 map as for the cyclic shift (shift 1 to M − 1), one sub-window perturbed.

    The perturbation is N(0, 1) noise on one random sub-window of the shifted partition.
    Returns the largest change of the outputs outside that sub-window (0: the mask keeps the
    sub-windows apart). An instance whose perturbation leaves the sub-window's own outputs
    unchanged would prove nothing: it returns infinity.
    """
    x, attn, shift = _random_layout(gen, min_shift=1)
    m, _ = attn.window_size  # square
    rows = sub_window_cuts(x.shape[1], m, shift)
    cols = sub_window_cuts(x.shape[2], m, shift)
    (r0, r1), (c0, c1) = rows[_draw(gen, 0, len(rows) - 1)], cols[_draw(gen, 0, len(cols) - 1)]
    region = torch.zeros(x.shape[:3], dtype=torch.bool)  # (B, H, W)
    region[_draw(gen, 0, len(x) - 1), r0:r1, c0:c1] = True
    y = x.clone()
    y[region] += torch.randn(y[region].shape, generator=gen, dtype=F64)
    before = shifted_window_attention(x, attn, shift)
    after = shifted_window_attention(y, attn, shift)
    if torch.allclose(before[region], after[region]):
        return math.inf
    return float((after - before)[~region].abs().max())


def relative_position_index_eq4(gen: torch.Generator) -> float:
    """A window size M in 1-9, every query/key pair of the window.

    Returns the number of entries of the Eq. (4) index that differ from B̂'s position of the
    pair's coordinate difference, (y_i − y_j + M − 1)(2M − 1) + x_i − x_j + M − 1 (infinity
    when the index is not M² × M²).
    """
    m = _draw(gen, 1, 9)
    ys, xs = torch.meshgrid(torch.arange(m), torch.arange(m), indexing="ij")
    y, x = ys.flatten(), xs.flatten()  # tokens numbered row by row
    expected = (y[:, None] - y[None, :] + m - 1) * (2 * m - 1) + (x[:, None] - x[None, :] + m - 1)
    index = relative_position_index(m)
    if index.shape != expected.shape:
        return math.inf
    return float((index != expected).sum())


def msa_flops_eq1(gen: torch.Generator) -> float:
    """Global attention over a side × side map (side 2-12, 1-2 heads, head dim 4 or 8).

    One window covering the map, without position bias. Returns |counted − Eq. (1)| / Eq. (1),
    the count by :func:`count_macs` on the meta device.
    """
    side, heads, head_dim = _draw(gen, 2, 12), _draw(gen, 1, 2), 4 * _draw(gen, 1, 2)
    c = heads * head_dim
    with torch.device("meta"):
        attn = WindowAttention(c, heads, side, relative_position_bias=False)
        counted = count_macs(attn, torch.empty(1, side * side, c))
    return abs(counted - msa_flops(side, side, c)) / msa_flops(side, side, c)


def wmsa_flops_eq2(gen: torch.Generator) -> float:
    """W-MSA on 1-4 × 1-4 windows of M × M tokens (M 2-7, 1-3 heads, head dim 4 or 8).

    With or without the position bias. Returns |counted − Eq. (2)| / Eq. (2), the count by
    :func:`count_macs` on the meta device.
    """
    m, windows = _draw(gen, 2, 7), _draw(gen, 1, 4)
    heads, head_dim, bias = _draw(gen, 1, 3), 4 * _draw(gen, 1, 2), bool(_draw(gen, 0, 1))
    c, side = heads * head_dim, windows * m
    with torch.device("meta"):
        attn = WindowAttention(c, heads, m, relative_position_bias=bias)
        counted = count_macs(attn, torch.empty(windows * windows, m * m, c))
    return abs(counted - wmsa_flops(side, side, c, m)) / wmsa_flops(side, side, c, m)
