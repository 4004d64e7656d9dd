"""CGDM's orderings on small real domain shifts, CPU scale; the paper's benchmarks as "not run".

Three families of shifts, each an experiment; every task trains the five methods of
:data:`~implementations.cgdm.bi_classifier.METHODS` (source only, MCD, CGDM without
pseudo-label training, CGDM without L_GD, CGDM) on the same seeds: for one seed all five start
from the same initial weights and see the same source and target batches (paired seeds).

- ``office-caltech``: Office-Caltech10 SURF features (GFK preprocessing,
  :func:`repro.data.uda.load_office_caltech`), the 12 ordered pairs of C, A, W, D; all source
  samples labelled, all target samples unlabelled, accuracy on all target samples (transductive,
  the benchmark's protocol). MLP generator (800 → 256), classifiers 256 → 128 → 128 → 10; Adam
  1e-3, weight decay 5e-4 (the code's), batches of 32 (the code's).
- ``digits-jda``: the JDA protocol's MNIST (2,000) and USPS (1,800), 16×16 pixels as 256-d vectors
  (:func:`repro.data.uda.load_mnist_usps_jda`), M→U and U→M, same protocol and networks as
  above (256 → 256 generator), batches of 64.
- ``digits-images``: M→U trains on MNIST test-set digits (labelled) and USPS training digits
  (unlabelled), scores the USPS test set (2,007); U→M trains on USPS training digits and one part
  of the MNIST test set (unlabelled), scores the other part. 28×28 inputs (USPS resized), a
  two-conv CNN generator (:class:`~implementations.cgdm.networks.DigitGenerator`); Adam 2e-4,
  batches of 64.

A family's claims are judged on the mean over its tasks of this run, per seed; the interval is
that of the per-seed differences (:meth:`repro.claims.Measurement.paired_gap`). Each claim's note
gives every task's five accuracies and the published rows on the same data.

``cost``: time per training iteration of each method (one step A, B and 4 × C on a batch of 32
Office-sized feature vectors), the methods interleaved in one process
(:func:`repro.timing.compare`); the ratio CGDM / MCD is what L_GD's double backward costs.

Sizes (tasks × seeds × epochs): quick — Office D→W, JDA U→M on 400 + 400 samples, images M→U on
128 + 128 digits, 2 seeds, 2–3 epochs (~35 s of CPU time, one process); default — Office C→A,
W→A, D→W, JDA both tasks, images M→U on 600 + 600 digits, 3 seeds, 3–5 epochs (~6 CPU-minutes:
~3 min with --jobs 2 on 2 quiet cores); full — all 12 Office tasks and both digit tasks of both
kinds (images: 2,000 source, 1,800 target digits), 5 seeds, 10 epochs (~100 CPU-minutes, about
50–60 min with --jobs 2 on 2 quiet cores: Office ~37, JDA ~11, images ~50 CPU-minutes).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from implementations.cgdm.bi_classifier import METHODS, Batch, Result, iteration, train
from implementations.cgdm.networks import (
    BiClassifier,
    Classifier,
    DigitGenerator,
    FeatureGenerator,
)
from repro.claims import Measurement
from repro.data.images import digit_tensors, load_mnist_test, load_usps, split_indices
from repro.data.uda import Domain, DomainPair, load_mnist_usps_jda, load_office_caltech
from repro.experiment import Experiment
from repro.plots import error_note, figure, save, title
from repro.runner import RunContext
from repro.stats import mean_std
from repro.timing import clock_name, compare
from repro.train import TrainConfig

OFFICE_TASKS = tuple(f"{s}→{t}" for s in "CAWD" for t in "CAWD" if s != t)
DIGIT_TASKS = ("M→U", "U→M")
CLASSES = 10

#: Published accuracies (%) on the same data, all target samples: the 1-NN rows of the JDA paper
#: (Long et al., ICCV 2013), recomputed exactly here (tests/data/test_uda.py).
PUBLISHED_1NN = {
    "office-caltech": "1-NN avg 31.4 (JDA paper; recomputed exactly by tests/data/test_uda.py)",
    "digits-jda": "1-NN M→U 65.94, U→M 44.70 (JDA paper; recomputed exactly by "
    "tests/data/test_uda.py)",
    "digits-images": "no published row on this split",
}


@dataclass(frozen=True)
class Protocol:
    """One family's run: which tasks, how long, on how many samples."""

    family: str
    tasks: tuple[str, ...]
    epochs: int
    batch_size: int
    lr: float
    seeds: int
    #: source / target samples drawn (seeded) from each domain; None: all of them
    n_source: int | None = None
    n_target: int | None = None

    def config(self) -> TrainConfig:
        """Adam with the code's weight decay 5e-4, constant learning rate (as the code)."""
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer="adam",
            weight_decay=5e-4,
            schedule="constant",
            min_batch=2,
        )

    def describe(self) -> str:
        size = ""
        if self.n_source is not None:
            size = f", {self.n_source} source + {self.n_target} target samples per task"
        return (
            f"{len(self.tasks)} task(s) {', '.join(self.tasks)}{size}; {self.epochs} epochs, "
            f"batch {self.batch_size}, Adam {self.lr:g}; {self.seeds} paired seeds"
        )


