"""repro.timing's policy and repro.plots' helpers."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from repro import plots, timing
from repro.timing import best_time, clock_for, clock_name, compare, count_flops, fitted_exponent


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_single_threaded_cpu_time_ignores_waiting(one_thread):
    """With one thread the clock is the process's CPU time: a sleep costs (almost) nothing."""
    assert clock_name("cpu") == "CPU time, 1 thread"
    assert clock_for("cpu") is time.process_time
    assert best_time(lambda: time.sleep(0.03), "cpu", repeat=2, warmup=0) < 0.01


def test_several_threads_use_wall_time():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert clock_name("cpu") == "wall time, 2 threads"
        assert clock_for("cpu") is time.perf_counter
        assert best_time(lambda: time.sleep(0.02), "cpu", repeat=2, warmup=0) >= 0.02
    finally:
        torch.set_num_threads(before)


def test_best_time_is_the_fastest_call():
    durations = iter([0.05, 0.0, 0.02, 0.01])  # first is the warm-up
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # wall clock, so that sleeping counts
    try:
        t = best_time(lambda: time.sleep(next(durations)), "cpu", repeat=3, warmup=1)
    finally:
        torch.set_num_threads(before)
    assert t < 0.009


def test_compare_times_every_call(one_thread):
    x = torch.randn(200, 200)
    best = compare({"small": lambda: x[:20] @ x[:, :20], "big": lambda: x @ x}, repeat=3)
    assert set(best) == {"small", "big"} and best["small"] < best["big"]


def test_fitted_exponent_recovers_a_power_law():
    n = np.array([10.0, 20.0, 40.0, 80.0])
    assert fitted_exponent(n, 3e-6 * n**1.7) == pytest.approx(1.7)


def test_bad_repeat_raises():
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        best_time(lambda: None, repeat=0)


def test_plots_save_wrap_and_say_what_bars_are(tmp_path):
    fig, axes = plots.figure(1, 2, figsize=(6, 3))
    assert axes.shape == (1, 2)
    long = "a title far too long to fit on one line of a narrow panel " * 3
    plots.title(axes[0, 0], long)
    assert "\n" in axes[0, 0].get_title()
    path = plots.save(fig, tmp_path / "sub" / "fig.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plots.error_note("std", 5) == "bars: ±1 std over seeds (n = 5)"
    assert "95%" in plots.error_note("ci95")


def test_cpu_peak_memory_is_the_high_water_mark_of_tensor_memory() -> None:
    """Three 4 MB float32 tensors alive at once, then freed: peak 12 MB; one at a time: 4 MB."""

    def together():
        a = torch.ones(1000, 1000)
        b = a + 1
        c = b * 2
        return float(c[0, 0])

    def one_at_a_time():
        for _ in range(3):
            x = torch.ones(1000, 1000)
            del x

    assert timing.peak_memory(together, "cpu") == pytest.approx(3 * 4_000_000, abs=64)
    assert timing.peak_memory(one_at_a_time, "cpu") == 4_000_000


def test_limits_and_uncounted_work() -> None:
    a = torch.randn(64, 32)
    assert count_flops(lambda: a + 1) == 0  # element-wise work is not counted
    assert timing.matmul_peak_gflops("cpu", n=128) > 0
    assert timing.copy_peak_gbps("cpu", n_bytes=2**20) > 0


def test_count_flops_counts_forward_and_backward_matmuls():
    """A (4×8)·(8×3) product: 2·4·8·3 FLOPs forward, twice that backward (both inputs' grads)."""
    a = torch.randn(4, 8, requires_grad=True)
    b = torch.randn(8, 3, requires_grad=True)
    assert count_flops(lambda: a @ b) == 2 * 4 * 8 * 3
    assert count_flops(lambda: (a @ b).sum().backward()) == 3 * 2 * 4 * 8 * 3


@pytest.mark.parametrize(
    "device",
    [
        "cpu",
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(
                not torch.cuda.is_available(), reason="needs a CUDA GPU: cuDNN's fused GRU"
            ),
        ),
    ],
)
def test_count_flops_sees_a_gru(device):
    """One GRU layer over T steps of N sequences: 3 gates, each an (I→H) and an (H→H) product per
    step, 2·N·T·3·H·(I + H) FLOPs (the first step's hidden product on a zero state included) —
    on CUDA too, where cuDNN would run it as one kernel the counter cannot see."""
    n, t, i, h = 5, 7, 6, 4
    gru = torch.nn.GRU(i, h, batch_first=True).to(device)
    x = torch.randn(n, t, i, device=device)
    assert count_flops(lambda: gru(x)) == 2 * n * t * 3 * h * (i + h)
