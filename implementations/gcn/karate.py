"""Appendix A's demo: node embeddings of an *untrained* 3-layer GCN on Zachary's karate club.

Z = tanh(Â tanh(Â tanh(Â X W⁽⁰⁾) W⁽¹⁾) W⁽²⁾) with X = I_N (no node features), Glorot-initialised
weights and a 2-dimensional output: even without training, nodes of one community land close
together (Appendix A, Fig. 3). Communities are coloured by greedy modularity maximisation
(networkx), standing in for the modularity-based clustering the paper used.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp
import torch

from implementations.gcn.layers import glorot_
from implementations.gcn.propagation import renormalized_adjacency
from repro import plots


def untrained_embedding(
    graph: nx.Graph, widths: tuple[int, ...] = (4, 4, 2), seed: int = 0
) -> np.ndarray:
    """(N, widths[-1]) outputs of an untrained GCN with tanh activations, X = I_N."""
    n = graph.number_of_nodes()
    adj = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(n), weight=None))
    a_hat = torch.from_numpy(renormalized_adjacency(adj).toarray())
    gen = torch.Generator().manual_seed(seed)
    h = torch.eye(n)
    for fan_in, fan_out in zip((n, *widths[:-1]), widths, strict=True):
        w = glorot_(torch.empty(fan_in, fan_out), gen)
        h = torch.tanh(a_hat @ h @ w)
    return h.numpy()


def plot_karate_embedding(path: Path, seed: int = 0) -> Path:
    """Appendix A's figure: the karate club graph beside the untrained GCN's embedding."""
    g = nx.karate_club_graph()
    z = untrained_embedding(g, seed=seed)
    communities = nx.community.greedy_modularity_communities(g)
    colour = np.zeros(g.number_of_nodes(), dtype=int)
    for i, members in enumerate(communities):
        colour[list(members)] = i
    fig, axes = plots.figure(1, 2, figsize=(10, 4.5))
    left, right = axes[0]
    pos = nx.spring_layout(g, seed=seed)
    nx.draw(g, pos=pos, ax=left, node_color=colour, cmap="tab10", vmin=0, vmax=9, node_size=80)
    plots.title(left, "Zachary's karate club (colour: modularity community)")
    for u, v in g.edges():
        right.plot(*z[[u, v]].T, color="0.8", lw=0.5, zorder=1)
    right.scatter(z[:, 0], z[:, 1], c=colour, cmap="tab10", vmin=0, vmax=9, s=50, zorder=2)
    plots.title(right, "Untrained 3-layer GCN, tanh, X = I (Appendix A)")
    right.set_xlabel("output 1")
    right.set_ylabel("output 2")
    return plots.save(fig, path)
