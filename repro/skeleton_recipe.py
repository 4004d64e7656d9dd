"""The skeleton training recipe shared by every skeleton paper (ST-GCN, PoseConv3D, CRRL, SSL).

Skeleton papers train on small Kinect datasets here (MSR Action3D, UTKinect-Action3D), where a
network trained without care stays below a nearest-neighbour classifier on raw coordinates. This
module is the one recipe they all use, so that their comparisons rest on networks that are
trained well, and on the same floors:

- **normalisation** (:func:`normalize`): each sequence is centred on its layout's root joint in
  the first frame (the trajectory is kept: walking still moves) and divided by the person's
  body size, the mean bone length over the sequence;
- **clip**: every input is ``Recipe.frames`` frames long (linear resampling), so that a
  network's temporal strides leave at least its temporal kernel (ST-GCN: 48 frames → 12 after
  two stride-2 units, kernel 9);
- **augmentation** (:func:`augment`, training only, drawn from the ``numpy.random.Generator``
  that :func:`repro.train.fit` seeds): a random temporal crop of at least ``min_crop`` of the
  frames resampled to the clip length, a rotation about the vertical axis, a per-axis scale,
  a left/right mirror with probability ``mirror`` (layouts with a mirror map only) and Gaussian
  coordinate jitter; each clip takes one number from the loop's generator whatever the
  settings, so the same seed gives the same stream to every model and every recipe variant;
- **training data** (:class:`AugmentedSequences`, a :class:`repro.train.SampleSource`) and
  **evaluation tensors** (:func:`evaluation_data`: normalised and resampled, no augmentation);
- **optimiser** (:func:`train_config`): SGD with Nesterov momentum, linear warm-up then cosine
  decay, weight decay and label smoothing; train accuracy every epoch and test accuracy at the
  recorded epochs (:class:`repro.train.History`); the score is the last epoch's (no model
  selection on the test set);
- **splits** (:func:`splits`): cross-subject odd/even, or the 10 random subject splits of
  Vemulapalli et al. (2014) shipped with both datasets;
- **floors** (:func:`floors`): 1-nearest-neighbour and ridge-regression classifiers on the same
  normalised, resampled coordinates plus their frame differences. A network is judged only
  once it beats them.

Beyond the papers: ST-GCN trains on joint coordinates with no augmentation but random moves
and crops on Kinetics; the normalisation, rotation, scale, jitter, warm-up and label smoothing
here are ours (:meth:`Recipe.describe` says so in tables).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from repro.data.skeleton import SkeletonSequences, load_subject_splits
from repro.data.skeleton_layouts import Layout, get_layout
from repro.data.skeleton_transforms import (
    body_size,
    center,
    jitter,
    mirror,
    random_crop,
    random_rotation,
    random_scale,
    resample,
    stack,
)
from repro.train import TensorData, TrainConfig, knn_accuracy, ridge_accuracy

Protocol = Literal["odd-even", "ten-splits"]
PROTOCOLS: tuple[str, ...] = ("odd-even", "ten-splits")

#: Dropout inside the networks trained with this recipe (the reference ST-GCN's 0.5 left a
#: narrow network under-fitted on a few hundred sequences).
DROPOUT = 0.1


@dataclass(frozen=True)
class Recipe:
    """How sequences become network inputs.

    ``frames``: clip length T. ``min_crop``: the shortest training crop, as a fraction of the
    sequence. ``max_rotation``: degrees, uniform in ±, about the vertical (y) axis.
    ``scale``: each axis scaled by a factor uniform in [1 − scale, 1 + scale]. ``jitter``: the
    standard deviation of Gaussian coordinate noise, in body sizes (mean bone lengths).
    ``mirror``: the probability of a left/right mirror (needs a layout with a mirror map).
    """

    frames: int = 48
    min_crop: float = 0.8
    max_rotation: float = 15.0
    scale: float = 0.1
    jitter: float = 0.01
    mirror: float = 0.0

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise ValueError(f"frames must be positive, got {self.frames}")
        if not 0.0 < self.min_crop <= 1.0:
            raise ValueError(f"min_crop must be in (0, 1], got {self.min_crop}")
        if not 0.0 <= self.max_rotation <= 180.0:
            raise ValueError(f"max_rotation must be in [0, 180] degrees, got {self.max_rotation}")
        if not 0.0 <= self.scale < 1.0:
            raise ValueError(f"scale must be in [0, 1), got {self.scale}")
        if self.jitter < 0.0:
            raise ValueError(f"jitter must not be negative, got {self.jitter}")
        if not 0.0 <= self.mirror <= 1.0:
            raise ValueError(f"mirror must be a probability in [0, 1], got {self.mirror}")

    def describe(self) -> str:
        """The recipe in words, for the dataset column of tables."""
        aug = [
            f"crop ≥ {self.min_crop:g}",
            f"rotation ±{self.max_rotation:g}°",
            f"scale ±{self.scale:g}",
            f"jitter {self.jitter:g}",
        ]
        if self.mirror:
            aug.append(f"mirror p={self.mirror:g}")
        return (
            f"root-centred, body-size-scaled, T={self.frames}; augmentation (ours, not the "
            f"paper's): {', '.join(aug)}"
        )


def normalize(seq: np.ndarray, layout: str | Layout) -> np.ndarray:
    """Centre ``seq`` (T, V, 3) on the layout's root joint in the first frame and divide it by
    the body size (mean bone length); a sequence of coincident joints is only centred."""
    lay = get_layout(layout)
    if seq.ndim != 3 or seq.shape[1] != lay.num_joints or seq.shape[2] != 3:
        raise ValueError(
            f"a {lay.name} sequence must be (T, {lay.num_joints}, 3), got {np.shape(seq)}"
        )
    out = center(seq, lay.root)
    size = body_size(seq, lay.edges)
    return out / np.float32(size) if size > 1e-8 else out


def augment(
    seq: np.ndarray, recipe: Recipe, layout: str | Layout, rng: np.random.Generator
) -> np.ndarray:
    """One training clip (frames, V, 3) from a normalised sequence (T, V, 3).

    Order: temporal crop and resampling, rotation about y, per-axis scale, mirror, jitter.
    The clip's draws come from a generator seeded by one draw from ``rng``, so every clip takes
    exactly one number from ``rng`` whatever the recipe: one seed gives the same stream to
    every model and every recipe variant.
    """
    lay = get_layout(layout)
    if recipe.mirror and lay.mirror is None:
        raise ValueError(f"recipe.mirror > 0 needs a layout with a mirror map; {lay.name} has none")
    rng = np.random.default_rng(int(rng.integers(2**63)))
    x = random_crop(seq, recipe.frames, rng, recipe.min_crop)
    x = random_rotation(x, rng, recipe.max_rotation)
    x = random_scale(x, rng, recipe.scale)
    if rng.random() < recipe.mirror:
        x = mirror(x, lay.mirror)  # type: ignore[arg-type]  # checked above
    return jitter(x, rng, recipe.jitter)


def _normalized(data: SkeletonSequences) -> list[np.ndarray]:
    return [normalize(s, data.layout) for s in data.sequences]


def evaluation_data(data: SkeletonSequences, recipe: Recipe) -> TensorData:
    """Evaluation inputs (N, 3, frames, V, 1): normalised, resampled, not augmented."""
    x = stack([resample(s, recipe.frames) for s in _normalized(data)])
    return TensorData(torch.from_numpy(x), torch.from_numpy(data.labels))


class AugmentedSequences:
    """Training data for :func:`repro.train.fit`: each batch is built from the normalised
    variable-length sequences by :func:`augment`, drawing from the loop's generator."""

    def __init__(self, data: SkeletonSequences, recipe: Recipe) -> None:
        self.layout = get_layout(data.layout)
        self.recipe = recipe
        self.sequences = _normalized(data)
        self.labels = torch.from_numpy(data.labels)  # (N,) int64

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> Tensor:
        """(len(indices), 3, frames, V, 1), augmentation drawn from ``rng`` sample by sample."""
        clips = [augment(self.sequences[i], self.recipe, self.layout, rng) for i in indices]
        return torch.from_numpy(stack(clips))


