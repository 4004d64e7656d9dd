"""The feature space of our digit metrics: a small CNN classifier trained here on MNIST digits.

FID and precision / recall are usually computed on Inception-v3 pool features (ImageNet); for
28 × 28 digits we use the 64-d penultimate layer of this classifier instead (our choice: it is
not Inception, and distances are not comparable with published FIDs).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from repro.train import TensorData, TrainConfig, fit


class DigitClassifier(nn.Module):
    """conv3×3(16)–pool–conv3×3(32)–pool–fc(64) features → fc(10), ReLU; input ``[B, 1, 28, 28]``
    in [−1, 1]."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # [B, 16, 14, 14]
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # [B, 32, 7, 7]
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, 64),
            nn.ReLU(),
        )
        self.classify = nn.Linear(64, 10)

    def forward(self, x: Tensor) -> Tensor:
        return self.classify(self.features(x.view(len(x), 1, 28, 28)))


def train_classifier(images: Tensor, labels: Tensor, epochs: int, seed: int) -> DigitClassifier:
    """The classifier trained by :func:`repro.train.fit` (Adam 1e-3, cosine, batches of 64) on
    ``images`` ``[N, 28, 28]`` in [−1, 1]."""
    torch.manual_seed(seed)
    model = DigitClassifier()
    config = TrainConfig(epochs=epochs, batch_size=64, lr=1e-3, optimizer="adam", eval_every=0)
    fit(model, TensorData(images, labels), config, seed)
    return model.eval()
