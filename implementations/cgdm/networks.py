"""The generator G and the two classifiers F1, F2, at CPU scale.

The authors use an ImageNet-pretrained ResNet (101 for VisDA, 50 for ImageCLEF and DomainNet)
with a 256-unit bottleneck as G, and for each F_j the ``ResClassifier``: dropout 0.5 → FC → BN →
ReLU, ``num_layer`` times (1000 units), → FC to the classes. Ours keeps the classifier's form
with ``hidden`` units and swaps the backbone for what the data need: an MLP on feature vectors
(SURF histograms, 16×16 pixels as 256 numbers) or a two-layer CNN on 28×28 digit images.
"""

from __future__ import annotations

from torch import Tensor, nn


class Classifier(nn.Sequential):
    """F_j: ``num_layer`` × (dropout → Linear → BatchNorm1d → ReLU), then Linear to ``classes``.

    Input ``(N, in_features)``, output logits ``(N, classes)``.
    """

    def __init__(
        self,
        in_features: int,
        classes: int,
        hidden: int = 128,
        num_layer: int = 2,
        dropout: float = 0.5,
    ) -> None:
        if min(in_features, classes, hidden, num_layer) < 1:
            raise ValueError(
                "in_features, classes, hidden and num_layer must be positive, got "
                f"{in_features}, {classes}, {hidden}, {num_layer}"
            )
        layers: list[nn.Module] = []
        width = in_features
        for _ in range(num_layer):
            layers += [nn.Dropout(dropout), nn.Linear(width, hidden), nn.BatchNorm1d(hidden)]
            layers.append(nn.ReLU())
            width = hidden
        layers.append(nn.Linear(width, classes))
        super().__init__(*layers)


class FeatureGenerator(nn.Sequential):
    """G for feature vectors: Linear → BatchNorm1d → ReLU, ``(N, in_features)`` → ``(N, width)``."""

    def __init__(self, in_features: int, width: int = 256) -> None:
        if min(in_features, width) < 1:
            raise ValueError(f"in_features and width must be positive, got {in_features}, {width}")
        super().__init__(nn.Linear(in_features, width), nn.BatchNorm1d(width), nn.ReLU())


class DigitGenerator(nn.Sequential):
    """G for 28×28 grey digits: two 5×5 conv → BN → ReLU → 2×2 max-pool blocks (32, 64 channels),
    then Linear → BN → ReLU to ``width``; ``(N, 1, 28, 28)`` → ``(N, width)``."""

    def __init__(self, width: int = 256) -> None:
        if width < 1:
            raise ValueError(f"width must be positive, got {width}")
        super().__init__(
            nn.Conv2d(1, 32, 5),  # (N, 32, 24, 24)
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, 12, 12)
            nn.Conv2d(32, 64, 5),  # (N, 64, 8, 8)
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 64, 4, 4)
            nn.Flatten(),  # (N, 1024)
            nn.Linear(64 * 4 * 4, width),
            nn.BatchNorm1d(width),
            nn.ReLU(),
        )


class BiClassifier(nn.Module):
    """G with two classifiers on its features. ``forward`` returns F1 + F2 logits ``(N, K)``, the
    authors' test-time prediction (argmax of the sum); :meth:`outputs` returns both."""

    def __init__(self, generator: nn.Module, f1: nn.Module, f2: nn.Module) -> None:
        super().__init__()
        self.generator, self.f1, self.f2 = generator, f1, f2

    def outputs(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(features ``(N, D)``, F1 logits ``(N, K)``, F2 logits ``(N, K)``)."""
        feats = self.generator(x)
        return feats, self.f1(feats), self.f2(feats)

    def forward(self, x: Tensor) -> Tensor:
        _, o1, o2 = self.outputs(x)
        return o1 + o2
