"""Training a small Swin on real digits: the CPU-scale stand-in for the Table 4 ablations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from implementations.swin.swin_transformer import swin_transformer
from repro.data.images import digit_tensors, load_mnist_test, split_indices
from repro.train import History, TensorData, TrainConfig, fit

#: Table 4's rows as switches of the model; "rel_pos" (shifted, relative bias) is the default.
VARIANTS: dict[str, dict[str, Any]] = {
    "rel_pos": {},
    "no_shift": {"shifted_windows": False},
    "no_pos": {"relative_position_bias": False},
    "abs_pos": {"relative_position_bias": False, "absolute_pos_embed": True},
}


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
    split_seed: int = 0
    data_root: str | None = None

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; known: {', '.join(VARIANTS)}")
        if self.n_train + self.n_test > 10000:
            raise ValueError("n_train + n_test must not exceed the 10,000 MNIST test digits")

    @property
    def config(self) -> TrainConfig:
        return TrainConfig(
            self.epochs,
            batch_size=64,
            lr=3e-3,
            optimizer="adamw",
            weight_decay=0.05,
            eval_every=0,
        )


def train_digits(run: DigitsRun) -> History:
    """Train one model; its history ends with the test accuracy (%) on the held-out digits."""
    data = load_mnist_test(run.data_root)
    train_idx, rest = split_indices(len(data.labels), run.n_train, seed=run.split_seed)
    test_idx = rest[: run.n_test]
    train, test = (
        TensorData(
            digit_tensors(data.images[idx], 32, normalize=True),  # (N, 1, 32, 32)
            torch.from_numpy(data.labels[idx]),
        )
        for idx in (train_idx, test_idx)
    )
    torch.manual_seed(run.seed)
    model = swin_transformer("swin_digits", **VARIANTS[run.variant])
    return fit(model, train, run.config, run.seed, test)
