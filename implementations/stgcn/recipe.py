"""Training and evaluating a skeleton classifier on variable-length sequences (CPU scale).

The recipe is fixed before any result is seen and is the same for every Table 1 row: each
sequence is centred on the layout's root joint in its first frame and resampled to ``frames``
frames; training adds a random temporal crop (at least 80% of the frames) and a random rotation
about the vertical axis (±15°); SGD with Nesterov momentum, cosine learning-rate decay, weight
decay; the score is the test accuracy after the last epoch (no model selection on the test
set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from repro.data.skeleton import SkeletonSequences
from repro.data.skeleton_layouts import get_layout
from repro.data.skeleton_transforms import center, random_crop, random_rotation, resample, stack


@dataclass(frozen=True)
class TrainConfig:
    frames: int = 32
    epochs: int = 40
    batch_size: int = 16
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    min_crop: float = 0.8
    max_rotation: float = 15.0

    def __post_init__(self) -> None:
        if self.frames < 1 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError("frames, epochs and batch_size must be positive")


def prepare(data: SkeletonSequences, frames: int) -> torch.Tensor:
    """Evaluation input: centred and resampled sequences as (N, C, T, V, 1)."""
    root = get_layout(data.layout).root
    return torch.from_numpy(stack([resample(center(s, root), frames) for s in data.sequences]))


def _augmented(
    data: SkeletonSequences, idx: np.ndarray, cfg: TrainConfig, rng: np.random.Generator
) -> torch.Tensor:
    root = get_layout(data.layout).root
    out = []
    for i in idx:
        s = random_crop(center(data.sequences[i], root), cfg.frames, rng, cfg.min_crop)
        out.append(random_rotation(s, rng, cfg.max_rotation) if s.shape[2] == 3 else s)
    return torch.from_numpy(stack(out))


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 64) -> float:
    """Top-1 accuracy in percent."""
    model.eval()
    pred = torch.cat([model(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
    return 100.0 * float((pred == y).float().mean())


def train_and_evaluate(
    model: nn.Module,
    train: SkeletonSequences,
    test: SkeletonSequences,
    cfg: TrainConfig,
    seed: int,
) -> float:
    """Train ``model`` on ``train`` and return its top-1 accuracy (%) on ``test``.

    ``seed`` fixes the augmentation and the batch order (the caller seeds the weights).
    """
    if train.layout != test.layout:
        raise ValueError(f"train layout {train.layout!r} differs from test {test.layout!r}")
    rng = np.random.default_rng(seed)
    y_train = torch.from_numpy(train.labels)
    opt = torch.optim.SGD(
        model.parameters(),
        lr=cfg.lr,
        momentum=cfg.momentum,
        nesterov=True,
        weight_decay=cfg.weight_decay,
    )
    steps_per_epoch = -(-len(train) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(cfg.epochs):
        model.train()
        order = rng.permutation(len(train))
        for start in range(0, len(order), cfg.batch_size):
            idx = order[start : start + cfg.batch_size]
            if len(idx) < 2:  # BatchNorm needs two samples
                continue
            loss = loss_fn(model(_augmented(train, idx, cfg, rng)), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return accuracy(model, prepare(test, cfg.frames), torch.from_numpy(test.labels))