def train_config(
    epochs: int,
    n_train: int,
    *,
    batch_size: int = 16,
    lr: float = 0.05,
    warmup_epochs: int = 5,
    weight_decay: float = 5e-4,
    label_smoothing: float = 0.1,
    eval_every: int | None = None,
) -> TrainConfig:
    """The recipe's optimiser for ``epochs`` over ``n_train`` sequences.

    SGD with Nesterov momentum 0.9, ``lr`` reached by linear warm-up over ``warmup_epochs``
    (at most all but the last epoch), then cosine decay to zero; weight decay, label smoothing,
    batches of ``batch_size`` (a last batch of one is dropped: BatchNorm needs two). The test
    set is evaluated every ``eval_every`` epochs (default: ten points per run) and after the
    last.
    """
    if n_train < 2:
        raise ValueError(f"n_train must be at least 2 (one batch of two), got {n_train}")
    if warmup_epochs < 0:
        raise ValueError(f"warmup_epochs must not be negative, got {warmup_epochs}")
    probe = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, min_batch=2)
    steps = probe.steps_per_epoch(n_train)
    return TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer="sgd",
        momentum=0.9,
        nesterov=True,
        weight_decay=weight_decay,
        schedule="cosine",
        warmup_steps=min(warmup_epochs, epochs - 1) * steps,
        label_smoothing=label_smoothing,
        min_batch=2,
        eval_every=max(1, epochs // 10) if eval_every is None else eval_every,
    )


