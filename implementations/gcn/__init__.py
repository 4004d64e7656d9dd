"""Kipf & Welling (ICLR 2017): graph convolutional networks for semi-supervised classification."""

from implementations.gcn.layers import (
    ChebyshevSupports,
    GraphConvolution,
    Supports,
    glorot_,
    sparse_dropout,
    supports_for,
)
from implementations.gcn.model import GCN
from implementations.gcn.propagation import (
    PROPAGATIONS,
    chebyshev_polynomials,
    edge_index_to_adjacency,
    normalized_adjacency,
    renormalized_adjacency,
    row_normalize,
    scaled_laplacian,
    to_torch_sparse,
)
from implementations.gcn.train import HyperParams, fit, prepare

__all__ = [
    "GCN",
    "PROPAGATIONS",
    "ChebyshevSupports",
    "GraphConvolution",
    "HyperParams",
    "Supports",
    "chebyshev_polynomials",
    "edge_index_to_adjacency",
    "fit",
    "glorot_",
    "normalized_adjacency",
    "prepare",
    "renormalized_adjacency",
    "row_normalize",
    "scaled_laplacian",
    "sparse_dropout",
    "supports_for",
    "to_torch_sparse",
]
