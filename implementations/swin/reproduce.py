"""The paper's experiments at CPU scale: Table 1 costs, Table 5 and Sec. 3.2 timings, and the
Table 4 ablations on MNIST digits. The identity claims of Sec. 3.2 are measured by the runner
through their check functions (:mod:`implementations.swin.identity_checks`). ImageNet-1K top-1
(Table 1), COCO and ADE20K (Tables 2-3) are "not run" rows: no data, GPU-scale training."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from implementations.swin import paper
from implementations.swin.digits import VARIANTS, DigitsRun, train_digits
from implementations.swin.flops import count_macs, count_params, msa_flops
from implementations.swin.speed import METHODS, attention_calls, scaling_calls, swin_t_stages
from implementations.swin.swin_transformer import swin_transformer
from repro import plots
from repro.claims import Measurement
from repro.experiment import Experiment
from repro.runner import RunContext
from repro.timing import best_time, clock_name, fitted_exponent

T = TypeVar("T")

#: Table 1's variants and the claims each is measured for: (parameters, multiply-adds).
TABLE1_CLAIMS = {
    "t": ("swin.table1.params-t", "swin.table1.flops-t"),
    "s": ("swin.table1.params-s", "swin.table1.flops-s"),
    "b": ("swin.table1.params-b", "swin.table1.flops-b"),
}


def model_costs(ctx: RunContext) -> Iterator[Measurement]:
    """Table 1: parameters and multiply-adds of Swin-T/S/B at 224², counted on our modules.

    The models are built on the meta device: shapes without data, so counting costs seconds.
    """
    for v, (params_id, flops_id) in TABLE1_CLAIMS.items():
        start = time.perf_counter()
        with torch.device("meta"):
            model = swin_transformer(f"swin_{v}").eval()
            params = count_params(model) / 1e6
            macs = count_macs(model, torch.empty(1, 3, 224, 224)) / 1e9
        seconds = time.perf_counter() - start
        name = f"our Swin-{v.upper()}"
        note = "timm's model, which loads the authors' checkpoints, has the same count"
        code, printed = paper.AUTHORS_CODE_PARAMS[v], paper.TABLE1[v][0]
        if round(code) != printed:
            note = (
                f"the paper disagrees with its own code: the authors' code builds {code}M "
                f"parameters ({round(code)}M rounded, as their model zoo lists it), Table 1 "
                f"prints {printed:g}M; {note}"
            )
        yield Measurement(
            params_id,
            params,
            std=0.0,
            dataset=f"{name} (1000 classes)",
            seconds=seconds,
            note=note,
        )
        yield Measurement(
            flops_id,
            macs,
            std=0.0,
            dataset=f"{name} at 224², matmuls and convs by torch.utils.flop_counter",
            seconds=seconds,
            note="multiply-adds; norms, softmax and GELU not counted",
        )


def gpu_scale(ctx: RunContext) -> Iterator[Measurement]:
    """ImageNet-1K, COCO and ADE20K results: not run (data and GPU-scale training)."""
    imagenet = (
        "needs ImageNet-1K (not in repro.data) and 300 epochs of training on 8+ GPUs; "
        "our CPU Table 4 ablation trains on digits instead"
    )
    for v in ("t", "s", "b"):
        yield Measurement.not_run(f"swin.table1.top1-{v}", imagenet)
    dense = "needs {} (not in repro.data) and Swin-L pre-trained on ImageNet-22K (GPU-scale)"
    yield Measurement.not_run("swin.table2.coco-box", dense.format("COCO 2017"))
    yield Measurement.not_run("swin.table2.coco-mask", dense.format("COCO 2017"))
    yield Measurement.not_run("swin.table3.ade20k-miou", dense.format("ADE20K"))


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
        where = f"{_where(ctx)}, batch {batch}"
        _plot_table5(ctx.plots_dir / "swin_table5.png", per_stage, repeats, where)
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
    # the same repeats as ratios within each repeat: comparable with the paper's V100 ratios
    overhead = {
        m: [100.0 * (t / n - 1.0) for t, n in zip(totals[m], totals["no_shift"], strict=True)]
        for m in ("cyclic", "padding")
    }
    yield Measurement.gap(
        "swin.table5.overhead-cyclic-vs-padding",
        overhead["cyclic"],
        overhead["padding"],
        dataset=dataset,
        seconds=seconds,
        device=ctx.device,
        note="overhead over no shift (%, mean of repeats): cyclic "
        f"{np.mean(overhead['cyclic']):.1f}, padding {np.mean(overhead['padding']):.1f}; "
        f"paper (V100): cyclic {paper.table5_overhead('cyclic'):.1f}, "
        f"padding {paper.table5_overhead('padding'):.1f}",
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
    for claim, name, note in (
        (
            "swin.sec3.msa-exponent",
            "msa",
            f"Eq. (1) itself gives {eq1:.2f} over this range (its linear term still counts)",
        ),
        ("swin.sec3.wmsa-exponent", "wmsa", "Eq. (2) gives exactly 1"),
    ):
        yield Measurement.from_samples(
            claim,
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
    histories = ctx.map(train_digits, runs, desc="swin table 4")
    seconds = time.perf_counter() - start
    by_variant = {
        v: [h for r, h in zip(runs, histories, strict=True) if r.variant == v] for v in VARIANTS
    }
    test_acc = {v: [h.final_test_acc for h in hs] for v, hs in by_variant.items()}
    train_acc = {v: [h.final_train_acc for h in hs] for v, hs in by_variant.items()}
    dataset = (
        f"MNIST test set, {n_train}/{n_test} split, padded to 32², swin_digits "
        f"(patch 4, window 2), {epochs} epochs, {seeds} seeds"
    )
    note = (
        "mean test accuracy (%): "
        + ", ".join(f"{v} {np.mean(a):.2f}" for v, a in test_acc.items())
        + "; mean train accuracy over the last epoch (%): "
        + ", ".join(f"{v} {np.mean(a):.2f}" for v, a in train_acc.items())
    )
    for claim, a, b in (
        ("swin.table4.shift", "rel_pos", "no_shift"),
        ("swin.table4.rel-vs-none", "rel_pos", "no_pos"),
        ("swin.table4.rel-vs-abs", "rel_pos", "abs_pos"),
        ("swin.table4.abs-vs-none", "abs_pos", "no_pos"),
    ):
        yield Measurement.gap(
            claim, test_acc[a], test_acc[b], dataset=dataset, seconds=seconds, note=note
        )


def _plot_table5(path: Path, per_stage: dict[str, np.ndarray], repeats: int, where: str) -> None:
    """Paper's V100 times beside ours: per stage, the mean over repeats of each repeat's
    fastest call."""
    fig, axes = plots.figure(1, 2, figsize=(10, 3.8))
    x = np.arange(4)
    for ax, values, title, ylabel in (
        (
            axes[0, 0],
            {m: np.asarray(v) for m, v in paper.TABLE5.items()},
            "Table 5, Swin-T: paper (V100)",
            "attention time (ms)",
        ),
        (
            axes[0, 1],
            per_stage,
            f"Table 5, Swin-T: ours ({where})",
            f"attention time (ms), mean of {repeats} repeats' fastest calls",
        ),
    ):
        for i, method in enumerate(METHODS):
            ax.bar(x + (i - 1.5) * 0.2, values[method], 0.2, label=method)
        ax.set_xticks(x, ["S1", "S2", "S3", "S4"])
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        plots.title(ax, title)
    axes[0, 0].legend()
    plots.save(fig, path)


def _plot_scaling(
    path: Path, tokens: list[int], results: list[dict[str, list[float]]], where: str
) -> None:
    """Time against tokens on log-log axes: per size, the median over repeats of each
    repeat's fastest call, with the slope fitted to those medians."""
    fig, axes = plots.figure(figsize=(5, 3.8))
    ax = axes[0, 0]
    for name, label in (("msa", "global MSA (Eq. 1)"), ("wmsa", "W-MSA, M = 7 (Eq. 2)")):
        ms = 1e3 * np.median([r[name] for r in results], axis=0)
        k = fitted_exponent(tokens, ms)
        ax.loglog(tokens, ms, "o-", label=f"{label}: slope {k:.2f}")
    ax.set_xlabel("tokens hw")
    ax.set_ylabel(f"time (ms), median of {len(results)} repeats' fastest calls")
    plots.title(ax, f"Sec. 3.2 scaling, C = 96 ({where})")
    ax.legend()
    plots.save(fig, path)


