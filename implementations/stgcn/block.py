"""The ST-GCN unit: spatial graph convolution, then temporal convolution, with a residual."""

from __future__ import annotations

import torch
from torch import nn

from implementations.stgcn.graph_conv import GraphConv, LocalGraphConv


class TemporalConv(nn.Sequential):
    """BN, ReLU, a (kernel_size × 1) convolution over time with stride, BN, dropout.

    Zero padding of (kernel_size − 1) / 2 keeps T at stride 1; stride 2 gives ceil(T / 2).
    """

    def __init__(
        self, channels: int, kernel_size: int = 9, stride: int = 1, dropout: float = 0.0
    ) -> None:
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {kernel_size}")
        if stride < 1:
            raise ValueError(f"stride must be positive, got {stride}")
        super().__init__(
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(
                channels, channels, (kernel_size, 1), (stride, 1), ((kernel_size - 1) // 2, 0)
            ),
            nn.BatchNorm2d(channels),
            nn.Dropout(dropout, inplace=True),
        )


class STGCNBlock(nn.Module):
    """One ST-GCN layer (Sec. 3.6 of the paper; ``st_gcn`` in the reference code):

        x' = ReLU(TCN(GCN(x, A ⊙ M)) + residual(x))

    Args:
        in_channels, out_channels: feature widths.
        a (Tensor[K, V, V]): the partitioned adjacency (a buffer of this block).
        stride: temporal stride of the TCN (1 or 2).
        kernel_size: temporal kernel Γ (9 in the paper).
        dropout: dropout after the TCN.
        residual: add a residual connection (identity when shapes match, else a strided 1×1
            conv + BN).
        edge_importance: learn M (K, V, V), initialised to ones, and aggregate with A ⊙ M.
        local: use :class:`LocalGraphConv` (unshared weights) on the summed neighbourhood.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        a: torch.Tensor,
        stride: int = 1,
        kernel_size: int = 9,
        dropout: float = 0.0,
        residual: bool = True,
        edge_importance: bool = False,
        local: bool = False,
    ) -> None:
        super().__init__()
        if a.dim() != 3 or a.shape[1] != a.shape[2]:
            raise ValueError(f"a must be (K, V, V), got shape {tuple(a.shape)}")
        if local and edge_importance:
            raise ValueError("edge_importance cannot be combined with local (unshared) weights")
        self.register_buffer("A", a.clone())
        self.edge_importance = nn.Parameter(torch.ones_like(a)) if edge_importance else None
        self.gcn: nn.Module = (
            LocalGraphConv(in_channels, out_channels, a.sum(0))
            if local
            else GraphConv(in_channels, out_channels, a.shape[0])
        )
        self.local = local
        self.tcn = TemporalConv(out_channels, kernel_size, stride, dropout)
        self.residual: nn.Module | None
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, (stride, 1)), nn.BatchNorm2d(out_channels)
            )
        self.relu = nn.ReLU(inplace=True)

    def adjacency(self) -> torch.Tensor:
        """A ⊙ M (Sec. 3.5, learnable edge importance), or A without it."""
        return self.A if self.edge_importance is None else self.A * self.edge_importance

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor[N, C_in, T, V]) -> Tensor[N, C_out, ceil(T / stride), V]."""
        res = 0 if self.residual is None else self.residual(x)
        y = self.gcn(x) if self.local else self.gcn(x, self.adjacency())
        return self.relu(self.tcn(y) + res)