def _protocol(family: str, ctx: RunContext) -> Protocol:
    seeds = ctx.n_seeds(2, 3, 5)
    if family == "office-caltech":
        tasks = ctx.pick(("D→W",), ("C→A", "W→A", "D→W"), OFFICE_TASKS)
        return Protocol(family, tasks, ctx.pick(3, 5, 10), 32, 1e-3, seeds)
    if family == "digits-jda":
        quick = ctx.size == "quick"
        return Protocol(
            family,
            ctx.pick(("U→M",), DIGIT_TASKS, DIGIT_TASKS),
            ctx.pick(2, 3, 10),
            64,
            1e-3,
            seeds,
            400 if quick else None,
            400 if quick else None,
        )
    return Protocol(
        family,
        ctx.pick(("M→U",), ("M→U",), DIGIT_TASKS),
        ctx.pick(2, 3, 10),
        64,
        2e-4,
        seeds,
        ctx.pick(128, 600, 2000),
        ctx.pick(128, 600, 1800),
    )


def _subsample(d: Domain, n: int | None, seed: int) -> Domain:
    if n is None or n >= len(d.labels):
        return d
    keep = torch.from_numpy(split_indices(len(d.labels), n, seed)[0])
    return Domain(d.features[keep], d.labels[keep], d.name)


