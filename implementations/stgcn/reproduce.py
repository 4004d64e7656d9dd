"""The paper's Table 1 ablation at CPU scale, on MSR Action3D and UTKinect-Action3D.

Every Table 1 row we build (:mod:`implementations.stgcn.table1`) is trained from scratch with
the same recipe (:mod:`repro.skeleton_recipe`, trained by :func:`repro.train.fit`) for
each seed on each dataset's cross-subject split; the paper's orderings become gap measurements
(Welch 95% intervals over seeds). The network keeps the paper's ten units and temporal kernel 9
but is narrower (widths scaled from 64-128-256), and clips are resampled to a few dozen frames,
so that the ablation fits on two CPU cores. One experiment per dataset: where a dataset is
absent, its claims are "not run" with the loader's message. The exact claims are measured by
the runner (:mod:`implementations.stgcn.identity_checks`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from implementations.stgcn.paper import DATASETS, KINETICS_TOP1, MSR_REFERENCE, ORDERINGS
from implementations.stgcn.table1 import ROW_NAMES, VARIANTS, build
from repro.claims import Measurement
from repro.data.skeleton import SkeletonSequences, load_msr_action3d, load_utkinect
from repro.experiment import Experiment
from repro.runner import RunContext
from repro.skeleton_recipe import AugmentedSequences, Recipe, evaluation_data, train_config
from repro.train import fit

LOADERS = {"msr": load_msr_action3d, "utk": load_utkinect}
DROPOUT = 0.5  # the reference training's dropout


@dataclass(frozen=True)
class Job:
    dataset: str
    variant: str
    seed: int
    base_width: int
    epochs: int
    recipe: Recipe
    data_root: str | None


@dataclass(frozen=True)
class Outcome:
    """One row, one seed: final test and train accuracy (%), seconds, the dataset in words."""

    test_acc: float
    train_acc: float
    seconds: float
    dataset: str


def load_split(key: str, data_root: str | None) -> tuple[SkeletonSequences, SkeletonSequences]:
    """The cross-subject split of dataset ``key`` (raises ``DataError`` when it is absent)."""
    return LOADERS[key](data_root).cross_subject()


def describe(key: str, train: SkeletonSequences, test: SkeletonSequences, job: Job) -> str:
    w = job.base_width
    return (
        f"{DATASETS[key]}, cross-subject odd/even ({len(train)}/{len(test)}), resampled to "
        f"T={job.recipe.frames}, widths {w}-{2 * w}-{4 * w} (paper 64-128-256), "
        f"{job.epochs} epochs"
    )


def train_one(job: Job) -> Outcome:
    """Train one Table 1 row from one seed on one dataset and evaluate it."""
    start = time.perf_counter()
    train, test = load_split(job.dataset, job.data_root)
    if train.layout != test.layout:
        raise ValueError(f"train layout {train.layout!r} differs from test {test.layout!r}")
    torch.manual_seed(job.seed)
    model = build(job.variant, len(train.classes), train.layout, job.base_width, DROPOUT)
    history = fit(
        model,
        AugmentedSequences(train, job.recipe),
        train_config(job.epochs, len(train)),
        job.seed,
        test=evaluation_data(test, job.recipe),
    )
    return Outcome(
        history.final_test_acc,
        history.final_train_acc,
        time.perf_counter() - start,
        describe(job.dataset, train, test, job),
    )


def _summary(outcomes: dict[str, list[Outcome]], variants: tuple[str, ...]) -> str:
    def mean_std(values: list[float]) -> str:
        return f"{np.mean(values):.1f} ± {np.std(values, ddof=1):.1f}"

    test = ", ".join(
        f"{ROW_NAMES[v]} {mean_std([o.test_acc for o in outcomes[v]])}" for v in variants
    )
    train = ", ".join(
        f"{ROW_NAMES[v]} {mean_std([o.train_acc for o in outcomes[v]])}" for v in variants
    )
    paper = ", ".join(f"{KINETICS_TOP1[v]}" for v in variants)
    return (
        f"ours test top-1 % (mean ± std, n={len(outcomes[variants[0]])}): {test}; "
        f"train accuracy % in the last epoch (augmented, dropout on): {train}; "
        f"paper (Kinetics): {paper}"
    )


def run_table1(key: str, claims: dict[str, str], ctx: RunContext) -> Iterator[Measurement]:
    """Every Table 1 row on dataset ``key``; ``claims`` maps each ordering to its claim id."""
    seeds = ctx.n_seeds(2, 3, 5)
    recipe = Recipe(frames=ctx.pick(16, 32, 32))
    epochs = ctx.pick(2, 15, 35)
    base_width = ctx.pick(8, 16, 16)
    jobs = [
        Job(key, v, seed, base_width, epochs, recipe, ctx.data_root)
        for seed in range(seeds)
        for v in VARIANTS
    ]
    results = ctx.map(train_one, jobs, desc=f"stgcn Table 1 {key}")
    outcomes: dict[str, list[Outcome]] = {v: [] for v in VARIANTS}
    for job, outcome in zip(jobs, results, strict=True):
        outcomes[job.variant].append(outcome)
    ctx.log(f"stgcn {key}: {_summary(outcomes, VARIANTS)}")
    for what, a, b, _ in ORDERINGS:
        note = _summary(outcomes, (a, b))
        if what == "stgcn-vs-tcn":
            note = f"all rows: {_summary(outcomes, VARIANTS)}"
            if key == "msr":
                note += "; published MSR Action3D cross-subject: " + "; ".join(
                    f"{n} {v}%" for n, v, _ in MSR_REFERENCE
                )
        yield Measurement.gap(
            claims[what],
            [o.test_acc for o in outcomes[a]],
            [o.test_acc for o in outcomes[b]],
            dataset=results[0].dataset,
            seconds=sum(o.seconds for o in outcomes[a] + outcomes[b]),
            device="cpu",
            note=note,
        )


MSR_CLAIMS = {
    "spatial-vs-distance": "stgcn.table1.spatial-vs-distance-msr",
    "distance-vs-uniform": "stgcn.table1.distance-vs-uniform-msr",
    "edge-importance": "stgcn.table1.edge-importance-msr",
    "local-vs-uniform": "stgcn.table1.local-vs-uniform-msr",
    "stgcn-vs-tcn": "stgcn.table1.stgcn-vs-tcn-msr",
}
UTK_CLAIMS = {
    "spatial-vs-distance": "stgcn.table1.spatial-vs-distance-utk",
    "distance-vs-uniform": "stgcn.table1.distance-vs-uniform-utk",
    "edge-importance": "stgcn.table1.edge-importance-utk",
    "local-vs-uniform": "stgcn.table1.local-vs-uniform-utk",
    "stgcn-vs-tcn": "stgcn.table1.stgcn-vs-tcn-utk",
}

EXPERIMENTS = (
    Experiment(
        "table 1, MSR Action3D",
        partial(run_table1, "msr", MSR_CLAIMS),
        tuple(MSR_CLAIMS.values()),
        data=("msr_action3d",),
    ),
    Experiment(
        "table 1, UTKinect-Action3D",
        partial(run_table1, "utk", UTK_CLAIMS),
        tuple(UTK_CLAIMS.values()),
        data=("utkinect",),
    ),
)
