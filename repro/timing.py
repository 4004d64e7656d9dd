"""The project's one timing policy: which clock, which statistic, and ratios from one run.

Policy (every experiment's timing and every same-run ratio uses :func:`best_time`):

- **Clock.** On a GPU, wall time after synchronising the device (kernels run asynchronously:
  a timer around a launch measures the launch). On the CPU with one torch thread, this
  process's CPU time, i.e. the work itself: on our shared 2-core machines (load 8-9) wall time
  measured the other processes too; the same W-MSA call took 4 ms or 16 ms depending on the
  moment, and fitted exponents swung from 0 to 2. With several threads CPU time would add the
  threads' spin-waits, so wall time is used there.
- **Statistic.** The fastest of ``repeat`` calls after a warm-up call: noise on a shared
  machine only ever adds time, and the allocator's page faults on large buffers made alternate
  calls up to 3x slower.
- **Ratios.** Ours and the peer timed in the same process, interleaved (:func:`compare`), so
  that a change of machine load moves both alike; stored baselines are ratios, not times.

pytest-benchmark's own statistics (median wall time per round) are reported beside these in the
throughput suites; the ratios come from this policy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
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


def uses_cpu_time(device: str | torch.device) -> bool:
    """Whether :func:`best_time` reads the process CPU clock (CPU device, one torch thread)."""
    return torch.device(device).type == "cpu" and torch.get_num_threads() == 1


def clock_name(device: str | torch.device) -> str:
    """What :func:`best_time` measures on ``device`` in this process, for tables."""
    if uses_cpu_time(device):
        return "CPU time, 1 thread"
    if torch.device(device).type == "cpu":
        return f"wall time, {torch.get_num_threads()} threads"
    return "synchronised wall time"


def best_time(
    fn: Callable[[], Any], device: str | torch.device = "cpu", repeat: int = 5, warmup: int = 1
) -> float:
    """Fastest of ``repeat`` calls of ``fn()`` after ``warmup`` calls, in seconds.

    The clock is the one the module's policy picks for ``device`` (:func:`clock_name`).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    clock = time.process_time if uses_cpu_time(device) else time.perf_counter
    call = synced(fn, device)
    for _ in range(warmup):
        call()
    best = math.inf
    for _ in range(repeat):
        start = clock()
        call()
        best = min(best, clock() - start)
    return best


def compare(
    calls: dict[str, Callable[[], Any]],
    device: str | torch.device = "cpu",
    repeat: int = 5,
    rounds: int = 3,
) -> dict[str, float]:
    """:func:`best_time` of each call, over ``rounds`` rounds in which the calls alternate.

    Returns the fastest time of each call over all rounds; alternating keeps a change of load
    from favouring whichever call ran first.
    """
    best = dict.fromkeys(calls, math.inf)
    for r in range(rounds):
        names = list(calls)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            best[name] = min(best[name], best_time(calls[name], device, repeat))
    return best


def matmul_peak_gflops(device: str | torch.device = "cpu", n: int = 1024) -> float:
    """GFLOP/s of an n × n float32 matrix product on ``device``, timed by :func:`best_time`: the
    same-run peak that a model's achieved GFLOP/s is reported as a fraction of."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    return 2 * n**3 / best_time(lambda: a @ b, device) / 1e9


def ratio(ours_seconds: float, peer_seconds: float) -> float:
    """ours / peer: below 1 means ours is faster."""
    return ours_seconds / peer_seconds


def fitted_exponent(
    sizes: Sequence[float] | np.ndarray, seconds: Sequence[float] | np.ndarray
) -> float:
    """Slope k of the least-squares line log t = a + k log N: how time scales with size N."""
    slope, _ = np.polyfit(np.log(np.asarray(sizes, float)), np.log(np.asarray(seconds, float)), 1)
    return float(slope)


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
