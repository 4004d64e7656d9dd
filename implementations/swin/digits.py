"""Training a small Swin on real digits: the CPU-scale stand-in for the Table 4 ablations."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from implementations.swin.swin_transformer import swin_transformer
from repro.data.images import load_mnist_test, split_indices

#: Table 4's rows as switches of the model; "rel_pos" (shifted, relative bias) is the default.
VARIANTS: dict[str, dict[str, Any]] = {
    "rel_pos": {},
    "no_shift": {"shifted_windows": False},
    "no_pos": {"relative_position_bias": False},
    "abs_pos": {"relative_position_bias": False, "absolute_pos_embed": True},
}

MNIST_MEAN, MNIST_STD = 0.1325, 0.3105


@dataclass(frozen=True)
class DigitsRun:
    """One training run: a variant of ``swin_digits`` on a split of the MNIST test set.

    The split (``n_train`` training digits, ``n_test`` held-out ones, drawn with
    ``split_seed``) is the same for every seed and variant; ``seed`` sets the initialisation and
    the batch order. Images are padded from 28² to 32², normalised, not augmented. AdamW with a
    cosine learning-rate decay, as the paper trains (without its augmentations and
    regularisers, which a model this small on digits does not need).
    """

    variant: str
    seed: int
    n_train: int = 5000
    n_test: int = 5000
    epochs: int = 10
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 0.05
    split_seed: int = 0
    data_root: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; known: {', '.join(VARIANTS)}")
        if self.n_train + self.n_test > 10000:
            raise ValueError("n_train + n_test must not exceed the 10,000 MNIST test digits")


def _tensors(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(images).unsqueeze(1)  # (N, 1, 28, 28)
    x = F.pad(x, (2, 2, 2, 2))  # (N, 1, 32, 32)
    return (x - MNIST_MEAN) / MNIST_STD


def train_digits(run: DigitsRun) -> float:
    """Train one model and return its test accuracy (%) on the held-out digits."""
    data = load_mnist_test(run.data_root or os.environ.get("REPRO_DATA"))
    train_idx, rest = split_indices(len(data.labels), run.n_train, seed=run.split_seed)
    test_idx = rest[: run.n_test]
    x_train, y_train = _tensors(data.images[train_idx]), torch.from_numpy(data.labels[train_idx])
    x_test, y_test = _tensors(data.images[test_idx]), torch.from_numpy(data.labels[test_idx])

    torch.manual_seed(run.seed)
    model = swin_transformer("swin_digits", **{**VARIANTS[run.variant], **run.overrides})
    opt = torch.optim.AdamW(model.parameters(), lr=run.lr, weight_decay=run.weight_decay)
    steps = run.epochs * math.ceil(run.n_train / run.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    gen = torch.Generator().manual_seed(run.seed)
    model.train()
    for _ in range(run.epochs):
        order = torch.randperm(run.n_train, generator=gen)
        for start in range(0, run.n_train, run.batch_size):
            batch = order[start : start + run.batch_size]
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    correct = 0
    with torch.inference_mode():
        for start in range(0, len(y_test), 500):
            logits = model(x_test[start : start + 500])
            correct += int((logits.argmax(1) == y_test[start : start + 500]).sum())
    return 100.0 * correct / len(y_test)
