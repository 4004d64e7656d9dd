"""The 3D-CNN of PoseConv3D: a SlowOnly-style 3D ResNet on heatmap volumes, with an I3D head.

PoseConv3D's main backbone (Sec. 3.3; pyskl ``configs/posec3d/slowonly_r50_*``) is SlowOnly
with three stages of bottleneck blocks (4, 6, 3), base width 32 (stage outputs 128-256-512),
a 1×7×7 stem without stride or pooling stride (the heatmaps are already small), temporal
convolutions (3×1×1 first convolution, "inflated") only in the last two stages, spatial strides
(2, 2, 2) and temporal strides (1, 1, 2). The I3D head pools globally, applies dropout and one
linear layer. :class:`SlowOnly3D` keeps that layout; ``base_width`` scales the width (the paper's
32; our CPU runs use 8, stage outputs 32-64-128).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

EXPANSION = 4


class Bottleneck3D(nn.Module):
    """1×1×1 (or 3×1×1 when ``inflate``) -> 1×3×3 (strided) -> 1×1×1 convolutions, with a
    projection shortcut where the shape changes."""

    def __init__(
        self,
        in_channels: int,
        planes: int,
        spatial_stride: int,
        temporal_stride: int,
        inflate: bool,
    ) -> None:
        super().__init__()
        out = planes * EXPANSION
        k = 3 if inflate else 1
        stride = (temporal_stride, spatial_stride, spatial_stride)
        self.conv1 = nn.Conv3d(in_channels, planes, (k, 1, 1), padding=(k // 2, 0, 0), bias=False)
        self.bn1 = nn.BatchNorm3d(planes)
        self.conv2 = nn.Conv3d(planes, planes, (1, 3, 3), stride, padding=(0, 1, 1), bias=False)
        self.bn2 = nn.BatchNorm3d(planes)
        self.conv3 = nn.Conv3d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm3d(out)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: nn.Module = nn.Identity()
        if in_channels != out or stride != (1, 1, 1):
            self.shortcut = nn.Sequential(
                nn.Conv3d(in_channels, out, 1, stride, bias=False), nn.BatchNorm3d(out)
            )

    def forward(self, x: Tensor) -> Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + self.shortcut(x))


class SlowOnly3D(nn.Module):
    """SlowOnly 3D-CNN with an I3D head: (N, K, T, H, W) heatmap volumes -> (N, classes) scores.

    Args:
        num_classes: output classes.
        in_channels: K, the joints or limbs of the volume.
        base_width: stem width; stage s has base_width · 2^s bottleneck planes and
            4 · base_width · 2^s outputs (paper 32).
        stage_blocks: blocks per stage (paper (4, 6, 3)).
        inflate: per stage, whether its blocks have temporal (3×1×1) first convolutions
            (paper (False, True, True)).
        spatial_strides, temporal_strides: the first block's strides per stage (paper (2, 2, 2)
            and (1, 1, 2)).
        dropout: dropout before the classifier (paper 0.5).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        base_width: int = 32,
        stage_blocks: Sequence[int] = (4, 6, 3),
        inflate: Sequence[bool] = (False, True, True),
        spatial_strides: Sequence[int] = (2, 2, 2),
        temporal_strides: Sequence[int] = (1, 1, 2),
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if num_classes < 1 or in_channels < 1 or base_width < 1:
            raise ValueError(
                f"num_classes, in_channels and base_width must be positive, got "
                f"{num_classes}, {in_channels}, {base_width}"
            )
        n = len(stage_blocks)
        if not (len(inflate) == len(spatial_strides) == len(temporal_strides) == n) or n == 0:
            raise ValueError(
                "stage_blocks, inflate, spatial_strides and temporal_strides must have one entry "
                f"per stage, got {len(stage_blocks)}, {len(inflate)}, {len(spatial_strides)}, "
                f"{len(temporal_strides)}"
            )
        if min(stage_blocks) < 1:
            raise ValueError(f"every stage needs at least one block, got {tuple(stage_blocks)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.in_channels = in_channels
        self.stem = nn.Sequential(
            nn.Conv3d(in_channels, base_width, (1, 7, 7), padding=(0, 3, 3), bias=False),
            nn.BatchNorm3d(base_width),
            nn.ReLU(inplace=True),
            nn.MaxPool3d((1, 3, 3), stride=1, padding=(0, 1, 1)),
        )
        stages, channels = [], base_width
        for s, blocks in enumerate(stage_blocks):
            planes = base_width * 2**s
            layers = []
            for b in range(blocks):
                first = b == 0
                layers.append(
                    Bottleneck3D(
                        channels,
                        planes,
                        spatial_strides[s] if first else 1,
                        temporal_strides[s] if first else 1,
                        bool(inflate[s]),
                    )
                )
                channels = planes * EXPANSION
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.out_channels = channels
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(channels, num_classes)

    def features(self, x: Tensor) -> Tensor:
        """(N, K, T, H, W) -> pooled features (N, out_channels)."""
        if x.ndim != 5 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"input must be (N, K={self.in_channels}, T, H, W), got shape {tuple(x.shape)}"
            )
        return self.pool(self.stages(self.stem(x))).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[0] == 0:
            return x.new_zeros(0, self.fc.out_features)
        return self.fc(self.dropout(self.features(x)))
