"""The training recipe of our Table 1 ablation: skeleton sequences in, :func:`repro.train.fit` runs.

The recipe is fixed before any result is seen and is the same for every Table 1 row: each
sequence is centred on the layout's root joint in its first frame and resampled to ``frames``
frames; training adds a random temporal crop (at least ``min_crop`` of the frames) and a random
rotation about the vertical axis (±``max_rotation``°); SGD with Nesterov momentum, cosine
learning-rate decay and weight decay (:func:`train_config`); the score is the test accuracy
after the last epoch (no model selection on the test set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from repro.data.skeleton import SkeletonSequences
from repro.data.skeleton_layouts import get_layout
from repro.data.skeleton_transforms import center, random_crop, random_rotation, resample, stack
from repro.train import TensorData, TrainConfig


@dataclass(frozen=True)
class Recipe:
    """How sequences become inputs: ``frames`` per clip, the shortest crop (a fraction of the
    clip) and the largest rotation (degrees) of the training augmentation."""

    frames: int = 32
    min_crop: float = 0.8
    max_rotation: float = 15.0

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise ValueError(f"frames must be positive, got {self.frames}")
        if not 0.0 < self.min_crop <= 1.0:
            raise ValueError(f"min_crop must be in (0, 1], got {self.min_crop}")


def train_config(epochs: int) -> TrainConfig:
    """The optimiser of the recipe: SGD, Nesterov momentum 0.9, lr 0.05 with cosine decay,
    weight decay 5e-4, batches of 16 (a last batch of one is dropped: BatchNorm needs two)."""
    return TrainConfig(
        epochs=epochs,
        batch_size=16,
        lr=0.05,
        optimizer="sgd",
        momentum=0.9,
        nesterov=True,
        weight_decay=5e-4,
        min_batch=2,
        eval_every=0,
    )


def evaluation_data(data: SkeletonSequences, recipe: Recipe) -> TensorData:
    """Evaluation input: centred and resampled sequences (N, C, T, V, 1) with their labels."""
    root = get_layout(data.layout).root
    x = stack([resample(center(s, root), recipe.frames) for s in data.sequences])
    return TensorData(torch.from_numpy(x), torch.from_numpy(data.labels))


class AugmentedSequences:
    """Training data for :func:`repro.train.fit`: each batch is built from the variable-length
    sequences, centred, randomly cropped to ``recipe.frames`` frames and rotated (3-D data)."""

    def __init__(self, data: SkeletonSequences, recipe: Recipe) -> None:
        self.data = data
        self.recipe = recipe
        self.root = get_layout(data.layout).root
        self.labels = torch.from_numpy(data.labels)  # (N,) int64

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """(len(indices), C, frames, V, 1), augmentation drawn from ``rng``."""
        r = self.recipe
        out = []
        for i in indices:
            s = random_crop(center(self.data.sequences[i], self.root), r.frames, rng, r.min_crop)
            out.append(random_rotation(s, rng, r.max_rotation) if s.shape[2] == 3 else s)
        return torch.from_numpy(stack(out))
