"""Window-based multi-head self-attention with the relative position bias (Sec. 3.2, Eq. 4)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.swin.relative_position import relative_position_index
from implementations.swin.window_partition import Size2, to_pair


class WindowAttention(nn.Module):
    r"""Multi-head self-attention inside each window, with a learned relative position bias.

    For each head, on the ``M²`` tokens of one window (Eq. 4):

        Attention(Q, K, V) = SoftMax(Q Kᵀ / √d + B) V,

    with ``Q, K, V ∈ R^{M²×d}`` linear projections of the tokens and ``B`` read from a
    ``((2M − 1)², heads)`` table by :func:`relative_position_index`. An optional additive
    ``mask`` (0 or −inf per window, see :func:`shift_attention_mask`) is added to ``Q Kᵀ / √d
    + B``; it is how the shifted configuration keeps sub-windows apart.

    Applied to a single window that covers the whole map this is the global MSA of Eq. (1);
    on ``hw / M²`` windows it is the W-MSA of Eq. (2). Computed with
    ``F.scaled_dot_product_attention``, bias and mask passed as its ``attn_mask``.

    As in timm, the head width may be set (``head_dim``) and defaults to ⌊C / h⌋, so the
    heads together span ``h · d`` channels (C when h divides C); a window may be ``(M_h, M_w)``.

    Args:
        dim: C, channels of the tokens.
        num_heads: heads h.
        window_size: M, or the pair (M_h, M_w).
        head_dim: d, channels per head (⌊C / h⌋ by default).
        qkv_bias: learn a bias for the Q, K, V projections.
        attn_drop: dropout on the attention weights (training only).
        proj_drop: dropout on the output projection.
        relative_position_bias: add ``B`` (Table 4's "rel. pos."); False drops it.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window_size: Size2 = 7,
        qkv_bias: bool = True,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        relative_position_bias: bool = True,
        head_dim: int | None = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or (head_dim is None and dim < num_heads):
            raise ValueError(f"num_heads must be in [1, dim={dim}], got {num_heads}")
        if head_dim is not None and head_dim < 1:
            raise ValueError(f"head_dim must be a positive integer, got {head_dim}")
        self.dim = dim
        self.num_heads = num_heads
        self.head_dim = head_dim or dim // num_heads
        self.attn_dim = self.head_dim * num_heads
        self.window_size = to_pair(window_size)
        mh, mw = self.window_size
        self.window_area = mh * mw
        self.attn_drop = attn_drop
        if relative_position_bias:
            self.relative_position_bias_table = nn.Parameter(
                torch.zeros((2 * mh - 1) * (2 * mw - 1), num_heads)
            )
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
            self.register_buffer(
                "relative_position_index", relative_position_index(window_size), persistent=False
            )
        else:
            self.register_parameter("relative_position_bias_table", None)
        self.qkv = nn.Linear(dim, 3 * self.attn_dim, bias=qkv_bias)
        self.proj = nn.Linear(self.attn_dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def extra_repr(self) -> str:
        bias = "" if self.relative_position_bias_table is not None else ", no position bias"
        return f"dim={self.dim}, window_size={self.window_size}, num_heads={self.num_heads}{bias}"

    def position_bias(self) -> Tensor | None:
        """B of Eq. (4) for every head: Tensor[heads, M², M²], or None without the bias."""
        if self.relative_position_bias_table is None:
            return None
        n = self.window_area
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(n, n, self.num_heads).permute(2, 0, 1)  # (heads, M², M²)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Attention inside each window.

        Args:
            x (Tensor[B * nW, M², C]): the tokens of each window, windows of one image
                consecutive (as :func:`window_partition` orders them).
            mask (Tensor[nW, M², M²], optional): additive mask per window position, shared by
                every image of the batch.

        Returns:
            Tensor[B * nW, M², C]
        """
        if x.ndim != 3:
            raise ValueError(f"x must have shape (B*nW, M², C), got rank {x.ndim}")
        b_, n, c = x.shape
        if c != self.dim:
            raise ValueError(f"x has {c} channels, the module was built for dim={self.dim}")
        if n != self.window_area:
            raise ValueError(f"x has {n} tokens per window, expected M² = {self.window_area}")
        h = self.num_heads
        qkv = (
            self.qkv(x).view(b_, n, 3, h, self.head_dim).permute(2, 0, 3, 1, 4)
        )  # (3, B·nW, h, N, d)
        q, k, v = qkv.unbind(0)
        attn_mask = self.position_bias()
        if attn_mask is not None:
            attn_mask = attn_mask.unsqueeze(0)  # (1, h, N, N)
        if mask is not None:
            n_w = mask.shape[0]
            if mask.shape != (n_w, n, n) or b_ % n_w:
                raise ValueError(
                    f"mask must have shape (nW, {n}, {n}) with nW dividing {b_}, "
                    f"got {tuple(mask.shape)}"
                )
            mask = mask.unsqueeze(1)  # (nW, 1, N, N)
            mask = mask if attn_mask is None else mask + attn_mask  # (nW, h|1, N, N)
            # one dense (B·nW, h, N, N) mask: 4-D masks take SDPA's fast CPU kernels, broadcasting
            # over a 5-D batch was three times slower in our timings
            attn_mask = mask.expand(b_ // n_w, -1, mask.shape[1], -1, -1).reshape(b_, -1, n, n)
        drop = self.attn_drop if self.training else 0.0
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=drop)
        out = out.transpose(1, 2).reshape(b_, n, self.attn_dim)  # (B·nW, N, h·d)
        return self.proj_drop(self.proj(out))
