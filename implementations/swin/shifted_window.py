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
from implementations.swin.window_partition import Size2, to_pair, window_partition, window_reverse


def window_and_shift(
    window_size: Size2, shift_size: Size2
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The window and the shift as pairs (an int means both axes), each shift in ``[0, M)``
    along its axis; ``ValueError`` otherwise."""
    m = to_pair(window_size)
    s = (shift_size, shift_size) if isinstance(shift_size, int) else tuple(shift_size)
    if len(s) != 2 or not all(0 <= si < mi for si, mi in zip(s, m, strict=True)):
        raise ValueError(f"shift_size must be in [0, window_size={window_size}), got {shift_size}")
    return m, s  # type: ignore[return-value]


def _check_divisible(height: int, width: int, m: tuple[int, int], window_size: Size2) -> None:
    if height % m[0] or width % m[1]:
        raise ValueError(
            f"the feature map {height}x{width} must be divisible by window_size {window_size}"
        )


def shift_attention_mask(
    height: int,
    width: int,
    window_size: Size2,
    shift_size: Size2,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor | None:
    """The additive mask of the cyclic-shift batch computation, one per window.

    After rolling the map by ``(−s, −s)`` each axis holds three regions that were not adjacent
    before the roll: ``[0, H − M)``, ``[H − M, H − s)`` and ``[H − s, H)`` (the last one wrapped
    around from the top/left). Their products label 9 regions; a query and a key may attend
    each other only when they carry the same label. For a map padded to a multiple of the
    window (see :func:`shifted_window_attention`) ``height`` and ``width`` are the padded sizes,
    as in timm. Window and shift may be pairs (per axis).

    Returns:
        Tensor[nW, M², M²] with 0 where attention is allowed and −inf where it is not, or None
        when the shift is 0 (nothing to mask). The authors' code and timm write −100
        instead of −inf; the two agree to float precision unless unmasked logits spread over
        more than ~80.
    """
    (mh, mw), (sh, sw) = window_and_shift(window_size, shift_size)
    _check_divisible(height, width, (mh, mw), window_size)
    if sh == 0 and sw == 0:
        return None
    labels = torch.zeros(1, height, width, 1, device=device)
    bounds_h = ((0, height - mh), (height - mh, height - sh), (height - sh, height))
    bounds_w = ((0, width - mw), (width - mw, width - sw), (width - sw, width))
    for i, (h0, h1) in enumerate(bounds_h):
        for j, (w0, w1) in enumerate(bounds_w):
            labels[:, h0:h1, w0:w1, :] = 3 * i + j
    windows = window_partition(labels, (mh, mw)).view(-1, mh * mw)  # (nW, M²)
    differ = windows[:, :, None] != windows[:, None, :]  # (nW, M², M²)
    mask = torch.zeros(differ.shape, device=device, dtype=dtype)
    return mask.masked_fill_(differ, float("-inf"))


def cyclic_window_order(
    height: int,
    width: int,
    window_size: Size2,
    shift_size: Size2,
    device: torch.device | str | None = None,
) -> Tensor:
    """Where each token of the rolled, partitioned map comes from: Tensor[H·W] of indices
    ``i·W + j`` into the original map, in :func:`window_partition`'s order after a roll by
    ``(−s, −s)``. For a map divisible by the window (ValueError otherwise)."""
    (mh, mw), (sh, sw) = window_and_shift(window_size, shift_size)
    _check_divisible(height, width, (mh, mw), window_size)
    index = torch.arange(height * width, device=device).view(1, height, width, 1)
    index = torch.roll(index, shifts=(-sh, -sw), dims=(1, 2))
    return window_partition(index, (mh, mw)).reshape(-1)


def shifted_window_attention(
    x: Tensor, attn: WindowAttention, shift_size: Size2, mask: Tensor | None = None
) -> Tensor:
    """(S)W-MSA by cyclic shift and masking: the efficient batch computation of Sec. 3.2.

    ``x`` is rolled by ``(−s, −s)``, partitioned into the regular ``M × M`` windows, attended
    with ``mask`` (from :func:`shift_attention_mask`, built here when not given), put back
    together and rolled by ``(s, s)``. With ``shift_size = 0`` this is W-MSA.

    A map not divisible by the window is handled as timm does (the paper's maps always are):
    after the roll it is zero-padded at the bottom and right to a multiple of the window, the
    padded tokens take part in attention as keys (only the shift mask applies), and the output
    is cropped back before the reverse roll. For a divisible map the roll and the partition
    are one gather of token rows (:func:`cyclic_window_order`) and their inverse one scatter;
    the same values, without the intermediate copies of the map.

    Args:
        x (Tensor[B, H, W, C]): feature map.
        attn: the attention applied inside each window (``attn.window_size`` = (M_h, M_w)).
        shift_size: s, in ``[0, M)``, or one per axis.
        mask (Tensor[nW, M², M²], optional): precomputed mask for the padded H, W, M and s.

    Returns:
        Tensor[B, H, W, C]
    """
    if x.ndim != 4:
        raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim}")
    b, h, w, c = x.shape
    (mh, mw), (sh, sw) = window_and_shift(attn.window_size, shift_size)
    shifted = sh > 0 or sw > 0
    if h % mh == 0 and w % mw == 0:
        # the paper's case: roll and partition in one gather of token rows, and one scatter back
        if shifted and mask is None:
            mask = shift_attention_mask(h, w, (mh, mw), (sh, sw), x.device, x.dtype)
        order = cyclic_window_order(h, w, (mh, mw), (sh, sw), x.device)  # [H·W]
        rows = (order + torch.arange(b, device=x.device)[:, None] * (h * w)).view(-1)  # [B·H·W]
        windows = x.reshape(-1, c).index_select(0, rows).view(-1, mh * mw, c)  # (B·nW, M², C)
        windows = attn(windows, mask=mask if shifted else None).view(-1, c)  # (B·H·W, C)
        return windows.new_empty(windows.shape).index_copy_(0, rows, windows).view(b, h, w, c)
    if shifted:
        x = torch.roll(x, shifts=(-sh, -sw), dims=(1, 2))
    pad_h, pad_w = -h % mh, -w % mw
    x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))  # (B, Hp, Wp, C)
    hp, wp = h + pad_h, w + pad_w
    if shifted and mask is None:
        mask = shift_attention_mask(hp, wp, (mh, mw), (sh, sw), x.device, x.dtype)
    windows = window_partition(x, (mh, mw)).view(-1, mh * mw, c)  # (B·nW, M², C)
    windows = attn(windows, mask=mask if shifted else None)
    x = window_reverse(windows.view(-1, mh, mw, c), (mh, mw), hp, wp)[:, :h, :w]  # (B, H, W, C)
    if shifted:
        x = torch.roll(x, shifts=(sh, sw), dims=(1, 2))
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
    (m, m_w), _ = window_and_shift(attn.window_size, shift_size)
    if m != m_w or not isinstance(shift_size, int):
        raise ValueError(
            f"the padding baseline takes square windows and one shift, got {attn.window_size} "
            f"and {shift_size}"
        )
    _check_divisible(h, w, (m, m), m)
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
