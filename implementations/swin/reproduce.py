"""The paper's experiments at CPU scale: exact properties, Table 1 costs, Table 5 and Sec. 3.2
timings, and the Table 4 ablations on MNIST digits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from implementations.swin import paper
from implementations.swin.digits import VARIANTS, DigitsRun, train_digits
from implementations.swin.flops import count_macs, count_params, msa_flops, wmsa_flops
from implementations.swin.relative_position import relative_position_index
from implementations.swin.shifted_window import (
    padded_shifted_window_attention,
    shifted_window_attention,
)
from implementations.swin.speed import (
    METHODS,
    attention_calls,
    best_time,
    clock_name,
    fitted_exponent,
    scaling_calls,
    swin_t_stages,
)
from implementations.swin.swin_transformer import swin_transformer
from implementations.swin.window_attention import WindowAttention
from repro.claims import Measurement
from repro.runner import RunContext

T = TypeVar("T")
RANDOM = "random inputs, sizes, windows and shifts"


def run(ctx: RunContext) -> Iterator[Measurement]:
    yield from exact_properties(ctx)
    yield from model_costs(ctx)
    yield from table5(ctx)
    yield from scaling(ctx)
    yield from table4(ctx)


def _random_layout(rng: np.random.Generator) -> tuple[torch.Tensor, WindowAttention, int]:
    m = int(rng.integers(2, 8))
    heads = int(rng.integers(1, 4))
    attn = WindowAttention(4 * heads, heads, m).double().eval()
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    with torch.no_grad():
        attn.relative_position_bias_table.normal_(0, 1, generator=gen)
    rows, cols = (int(v) * m for v in rng.integers(1, 5, size=2))
    x = torch.randn(int(rng.integers(1, 3)), rows, cols, 4 * heads, generator=gen)
    return x.double(), attn, int(rng.integers(1, m))


def exact_properties(ctx: RunContext) -> Iterator[Measurement]:
    """Largest deviations found on random instances (the property tests assert them)."""
    n = ctx.pick(10, 50, 200)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    equivalence, leak = 0.0, 0.0
    with torch.inference_mode():
        for _ in range(n):
            x, attn, shift = _random_layout(rng)
            cyclic = shifted_window_attention(x, attn, shift)
            padded = padded_shifted_window_attention(x, attn, shift)
            equivalence = max(equivalence, float((cyclic - padded).abs().max()))
            # perturb the top-left sub-window (rows and columns [0, shift)), compare the rest
            y = x.clone()
            y[:, :shift, :shift] += 1.0
            other = torch.ones(x.shape[:3], dtype=torch.bool)
            other[:, :shift, :shift] = False
            after = shifted_window_attention(y, attn, shift)
            leak = max(leak, float((after - cyclic)[other].abs().max()))
    seconds = time.perf_counter() - start
    dataset = f"{n} {RANDOM}, float64"
    yield Measurement(
        "swin.sec3.cyclic-shift-equivalence", equivalence, n=n, dataset=dataset, seconds=seconds
    )
    yield Measurement("swin.sec3.mask-isolation", leak, n=n, dataset=dataset, seconds=seconds)

    start = time.perf_counter()
    eq1, eq2 = 0.0, 0.0
    for _ in range(n):
        m, windows, heads = (int(v) for v in rng.integers([2, 1, 1], [8, 5, 4]))
        c, side = 8 * heads, m * windows
        local = WindowAttention(c, heads, m, relative_position_bias=False)
        counted = count_macs(local, torch.randn(windows * windows, m * m, c))
        eq2 = max(eq2, abs(counted - wmsa_flops(side, side, c, m)) / wmsa_flops(side, side, c, m))
        full = WindowAttention(c, heads, side, relative_position_bias=False)
        counted = count_macs(full, torch.randn(1, side * side, c))
        eq1 = max(eq1, abs(counted - msa_flops(side, side, c)) / msa_flops(side, side, c))
    seconds = time.perf_counter() - start
    dataset = f"{n} random sizes, torch.utils.flop_counter on our WindowAttention"
    yield _relative_index_check()
    yield Measurement("swin.eq1.msa-flops", eq1, n=n, dataset=dataset, seconds=seconds)
    yield Measurement("swin.eq2.wmsa-flops", eq2, n=n, dataset=dataset, seconds=seconds)


def _relative_index_check() -> Measurement:
    """Entries of the Eq. (4) index that differ from B̂'s position of the coordinate difference."""
    start = time.perf_counter()
    wrong = 0
    for m in range(1, 10):
        ys, xs = torch.meshgrid(torch.arange(m), torch.arange(m), indexing="ij")
        y, x = ys.flatten(), xs.flatten()
        expected = (y[:, None] - y[None, :] + m - 1) * (2 * m - 1) + (
            x[:, None] - x[None, :] + m - 1
        )
        wrong += int((relative_position_index(m) != expected).sum())
    return Measurement(
        "swin.eq4.relative-position-index",
        float(wrong),
        n=9,
        dataset="window sizes 1-9, every query/key pair",
        seconds=time.perf_counter() - start,
        note="count of index entries that differ",
    )


