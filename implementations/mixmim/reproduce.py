"""MixMIM's experiments at CPU scale: MixMIM-B's costs, pretraining on digits against random
initialisation and the [MASK]-token baseline (linear probe and fine-tuning, paired seeds), the
step-cost ratio of the two pretraining methods, and a mask-ratio sweep. The exact claims are
measured by the runner through their check functions (:mod:`.identity_checks`).

CPU time (single-threaded, measured under load ~7-10): quick 23 s, default 284 s, so ~2.5 min with
2 jobs on 2 quiet cores. Full (estimated from the default's step times): 10 seeds × 4 pretraining
runs of 10 epochs over 12,291 digits, ~90 min of CPU time, ~45 min with 2 jobs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from implementations.mixmim import paper
from implementations.mixmim.digits import (
    DigitsResult,
    DigitsRun,
    Protocol,
    run_digits,
    step_flops_ratio,
    step_time_ratio,
)
from implementations.mixmim.encoder import mixmim_swin
from implementations.swin import count_macs, count_params
from repro import plots
from repro.claims import Measurement
from repro.experiment import Experiment
from repro.runner import RunContext
from repro.stats import mean_std
from repro.timing import clock_name

#: Mask ratios of the sweep besides 0.5 (which the main comparison already pretrains).
SWEEP = (0.25, 0.75)


def model_costs(ctx: RunContext) -> Iterator[Measurement]:
    """MixMIM-B's parameters and multiply-adds at 224², counted on the meta device."""
    start = time.perf_counter()
    with torch.device("meta"):
        model = mixmim_swin("mixmim_b").eval()
        params = count_params(model) / 1e6
        macs = count_macs(model, torch.empty(1, 3, 224, 224)) / 1e9
    seconds = time.perf_counter() - start
    dataset = "our MixMIM-B (Swin-B, windows 14, 1000 classes) at 224²"
    yield Measurement(
        "mixmim.abstract.params-b",
        params,
        std=0.0,
        dataset=dataset,
        seconds=seconds,
        note="includes the fixed sin-cos position embedding (0.40M), as OpenMMLab's 88.34M",
    )
    yield Measurement(
        "mixmim.readme.flops-b",
        macs,
        std=0.0,
        dataset=dataset,
        seconds=seconds,
        note="multiply-adds of matmuls, convs and attention (torch.utils.flop_counter); "
        "norms not counted",
    )


def imagenet(ctx: RunContext) -> Iterator[Measurement]:
    """The ImageNet-1K numbers: not run at CPU scale."""
    reason = "needs ImageNet-1K pretraining (600 epochs at batch 2048 on 16 GPUs) and fine-tuning"
    for cid in (
        "mixmim.abstract.imagenet-b-600ep",
        "mixmim.readme.imagenet-l-600ep",
        "mixmim.openmmlab.imagenet-b-300ep",
    ):
        yield Measurement.not_run(cid, reason, dataset=paper.IMAGENET)


def _protocol(ctx: RunContext) -> Protocol:
    return ctx.pick(
        Protocol(512, 512, 1, 512, 1000, 10, 4),
        Protocol(3000, 3000, 3, 1000, 5000, 30, 10),
        Protocol(5000, 7291, 10, 1000, 5000, 30, 20),
    )


def digits(ctx: RunContext) -> Iterator[Measurement]:
    """Pretrain on unlabelled digits (MixMIM and the [MASK] baseline, ratio 0.5), then probe and
    fine-tune against random initialisation; the sweep pretrains MixMIM at the other ratios and
    probes it (not in a quick run). Every (seed, init) is one job of ``ctx.map``."""
    protocol = _protocol(ctx)
    seeds = ctx.n_seeds(2, 3, 10)  # the default run's MixMIM − [MASK] intervals were ±4-6 points
    sweep = ctx.pick((), SWEEP, SWEEP)
    runs = [
        DigitsRun(init, seed, protocol, data_root=ctx.data_root)
        for seed in range(seeds)
        for init in ("mixmim", "mask_token", "random")
    ] + [
        DigitsRun("mixmim", seed, protocol, ratio, finetune=False, data_root=ctx.data_root)
        for seed in range(seeds)
        for ratio in sweep
    ]
    start = time.perf_counter()
    results = ctx.map(run_digits, runs, desc="mixmim digits")
    seconds = time.perf_counter() - start
    by = {(r.init, r.mask_ratio, r.seed): res for r, res in zip(runs, results, strict=True)}

    def acc(init: str, metric: str, ratio: float = 0.5) -> list[float]:
        return [getattr(by[(init, ratio, s)], metric) for s in range(seeds)]

    p = protocol
    dataset = (
        f"pretraining: {p.n_mnist} MNIST-test + {p.n_usps} USPS-train digits (32², no labels), "
        f"{p.pretrain_epochs} epochs; {p.n_labels} labelled MNIST digits; test: {p.n_test} "
        f"held-out MNIST-test digits; mixmim_digits Swin, {seeds} paired seeds"
    )
    means = {
        (i, m): np.mean(acc(i, m))
        for i in ("mixmim", "mask_token", "random")
        for m in ("probe_acc", "finetune_acc")
    }
    loss = {
        i: np.mean([by[(i, 0.5, s)].pretrain_loss[-1] for s in range(seeds)])
        for i in ("mixmim", "mask_token")
    }
    note = (
        "mean test accuracy (%), probe / fine-tuned: "
        + ", ".join(
            f"{i} {means[(i, 'probe_acc')]:.2f} / {means[(i, 'finetune_acc')]:.2f}"
            for i in ("mixmim", "mask_token", "random")
        )
        + f"; last-epoch pretraining loss: MixMIM {loss['mixmim']:.3f} (all cells), "
        f"[MASK] {loss['mask_token']:.3f} (hidden cells)"
    )
    for cid, metric, other in (
        ("mixmim.abstract.finetune-vs-random", "finetune_acc", "random"),
        ("mixmim.abstract.probe-vs-random", "probe_acc", "random"),
        ("mixmim.abstract.finetune-vs-mask-token", "finetune_acc", "mask_token"),
        ("mixmim.abstract.probe-vs-mask-token", "probe_acc", "mask_token"),
    ):
        yield Measurement.paired_gap(
            cid,
            acc("mixmim", metric),
            acc(other, metric),
            dataset=dataset,
            seconds=seconds,
            note=note,
        )
    if not sweep:
        yield Measurement.not_run(
            "mixmim.ablation.best-mask-ratio", f"{ctx.size} run: no mask-ratio sweep"
        )
        return
    ratios = sorted((0.5, *sweep))
    probe = {r: acc("mixmim", "probe_acc", r) for r in ratios}
    best = max(ratios, key=lambda r: np.mean(probe[r]))
    if ctx.plots_dir is not None:
        _plot(ctx.plots_dir / "mixmim_digits.png", by, seeds, ratios)
    yield Measurement(
        "mixmim.ablation.best-mask-ratio",
        best,
        n=seeds,
        dataset=dataset,
        seconds=seconds,
        note="mean probe accuracy (%) by ratio: "
        + ", ".join(f"{r:g} {np.mean(probe[r]):.2f} ± {mean_std(probe[r])[1]:.2f}" for r in ratios)
        + " (± std over seeds)",
    )