def _images(task: str, seed: int, data_root: str | None):
    """(pair, test domain) of an image task: MNIST 28×28, USPS resized to 28×28."""
    mnist = load_mnist_test(data_root)
    usps_train, usps_test = load_usps("train", data_root), load_usps("test", data_root)

    def domain(images: np.ndarray, labels: np.ndarray, name: str, resize: bool) -> Domain:
        x = digit_tensors(images, 28, resize=resize)  # (N, 1, 28, 28)
        return Domain(x, torch.from_numpy(labels), name)

    m_adapt, m_test = split_indices(len(mnist.labels), len(mnist.labels) // 2, seed=10_000 + seed)
    if task == "M→U":
        source = domain(mnist.images, mnist.labels, "MNIST", False)
        target = domain(usps_train.images, usps_train.labels, "USPS train", True)
        test = domain(usps_test.images, usps_test.labels, "USPS test", True)
    else:
        source = domain(usps_train.images, usps_train.labels, "USPS train", True)
        target = domain(mnist.images[m_adapt], mnist.labels[m_adapt], "MNIST half A", False)
        test = domain(mnist.images[m_test], mnist.labels[m_test], "MNIST half B", False)
    return source, target, test


def _domains(job: tuple[str, str, int, Protocol, str | None]) -> tuple[DomainPair, Domain | None]:
    family, task, seed, protocol, data_root = job
    test = None
    if family == "office-caltech":
        source, target = (
            load_office_caltech(task[0], data_root),
            load_office_caltech(task[2], data_root),
        )
    elif family == "digits-jda":
        mnist, usps = load_mnist_usps_jda(data_root)
        source, target = (mnist, usps) if task == "M→U" else (usps, mnist)
    else:
        source, target, test = _images(task, seed, data_root)
    source = _subsample(source, protocol.n_source, seed)
    target = _subsample(target, protocol.n_target, seed + 1)
    return DomainPair(source, target, CLASSES), test


def _model(family: str, in_features: int) -> BiClassifier:
    generator = DigitGenerator(256) if family == "digits-images" else FeatureGenerator(in_features)
    return BiClassifier(generator, Classifier(256, CLASSES), Classifier(256, CLASSES))


def _task_job(job: tuple[str, str, int, Protocol, str | None]) -> dict[str, Result]:
    """The five methods on one task and seed, from the same initial weights."""
    family, _, seed, protocol, _ = job
    pair, test = _domains(job)
    out = {}
    for key, method in METHODS.items():
        torch.manual_seed(seed)
        model = _model(family, pair.source.features.shape[-1])
        out[key] = train(model, pair, method, protocol.config(), seed, test)
    return out


def _fmt(values: list[float], digits: int = 1) -> str:
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


SHORT = {
    "source_only": "src",
    "mcd": "MCD",
    "cgdm_no_pseudo": "no-PL",
    "cgdm_no_gd": "no-GD",
    "cgdm": "CGDM",
}


def _family_run(family: str, ctx: RunContext) -> Iterator[Measurement]:
    protocol = _protocol(family, ctx)
    jobs = [
        (family, task, seed, protocol, ctx.data_root)
        for seed in range(protocol.seeds)
        for task in protocol.tasks
    ]
    results = ctx.map(_task_job, jobs, desc=f"cgdm {family}")
    # acc[method][task] = per-seed accuracies, seeds in order
    acc = {
        m: {
            t: [r[m].accuracy for j, r in zip(jobs, results, strict=True) if j[1] == t]
            for t in protocol.tasks
        }
        for m in METHODS
    }
    mean_over_tasks = {
        m: [float(np.mean([acc[m][t][s] for t in protocol.tasks])) for s in range(protocol.seeds)]
        for m in METHODS
    }
    seconds = sum(r[m].seconds for r in results for m in METHODS)
    pseudo = [r["cgdm"].pseudo_accuracy[-1] for r in results if r["cgdm"].pseudo_accuracy]
    per_task = "; ".join(
        f"{t}: " + ", ".join(f"{SHORT[m]} {_fmt(acc[m][t])}" for m in METHODS)
        for t in protocol.tasks
    )
    note = (
        f"target accuracy (%) per task over {protocol.seeds} seeds — {per_task}. Mean over "
        "tasks: "
        + ", ".join(f"{SHORT[m]} {_fmt(mean_over_tasks[m])}" for m in METHODS)
        + (f". CGDM's last pseudo-labels: {_fmt(pseudo)} % correct" if pseudo else "")
        + f". Published on the same data: {PUBLISHED_1NN[family]}"
    )
    dataset = f"{FAMILY_DATA[family]}: {protocol.describe()}"
    pairs = {
        "table.cgdm-beats-mcd": ("cgdm", "mcd"),
        "table.mcd-beats-source-only": ("mcd", "source_only"),
        "ablation.gd-helps": ("cgdm", "cgdm_no_gd"),
        "ablation.pseudo-labels-help": ("cgdm", "cgdm_no_pseudo"),
    }
    for what, (a, b) in pairs.items():
        yield Measurement.paired_gap(
            f"cgdm.{what}.{family}",
            mean_over_tasks[a],
            mean_over_tasks[b],
            dataset=dataset,
            seconds=seconds,
            device=ctx.device,
            note=note,
        )
    if ctx.plots_dir is not None:
        _plot(ctx.plots_dir / f"cgdm_{family}.png", family, acc, protocol)


FAMILY_DATA = {
    "office-caltech": "Office-Caltech10 SURF, all target samples",
    "digits-jda": "JDA MNIST (2,000) / USPS (1,800) 16×16 vectors, all target samples",
    "digits-images": "MNIST test set / USPS 28×28 images (held-out target test digits)",
}


def _plot(path: Path, family: str, acc: dict, protocol: Protocol) -> None:
    fig, axes = figure(1, 1, figsize=(max(4.0, 0.8 * len(protocol.tasks)) + 3, 3.4))
    ax = axes[0][0]
    width = 0.8 / len(METHODS)
    for i, m in enumerate(METHODS):
        stats = [mean_std(acc[m][t]) for t in protocol.tasks]
        xs = [k + (i - 2) * width for k in range(len(protocol.tasks))]
        ax.bar(
            xs,
            [s[0] for s in stats],
            width,
            yerr=[s[1] for s in stats],
            capsize=2,
            label=METHODS[m].name,
        )
    ax.set_xticks(range(len(protocol.tasks)), protocol.tasks)
    ax.set_ylabel("target accuracy (%)")
    ax.set_xlabel(f"task (mean; {error_note('std', protocol.seeds)})")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars
    title(ax, f"{FAMILY_DATA[family]}: five methods, paired seeds")
    save(fig, path)


def _office(ctx: RunContext) -> Iterator[Measurement]:
    return _family_run("office-caltech", ctx)


def _digits_jda(ctx: RunContext) -> Iterator[Measurement]:
    return _family_run("digits-jda", ctx)


def _digits_images(ctx: RunContext) -> Iterator[Measurement]:
    return _family_run("digits-images", ctx)


def _timing_job(seed: int) -> dict[str, float]:
    """Seconds per iteration of each method on one random Office-shaped batch (32 + 32 × 800)."""
    gen = torch.Generator().manual_seed(seed)
    batch = Batch(
        torch.randn(32, 800, generator=gen),
        torch.randint(0, CLASSES, (32,), generator=gen),
        torch.randn(32, 800, generator=gen),
        torch.randint(0, CLASSES, (32,), generator=gen),
    )
    calls = {}
    for key, method in METHODS.items():
        torch.manual_seed(seed)
        model = _model("office-caltech", 800)
        config = TrainConfig(epochs=1, batch_size=32, lr=1e-4, optimizer="adam")
        opt_g = config.optimizer_for(model.generator.parameters())
        opt_f = config.optimizer_for([*model.f1.parameters(), *model.f2.parameters()])
        calls[key] = lambda model=model, opt_g=opt_g, opt_f=opt_f, method=method: iteration(
            model, opt_g, opt_f, batch, method
        )
    return compare(calls, "cpu", repeat=5, rounds=3)


def _cost(ctx: RunContext) -> Iterator[Measurement]:
    start = time.perf_counter()
    repeats = ctx.pick(2, 3, 6)
    timings = ctx.map(_timing_job, list(range(repeats)), desc="cgdm timing")
    ms = {m: [1e3 * t[m] for t in timings] for m in METHODS}
    ratios = [t["cgdm"] / t["mcd"] - 1.0 for t in timings]
    yield Measurement.paired_gap(
        "cgdm.cost.gd-double-backward",
        ratios,
        [0.0] * len(ratios),
        dataset="one iteration (step A, B, 4 × C) on 32 + 32 random 800-d vectors, Office MLP "
        f"(800 → 256, classifiers 256 → 128 → 128 → 10), CPU ({clock_name('cpu')}; fastest of "
        "5 calls × 3 interleaved rounds per sample)",
        seconds=time.perf_counter() - start,
        device=ctx.device,
        note="ms per iteration: "
        + ", ".join(f"{SHORT[m]} {_fmt(ms[m], 2)}" for m in METHODS)
        + f"; CGDM / MCD {_fmt([r + 1 for r in ratios], 2)}",
    )


def _not_run(ctx: RunContext) -> Iterator[Measurement]:
    reason = (
        "needs the paper's benchmark with an ImageNet-pretrained ResNet (GPU-scale); the paper's "
        "orderings are judged on small real shifts instead"
    )
    for cid in ("cgdm.table-visda.mean", "cgdm.table-imageclef.avg", "cgdm.table-domainnet.avg"):
        yield Measurement.not_run(cid, reason)


def _claims(family: str) -> tuple[str, ...]:
    return tuple(
        f"cgdm.{what}.{family}"
        for what in (
            "table.cgdm-beats-mcd",
            "table.mcd-beats-source-only",
            "ablation.gd-helps",
            "ablation.pseudo-labels-help",
        )
    )


EXPERIMENTS = (
    Experiment(
        "office-caltech", _office, claims=_claims("office-caltech"), data=("office_caltech10_surf",)
    ),
    Experiment("digits-jda", _digits_jda, claims=_claims("digits-jda"), data=("mnist_usps_jda",)),
    Experiment(
        "digits-images",
        _digits_images,
        claims=_claims("digits-images"),
        data=("mnist_test", "usps"),
    ),
    Experiment(
        "cost",
        _cost,
        claims=("cgdm.cost.gd-double-backward",),
    ),
    Experiment(
        "gpu-scale",
        _not_run,
        claims=("cgdm.table-visda.mean", "cgdm.table-imageclef.avg", "cgdm.table-domainnet.avg"),
    ),
)
