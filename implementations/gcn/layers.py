"""The graph convolution layer of Kipf & Welling (ICLR 2017), its supports and initialisation."""

from __future__ import annotations

import math

import scipy.sparse as sp
import torch
from torch import nn

from implementations.gcn.propagation import (
    csr_tensor,
    propagation_supports,
    scaled_laplacian,
    to_torch_sparse,
)


def glorot_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Glorot & Bengio (2010) uniform init in place: U(−r, r), r = sqrt(6 / (fan_in + fan_out)).

    The variance is r²/3 = 2 / (fan_in + fan_out).
    """
    fan_in, fan_out = weight.shape[-2], weight.shape[-1]
    r = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        weight.uniform_(-r, r, generator=generator)
    return weight


def is_sparse(x: torch.Tensor) -> bool:
    return x.layout != torch.strided


def sparse_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Dropout on the stored values of a sparse CSR or COO tensor (kept values scaled by 1/(1−p)).

    Dropped entries become stored zeros, which multiply like removed ones.
    """
    if not training or p == 0.0:
        return x
    if x.layout == torch.sparse_coo:
        x = x.coalesce()
        vals = x.values()
        vals = vals * (torch.rand_like(vals) >= p) / (1.0 - p)
        return torch.sparse_coo_tensor(x.indices(), vals, x.shape, is_coalesced=True)
    if x.layout != torch.sparse_csr:
        raise TypeError(f"sparse_dropout takes CSR or COO tensors, got {x.layout}")
    vals = x.values()
    vals = vals * (torch.rand_like(vals) >= p) / (1.0 - p)
    return csr_tensor(x.crow_indices(), x.col_indices(), vals, x.shape)


def _matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.sparse.mm(a, b) if is_sparse(a) else a @ b


class Supports:
    """Support matrices S_1..S_S of one propagation model: ``combine`` returns Σ_s S_s h_s.

    A matrix given as ``None`` is the identity (no product needed).
    """

    def __init__(self, matrices: list[torch.Tensor | None], num_nodes: int) -> None:
        for m in matrices:
            if m is not None and tuple(m.shape) != (num_nodes, num_nodes):
                raise ValueError(
                    f"support of shape {tuple(m.shape)}, expected ({num_nodes}, {num_nodes})"
                )
        self.matrices = matrices
        self.num_nodes = num_nodes

    def __len__(self) -> int:
        return len(self.matrices)

    def combine(self, hs: list[torch.Tensor]) -> torch.Tensor:
        out = None
        for s, h in zip(self.matrices, hs, strict=True):
            h = h if s is None else _matmul(s, h)
            out = h if out is None else out + h
        assert out is not None
        return out


class ChebyshevSupports(Supports):
    r"""Σ_{k=0}^{K} T_k(L̃) h_k (Eq. 5) by the recurrence T_k = 2 L̃ T_{k−1} − T_{k−2}.

    Applying the recurrence to the (N, F') products costs K sparse products with L̃ (as sparse
    as A), where the authors' code multiplies by the precomputed, much denser T_k(L̃). The
    result is the same up to float rounding (tested against :func:`chebyshev_polynomials`).
    """

    def __init__(self, laplacian: torch.Tensor, k: int) -> None:
        super().__init__([None] * (k + 1), laplacian.shape[0])
        self.laplacian = laplacian  # L̃, (N, N) sparse
        self.k = k

    def combine(self, hs: list[torch.Tensor]) -> torch.Tensor:
        if len(hs) != self.k + 1:
            raise ValueError(f"expected {self.k + 1} inputs, got {len(hs)}")
        w = hs[0].shape[1]
        y = torch.cat(hs, dim=1)  # (N, (K+1)·F'): block k is h_k
        z_prev2, z_prev = y, _matmul(self.laplacian, y)  # T_0(L̃) y, T_1(L̃) y
        out = z_prev2[:, :w] + z_prev[:, w : 2 * w] if self.k >= 1 else y
        for k in range(2, self.k + 1):
            z = 2 * _matmul(self.laplacian, z_prev) - z_prev2  # T_k(L̃) y
            out = out + z[:, k * w : (k + 1) * w]
            z_prev2, z_prev = z_prev, z
        return out


def supports_for(name: str, adj: sp.spmatrix) -> Supports:
    """The supports of one Table 3 propagation model as torch sparse tensors."""
    n = adj.shape[0]
    if name in ("chebyshev3", "chebyshev2"):
        return ChebyshevSupports(to_torch_sparse(scaled_laplacian(adj)), int(name[-1]))
    mats = propagation_supports(name, adj)
    return Supports([None if m is None else to_torch_sparse(m) for m in mats], n)


class GraphConvolution(nn.Module):
    r"""H' = Σ_s S_s H Θ_s, the layer of Eq. (2) generalised to Table 3's propagation models.

    With the single support S = D̃^{-1/2} Ã D̃^{-1/2} (Eq. 8) this is the GCN layer
    H^{(l+1)} = Â H^{(l)} W^{(l)} (the activation σ is applied by the model). Per node:
    h'_i = Σ_s Σ_j (S_s)_{ij} (h_j Θ_s).

    Args:
        in_features: F, the width of H (N, F).
        out_features: F', the width of H' (N, F').
        num_supports: number of support matrices (and of weight matrices Θ_s).
        dropout: dropout on the layer's input (on the stored values when the input is sparse).
        bias: the authors' GCN has none (default False).

    Follows the authors' code: Glorot-uniform weights, dropout applied to the layer input.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        num_supports: int = 1,
        dropout: float = 0.0,
        bias: bool = False,
    ) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError("in_features and out_features must be positive")
        if num_supports < 1:
            raise ValueError("num_supports must be at least 1")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.in_features, self.out_features = in_features, out_features
        self.dropout = dropout
        self.weight = nn.Parameter(torch.empty(num_supports, in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.reset_parameters()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        for w in self.weight:
            glorot_(w, generator)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor, supports: Supports) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"input must be (N, {self.in_features}), got shape {tuple(x.shape)}")
        if len(supports) != self.weight.shape[0]:
            raise ValueError(f"got {len(supports)} supports, the layer has {self.weight.shape[0]}")
        if x.shape[0] != supports.num_nodes:
            raise ValueError(
                f"input has {x.shape[0]} rows (nodes), the supports have {supports.num_nodes}"
            )
        if is_sparse(x):
            x = sparse_dropout(x, self.dropout, self.training)
        else:
            x = nn.functional.dropout(x, self.dropout, self.training)
        s, f_in, f_out = self.weight.shape
        w = self.weight.permute(1, 0, 2).reshape(f_in, s * f_out)  # all Θ_s side by side
        hs = list(_matmul(x, w).split(f_out, dim=1))  # S × (N, F')
        out = supports.combine(hs)
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        extra = f", num_supports={self.weight.shape[0]}" if self.weight.shape[0] != 1 else ""
        return f"{self.in_features}, {self.out_features}{extra}, dropout={self.dropout}"