EXPERIMENTS = (
    Experiment(
        "table1-costs",
        model_costs,
        claims=tuple(c for ids in TABLE1_CLAIMS.values() for c in ids),
        # counts of the model as built: within a few % of the paper's 28M / 4.5G for Swin-T
        quick_bands={"swin.table1.params-t": (26.0, 31.0), "swin.table1.flops-t": (4.0, 5.0)},
    ),
    Experiment(
        "gpu-scale",
        gpu_scale,
        claims=(
            "swin.table1.top1-t",
            "swin.table1.top1-s",
            "swin.table1.top1-b",
            "swin.table2.coco-box",
            "swin.table2.coco-mask",
            "swin.table3.ade20k-miou",
        ),
    ),
    Experiment(
        "table5-timings",
        table5,
        claims=(
            "swin.table5.cyclic-vs-padding",
            "swin.table5.cyclic-vs-no-shift",
            "swin.table5.cyclic-vs-sliding",
            "swin.table5.overhead-cyclic-vs-padding",
        ),
    ),
    Experiment(
        "sec3-scaling", scaling, claims=("swin.sec3.msa-exponent", "swin.sec3.wmsa-exponent")
    ),
    Experiment(
        "table4-digits",
        table4,
        claims=(
            "swin.table4.shift",
            "swin.table4.rel-vs-none",
            "swin.table4.rel-vs-abs",
            "swin.table4.abs-vs-none",
        ),
        data=("mnist_test",),
    ),
)
