"""The ST-GCN network (Sec. 3.6 of the paper) and the temporal-convolution-only baseline.

Input convention: ``x`` (Tensor[N, C, T, V, M]): N samples, C coordinates, T frames, V joints,
M persons (:func:`repro.data.skeleton_transforms.stack` builds it).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from implementations.stgcn.block import STGCNBlock
from implementations.stgcn.graph import Graph

#: The paper's nine-plus-one layers: widths and temporal strides of the ten ST-GCN units.
PAPER_WIDTHS: tuple[int, ...] = (64, 64, 64, 64, 128, 128, 128, 256, 256, 256)
PAPER_STRIDES: tuple[int, ...] = (1, 1, 1, 1, 2, 1, 1, 2, 1, 1)


def scaled_widths(base: int) -> tuple[int, ...]:
    """The paper's widths with 64 replaced by ``base`` (base, 2·base, 4·base)."""
    if base < 1:
        raise ValueError(f"base width must be positive, got {base}")
    return tuple(w * base // 64 for w in PAPER_WIDTHS)


class _Backbone(nn.Module):
    """Data BN, a stack of :class:`STGCNBlock`, global pooling, mean over persons, classifier."""

    def __init__(
        self,
        num_classes: int,
        a: torch.Tensor,
        in_channels: int,
        num_joints: int,
        widths: Sequence[int],
        strides: Sequence[int],
        temporal_kernel: int,
        dropout: float,
        edge_importance: bool,
        local: bool,
    ) -> None:
        """``a`` is the graph the units run on; the input has ``in_channels`` coordinates of
        ``num_joints`` joints, which :meth:`_to_nodes` maps onto its nodes."""
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"num_classes must be positive, got {num_classes}")
        if len(widths) != len(strides) or not widths:
            raise ValueError("widths and strides must be non-empty and of the same length")
        self.in_channels = in_channels
        self.num_joints = num_joints
        self.temporal_kernel = temporal_kernel
        self.data_bn = nn.BatchNorm1d(in_channels * num_joints)
        blocks = []
        c_in = in_channels * num_joints // a.shape[-1]
        for i, (w, s) in enumerate(zip(widths, strides, strict=True)):
            blocks.append(
                STGCNBlock(
                    c_in,
                    w,
                    a,
                    s,
                    temporal_kernel,
                    dropout=0.0 if i == 0 else dropout,
                    residual=i > 0,  # the first unit has no residual, as in the paper's code
                    edge_importance=edge_importance,
                    local=local,
                )
            )
            c_in = w
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(c_in, num_classes)

    def _check(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input must be a Tensor, got {type(x).__name__}")
        if x.dim() != 5:
            raise ValueError(f"input must be (N, C, T, V, M), got {x.dim()} dimensions")
        _, c, t, v, m = x.shape
        if m == 0:
            raise ValueError(
                "input has M = 0 persons; a sequence needs at least one person (give a sample "
                "with nobody in view one person of zero coordinates; "
                "repro.data.skeleton_transforms.stack makes M = 1)"
            )
        if c != self.in_channels:
            raise ValueError(f"input has C = {c} channels, the model expects {self.in_channels}")
        if v != self.num_joints:
            raise ValueError(
                f"input has V = {v} joints but the model expects {self.num_joints}; "
                "use the layout the data was recorded in"
            )
        if t < self.temporal_kernel:
            raise ValueError(
                f"input has T = {t} frames, shorter than the temporal kernel "
                f"({self.temporal_kernel}); resample or pad it first "
                "(repro.data.skeleton_transforms.resample / pad)"
            )

    def _to_nodes(self, x: torch.Tensor) -> torch.Tensor:
        """The input as features of the graph's nodes (identity for ST-GCN)."""
        return x

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        x = self._to_nodes(x)
        n, c, t, v, m = x.shape
        x = x.permute(0, 4, 3, 1, 2).reshape(n * m, v * c, t)  # (N, C, T, V, M) -> (NM, VC, T)
        x = self.data_bn(x)
        x = x.view(n * m, v, c, t).permute(0, 2, 3, 1)  # (NM, VC, T) -> (NM, C, T, V)
        for block in self.blocks:
            x = block(x)
        return x

    def features(self, x: torch.Tensor, pooled: bool = True) -> torch.Tensor:
        """The last unit's output: (N, M, C', T', V) unpooled, (N, C') pooled over T', V, M.

        An empty batch (N = 0) gives empty outputs, as torch's modules do.
        """
        self._check(x)
        n, m = x.shape[0], x.shape[-1]
        y = self._embed(x)
        if not pooled:
            return y.view(n, m, *y.shape[1:])
        # (NM, C', T', V) -> (N, C'); C' named, as -1 is ambiguous for an empty batch
        return y.mean(dim=(2, 3)).view(n, m, y.shape[1]).mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor[N, C, T, V, M]) -> class scores (Tensor[N, num_classes])."""
        return self.fc(self.features(x))


class STGCN(_Backbone):
    """Spatial Temporal Graph Convolutional Network (Yan, Xiong, Lin, AAAI 2018).

    Ten :class:`STGCNBlock` units (64, 64, 64, 64, 128↓, 128, 128, 256↓, 256, 256; ↓ = temporal
    stride 2) over the graph of a skeleton layout, after a BatchNorm of the input coordinates
    per joint, then global average pooling, the mean over persons and a linear classifier.

    Args:
        num_classes: number of actions.
        graph: a :class:`Graph`, or a layout name (then ``strategy`` builds the graph).
        strategy: partition strategy when ``graph`` is a layout name.
        in_channels: C (3 for x, y, z; 3 for OpenPose's x, y, confidence).
        edge_importance: learn one mask M (K, V, V) per unit, initialised to ones.
        widths, strides: per-unit widths and temporal strides (default: the paper's).
        temporal_kernel: Γ, 9 in the paper.
        dropout: dropout in every unit but the first (0.5 in the reference training).
        local: unshared per-edge weights (the "local convolution" row of Table 1).

    Example:
        >>> model = STGCN(60, "ntu-rgb+d", edge_importance=True)
        >>> model(torch.randn(2, 3, 32, 25, 2)).shape
        torch.Size([2, 60])
    """

    def __init__(
        self,
        num_classes: int,
        graph: Graph | str = "ntu-rgb+d",
        strategy: str = "spatial",
        in_channels: int = 3,
        edge_importance: bool = False,
        widths: Sequence[int] = PAPER_WIDTHS,
        strides: Sequence[int] = PAPER_STRIDES,
        temporal_kernel: int = 9,
        dropout: float = 0.0,
        local: bool = False,
    ) -> None:
        self.graph = graph if isinstance(graph, Graph) else Graph(graph, strategy)  # type: ignore[arg-type]
        super().__init__(
            num_classes,
            self.graph.tensor(),
            in_channels,
            self.graph.num_nodes,
            widths,
            strides,
            temporal_kernel,
            dropout,
            edge_importance,
            local,
        )


class BaselineTCN(_Backbone):
    """The "baseline TCN" row of Table 1: the same units without a graph.

    All joints' coordinates of a frame are concatenated into one C·V-channel vector (as the
    temporal convolutional network of Kim & Reiter 2017 that the paper compares with), and the
    ten units run over time only (a one-node graph, A = [[1]]).
    """

    def __init__(
        self,
        num_classes: int,
        num_joints: int,
        in_channels: int = 3,
        widths: Sequence[int] = PAPER_WIDTHS,
        strides: Sequence[int] = PAPER_STRIDES,
        temporal_kernel: int = 9,
        dropout: float = 0.0,
    ) -> None:
        if num_joints < 1:
            raise ValueError(f"num_joints must be positive, got {num_joints}")
        super().__init__(
            num_classes,
            torch.ones(1, 1, 1),
            in_channels,
            num_joints,
            widths,
            strides,
            temporal_kernel,
            dropout,
            edge_importance=False,
            local=False,
        )

    def _to_nodes(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, v, m = x.shape
        return x.permute(0, 3, 1, 2, 4).reshape(n, v * c, t, 1, m)  # (N, VC, T, 1, M)
