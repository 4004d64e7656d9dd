"""The paper's Table 1 ablation and its claim over hand-crafted features, on MSR Action3D and
UTKinect-Action3D.

Every network is trained from scratch by the shared skeleton recipe
(:mod:`repro.skeleton_recipe`: normalisation, augmentation, SGD with warm-up and cosine decay,
label smoothing; trained by :func:`repro.train.fit`):

- **floors** (Table 3's "learned beats hand-crafted"): the full ST-GCN (spatial + M) against a
  1-NN and a ridge classifier on the same normalised coordinates, under cross-subject odd/even
  (gap per seed) and the 10 subject splits of Vemulapalli et al. (gap per split); the Table 1
  orderings mean something only where the network clears both, and their notes say whether
  it did;
- **Table 1**: every row (:mod:`implementations.stgcn.table1`, "distance partitioning*"
  included) trained on the odd/even split from the same seeds: a seed fixes the weights' draw,
  the batch order and the augmentation stream, so the orderings are judged on the 95% interval
  of the per-seed paired differences (:meth:`repro.claims.Measurement.paired_gap`);
- Kinetics (Table 2) and NTU RGB+D (Table 3) are "not run": no such data here.

The network keeps the paper's ten units and temporal kernel 9 with narrower widths (base
``width`` for the paper's 64) and dropout 0.1 (the reference's 0.5 under-fitted). Run sizes:

- quick (CI): T = 16, width 4, 1 epoch, 2 seeds, odd/even only: 16 s of CPU;
- default: T = 48, width 8, 3 epochs (MSR) / 6 (UTKinect), 2 seeds, 2 of the 10 splits: 104 s
  of CPU in one process (194 s wall with ``--jobs 1`` at load 1-4), so about a minute with
  ``--jobs 2`` on 2 quiet cores; far from trained, it shows the pipeline, not the verdicts;
- full: T = 48, width 32, 100 epochs (MSR) / 150 (UTKinect), 10 seeds for the full ST-GCN and
  the TCN baseline and 5 for the other rows, all 10 splits, and the full ST-GCN at widths 8,
  16 and 64 with 2 seeds (the width curve): 122 training runs. Measured on 2 AMD EPYC cores
  (commit 2aae1b3, ``--jobs 2``, resumed over five invocations): 11.7 core-hours of training,
  about 6 hours of wall time; one width-32 run of the full ST-GCN takes 505 s of one core on MSR
  (100 epochs) and 265 s on UTKinect (150 epochs), the TCN baseline 50 s and 26 s, a width-64
  run about 3 times a width-32 one. ``--seeds 5`` trims the Table 1 part; on a GPU
  (``--device cuda --jobs 16``) it has not been timed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

from implementations.stgcn.paper import (
    DATA_REASON,
    DATASETS,
    FLOORS,
    KINETICS_TOP1,
    KINETICS_TOP5,
    MSR_REFERENCE,
    ORDERINGS,
    PROTOCOL_NAMES,
    UTK_REFERENCE,
)
from implementations.stgcn.table1 import ROW_NAMES, VARIANTS, build
from repro.claims import Measurement
from repro.data.skeleton import LOADERS, SkeletonSequences
from repro.experiment import Experiment
from repro.plots import figure, save, title
from repro.runner import RunContext
from repro.skeleton_recipe import (
    DROPOUT,
    AugmentedSequences,
    Floors,
    Recipe,
    Split,
    evaluation_data,
    floors,
    splits,
    train_config,
)
from repro.stats import mean_std, paired_ci
from repro.train import fit

REFERENCES = {"msr": MSR_REFERENCE, "utk": UTK_REFERENCE}
FULL = "spatial+M"  # the full ST-GCN
KEY_VARIANTS = (FULL, "tcn")  # the pair that gets the most seeds


@dataclass(frozen=True)
class Scale:
    """The size of one run: clip length, base width, epochs per dataset, seeds for the key
    pair and for the other Table 1 rows, and how many of the 10 subject splits are trained."""

    frames: int
    width: int
    epochs: dict[str, int]
    key_seeds: int
    other_seeds: int
    splits: int
    #: Other base widths at which the full ST-GCN is trained on odd/even (the width curve,
    #: since ``width`` stays below the paper's 64), and with how many seeds.
    curve_widths: tuple[int, ...] = ()
    curve_seeds: int = 0


def scale(ctx: RunContext) -> Scale:
    key = ctx.n_seeds(2, 2, 10)
    return Scale(
        frames=ctx.pick(16, 48, 48),
        width=ctx.pick(4, 8, 32),
        epochs={"msr": ctx.pick(1, 3, 100), "utk": ctx.pick(1, 6, 150)},
        key_seeds=key,
        other_seeds=min(key, ctx.n_seeds(2, 2, 5)),
        splits=ctx.pick(0, 2, 10),
        curve_widths=ctx.pick((), (), (8, 16, 64)),
        curve_seeds=ctx.pick(0, 0, 2),
    )


@dataclass(frozen=True)
class Job:
    """One training run: ``split`` None is the odd/even split, else the index of one of the 10
    subject splits (whose run uses the split index as its seed)."""

    dataset: str
    variant: str
    seed: int
    split: int | None
    width: int
    epochs: int
    recipe: Recipe
    data_root: str | None
    device: str


@dataclass(frozen=True)
class Outcome:
    """One run: final test and train accuracy (%), seconds, and the learning curve as
    (epoch, train accuracy, test accuracy or None where the test set was not evaluated)."""

    test_acc: float
    train_acc: float
    seconds: float
    curve: tuple[tuple[int, float, float | None], ...]


def load_split(key: str, split: int | None, data_root: str | None) -> Split:
    """Odd/even (``split`` None) or subject split ``split`` of dataset ``key``."""
    data: SkeletonSequences = LOADERS[key](data_root)
    if split is None:
        return splits(data, "odd-even")[0]
    return splits(data, "ten-splits", data_root)[split]


def train_one(job: Job) -> Outcome:
    """Train one Table 1 row from one seed on one split and evaluate it after every
    recorded epoch; the model and batches live on ``job.device``."""
    start = time.perf_counter()
    split = load_split(job.dataset, job.split, job.data_root)
    torch.manual_seed(job.seed)
    model = build(job.variant, len(split.train.classes), split.train.layout, job.width, DROPOUT)
    history = fit(
        model.to(job.device),
        AugmentedSequences(split.train, job.recipe),
        train_config(job.epochs, len(split.train)),
        job.seed,
        test=evaluation_data(split.test, job.recipe),
    )
    curve = tuple((e.epoch, e.train_acc, e.test_acc) for e in history.epochs)
    return Outcome(
        history.final_test_acc, history.final_train_acc, time.perf_counter() - start, curve
    )


def _ms(values: list[float]) -> str:
    mean, std = mean_std(values)
    return f"{mean:.1f} ± {std:.1f}"


def _curve(outcomes: list[Outcome]) -> str:
    """Mean test (and train) accuracy over runs at each evaluated epoch."""
    points = []
    for i, (epoch, _, test) in enumerate(outcomes[0].curve):
        if test is None:
            continue
        te = np.mean([o.curve[i][2] for o in outcomes])
        tr = np.mean([o.curve[i][1] for o in outcomes])
        points.append(f"{epoch}: {te:.1f} ({tr:.1f})")
    return "test (train) % by epoch: " + ", ".join(points)


def plot_curves(path: Path, key: str, runs: dict[str, list[Outcome]], floor: Floors) -> Path:
    """Learning curves of the full ST-GCN and the TCN baseline (mean over seeds: train accuracy
    every epoch, test accuracy where evaluated) beside the two floors."""
    fig, axes = figure(figsize=(6.0, 3.8))
    ax = axes[0, 0]
    for variant, name, colour in ((FULL, "full ST-GCN", "tab:blue"), ("tcn", "TCN", "tab:orange")):
        outcomes = runs[variant]
        epochs = [e for e, _, _ in outcomes[0].curve]
        train = np.mean([[tr for _, tr, _ in o.curve] for o in outcomes], axis=0)
        ax.plot(epochs, train, color=colour, alpha=0.5, label=f"{name}, train")
        tested = [i for i, (_, _, te) in enumerate(outcomes[0].curve) if te is not None]
        test = [np.mean([o.curve[i][2] for o in outcomes]) for i in tested]
        ax.plot([epochs[i] for i in tested], test, "o-", color=colour, label=f"{name}, test")
    ax.axhline(floor.nearest_neighbour, color="0.4", ls="--", label="1-NN floor")
    ax.axhline(floor.ridge, color="0.4", ls=":", label="ridge floor")
    ax.set_xlabel("epoch")
    ax.set_ylabel("top-1 accuracy (%), mean over seeds")
    title(ax, f"{DATASETS[key]}, odd/even: learning curves (train augmented, dropout on)")
    ax.legend(loc="lower right")
    return save(fig, path)


def _describe(key: str, split: Split, protocol: str, s: Scale, recipe: Recipe) -> str:
    w = s.width
    sizes = f"{len(split.train)}/{len(split.test)}" if protocol == "odd-even" else "5/5 subjects"
    return (
        f"{DATASETS[key]}, {PROTOCOL_NAMES[protocol]} ({sizes}); {recipe.describe()}; widths "
        f"{w}-{2 * w}-{4 * w} (paper 64-128-256), dropout {DROPOUT:g} (paper 0.5), "
        f"{s.epochs[key]} epochs, SGD lr 0.05 with warm-up and cosine decay, label smoothing 0.1"
    )


def _floor_note(full: list[Outcome], floor: list[Floors], key: str) -> str:
    refs = "; ".join(f"{n} {v}% ({p})" for n, v, p in REFERENCES[key])
    alphas = sorted({f.ridge_alpha for f in floor})
    return (
        f"full ST-GCN test {_ms([o.test_acc for o in full])} %, train (last epoch, augmented) "
        f"{_ms([o.train_acc for o in full])} % (n={len(full)}); floors: 1-NN "
        f"{np.mean([f.nearest_neighbour for f in floor]):.1f} %, ridge "
        f"{np.mean([f.ridge for f in floor]):.1f} % (penalty {', '.join(f'{a:g}' for a in alphas)} "
        f"by leave-one-out on the training set); {_curve(full)}; published: {refs}"
    )


def _floor_gaps(
    key: str,
    suffix: str,
    full: list[Outcome],
    floor: list[Floors],
    dataset: str,
    device: str,
    extra: str = "",
) -> Iterator[Measurement]:
    """The full ST-GCN minus each floor, paired run by run (a seed on one split, or one run
    per subject split against that split's floors); ``extra`` ends the note."""
    note = _floor_note(full, floor, key) + extra
    for name in FLOORS:
        values = [f.nearest_neighbour if name == "1nn" else f.ridge for f in floor]
        yield Measurement.paired_gap(
            f"stgcn.table3.stgcn-vs-{name}-{suffix}",
            [o.test_acc for o in full],
            values,
            dataset=dataset,
            seconds=sum(o.seconds for o in full),
            device=device,
            note=note,
        )


def run_dataset(key: str, ctx: RunContext) -> Iterator[Measurement]:
    """Floors and every Table 1 row on dataset ``key``; the 10 subject splits as the size
    allows (the rest of those claims are "not run" with the reason)."""
    s = scale(ctx)
    recipe = Recipe(frames=s.frames)
    data = LOADERS[key](ctx.data_root)
    odd_even = splits(data, "odd-even")[0]

    def job(variant: str, seed: int, split: int | None, width: int = s.width) -> Job:
        return Job(
            key, variant, seed, split, width, s.epochs[key], recipe, ctx.data_root, ctx.device
        )

    table1 = [
        job(v, seed, None)
        for seed in range(s.key_seeds)
        for v in VARIANTS
        if seed < s.other_seeds or v in KEY_VARIANTS
    ]
    ten = [job(FULL, i, i) for i in range(s.splits)]
    widths = [
        job(FULL, seed, None, w)
        for w in sorted(s.curve_widths, reverse=True)
        for seed in range(s.curve_seeds)
    ]
    # the widest (slowest on a CPU) runs first, so that no worker starts one last
    results = ctx.map(train_one, widths + table1 + ten, desc=f"stgcn {key}")
    width_runs, results = results[: len(widths)], results[len(widths) :]
    runs: dict[str, list[Outcome]] = {v: [] for v in VARIANTS}
    for j, outcome in zip(table1, results[: len(table1)], strict=True):
        runs[j.variant].append(outcome)
    split_runs = results[len(table1) :]
    by_width: dict[int, list[float]] = {s.width: [o.test_acc for o in runs[FULL]]}
    for j, outcome in zip(widths, width_runs, strict=True):
        by_width.setdefault(j.width, []).append(outcome.test_acc)
    width_curve = (
        "; full ST-GCN test % by base width (paper 64): "
        + ", ".join(f"{w}: {_ms(by_width[w])} (n={len(by_width[w])})" for w in sorted(by_width))
        if widths
        else ""
    )

    dataset = _describe(key, odd_even, "odd-even", s, recipe)
    floor = floors(odd_even.train, odd_even.test, recipe)
    yield from _floor_gaps(
        key,
        key,
        runs[FULL],
        [floor] * len(runs[FULL]),
        dataset,
        ctx.device,
        width_curve,
    )
    if ctx.plots_dir is not None:
        plot_curves(ctx.plots_dir / f"stgcn_learning-curves-{key}.png", key, runs, floor)
    full_acc = [o.test_acc for o in runs[FULL]]
    cleared = all(
        paired_ci(full_acc, [f] * len(full_acc))[1] > 0
        for f in (floor.nearest_neighbour, floor.ridge)
    )
    standing = (
        f"full ST-GCN {_ms(full_acc)} % above both floors (1-NN {floor.nearest_neighbour:.1f}, "
        f"ridge {floor.ridge:.1f}; 95% intervals)"
        if cleared
        else f"CAUTION: the full ST-GCN ({_ms(full_acc)} %) does not clear both floors (1-NN "
        f"{floor.nearest_neighbour:.1f}, ridge {floor.ridge:.1f} %) in this run: the rows are "
        "under-trained and their ordering says little"
    )
    if split_runs:
        ten_splits = splits(data, "ten-splits", ctx.data_root)[: s.splits]
        yield from _floor_gaps(
            key,
            f"{key}10",
            split_runs,
            [floors(sp.train, sp.test, recipe) for sp in ten_splits],
            _describe(key, ten_splits[0], "ten-splits", s, recipe)
            + f"; {s.splits} of the 10 splits, one run each",
            ctx.device,
        )
    else:
        for name in FLOORS:
            yield Measurement.not_run(
                f"stgcn.table3.stgcn-vs-{name}-{key}10",
                "the 10 subject splits are not part of the quick run size",
            )

    every_row = "; ".join(
        f"{ROW_NAMES[v]} {_ms([o.test_acc for o in runs[v]])} "
        f"(train {_ms([o.train_acc for o in runs[v]])}, n={len(runs[v])})"
        for v in VARIANTS
    )
    ctx.log(f"stgcn {key}: test top-1 % (train, last epoch): {every_row}")
    for what, a, b, _ in ORDERINGS:
        n = min(len(runs[a]), len(runs[b]))  # seeds 0..n-1 trained both rows
        xa, xb = [o.test_acc for o in runs[a][:n]], [o.test_acc for o in runs[b][:n]]
        note = (
            f"{standing}; paired over seeds 0-{n - 1}; per-seed {a} − {b}: "
            + ", ".join(f"{x - y:+.1f}" for x, y in zip(xa, xb, strict=True))
            + f"; test top-1 %: {ROW_NAMES[a]} {_ms(xa)}, {ROW_NAMES[b]} {_ms(xb)}; train % "
            f"(last epoch, augmented, dropout on): {_ms([o.train_acc for o in runs[a][:n]])}, "
            f"{_ms([o.train_acc for o in runs[b][:n]])}; paper (Kinetics top-1 / top-5): "
            f"{KINETICS_TOP1[a]} / {KINETICS_TOP5[a]}, {KINETICS_TOP1[b]} / {KINETICS_TOP5[b]}"
        )
        if what == "stgcn-vs-tcn":
            note += f"; all rows, test % (train %): {every_row}; full ST-GCN {_curve(runs[FULL])}"
        yield Measurement.paired_gap(
            f"stgcn.table1.{what}-{key}",
            xa,
            xb,
            dataset=dataset,
            seconds=sum(o.seconds for o in runs[a][:n] + runs[b][:n]),
            device=ctx.device,
            note=note,
        )


def run_not_available(ctx: RunContext) -> Iterator[Measurement]:
    """Tables 2 and 3 need Kinetics-skeleton and NTU RGB+D, which this project does not hold."""
    kinetics = DATA_REASON.format(what="Kinetics-skeleton", size="240k clips, ~7 GB")
    ntu = DATA_REASON.format(what="NTU RGB+D", size="56k sequences, ~6 GB of skeletons")
    yield Measurement.not_run("stgcn.table2.kinetics-top1", kinetics)
    yield Measurement.not_run("stgcn.table2.kinetics-top5", kinetics)
    yield Measurement.not_run("stgcn.table3.ntu-xsub", ntu)
    yield Measurement.not_run("stgcn.table3.ntu-xview", ntu)


def _claims(key: str) -> tuple[str, ...]:
    return (
        *(f"stgcn.table3.stgcn-vs-{f}-{s}" for s in (key, f"{key}10") for f in FLOORS),
        *(f"stgcn.table1.{what}-{key}" for what, _, _, _ in ORDERINGS),
    )


EXPERIMENTS = (
    Experiment(
        "floors and table 1, MSR Action3D",
        partial(run_dataset, "msr"),
        _claims("msr"),
        data=("msr_action3d",),
    ),
    Experiment(
        "floors and table 1, UTKinect-Action3D",
        partial(run_dataset, "utk"),
        _claims("utk"),
        data=("utkinect",),
    ),
    Experiment(
        "tables 2 and 3 (Kinetics-skeleton, NTU RGB+D)",
        run_not_available,
        (
            "stgcn.table2.kinetics-top1",
            "stgcn.table2.kinetics-top5",
            "stgcn.table3.ntu-xsub",
            "stgcn.table3.ntu-xview",
        ),
    ),
)
