"""Benchmark machinery shared by the throughput suites.

``bench`` times a callable with pytest-benchmark after synchronising the device on every call,
and records in ``extra_info`` what users compare: samples/s, ms per call, peak device memory,
NVML energy per sample on a GPU, and — where a peer implementation is given — the same-run
ratio ours/peer by the project's timing policy (:mod:`repro.timing`: fastest call, CPU time
when single-threaded, ours and the peer interleaved on the same inputs). Beside the peer, the
physical limit: the achieved GFLOP/s of the call's counted flops as a fraction of a matrix
product's rate, or — for a memory-bound call whose suite passes ``bytes_per_call`` — the
achieved GB/s as a fraction of a copy's, both limits measured once per run on the same device
and clock.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import torch

from repro.env import fingerprint
from repro.telemetry import PowerSampler
from repro.timing import (
    best_time,
    clock_name,
    compare,
    copy_peak_gbps,
    count_flops,
    matmul_peak_gflops,
    peak_memory,
    ratio,
    synced,
)


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info["repro"] = fingerprint()


def _median(benchmark: Any) -> float | None:
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return None
    return float(stats.stats.median)


def _model_step(model: torch.nn.Module, x: torch.Tensor, mode: str) -> Callable[[], torch.Tensor]:
    """A call that runs ``model`` on ``x`` as a throughput suite times it: ``forward`` (eval mode,
    no gradient) or ``forward-backward`` (train mode, backward of the summed output)."""
    if mode == "forward":
        model.eval()

        def forward() -> torch.Tensor:
            with torch.no_grad():
                return model(x)

        return forward
    if mode != "forward-backward":
        raise ValueError(f"mode must be 'forward' or 'forward-backward', got {mode!r}")
    model.train()

    def forward_backward() -> torch.Tensor:
        model.zero_grad(set_to_none=True)
        out = model(x)
        out.sum().backward()
        return out

    return forward_backward


@pytest.fixture
def model_step() -> Callable[..., Callable[[], torch.Tensor]]:
    """``model_step(model, x, mode)``: the forward or forward-backward call a suite times."""
    return _model_step


@cache
def _matmul_peak(device: str) -> float:
    return matmul_peak_gflops(device)


@cache
def _copy_peak(device: str) -> float:
    return copy_peak_gbps(device)


def _limit(fn: Callable[[], Any], device: str, bytes_per_call: int | None) -> dict[str, float]:
    """Achieved rate of ``fn`` against the run's matmul (or copy) peak, on one clock."""
    seconds = best_time(fn, device)
    if bytes_per_call is not None:
        achieved = bytes_per_call / seconds / 1e9
        peak = _copy_peak(device)
        return {
            "achieved_gbps": achieved,
            "copy_peak_gbps": peak,
            "fraction_of_copy_peak": achieved / peak,
        }
    flops = count_flops(fn)
    if flops == 0:
        return {}
    achieved = flops / seconds / 1e9
    peak = _matmul_peak(device)
    return {
        "counted_gflop_per_call": flops / 1e9,
        "achieved_gflops": achieved,
        "matmul_peak_gflops": peak,
        "fraction_of_matmul_peak": achieved / peak,
    }


@pytest.fixture
def bench(benchmark: Any, device: str) -> Callable[..., Any]:
    """``bench(fn, n_samples=..., peers={"torchvision": fn2}, bytes_per_call=None, **extra)``
    -> fn's result. ``bytes_per_call``: the bytes a memory-bound ``fn`` must move at least (its
    suite states how it counts them); without it the limit is the matmul peak."""

    def run(
        fn: Callable[[], Any],
        *,
        n_samples: int,
        peers: dict[str, Callable[[], Any]] | None = None,
        bytes_per_call: int | None = None,
        **extra: Any,
    ) -> Any:
        f = synced(fn, device)
        out = benchmark(f)
        info = benchmark.extra_info
        info.update(extra)
        info["device"] = device
        info["n_samples"] = n_samples
        ours = _median(benchmark)
        if ours is not None:
            info["ms_per_call"] = ours * 1e3
            info["samples_per_s"] = n_samples / ours
            info["peak_memory_bytes"] = peak_memory(f, device)
            info.update(_limit(fn, device, bytes_per_call))
            if device.startswith("cuda"):
                calls = max(3, int(0.5 / max(ours, 1e-6)))
                with PowerSampler() as power:
                    for _ in range(calls):
                        f()
                info.update(power.extra_info(n_samples * calls))
            if peers:
                best = compare({"ours": fn, **peers}, device)
                info["ratio_clock"] = clock_name(device)
                info["ours_best_ms"] = best["ours"] * 1e3
                for name in peers:
                    info[f"{name}_best_ms"] = best[name] * 1e3
                    info[f"ratio_vs_{name}"] = ratio(best["ours"], best[name])
        return out

    return run