@dataclass(frozen=True)
class Split:
    """One train/test split: its name in tables and the two sets."""

    name: str
    train: SkeletonSequences
    test: SkeletonSequences


def splits(
    data: SkeletonSequences, protocol: Protocol, data_root: str | os.PathLike[str] | None = None
) -> tuple[Split, ...]:
    """The cross-subject splits of ``data`` under ``protocol``.

    ``odd-even``: subjects 1, 3, 5, 7, 9 train, the others test (one split; MSR Action3D
    284/273, UTKinect 100/99). ``ten-splits``: the 10 random 5/5 subject splits of Vemulapalli
    et al. 2014 (``meta/tr_te_splits.mat``; their reported numbers are the mean over the ten).
    """
    if protocol == "odd-even":
        train, test = data.cross_subject()
        return (Split("odd/even", train, test),)
    if protocol == "ten-splits":
        return tuple(
            Split(f"split {i + 1}", *data.split_subjects(tr, te))
            for i, (tr, te) in enumerate(load_subject_splits(data.name, data_root))
        )
    raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")


def floor_features(data: SkeletonSequences, recipe: Recipe) -> Tensor:
    """(N, D) features of the floors: the evaluation inputs' coordinates (frames × V × 3)
    and their frame-to-frame differences ((frames − 1) × V × 3), flattened."""
    x = np.stack([resample(s, recipe.frames) for s in _normalized(data)])  # (N, T, V, 3)
    diff = np.diff(x, axis=1)  # (N, T - 1, V, 3)
    return torch.from_numpy(np.concatenate([x.reshape(len(x), -1), diff.reshape(len(x), -1)], 1))


@dataclass(frozen=True)
class Floors:
    """Test accuracies (%) of the two floors and the ridge penalty chosen on the training set."""

    nearest_neighbour: float
    ridge: float
    ridge_alpha: float


def floors(train: SkeletonSequences, test: SkeletonSequences, recipe: Recipe) -> Floors:
    """1-NN (Euclidean) and ridge accuracy on :func:`floor_features`.

    The features are used as they are, in body sizes: z-scoring each feature on the training
    set lowered both floors on MSR Action3D odd/even (1-NN 45 % instead of 67 %), as it blows
    up near-constant coordinates such as the root joint's.
    """
    a, b = floor_features(train, recipe).double(), floor_features(test, recipe).double()
    ya, yb = torch.from_numpy(train.labels), torch.from_numpy(test.labels)
    nn1 = knn_accuracy(a, ya, b, yb, k=1, metric="euclidean")
    ridge, alpha = ridge_accuracy(a, ya, b, yb)
    return Floors(nn1, ridge, alpha)
