"""Shifted window partitioning (Sec. 3.2): the cyclic shift with its mask, and the padding baseline.

The shifted configuration displaces the regular windows by ``s = ⌊M/2⌋`` tokens. Its windows
in the original map are cut at rows and columns ``s, s + M, s + 2M, …``: ``(⌈h/M⌉ + 1)²``
windows, some smaller than ``M × M``. Two ways to compute attention inside them:

* padding (the paper's "naive solution"): pad the map so that every shifted window is a whole
  ``M × M`` window, and mask the padded keys — more windows than W-MSA;
* cyclic shift (the paper's "efficient batch computation"): roll the map by ``(−s, −s)`` so
  the shifted windows fall on the regular grid; a window that wraps around then holds several
  sub-windows that were not adjacent, and a mask keeps each token's attention inside its own
  sub-window. Same number of windows as W-MSA.

Both give the same output (tests/swin); Table 5 times them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.swin.window_attention import WindowAttention
from implementations.swin.window_partition import window_partition, window_reverse


def _check_shift(height: int, width: int, window_size: int, shift_size: int) -> None:
    if window_size < 1:
        raise ValueError(f"window_size must be a positive integer, got {window_size}")
    if not 0 <= shift_size < window_size:
        raise ValueError(f"shift_size must be in [0, window_size={window_size}), got {shift_size}")
    if height % window_size or width % window_size:
        raise ValueError(
            f"the feature map {height}x{width} must be divisible by window_size {window_size}"
        )


def shift_attention_mask(
    height: int,
    width: int,
    window_size: int,
    shift_size: int,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor | None:
    """The additive mask of the cyclic-shift batch computation, one per window.

    After rolling the map by ``(−s, −s)`` each axis holds three regions that were not adjacent
    before the roll: ``[0, H − M)``, ``[H − M, H − s)`` and ``[H − s, H)`` (the last one wrapped
    around from the top/left). Their products label 9 regions; a query and a key may attend
    each other only when they carry the same label.

    Returns:
        Tensor[nW, M², M²] with 0 where attention is allowed and −inf where it is not, or None
        when ``shift_size`` is 0 (nothing to mask). The authors' code and timm write −100
        instead of −inf; the two agree to float precision unless unmasked logits spread over
        more than ~80.
    """
    _check_shift(height, width, window_size, shift_size)
    if shift_size == 0:
        return None
    m, s = window_size, shift_size
    labels = torch.zeros(1, height, width, 1, device=device)
    bounds_h = ((0, height - m), (height - m, height - s), (height - s, height))
    bounds_w = ((0, width - m), (width - m, width - s), (width - s, width))
    for i, (h0, h1) in enumerate(bounds_h):
        for j, (w0, w1) in enumerate(bounds_w):
            labels[:, h0:h1, w0:w1, :] = 3 * i + j
    windows = window_partition(labels, m).view(-1, m * m)  # (nW, M²)
    differ = windows[:, :, None] != windows[:, None, :]  # (nW, M², M²)
    mask = torch.zeros(differ.shape, device=device, dtype=dtype)
    return mask.masked_fill_(differ, float("-inf"))


def shifted_window_attention(
    x: Tensor, attn: WindowAttention, shift_size: int, mask: Tensor | None = None
) -> Tensor:
    """(S)W-MSA by cyclic shift and masking: the efficient batch computation of Sec. 3.2.

    ``x`` is rolled by ``(−s, −s)``, partitioned into the regular ``M × M`` windows, attended
    with ``mask`` (from :func:`shift_attention_mask`, built here when not given), put back
    together and rolled by ``(s, s)``. With ``shift_size = 0`` this is W-MSA.

    Args:
        x (Tensor[B, H, W, C]): feature map, H and W divisible by ``attn.window_size``.
        attn: the attention applied inside each window.
        shift_size: s, in ``[0, M)``.
        mask (Tensor[nW, M², M²], optional): precomputed mask for this H, W, M and s.

    Returns:
        Tensor[B, H, W, C]
    """
    if x.ndim != 4:
        raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim}")
    _, h, w, c = x.shape
    m = attn.window_size
    _check_shift(h, w, m, shift_size)
    if shift_size:
        x = torch.roll(x, shifts=(-shift_size, -shift_size), dims=(1, 2))
        if mask is None:
            mask = shift_attention_mask(h, w, m, shift_size, x.device, x.dtype)
    windows = window_partition(x, m).view(-1, m * m, c)  # (B·nW, M², C)
    windows = attn(windows, mask=mask if shift_size else None)
    x = window_reverse(windows.view(-1, m, m, c), m, h, w)  # (B, H, W, C)
    if shift_size:
        x = torch.roll(x, shifts=(shift_size, shift_size), dims=(1, 2))
    return x


def padded_shifted_window_attention(x: Tensor, attn: WindowAttention, shift_size: int) -> Tensor:
    """SW-MSA by padding: the naive computation that Sec. 3.2 and Table 5 compare against.

    The map is zero-padded by ``M − s`` on the top/left and ``s`` on the bottom/right, so
    that each shifted window (cut at ``s, s + M, …``) becomes a whole ``M × M`` window of the
    padded map: ``(H/M + 1)(W/M + 1)`` windows instead of ``(H/M)(W/M)``. Padded tokens are
    masked out as keys; their outputs are cropped away. With ``shift_size = 0`` nothing is
    padded and this is W-MSA.

    Args:
        x (Tensor[B, H, W, C]): feature map, H and W divisible by ``attn.window_size``.
        attn: the attention applied inside each window.
        shift_size: s, in ``[0, M)``.

    Returns:
        Tensor[B, H, W, C]
    """
    if x.ndim != 4:
        raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim}")
    _, h, w, c = x.shape
    m = attn.window_size
    _check_shift(h, w, m, shift_size)
    if shift_size == 0:
        return shifted_window_attention(x, attn, 0)
    before, after = m - shift_size, shift_size
    x = F.pad(x, (0, 0, before, after, before, after))  # (B, H + M, W + M, C)
    hp, wp = h + m, w + m
    real = torch.zeros(1, hp, wp, 1, device=x.device, dtype=torch.bool)
    real[:, before : before + h, before : before + w] = True
    keys = window_partition(real, m).view(-1, 1, m * m)  # (nW', 1, M²)
    mask = torch.zeros(keys.shape, device=x.device, dtype=x.dtype)
    mask = mask.masked_fill_(~keys, float("-inf")).expand(-1, m * m, -1)  # (nW', M², M²)
    windows = window_partition(x, m).view(-1, m * m, c)  # (B·nW', M², C)
    windows = attn(windows, mask=mask)
    x = window_reverse(windows.view(-1, m, m, c), m, hp, wp)  # (B, H + M, W + M, C)
    return x[:, before : before + h, before : before + w]
