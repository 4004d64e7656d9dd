"""The attention computations timed for Table 5 and for the complexity claim of Sec. 3.2.

The throughput suite and ``reproduce.py`` both build their inputs here, so that the benchmark
ids and the reproduction table describe the same shapes; both time them by the project's
policy (:mod:`repro.timing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from implementations.swin.shifted_window import (
    padded_shifted_window_attention,
    shift_attention_mask,
    shifted_window_attention,
)
from implementations.swin.sliding_window import sliding_window_attention
from implementations.swin.window_attention import WindowAttention

#: Table 5's rows, in the paper's order.
METHODS: tuple[str, ...] = ("sliding_naive", "no_shift", "padding", "cyclic")


@dataclass(frozen=True)
class Stage:
    """One stage of a Swin model at a given input size: the attention's input shape."""

    name: str
    resolution: int
    dim: int
    num_heads: int
    window_size: int

    @property
    def shift_size(self) -> int:
        # the block's rule: a map no larger than the window is one window, unshifted
        return 0 if self.resolution <= self.window_size else self.window_size // 2

    @property
    def window(self) -> int:
        return min(self.window_size, self.resolution)


def swin_t_stages(img_size: int = 224, window_size: int = 7) -> tuple[Stage, ...]:
    """The four stages of Swin-T (C = 96, heads 3, 6, 12, 24, patch 4)."""
    side = img_size // 4
    return tuple(
        Stage(f"S{i + 1}", side // 2**i, 96 * 2**i, 3 * 2**i, window_size) for i in range(4)
    )


def attention_calls(
    stage: Stage, batch: int, seed: int = 0, device: str = "cpu"
) -> dict[str, Callable[[], Tensor]]:
    """The four computations of Table 5 on one random input of ``stage``'s shape."""
    gen = torch.Generator().manual_seed(seed)
    attn = WindowAttention(stage.dim, stage.num_heads, stage.window).to(device).eval()
    x = torch.randn(batch, stage.resolution, stage.resolution, stage.dim, generator=gen)
    x = x.to(device)
    s = stage.shift_size
    mask = shift_attention_mask(stage.resolution, stage.resolution, stage.window, s, device)
    calls = {
        "sliding_naive": lambda: sliding_window_attention(x, attn),
        "no_shift": lambda: shifted_window_attention(x, attn, 0),
        "padding": lambda: padded_shifted_window_attention(x, attn, s),
        "cyclic": lambda: shifted_window_attention(x, attn, s, mask),
    }
    if stage.window % 2 == 0:  # a centred sliding window needs an odd size
        del calls["sliding_naive"]
    return calls


def scaling_calls(
    side: int, dim: int, num_heads: int, window_size: int, seed: int = 0, device: str = "cpu"
) -> dict[str, Callable[[], Tensor]]:
    """Global MSA (Eq. 1) and W-MSA (Eq. 2) on one ``side × side`` map, without position bias."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, side, side, dim, generator=gen).to(device)
    local = WindowAttention(dim, num_heads, window_size, relative_position_bias=False)
    full = WindowAttention(dim, num_heads, side, relative_position_bias=False)
    local, full = local.to(device).eval(), full.to(device).eval()
    tokens = x.view(1, side * side, dim)
    return {
        "msa": lambda: full(tokens),
        "wmsa": lambda: shifted_window_attention(x, local, 0),
    }
