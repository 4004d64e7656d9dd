"""Spatial graph convolution of ST-GCN: the partitioned aggregation Σ_k (A_k ⊙ M_k), shared
weights per subset (:class:`GraphConv`) or unshared weights per edge (:class:`LocalGraphConv`)."""

from __future__ import annotations

import math

import torch
from torch import nn


def aggregate(y: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """The aggregation of Eq. (10), f_out(w) = Σ_k Σ_v y_k(v) · (A_k ⊙ M_k)[v, w].

    Args:
        y (Tensor[N, K, C, T, V]): the K transformed copies of the input, y_k = f_in W_k.
        a (Tensor[K, V, V]): the partitioned adjacency, already multiplied by the edge
            importance M where the model learns one.

    Returns:
        Tensor[N, C, T, V].
    """
    return torch.einsum("nkctv,kvw->nctw", y, a)


def aggregate_matmul(y: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """:func:`aggregate` as one dense matrix product (the formulation the einsum is compared
    with in the throughput suite): [N·C·T, K·V] @ [K·V, V]."""
    n, k, c, t, v = y.shape
    flat = y.permute(0, 2, 3, 1, 4).reshape(n * c * t, k * v)  # (N, K, C, T, V) -> (NCT, KV)
    return (flat @ a.reshape(k * v, -1)).view(n, c, t, -1)  # (NCT, V) -> (N, C, T, V)


class GraphConv(nn.Module):
    """ST-GCN's spatial graph convolution with one weight matrix per subset (Eq. 10):

        f_out = Σ_k (Λ^-1/2 A_k Λ^-1/2 ⊙ M_k) f_in W_k

    computed as a 1×1 convolution to K·C_out channels followed by :func:`aggregate`. The
    normalisation lives in ``A`` (see ``Graph``); the bias of the 1×1 convolution is summed
    over the neighbourhood with the features, as in the reference code.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        num_subsets: K, the number of partition subsets.
    """

    def __init__(self, in_channels: int, out_channels: int, num_subsets: int) -> None:
        super().__init__()
        for name, val in (("in_channels", in_channels), ("out_channels", out_channels)):
            if val < 1:
                raise ValueError(f"{name} must be positive, got {val}")
        if num_subsets < 1:
            raise ValueError(f"num_subsets must be positive, got {num_subsets}")
        self.out_channels = out_channels
        self.num_subsets = num_subsets
        self.conv = nn.Conv2d(in_channels, out_channels * num_subsets, kernel_size=1)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """x (Tensor[N, C_in, T, V]), a (Tensor[K, V, V]) -> Tensor[N, C_out, T, V]."""
        if a.shape[0] != self.num_subsets:
            raise ValueError(f"A has {a.shape[0]} subsets, this layer has {self.num_subsets}")
        n, _, t, v = x.shape
        y = self.conv(x).view(n, self.num_subsets, self.out_channels, t, v)  # (N, K, C, T, V)
        return aggregate(y, a)


class LocalGraphConv(nn.Module):
    """The "local convolution" row of Table 1: the neighbourhood of uni-labelling, but no
    weight sharing: every (source v, target w) pair of the graph has its own W_vw,

        f_out(w) = Σ_{v ∈ B(w)} A[v, w] · W_vw f_in(v) + b_w.

    The paper describes this variant only in words ("unshared weights"); per-edge weights are
    our reading of it (a locally connected layer on the graph). Edge importance is not used
    with it: per-edge weights already subsume a per-edge scale.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        a (Tensor[V, V]): the normalised neighbourhood; its non-zeros are the edges.
    """

    def __init__(self, in_channels: int, out_channels: int, a: torch.Tensor) -> None:
        super().__init__()
        if a.dim() != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"a must be a square (V, V) adjacency, got shape {tuple(a.shape)}")
        src, dst = torch.nonzero(a, as_tuple=True)
        self.num_nodes = a.shape[0]
        self.out_channels = out_channels
        self.register_buffer("src", src)
        self.register_buffer("dst", dst)
        self.register_buffer("scale", a[src, dst].clone())
        p = src.numel()
        self.weight = nn.Parameter(torch.empty(p, out_channels, in_channels))
        self.bias = nn.Parameter(torch.empty(out_channels, self.num_nodes))
        bound = 1.0 / math.sqrt(in_channels)  # the default init of a 1x1 conv, per edge
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor[N, C_in, T, V]) -> Tensor[N, C_out, T, V]."""
        n, _, t, _ = x.shape
        msg = torch.einsum("nctp,poc->notp", x[..., self.src], self.weight) * self.scale
        out = x.new_zeros(n, self.out_channels, t, self.num_nodes)
        out.index_add_(3, self.dst, msg)  # sum the P edge messages into their target joints
        return out + self.bias[None, :, None, :]