def model_costs(ctx: RunContext) -> Iterator[Measurement]:
    """Table 1: parameters and multiply-adds of Swin-T/S/B at 224², counted on our modules.

    The models are built on the meta device: shapes without data, so counting costs seconds.
    """
    for v in ("t", "s", "b"):
        start = time.perf_counter()
        with torch.device("meta"):
            model = swin_transformer(f"swin_{v}").eval()
            params = count_params(model) / 1e6
            macs = count_macs(model, torch.empty(1, 3, 224, 224)) / 1e9
        seconds = time.perf_counter() - start
        name = f"our Swin-{v.upper()}"
        yield Measurement(
            f"swin.table1.params-{v}",
            params,
            std=0.0,
            dataset=f"{name} (1000 classes)",
            seconds=seconds,
            note="timm's model, which loads the authors' checkpoints, has the same count",
        )
        yield Measurement(
            f"swin.table1.flops-{v}",
            macs,
            std=0.0,
            dataset=f"{name} at 224², matmuls and convs by torch.utils.flop_counter",
            seconds=seconds,
            note="multiply-adds; norms, softmax and GELU not counted",
        )


def _table5_repeat(job: tuple[int, int, str]) -> dict[str, list[float]]:
    """One repeat of Table 5: ms per method for each of Swin-T's stages, methods interleaved."""
    index, batch, device = job
    ms: dict[str, list[float]] = {m: [] for m in METHODS}
    order = METHODS[index % len(METHODS) :] + METHODS[: index % len(METHODS)]
    with torch.inference_mode():
        for i, stage in enumerate(swin_t_stages()):
            calls = attention_calls(stage, batch, seed=1000 * index + i, device=device)
            for method in order:
                ms[method].append(1e3 * best_time(calls[method], device))
    return ms


def table5(ctx: RunContext) -> Iterator[Measurement]:
    """Table 5 on our device: attention time of Swin-T's four stages by each method.

    Repeats run in the runner's worker processes (one thread each on CPU) and are timed by
    :func:`best_time`; within a repeat the methods alternate.
    """
    repeats = ctx.pick(3, 5, 10)
    batch = ctx.pick(1, 2, 2)
    start = time.perf_counter()
    jobs = [(r, batch, ctx.device) for r in range(repeats)]
    results = _map_timings(ctx, _table5_repeat, jobs, "swin table 5")
    seconds = time.perf_counter() - start
    totals = {m: [sum(r[m]) for r in results] for m in METHODS}
    means = ", ".join(f"{m} {np.mean(totals[m]):.1f}" for m in METHODS)
    if ctx.plots_dir is not None:
        per_stage = {m: np.mean([r[m] for r in results], axis=0) for m in METHODS}
        _plot_table5(ctx.plots_dir / "swin_table5.png", per_stage, f"{_where(ctx)}, batch {batch}")
    dataset = f"{paper.T5_DATASET}, batch {batch}, {_where(ctx)}, {repeats} repeats"
    for claim, other in (
        ("swin.table5.cyclic-vs-padding", "padding"),
        ("swin.table5.cyclic-vs-no-shift", "no_shift"),
        ("swin.table5.cyclic-vs-sliding", "sliding_naive"),
    ):
        yield Measurement.gap(
            claim,
            totals["cyclic"],
            totals[other],
            dataset=dataset,
            seconds=seconds,
            device=ctx.device,
            note=f"mean ms summed over S1-S4: {means}; S4 (7×7) is one unshifted window "
            "in both shifted rows",
        )


SCALING = {"dim": 96, "num_heads": 3, "window_size": 7}


def _scaling_repeat(job: tuple[int, tuple[int, ...], str]) -> dict[str, list[float]]:
    """One repeat of the scaling fit: seconds per map size for global MSA and W-MSA."""
    index, sides, device = job
    calls = [
        scaling_calls(s, **SCALING, seed=1000 * index + i, device=device)
        for i, s in enumerate(sides)
    ]
    with torch.inference_mode():
        return {name: [best_time(c[name], device) for c in calls] for name in ("msa", "wmsa")}


