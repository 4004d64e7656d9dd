"""ST-GCN (Yan, Xiong, Lin, AAAI 2018): the skeleton graph and its partition strategies, the
ST-GCN unit with learnable edge importance, the network and its Table 1 variants."""

from implementations.stgcn.block import STGCNBlock, TemporalConv
from implementations.stgcn.graph import Graph, hop_distance, normalize_column
from implementations.stgcn.graph_conv import GraphConv, LocalGraphConv, aggregate, aggregate_matmul
from implementations.stgcn.network import STGCN, BaselineTCN, scaled_widths

__all__ = [
    "STGCN",
    "BaselineTCN",
    "Graph",
    "GraphConv",
    "LocalGraphConv",
    "STGCNBlock",
    "TemporalConv",
    "aggregate",
    "aggregate_matmul",
    "hop_distance",
    "normalize_column",
    "scaled_widths",
]
