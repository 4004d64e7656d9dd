"""Figure 2 of Kipf & Welling (ICLR 2017): time per training epoch on random graphs.

The paper's setting (Sec. 6.3 and Appendix B): a graph of N nodes with 2N edges placed uniformly
at random, the identity I_N as the (featureless) input, a dummy label for every node, and the
mean time of one epoch (forward pass, cross-entropy, backward pass) of the 2-layer GCN. The
claim is that this time grows linearly with the number of edges (Sec. 2.2: one layer costs
O(|E| F C)), which :func:`repro.timing.fitted_exponent` measures as the slope on log-log axes.
We time with the harness's policy (fastest of a few epochs, CPU time on one thread) rather than
the paper's mean over 100 epochs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from implementations.gcn.layers import Supports
from implementations.gcn.model import GCN
from implementations.gcn.propagation import renormalized_adjacency, to_torch_sparse
from repro.timing import best_time


def random_graph(num_nodes: int, seed: int) -> sp.csr_matrix:
    """A symmetric binary adjacency (N, N) with 2N edges drawn uniformly at random.

    Each of the 2N edges joins two distinct nodes drawn uniformly; a pair drawn twice is kept once,
    so the graph has at most 2N edges (a handful fewer at these sizes).
    """
    if num_nodes < 3:
        raise ValueError(f"num_nodes must be at least 3, got {num_nodes}")
    rng = np.random.default_rng(seed)
    u = rng.integers(0, num_nodes, 2 * num_nodes)
    v = (u + rng.integers(1, num_nodes, 2 * num_nodes)) % num_nodes  # v ≠ u
    a = sp.coo_matrix((np.ones(2 * num_nodes, np.float32), (u, v)), shape=(num_nodes,) * 2)
    a = a + a.T
    return sp.csr_matrix((a > 0).astype(np.float32))


def num_edges(adj: sp.csr_matrix) -> int:
    """Undirected edges of a symmetric adjacency without self-loops."""
    return int(adj.nnz // 2)


def random_graph_epoch(
    num_nodes: int, seed: int = 0, hidden: int = 16, device: str = "cpu"
) -> Callable[[], None]:
    """One epoch (forward, cross-entropy, backward) of the GCN of Eq. (9) on
    :func:`random_graph`, as a call: the identity as sparse input and one dummy label per node
    (two output classes, all nodes labelled 1)."""
    adj = random_graph(num_nodes, seed)
    supports = Supports([to_torch_sparse(renormalized_adjacency(adj)).to(device)], num_nodes)
    x = to_torch_sparse(sp.identity(num_nodes, np.float32, format="csr")).to(device)  # I_N
    labels = torch.ones(num_nodes, dtype=torch.long, device=device)
    torch.manual_seed(seed)
    model = GCN(num_nodes, hidden, 2).to(device).train()

    def epoch() -> None:
        model.zero_grad()
        F.cross_entropy(model(x, supports), labels).backward()

    return epoch


def epoch_seconds(num_nodes: int, seed: int = 0, hidden: int = 16, repeat: int = 3) -> float:
    """Fastest time of :func:`random_graph_epoch` on the CPU (the timing policy's clock)."""
    return best_time(random_graph_epoch(num_nodes, seed, hidden), "cpu", repeat=repeat)