def scaling(ctx: RunContext) -> Iterator[Measurement]:
    """Sec. 3.2: fitted exponent of time against the token count hw, global MSA vs W-MSA."""
    sides = ctx.pick((28, 42, 56), (28, 35, 42, 49, 56), (28, 35, 42, 49, 56))
    repeats = ctx.pick(3, 5, 10)
    start = time.perf_counter()
    jobs = [(r, sides, ctx.device) for r in range(repeats)]
    results = _map_timings(ctx, _scaling_repeat, jobs, "swin scaling")
    seconds = time.perf_counter() - start
    dim = SCALING["dim"]
    eq1 = fitted_exponent([s * s for s in sides], [msa_flops(s, s, dim) for s in sides])
    dataset = (
        f"{sides[0]}²–{sides[-1]}² tokens, C = {dim}, {SCALING['num_heads']} heads, "
        f"M = {SCALING['window_size']}, no bias, {_where(ctx)}"
    )
    tokens = [s * s for s in sides]
    if ctx.plots_dir is not None:
        _plot_scaling(ctx.plots_dir / "swin_scaling.png", tokens, results, _where(ctx))
    for name, note in (
        ("msa", f"Eq. (1) itself gives {eq1:.2f} over this range (its linear term still counts)"),
        ("wmsa", "Eq. (2) gives exactly 1"),
    ):
        yield Measurement.from_samples(
            f"swin.sec3.{name}-exponent",
            [fitted_exponent(tokens, r[name]) for r in results],
            dataset=dataset,
            seconds=seconds,
            device=ctx.device,
            note=note,
        )


def _map_timings(
    ctx: RunContext, fn: Callable[[T], dict[str, list[float]]], jobs: list[T], desc: str
) -> list[dict[str, list[float]]]:
    # worker processes forked from this one cannot use CUDA: time a GPU in this process
    if ctx.device == "cpu":
        return ctx.map(fn, jobs, desc=desc)
    return [fn(job) for job in jobs]


def _where(ctx: RunContext) -> str:
    if ctx.device == "cpu" and ctx.jobs > 1:
        return "CPU time of single-threaded worker processes"
    return f"{ctx.device}, {clock_name(ctx.device)}"


def table4(ctx: RunContext) -> Iterator[Measurement]:
    """Table 4's ablations with ``swin_digits`` on MNIST: seeds × variants, one process each."""
    seeds = ctx.n_seeds(2, 3, 5)
    n_train, n_test, epochs = ctx.pick((1000, 1000, 1), (5000, 5000, 4), (5000, 5000, 8))
    runs = [
        DigitsRun(v, seed, n_train, n_test, epochs, data_root=ctx.data_root)
        for seed in range(seeds)
        for v in VARIANTS
    ]
    start = time.perf_counter()
    accuracies = ctx.map(train_digits, runs, desc="swin table 4")
    seconds = time.perf_counter() - start
    acc = {
        v: [a for r, a in zip(runs, accuracies, strict=True) if r.variant == v] for v in VARIANTS
    }
    dataset = (
        f"MNIST test set, {n_train}/{n_test} split, padded to 32², swin_digits "
        f"(patch 4, window 2), {epochs} epochs, {seeds} seeds"
    )
    means = ", ".join(f"{v} {np.mean(a):.2f}" for v, a in acc.items())
    for claim, a, b in (
        ("swin.table4.shift", "rel_pos", "no_shift"),
        ("swin.table4.rel-vs-none", "rel_pos", "no_pos"),
        ("swin.table4.rel-vs-abs", "rel_pos", "abs_pos"),
        ("swin.table4.abs-vs-none", "abs_pos", "no_pos"),
    ):
        yield Measurement.gap(
            claim,
            acc[a],
            acc[b],
            dataset=dataset,
            seconds=seconds,
            note=f"mean test accuracy (%): {means}",
        )


def _plot_table5(path: Path, per_stage: dict[str, np.ndarray], where: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    x = np.arange(4)
    for ax, values, title in (
        (axes[0], {m: np.asarray(v) for m, v in paper.TABLE5.items()}, "paper (V100)"),
        (axes[1], per_stage, f"ours ({where})"),
    ):
        for i, method in enumerate(METHODS):
            ax.bar(x + (i - 1.5) * 0.2, values[method], 0.2, label=method)
        ax.set_xticks(x, ["S1", "S2", "S3", "S4"])
        ax.set_yscale("log")
        ax.set_ylabel("attention time (ms)")
        ax.set_title(f"Table 5, Swin-T: {title}", fontsize=9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_scaling(
    path: Path, tokens: list[int], results: list[dict[str, list[float]]], where: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.8))
    for name, label in (("msa", "global MSA (Eq. 1)"), ("wmsa", "W-MSA, M = 7 (Eq. 2)")):
        ms = 1e3 * np.median([r[name] for r in results], axis=0)
        k = fitted_exponent(tokens, ms)
        ax.loglog(tokens, ms, "o-", label=f"{label}: slope {k:.2f}")
    ax.set_xlabel("tokens hw")
    ax.set_ylabel("time (ms, median of repeats)")
    ax.set_title(f"Sec. 3.2 scaling, C = 96 ({where})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
