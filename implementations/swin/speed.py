"""Timing of the attention computations compared in Table 5 and in the complexity claim of Sec. 3.2.

The throughput suite and ``reproduce.py`` both build their inputs here, so that the benchmark
ids and the reproduction table describe the same shapes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from implementations.swin.shifted_window import (
    padded_shifted_window_attention,
    shift_attention_mask,
    shifted_window_attention,
)
from implementations.swin.sliding_window import sliding_window_attention
from implementations.swin.window_attention import WindowAttention
from repro.timing import synced

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


def best_time(fn: Callable[[], object], device: str = "cpu", repeat: int = 5) -> float:
    """Fastest of ``repeat`` calls after one warm-up call, in seconds (clock: :func:`clock_name`).

    On a GPU: synchronised wall time. On the CPU with one torch thread: this process's CPU time,
    the work itself. On our shared 2-core machine (load 8-9) wall time measured the other
    processes: the same W-MSA call took 4 ms or 16 ms depending on the moment, and fitted
    exponents swung from 0 to 2. With several threads CPU time would add the threads' spin-waits,
    so wall time is used there. The minimum rather than the median, because the allocator's page
    faults on large buffers made alternate calls up to 3x slower.
    """
    clock = time.process_time if _cpu_time(device) else time.perf_counter
    call = synced(fn, device)
    call()
    best = math.inf
    for _ in range(repeat):
        start = clock()
        call()
        best = min(best, clock() - start)
    return best


def _cpu_time(device: str) -> bool:
    return torch.device(device).type == "cpu" and torch.get_num_threads() == 1


def clock_name(device: str) -> str:
    """What :func:`best_time` measures on ``device`` in this process."""
    if _cpu_time(device):
        return "CPU time, 1 thread"
    if torch.device(device).type == "cpu":
        return f"wall time, {torch.get_num_threads()} threads"
    return "synchronised wall time"


def fitted_exponent(tokens: list[int] | np.ndarray, seconds: list[float] | np.ndarray) -> float:
    """Slope k of the least-squares line log t = a + k log N."""
    slope, _ = np.polyfit(np.log(np.asarray(tokens, float)), np.log(np.asarray(seconds)), 1)
    return float(slope)
