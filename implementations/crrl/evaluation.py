"""Skeleton sequences in, pretraining batches and linear evaluation out: the protocol both SSL
papers are judged by here (``implementations.ssl_taxonomy`` imports it from
``implementations.crrl``).

- Data: the shared skeleton recipe's odd/even cross-subject split and normalisation
  (:func:`repro.skeleton_recipe.splits`, :func:`repro.skeleton_recipe.normalize`: centred on
  the root joint in the first frame, divided by the body size), then, where longer than
  ``max_frames``, resampled to ``max_frames``; shorter sequences keep their length, so that the
  encoders see variable lengths, packed (the recipe's fixed-length clips are for CNNs).
- Floors and ceiling: the recipe's 1-NN and ridge floors on raw normalised coordinates
  (:func:`repro.skeleton_recipe.floors`) and a supervised ST-GCN trained by the recipe
  (:func:`supervised_ceiling`), reported beside the self-supervised encoders.
- Linear evaluation: the encoder frozen, a linear classifier trained on its standardised
  pooled features by :func:`repro.train.linear_probe` (SGD, Nesterov momentum, cosine
  schedule; the score is the test accuracy after the last epoch, no model selection); kNN
  (k = 1, cosine) on the same features by :func:`repro.train.knn_accuracy`.
- Robustness: the same probe, trained on clean training features, scored on test sequences
  rotated about the vertical axis and jittered by Gaussian noise (:func:`perturb`).

Lengths are in body sizes (mean bone lengths, about 0.25 m for these Kinect skeletons).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from implementations.crrl.sequences import pack_batch
from implementations.stgcn import STGCN, scaled_widths
from repro.claims import Measurement
from repro.data.skeleton import LOADERS, SkeletonSequences
from repro.data.skeleton_transforms import resample, rotate
from repro.runner import RunContext
from repro.skeleton_recipe import (
    DROPOUT,
    AugmentedSequences,
    Floors,
    Recipe,
    evaluation_data,
    floors,
    normalize,
    splits,
    train_config,
)
from repro.stats import mean_std
from repro.train import (
    TensorData,
    TrainConfig,
    features,
    fit,
    knn_accuracy,
    linear_probe,
)


def prepare(data: SkeletonSequences, max_frames: int) -> list[np.ndarray]:
    """Each sequence (T, V, 3) normalised by the shared recipe, resampled to ``max_frames``
    frames where longer."""
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2 (velocity needs two), got {max_frames}")
    out = []
    for s in data.sequences:
        c = normalize(s, data.layout)
        out.append(resample(c, max_frames) if len(c) > max_frames else c)
    return out


def scale_to_unit(
    train: list[np.ndarray], *others: list[np.ndarray]
) -> tuple[list[np.ndarray], ...]:
    """Divide every sequence by one constant, the largest |coordinate| of the ``train``
    sequences, so that the training coordinates lie in [−1, 1]; ``others`` (test sets) are
    divided by the same constant. Returns (train, *others).

    CRRL's decoder emits its GRU hidden state as the frame (hidden size = coordinates, no
    read-out), and a GRU's hidden state lies in (−1, 1): in body sizes (up to about 7 here) the
    frames cannot be reconstructed (the SER loss stalled, and its features fell below the
    random-init floor, as pretraining went on: our first default run). The authors' NTU
    coordinates, in metres around the body, lie near that range.
    """
    scale = max(float(np.abs(s).max()) for s in train)
    if not scale > 0:
        raise ValueError("the training sequences are all zero: no scale to divide by")
    return tuple(
        [(s / np.float32(scale)).astype(np.float32) for s in group] for group in (train, *others)
    )


def cross_subject(data: SkeletonSequences) -> tuple[SkeletonSequences, SkeletonSequences]:
    """The recipe's odd/even cross-subject split (train, test)."""
    (split,) = splits(data, "odd-even")
    return split.train, split.test


def reference_points(
    train: SkeletonSequences,
    test: SkeletonSequences,
    seed: int,
    epochs: int,
    width: int,
    device: str = "cpu",
) -> tuple[Floors, float | None]:
    """The recipe's 1-NN and ridge floors, and the accuracy (%) of :func:`supervised_ceiling`
    (None with ``epochs`` 0: the ceiling is not trained for this seed)."""
    ceiling = supervised_ceiling(train, test, seed, epochs, width, device) if epochs else None
    return floors(train, test, CEILING_RECIPE), ceiling


