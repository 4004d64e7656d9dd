"""CRRL's directional claims at CPU scale: linear evaluation on MSR Action3D and UTKinect-Action3D.

For each seed and dataset one job pretrains, from ``torch.manual_seed(seed)`` and on the same
batches (:func:`repro.train.fit` with that seed and ``loss_fn=model_loss``): SER, CML, CRRL (the
authors' second stage: a fresh SER student distilled from that seed's CML) and the joint
multi-task model; the random-init encoder (the floor) and the concatenation of SER's and CML's
features need no pretraining of their own. Every representation is scored by the same linear
probe and 1-NN (:mod:`implementations.crrl.evaluation`); the shared recipe's 1-NN and ridge
floors and a supervised ST-GCN trained by the recipe are reported beside them in the notes. Gaps
are paired over seeds (:meth:`repro.claims.Measurement.paired_gap`).

Sizes: quick (CI): 2 seeds, width 8, 1 epoch, about 10 s of CPU; default: 5 seeds, width 32
(authors' 256), sequences of at most 24 frames, 10 pretraining epochs, 151 s of CPU time in one
process (measured with ``--jobs 1`` at load 1.3-4.4 on 2 cores: 4 min 38 s wall), so about
1.5-3 minutes on 2 quiet cores;
full: 10 seeds, width 128, at most 50 frames, 60 pretraining and 85 probe epochs (the authors'
counts) and the ST-GCN ceiling for every seed: 49 min of wall time with ``--jobs 2`` (measured,
load 1.1 at the start; a MSR Action3D seed about 7 min on one thread, a UTKinect seed about
2 min).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import torch

from implementations.crrl import models
from implementations.crrl.evaluation import (
    Outcome,
    ProbeData,
    ProbeJob,
    SequenceSource,
    loss_note,
    probe_jobs,
    reference_note,
    summary,
    variant_gap,
)
from implementations.crrl.fuser import ConcatFeatures
from implementations.crrl.paper import ABOVE_FLOOR, DATASETS, ORDERINGS, PAPER_TABLE, VARIANTS
from repro.claims import Measurement
from repro.experiment import Experiment
from repro.runner import RunContext
from repro.train import TrainConfig, fit, model_loss


def pretrain_config(epochs: int) -> TrainConfig:
    """The authors' pretraining optimiser: SGD lr 0.05, momentum 0.9, weight decay 1e-4,
    batch 32; cosine decay instead of their ×0.5 steps."""
    return TrainConfig(
        epochs=epochs,
        batch_size=32,
        lr=0.05,
        optimizer="sgd",
        momentum=0.9,
        weight_decay=1e-4,
        min_batch=2,
        eval_every=0,
    )


def run_seed(job: ProbeJob) -> Outcome:
    """Pretrain every variant from one seed on one dataset and score it."""
    start = time.perf_counter()
    data = ProbeData.load(job, scale=True)
    d = data.input_size
    source = SequenceSource(data.x_train, data.train.labels)
    cfg = pretrain_config(job.epochs)
    losses = {}

    def trained(name, build):
        torch.manual_seed(job.seed)
        model = build().to(job.device)
        losses[name] = fit(model, source, cfg, job.seed, loss_fn=model_loss).loss_span
        return model

    torch.manual_seed(job.seed)
    floor = models.encoder(d, job.hidden).to(job.device)
    ser = trained("ser", lambda: models.reconstructor(d, job.hidden))
    cml = trained("cml", lambda: models.motion_learner(d, job.hidden))
    crrl = trained("crrl", lambda: models.distilled(cml, d, job.hidden))
    joint = trained("joint", lambda: models.joint(d, job.hidden))
    encoders = {
        "random": floor,
        "ser": ser.encoder,
        "cml": cml.encoder,
        "crrl": crrl.student.encoder,
        "concat": ConcatFeatures(ser.encoder, cml.encoder),
        "joint": joint.reconstructor.encoder,
    }
    scores = {name: data.score(enc, job) for name, enc in encoders.items()}
    described = (
        f"{DATASETS[job.dataset]}, {data.describe(job)}, Bi-GRU 2×{job.hidden} (authors' "
        f"2×256), {job.epochs} pretraining epochs, linear probe {job.probe_epochs} epochs"
    )
    return data.outcome(job, scores, described, start, losses)


def run_dataset(key: str, ctx: RunContext) -> Iterator[Measurement]:
    """Every variant on dataset ``key``; the orderings and floors as paired gaps."""
    jobs = probe_jobs(ctx, key, hidden=ctx.pick(8, 32, 128), epochs=ctx.pick(1, 10, 60))
    outcomes = ctx.map(run_seed, jobs, desc=f"crrl {key}")
    scores = [o.scores for o in outcomes]
    ctx.log(
        f"crrl {key}: {summary(scores, tuple(VARIANTS))}; "
        f"{loss_note(outcomes, tuple(VARIANTS))}; {reference_note(outcomes)}"
    )
    for what, a, b, _, _ in ORDERINGS:
        yield variant_gap(f"crrl.abstract.{what}-{key}", outcomes, a, b)
    for v in ABOVE_FLOOR:
        yield variant_gap(f"crrl.floor.{v}-above-random-{key}", outcomes, v, "random")


def paper_table(ctx: RunContext) -> Iterator[Measurement]:
    """The paper's own benchmarks: not run here (no NTU data, no GPU-scale training)."""
    for what, (_, data) in PAPER_TABLE.items():
        yield Measurement.not_run(
            f"crrl.table.{what}",
            f"{data} is not available here and its protocol (60 epochs of a 2×256 Bi-GRU on "
            "40k sequences) is beyond 2 CPU cores; reported for reference",
        )


def _claims(key: str) -> tuple[str, ...]:
    return (
        *(f"crrl.abstract.{what}-{key}" for what, *_ in ORDERINGS),
        *(f"crrl.floor.{v}-above-random-{key}" for v in ABOVE_FLOOR),
    )


EXPERIMENTS = (
    Experiment(
        "linear evaluation, MSR Action3D",
        partial(run_dataset, "msr"),
        _claims("msr"),
        # a sanity band on one paired gap (accuracy points): finite and far below ±100
        quick_bands={"crrl.floor.ser-above-random-msr": (-40.0, 40.0)},
        data=("msr_action3d",),
    ),
    Experiment(
        "linear evaluation, UTKinect-Action3D",
        partial(run_dataset, "utk"),
        _claims("utk"),
        # a sanity band on one paired gap (accuracy points): finite and far below ±100
        quick_bands={"crrl.floor.ser-above-random-utk": (-40.0, 40.0)},
        data=("utkinect",),
    ),
    Experiment(
        "the paper's benchmarks (not run)",
        paper_table,
        tuple(f"crrl.table.{what}" for what in PAPER_TABLE),
    ),
)
