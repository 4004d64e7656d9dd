"""Benchmark machinery shared by the throughput suites.

``bench`` times a callable with pytest-benchmark after synchronising the device on every call,
and records in ``extra_info`` what users compare: samples/s, ms per call, peak device memory,
NVML energy per sample on a GPU, and — where a peer implementation is given — the same-run
ratio ours/peer by the project's timing policy (:mod:`repro.timing`: fastest call, CPU time
when single-threaded, ours and the peer interleaved on the same inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from repro.env import fingerprint
from repro.telemetry import PowerSampler
from repro.timing import clock_name, compare, peak_memory, ratio, synced


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info["repro"] = fingerprint()


def _median(benchmark: Any) -> float | None:
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return None
    return float(stats.stats.median)


@pytest.fixture
def bench(benchmark: Any, device: str) -> Callable[..., Any]:
    """``bench(fn, n_samples=..., peers={"torchvision": fn2}, **extra)`` -> fn's result."""

    def run(
        fn: Callable[[], Any],
        *,
        n_samples: int,
        peers: dict[str, Callable[[], Any]] | None = None,
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