#: the recipe of the supervised ceiling: the shared defaults at 32 frames
CEILING_RECIPE = Recipe(frames=32)


def supervised_ceiling(
    train: SkeletonSequences,
    test: SkeletonSequences,
    seed: int,
    epochs: int,
    width: int,
    device: str = "cpu",
) -> float:
    """Test accuracy (%) of a supervised ST-GCN (spatial partitions, edge importance, widths
    ``width``-2·``width``-4·``width``) trained with labels by the shared recipe on ``device`` —
    the upper reference the self-supervised encoders are read against."""
    torch.manual_seed(seed)
    model = STGCN(
        len(train.classes),
        train.layout,
        "spatial",
        edge_importance=True,
        widths=scaled_widths(width),
        dropout=DROPOUT,
    ).to(device)
    history = fit(
        model,
        AugmentedSequences(train, CEILING_RECIPE),
        train_config(epochs, len(train)),
        seed,
        test=evaluation_data(test, CEILING_RECIPE),
    )
    return history.final_test_acc


@dataclass(frozen=True)
class Views:
    """The random view of a sequence used by the taxonomy's objectives (ours; the authors'
    transforms are not reproduced): a rotation about the vertical axis of up to ``degrees``,
    a scale in [1 − ``scale``, 1 + ``scale``] and Gaussian jitter of ``noise`` body sizes."""

    degrees: float = 20.0
    scale: float = 0.1
    noise: float = 0.05

    def __call__(self, seq: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        angle = float(np.deg2rad(rng.uniform(-self.degrees, self.degrees)))
        s = rotate(seq, angle) * np.float32(rng.uniform(1 - self.scale, 1 + self.scale))
        return (s + rng.normal(0.0, self.noise, s.shape)).astype(np.float32)


class SequenceSource:
    """Pretraining data for :func:`repro.train.fit` (with ``loss_fn=repro.train.model_loss``):
    ``batch`` packs the chosen sequences
    into the ``(N, T, D + 1)`` tensor of :mod:`implementations.crrl.sequences`; with ``views``
    it returns ``(3, N, T, D + 1)``: the clean batch and two random views of it."""

    def __init__(self, sequences: list[np.ndarray], labels: np.ndarray, views: Views | None = None):
        if len(sequences) != len(labels):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
        self.sequences = sequences
        self.labels = torch.from_numpy(np.asarray(labels, dtype=np.int64))
        self.views = views

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> Tensor:
        clean = [self.sequences[i] for i in indices]
        if self.views is None:
            return pack_batch(clean)
        return torch.stack(
            [
                pack_batch(clean),
                pack_batch([self.views(s, rng) for s in clean]),
                pack_batch([self.views(s, rng) for s in clean]),
            ]
        )


def perturb(
    sequences: list[np.ndarray], degrees: float, noise: float, seed: int
) -> list[np.ndarray]:
    """Test-time transformation: every sequence rotated about the vertical axis by ±``degrees``
    (sign drawn per sequence) and jittered by Gaussian noise of ``noise`` body sizes."""
    rng = np.random.default_rng(seed)
    out = []
    for s in sequences:
        angle = float(np.deg2rad(degrees * rng.choice((-1.0, 1.0))))
        out.append((rotate(s, angle) + rng.normal(0.0, noise, s.shape)).astype(np.float32))
    return out


def probe_config(epochs: int) -> TrainConfig:
    """The linear classifier's optimiser: SGD lr 0.1 with Nesterov momentum 0.9, batch 16 (the
    authors' CRRL evaluation), no weight decay, cosine decay instead of their step schedule."""
    return TrainConfig(
        epochs=epochs,
        batch_size=16,
        lr=0.1,
        optimizer="sgd",
        momentum=0.9,
        nesterov=True,
        eval_every=0,
    )


@dataclass(frozen=True)
class Scores:
    """Linear-evaluation accuracy (%) on the clean and on the perturbed test set, and 1-NN
    accuracy (%) on the clean test set."""

    linear: float
    linear_perturbed: float
    knn: float


@dataclass(frozen=True)
class Outcome:
    """One seed on one dataset: every variant's scores, the recipe's floors, the supervised
    ST-GCN ceiling (%, None where not trained), seconds, the data in words, and each pretrained
    variant's mean training loss in its first and last epoch (``History.loss_span``; CML's
    InfoNCE that stays at log(1 + K) never separated its positive from the queue)."""

    scores: dict[str, Scores]
    floors: Floors
    supervised: float | None
    seconds: float
    dataset: str
    #: where the encoders were trained (the run's ``--device``)
    device: str = "cpu"
    losses: dict[str, tuple[float, float]] = field(default_factory=dict)


def loss_note(outcomes: list[Outcome], variants: tuple[str, ...]) -> str:
    """Mean over seeds of each pretrained variant's first → last epoch loss, in words ("" where
    none of ``variants`` was pretrained)."""
    spans = []
    for v in variants:
        pairs = [o.losses[v] for o in outcomes if v in o.losses]
        if pairs:
            first, last = np.mean(pairs, axis=0)
            spans.append(f"{v} {first:.3g} → {last:.3g}")
    return "pretraining loss, first → last epoch: " + ", ".join(spans) if spans else ""


def variant_gap(
    claim_id: str, outcomes: list[Outcome], a: str, b: str, field: str = "linear"
) -> Measurement:
    """Variant ``a`` − variant ``b`` on one score ``field`` over paired seeds (same data order and
    augmentation stream for both), with both variants' summaries and the reference points in the
    note."""
    scores = [o.scores for o in outcomes]
    return Measurement.paired_gap(
        claim_id,
        [getattr(s[a], field) for s in scores],
        [getattr(s[b], field) for s in scores],
        dataset=outcomes[0].dataset,
        seconds=sum(o.seconds for o in outcomes),
        device=outcomes[0].device,
        note="; ".join(
            part
            for part in (
                summary(scores, (a, b)),
                loss_note(outcomes, (a, b)),
                reference_note(outcomes),
            )
            if part
        ),
    )


def summary(outcomes: list[dict[str, Scores]], variants: tuple[str, ...]) -> str:
    """Mean ± std over seeds of each variant's linear, perturbed-linear and 1-NN accuracy."""

    def fmt(values: list[float]) -> str:
        return "{:.1f} ± {:.1f}".format(*mean_std(values))

    return "; ".join(
        f"{v}: linear {fmt([o[v].linear for o in outcomes])}, "
        f"perturbed {fmt([o[v].linear_perturbed for o in outcomes])}, "
        f"1-NN {fmt([o[v].knn for o in outcomes])}"
        for v in variants
    )


def reference_note(outcomes: list) -> str:
    """The recipe's floors and the supervised ceiling, mean over the ``outcomes`` (objects with
    ``floors`` and ``supervised``, None where the ceiling was not trained), in words."""
    n = len(outcomes)
    nn1 = sum(o.floors.nearest_neighbour for o in outcomes) / n
    ridge = sum(o.floors.ridge for o in outcomes) / n
    ceiling = [o.supervised for o in outcomes if o.supervised is not None]
    spread = f" ± {np.std(ceiling, ddof=1):.1f}" if len(ceiling) > 1 else ""
    return (
        f"recipe floors on raw coordinates: 1-NN {nn1:.1f} %, ridge {ridge:.1f} %; supervised "
        f"ST-GCN ceiling {np.mean(ceiling):.1f}{spread} % (n={len(ceiling)})"
    )


def linear_evaluation(
    encoder: nn.Module,
    train: tuple[list[np.ndarray], np.ndarray],
    test: tuple[list[np.ndarray], np.ndarray],
    perturbed_test: list[np.ndarray],
    epochs: int,
    seed: int,
) -> Scores:
    """Score a frozen ``encoder`` (a module from the ``(N, T, D + 1)`` batch tensor to pooled
    features): linear probe on clean and perturbed test sequences, and 1-NN."""
    x_train, y_train = pack_batch(train[0]), torch.from_numpy(train[1])
    x_test, y_test = pack_batch(test[0]), torch.from_numpy(test[1])
    x_pert = pack_batch(perturbed_test)
    cfg = probe_config(epochs)
    train_data = TensorData(x_train, y_train)
    clean = linear_probe(encoder, train_data, TensorData(x_test, y_test), cfg, seed)
    pert = linear_probe(encoder, train_data, TensorData(x_pert, y_test), cfg, seed)
    knn = knn_accuracy(features(encoder, x_train), y_train, features(encoder, x_test), y_test)
    return Scores(clean.final_test_acc, pert.final_test_acc, knn)


#: test-time transformation for the robustness columns: ±30° about the vertical axis, jitter of
#: 0.1 body sizes (about 2.5 cm)
PERTURB_DEGREES, PERTURB_NOISE = 30.0, 0.1


@dataclass(frozen=True)
class ProbeJob:
    """One seed of a self-supervised comparison on one skeleton dataset (``"msr"``, ``"utk"``):
    the encoder's width ``hidden`` (and ``emb``, an embedding width where the paper's model has
    one), pretraining and probe epochs, the frame cap, and the supervised ceiling's width and
    epochs (0: not trained for this seed)."""

    dataset: str
    seed: int
    hidden: int
    epochs: int
    probe_epochs: int
    max_frames: int
    ceiling_width: int
    ceiling_epochs: int
    data_root: str | None
    device: str = "cpu"
    emb: int = 0


def probe_jobs(
    ctx: RunContext, dataset: str, hidden: int, epochs: int, emb: int = 0
) -> list[ProbeJob]:
    """The seeds of one dataset at the run's size, the evaluation protocol both papers share:
    2 / 5 / 10 seeds (quick / default / full), probes of 5 / 30 / 85 epochs (85: CRRL's), at most
    12 / 24 / 50 frames, a ceiling of width 4 / 8 / 16 trained 1 / 15 / 60 epochs. The ceiling
    costs as much as the pretraining: seed 0 only, except in full runs."""
    return [
        ProbeJob(
            dataset,
            seed,
            hidden=hidden,
            epochs=epochs,
            probe_epochs=ctx.pick(5, 30, 85),
            max_frames=ctx.pick(12, 24, 50),
            ceiling_width=ctx.pick(4, 8, 16),
            ceiling_epochs=ctx.pick(1, 15, 60) if seed == 0 or ctx.size == "full" else 0,
            data_root=ctx.data_root,
            device=ctx.device,
            emb=emb,
        )
        for seed in range(ctx.n_seeds(2, 5, 10))
    ]


@dataclass(frozen=True)
class ProbeData:
    """A job's odd/even split: the sequences, their prepared arrays, and the perturbed test set
    (drawn from the job's seed)."""

    train: SkeletonSequences
    test: SkeletonSequences
    x_train: list[np.ndarray]
    x_test: list[np.ndarray]
    perturbed: list[np.ndarray]

    @classmethod
    def load(cls, job: ProbeJob, scale: bool = False) -> ProbeData:
        """Load, split and prepare ``job``'s dataset; with ``scale``, every array divided by
        the training set's largest coordinate (:func:`scale_to_unit`), the perturbed ones too."""
        train, test = cross_subject(LOADERS[job.dataset](job.data_root))
        x_train, x_test = prepare(train, job.max_frames), prepare(test, job.max_frames)
        perturbed = perturb(x_test, PERTURB_DEGREES, PERTURB_NOISE, job.seed)
        if scale:
            x_train, x_test, perturbed = scale_to_unit(x_train, x_test, perturbed)
        return cls(train, test, x_train, x_test, perturbed)

    @property
    def input_size(self) -> int:
        """D: coordinates per frame (joints × 3)."""
        return self.x_train[0].shape[1] * self.x_train[0].shape[2]

    def describe(self, job: ProbeJob) -> str:
        return (
            f"cross-subject odd/even ({len(self.train)}/{len(self.test)}), at most "
            f"{job.max_frames} frames"
        )

    def score(self, encoder: nn.Module, job: ProbeJob) -> Scores:
        """:func:`linear_evaluation` of a frozen ``encoder`` with the job's probe and seed."""
        return linear_evaluation(
            encoder,
            (self.x_train, self.train.labels),
            (self.x_test, self.test.labels),
            self.perturbed,
            job.probe_epochs,
            job.seed,
        )

    def outcome(
        self,
        job: ProbeJob,
        scores: dict[str, Scores],
        described: str,
        start: float,
        losses: dict[str, tuple[float, float]],
    ) -> Outcome:
        """The job's :class:`Outcome`: ``scores`` and the pretrained variants' ``losses``
        (``History.loss_span``) with the reference points trained now, and the seconds since
        ``start`` (``time.perf_counter()``)."""
        floor_scores, ceiling = reference_points(
            self.train, self.test, job.seed, job.ceiling_epochs, job.ceiling_width, job.device
        )
        seconds = time.perf_counter() - start
        return Outcome(scores, floor_scores, ceiling, seconds, described, job.device, losses)