def step_cost(ctx: RunContext) -> Iterator[Measurement]:
    """Same-run ratio of one pretraining step, MixMIM over [MASK]; a repeat per job."""
    repeats = ctx.pick(2, 3, 5)
    start = time.perf_counter()
    configs = ctx.pick(("mixmim_digits",), ("mixmim_digits",), ("mixmim_digits", "mixmim_b"))
    flops = ", ".join(
        f"{c} {step_flops_ratio(c, 8 if c == 'mixmim_digits' else 1):.3f}" for c in configs
    )
    jobs = [(r, ctx.device) for r in range(repeats)]
    ratios = (
        ctx.map(step_time_ratio, jobs, desc="mixmim step cost")
        if ctx.device == "cpu"
        else [step_time_ratio(j) for j in jobs]
    )
    where = (
        "CPU time of single-threaded worker processes"
        if ctx.device == "cpu" and ctx.jobs > 1
        else f"{ctx.device}, {clock_name(ctx.device)}"
    )
    yield Measurement.from_samples(
        "mixmim.abstract.cost-per-epoch",
        ratios,
        dataset="mixmim_digits pretraining step (forward + backward), batch 64 of 32² images, "
        + where,
        seconds=time.perf_counter() - start,
        device=ctx.device,
        note="an epoch is the same number of steps for both, so the step ratio is the epoch "
        f"ratio; fastest of interleaved calls per repeat. Counted FLOPs per step, MixMIM / [MASK]: "
        f"{flops}",
    )


def _plot(
    path: Path, by: dict[tuple[str, float, int], DigitsResult], seeds: int, ratios: list[float]
) -> None:
    """Left: accuracy by initialisation (probe and fine-tuned); right: probe accuracy by ratio."""
    fig, axes = plots.figure(1, 2, figsize=(9, 3.4))
    left, right = axes[0]
    bars = plots.error_note("std", seeds)
    inits = ("random", "mask_token", "mixmim")
    for k, metric in enumerate(("probe_acc", "finetune_acc")):
        stats = [mean_std([getattr(by[(i, 0.5, s)], metric) for s in range(seeds)]) for i in inits]
        left.errorbar(
            np.arange(3) + 0.1 * k,
            [m for m, _ in stats],
            yerr=[s for _, s in stats],
            marker="o",
            capsize=3,
            linestyle="",
            label=metric.replace("_acc", ""),
        )
    left.set_xticks(np.arange(3), ["random init", "[MASK] tokens", "MixMIM"])
    left.set_ylabel(f"test accuracy (%), mean; {bars}")
    left.legend()
    plots.title(left, "Digits: pretraining vs random init")
    stats = [mean_std([by[("mixmim", r, s)].probe_acc for s in range(seeds)]) for r in ratios]
    right.errorbar(ratios, [m for m, _ in stats], yerr=[s for _, s in stats], marker="o", capsize=3)
    right.set_xlabel("mask ratio r")
    right.set_ylabel(f"linear-probe accuracy (%), mean; {bars}")
    plots.title(right, "Digits: MixMIM mask-ratio sweep")
    plots.save(fig, path)


EXPERIMENTS = (
    Experiment(
        "costs",
        model_costs,
        claims=("mixmim.abstract.params-b", "mixmim.readme.flops-b"),
        quick_bands={
            "mixmim.abstract.params-b": (85.0, 91.0),
            "mixmim.readme.flops-b": (15.0, 17.5),
        },
    ),
    Experiment(
        "imagenet",
        imagenet,
        claims=(
            "mixmim.abstract.imagenet-b-600ep",
            "mixmim.readme.imagenet-l-600ep",
            "mixmim.openmmlab.imagenet-b-300ep",
        ),
    ),
    Experiment(
        "digits",
        digits,
        claims=(
            "mixmim.abstract.finetune-vs-random",
            "mixmim.abstract.probe-vs-random",
            "mixmim.abstract.finetune-vs-mask-token",
            "mixmim.abstract.probe-vs-mask-token",
            "mixmim.ablation.best-mask-ratio",
        ),
        data=("mnist_test", "usps"),
    ),
    Experiment(
        "step-cost",
        step_cost,
        claims=("mixmim.abstract.cost-per-epoch",),
    ),
)
