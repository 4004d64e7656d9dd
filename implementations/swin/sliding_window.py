"""Sliding-window self-attention, computed naively: Table 5's "sliding window (naive)" baseline."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.swin.window_attention import WindowAttention


def sliding_window_attention(x: Tensor, attn: WindowAttention) -> Tensor:
    """Each token attends to the ``M × M`` neighbourhood centred on it (Eq. 4 per query).

    For query ``p`` and the keys ``p + δ`` with ``δ ∈ [−r, r]²`` (``r = ⌊M/2⌋``) inside the map:

        out_p = SoftMax_δ(q_p · k_{p+δ} / √d + B̂[−δ_y + M − 1, −δ_x + M − 1]) v_{p+δ},

    the bias read from the same table as :class:`WindowAttention` (keys outside the map are
    masked). Keys and values are gathered with ``F.unfold``, which copies every key ``M²``
    times: the naive implementation the paper timed, not an efficient kernel.

    Args:
        x (Tensor[B, H, W, C]): feature map.
        attn: supplies the projections and the bias table; ``attn.window_size`` must be
            square and odd.

    Returns:
        Tensor[B, H, W, C]
    """
    if x.ndim != 4:
        raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim}")
    m, m_w = attn.window_size
    if m % 2 == 0 or m != m_w:
        raise ValueError(
            f"a centred sliding window needs a square, odd window_size, got {attn.window_size}"
        )
    b, h, w, c = x.shape
    heads, r = attn.num_heads, m // 2
    d = c // heads
    q, k, v = attn.qkv(x).chunk(3, dim=-1)  # 3 × (B, H, W, C)

    def neighbours(t: Tensor) -> Tensor:
        cols = F.unfold(t.permute(0, 3, 1, 2), kernel_size=m, padding=r)  # (B, C·M², H·W)
        return cols.view(b, heads, d, m * m, h * w).permute(0, 1, 4, 3, 2)  # (B, h, HW, M², d)

    q = q.reshape(b, h * w, heads, d).transpose(1, 2).unsqueeze(3)  # (B, h, HW, 1, d)
    logits = (q * neighbours(k)).sum(-1) * d**-0.5  # (B, h, HW, M²)
    inside = F.unfold(x.new_ones(1, 1, h, w), kernel_size=m, padding=r)  # (1, M², HW)
    logits = logits.masked_fill(inside.transpose(1, 2).unsqueeze(0) == 0, float("-inf"))
    if attn.relative_position_bias_table is not None:
        offsets = torch.arange(-r, r + 1, device=x.device)
        dy, dx = torch.meshgrid(offsets, offsets, indexing="ij")  # key − query, row-major
        index = (m - 1 - dy.flatten()) * (2 * m - 1) + (m - 1 - dx.flatten())  # (M²,)
        bias = attn.relative_position_bias_table[index].t()  # (h, M²)
        logits = logits + bias[None, :, None, :]
    weights = logits.softmax(-1).unsqueeze(-1)  # (B, h, HW, M², 1)
    out = (weights * neighbours(v)).sum(3)  # (B, h, HW, d)
    out = out.transpose(1, 2).reshape(b, h, w, c)
    return attn.proj_drop(attn.proj(out))
