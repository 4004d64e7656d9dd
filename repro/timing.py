"""Timers that measure what the device did, and ratios measured in one run.

On CUDA, kernels run asynchronously: a wall-clock timer around a launch measures the launch.
:func:`synchronize` waits for the device; :func:`synced` wraps a callable so that every call
ends with the device idle, which is what pytest-benchmark needs to time GPU work honestly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import torch

R = TypeVar("R")


def synchronize(device: str | torch.device) -> None:
    """Wait until ``device`` has finished its queued work (no-op on CPU)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def synced(fn: Callable[..., R], device: str | torch.device) -> Callable[..., R]:
    """``fn`` followed by a device synchronisation, for timing."""
    dev = torch.device(device)
    if dev.type != "cuda":
        return fn

    def call(*args: Any, **kwargs: Any) -> R:
        out = fn(*args, **kwargs)
        torch.cuda.synchronize(dev)
        return out

    return call


def time_call(
    fn: Callable[[], Any], device: str | torch.device = "cpu", repeat: int = 5, warmup: int = 1
) -> float:
    """Median seconds of ``fn()`` over ``repeat`` synchronised calls after ``warmup`` calls."""
    f = synced(fn, device)
    for _ in range(warmup):
        f()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def ratio(ours_seconds: float, peer_seconds: float) -> float:
    """ours / peer: below 1 means ours is faster."""
    return ours_seconds / peer_seconds


def peak_memory(fn: Callable[[], Any], device: str | torch.device) -> int | None:
    """Peak device memory in bytes allocated while ``fn()`` ran (CUDA only; None on CPU)."""
    dev = torch.device(device)
    if dev.type != "cuda":
        return None
    torch.cuda.synchronize(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    base = torch.cuda.memory_allocated(dev)
    fn()
    torch.cuda.synchronize(dev)
    return torch.cuda.max_memory_allocated(dev) - base


def autograd_saved_bytes(fn: Callable[[], Any]) -> int:
    """Bytes of the tensors autograd saves for backward while ``fn()`` runs.

    The activation memory of a training step, on any device; on CPU, where no allocator
    reports a peak, it is the memory figure the throughput suites record.
    """
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return total
