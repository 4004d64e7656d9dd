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


def clock_for(device: str | torch.device) -> Callable[[], float]:
    """The clock the policy reads on ``device`` (:func:`clock_name`): ``time.process_time`` on
    one CPU thread, ``time.perf_counter`` otherwise (a GPU caller synchronises first)."""
    return time.process_time if uses_cpu_time(device) else time.perf_counter


def best_time(
    fn: Callable[[], Any], device: str | torch.device = "cpu", repeat: int = 5, warmup: int = 1
) -> float:
    """Fastest of ``repeat`` calls of ``fn()`` after ``warmup`` calls, in seconds.

    The clock is the one the module's policy picks for ``device`` (:func:`clock_name`).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    clock = clock_for(device)
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
    """Peak memory in bytes allocated by torch while ``fn()`` ran, above what was held before.

    CUDA: the caching allocator's high-water mark. CPU: the running sum of the allocations and
    frees torch's profiler records (``profile_memory=True``), in the order they happened; its
    maximum is the peak of tensor memory (not the process's resident size). None where neither
    applies.
    """
    dev = torch.device(device)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        base = torch.cuda.memory_allocated(dev)
        fn()
        torch.cuda.synchronize(dev)
        return torch.cuda.max_memory_allocated(dev) - base
    if dev.type != "cpu":
        return None
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    held = peak = 0
    for event in sorted(prof.events(), key=lambda e: e.time_range.start):
        held += event.self_cpu_memory_usage
        peak = max(peak, held)
    return int(peak)


def matmul_peak_gflops(device: str | torch.device, n: int | None = None) -> float:
    """GFLOP/s of an n×n float32 matrix product on ``device``: the compute limit the suites
    report their achieved rate against (same clock as :func:`best_time`).

    n defaults to 1024 on a CPU and 8192 on a GPU: a 1024² product leaves an H100 mostly idle
    (the suites read fractions above 1 against it), so it is no limit there.
    """
    if n is None:
        n = 8192 if torch.device(device).type == "cuda" else 1024
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    return 2 * n**3 / best_time(lambda: a @ b, device) / 1e9


def copy_peak_gbps(device: str | torch.device, n_bytes: int = 256 * 2**20) -> float:
    """GB/s of a float32 tensor copy of ``n_bytes`` (read + write counted): the memory limit
    for memory-bound operations (same clock as :func:`best_time`)."""
    src = torch.empty(n_bytes // 4, device=device)
    dst = torch.empty_like(src)
    return 2 * n_bytes / best_time(lambda: dst.copy_(src), device) / 1e9


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


def count_flops(fn: Callable[[], Any]) -> int:
    """FLOPs (2 per multiply-add) of the matrix products, convolutions and attention of ``fn()``,
    backward included when ``fn`` runs it, by ``torch.utils.flop_counter``.

    Attention runs on SDPA's math backend and cuDNN is off while counting: fused kernels are
    invisible to the counter (a cuDNN GRU is one ``_cudnn_rnn`` call, and the CRRL and taxonomy
    suites read 0 GFLOP on the H100; without cuDNN the RNN runs as matrix products). Element-wise
    operations are not counted.
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    with (
        sdpa_kernel(SDPBackend.MATH),
        torch.backends.cudnn.flags(enabled=False),
        FlopCounterMode(display=False) as counter,
    ):
        fn()
    return int(counter.get_total_flops())
