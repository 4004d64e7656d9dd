"""The paper's Table 1 ablation at CPU scale, on MSR Action3D and UTKinect-Action3D.

Every Table 1 row we build (:mod:`implementations.stgcn.table1`) is trained from scratch with
the same recipe (:mod:`implementations.stgcn.train`) for each seed on each dataset's
cross-subject split; the paper's orderings become gap measurements (Welch 95% intervals over
seeds). The network keeps the paper's ten units and temporal kernel 9 but is narrower (widths
scaled from 64-128-256), and clips are resampled to a few dozen frames, so that the ablation
fits on two CPU cores. Where a dataset is absent, the seeded synthetic generator stands in and
the dataset column says so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from implementations.stgcn.graph import STRATEGIES, Graph
from implementations.stgcn.network import STGCN, scaled_widths
from implementations.stgcn.paper import DATASETS, KINETICS_TOP1, MSR_REFERENCE, ORDERINGS
from implementations.stgcn.table1 import ROW_NAMES, VARIANTS, build
from implementations.stgcn.train import TrainConfig, train_and_evaluate
from repro.claims import Measurement
from repro.data import DataError
from repro.data.skeleton import SkeletonSequences, load_msr_action3d, load_utkinect
from repro.data.skeleton_synthetic import synthetic_actions
from repro.runner import RunContext

LOADERS = {"msr": load_msr_action3d, "utk": load_utkinect}
DROPOUT = 0.5  # the reference training's dropout


@dataclass(frozen=True)
class Job:
    dataset: str
    variant: str
    seed: int
    base_width: int
    cfg: TrainConfig
    data_root: str | None


def load_split(key: str, data_root: str | None) -> tuple[SkeletonSequences, SkeletonSequences]:
    """The cross-subject split of dataset ``key``, or of a synthetic stand-in when it is absent."""
    try:
        data = LOADERS[key](data_root)
    except DataError:
        data = synthetic_actions(seed={"msr": 1, "utk": 2}[key])
    return data.cross_subject()


def describe(key: str, train: SkeletonSequences, test: SkeletonSequences, job: Job) -> str:
    w = job.base_width
    name = train.name if train.synthetic else DATASETS[key]
    absent = f" SYNTHETIC, {DATASETS[key]} not found:" if train.synthetic else ""
    return (
        f"{absent}{name}, cross-subject odd/even ({len(train)}/{len(test)}), resampled to "
        f"T={job.cfg.frames}, widths {w}-{2 * w}-{4 * w} (paper 64-128-256), "
        f"{job.cfg.epochs} epochs"
    )


def train_one(job: Job) -> tuple[float, float, str]:
    """(test accuracy %, seconds, dataset description) of one row, one seed, one dataset."""
    start = time.perf_counter()
    train, test = load_split(job.dataset, job.data_root)
    torch.manual_seed(job.seed)
    model = build(job.variant, len(train.classes), train.layout, job.base_width, DROPOUT)
    acc = train_and_evaluate(model, train, test, job.cfg, job.seed)
    return acc, time.perf_counter() - start, describe(job.dataset, train, test, job)


def _summary(acc: dict[str, list[float]], variants: tuple[str, ...]) -> str:
    ours = ", ".join(
        f"{ROW_NAMES[v]} {np.mean(acc[v]):.1f} ± {np.std(acc[v], ddof=1):.1f}" for v in variants
    )
    paper = ", ".join(f"{KINETICS_TOP1[v]}" for v in variants)
    return (
        f"ours top-1 % (mean ± std, n={len(acc[variants[0]])}): {ours}; paper (Kinetics): {paper}"
    )


def identity_measurements() -> Iterator[Measurement]:
    """Largest deviations of three exact claims on the real graphs and random inputs."""
    start = time.perf_counter()
    layouts = ("openpose", "ntu-rgb+d", "kinect-v1")
    dev = max(
        float(np.abs(g.A.sum(0) - g.full).max())
        for lay in layouts
        for s in STRATEGIES
        for norm in ("column", "symmetric")
        for g in [Graph(lay, s, normalization=norm)]  # type: ignore[arg-type]
    )
    yield Measurement(
        "stgcn.sec3.partitions-sum",
        dev,
        dataset="openpose, ntu-rgb+d, kinect-v1; 4 strategies",
        seconds=time.perf_counter() - start,
    )
    start = time.perf_counter()
    worst = 0.0
    for lay in layouts:
        a = Graph(lay, "uniform", normalization="symmetric").full
        eig = np.linalg.eigvalsh(a)
        worst = max(worst, float(np.abs(a - a.T).max()), float(np.abs(eig).max() - 1.0))
    yield Measurement(
        "stgcn.eq10.symmetric-normalization",
        max(worst, 0.0),
        dataset="openpose, ntu-rgb+d, kinect-v1",
        seconds=time.perf_counter() - start,
    )
    start = time.perf_counter()
    worst = 0.0
    for seed in range(3):
        torch.manual_seed(seed)
        with_m = STGCN(5, "kinect-v1", edge_importance=True, widths=scaled_widths(8))
        plain = STGCN(5, "kinect-v1", edge_importance=False, widths=scaled_widths(8))
        plain.load_state_dict(
            {k: v for k, v in with_m.state_dict().items() if "edge_importance" not in k}
        )
        x = torch.randn(4, 3, 16, 20, 2)
        outs = []
        for model in (with_m, plain):
            model.zero_grad()
            y = model(x)
            y.square().sum().backward()
            grads = {n: p.grad for n, p in model.named_parameters() if "edge_importance" not in n}
            outs.append((y.detach(), grads))
        worst = max(
            worst,
            float((outs[0][0] - outs[1][0]).abs().max()),
            *(float((outs[0][1][n] - g).abs().max()) for n, g in outs[1][1].items()),
        )
    yield Measurement(
        "stgcn.sec3.edge-importance-ones",
        worst,
        n=3,
        dataset="random (4, 3, 16, 20, 2) inputs, kinect-v1 graph",
        seconds=time.perf_counter() - start,
    )


def run(ctx: RunContext) -> Iterator[Measurement]:
    yield from identity_measurements()
    seeds = ctx.n_seeds(2, 3, 5)
    base_width = ctx.pick(8, 16, 16)
    cfg = TrainConfig(frames=ctx.pick(16, 32, 32), epochs=ctx.pick(2, 15, 35))
    jobs = [
        Job(key, v, seed, base_width, cfg, ctx.data_root)
        for key in DATASETS
        for seed in range(seeds)
        for v in VARIANTS
    ]
    results = ctx.map(train_one, jobs, desc="stgcn Table 1")
    for key in DATASETS:
        acc: dict[str, list[float]] = {v: [] for v in VARIANTS}
        secs: dict[str, float] = dict.fromkeys(VARIANTS, 0.0)
        dataset = ""
        for job, (a, s, d) in zip(jobs, results, strict=True):
            if job.dataset == key:
                acc[job.variant].append(a)
                secs[job.variant] += s
                dataset = d
        ctx.log(f"stgcn {key}: {_summary(acc, VARIANTS)}")
        for what, a, b, _ in ORDERINGS:
            note = _summary(acc, (a, b))
            if what == "stgcn-vs-tcn":
                note = f"all rows: {_summary(acc, VARIANTS)}"
                if key == "msr":
                    note += "; published MSR Action3D cross-subject: " + "; ".join(
                        f"{n} {v}%" for n, v, _ in MSR_REFERENCE
                    )
            yield Measurement.gap(
                f"stgcn.table1.{what}-{key}",
                acc[a],
                acc[b],
                dataset=dataset,
                seconds=secs[a] + secs[b],
                device="cpu",
                note=note,
            )
