"""GCN on Cora: one training epoch and one full-batch inference, ours vs PyTorch Geometric.

Both models have the paper's size (1433 → 16 → 7, no bias, dropout 0.5) and see the same data:
ours with the sparse row-normalised features and a precomputed sparse Â (as the authors' code),
PyG's with the dense features and ``GCNConv(cached=True)`` (its usual configuration), so the
normalisation is computed once in both. ``ratio_vs_pyg`` < 1 means ours is faster. Sparse
products are memory-bound (FlopCounterMode counts them as dense): the limit reported is the
copy rate, against the least bytes each call moves.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from implementations.gcn import GCN, Supports, prepare
from implementations.gcn.epoch_time import random_graph_epoch


@pytest.fixture(scope="module")
def cora(dataset):
    return prepare("cora", "renormalized", str(dataset("planetoid").parent))


class PygGCN(torch.nn.Module):
    def __init__(self, f_in: int, hidden: int, classes: int) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv1 = GCNConv(f_in, hidden, cached=True, bias=False)
        self.conv2 = GCNConv(hidden, classes, cached=True, bias=False)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = F.dropout(x, 0.5, self.training)
        x = F.relu(self.conv1(x, edge_index))
        x = F.dropout(x, 0.5, self.training)
        return self.conv2(x, edge_index)


def _setup(cora, device):
    torch.manual_seed(0)
    supports = Supports([m.to(device) for m in cora.supports.matrices], len(cora.labels))
    x = cora.features.to(device)
    y = cora.labels.to(device)
    train = cora.train.to(device)
    ours = GCN(x.shape[1], 16, cora.num_classes).to(device)
    a = cora.supports.matrices[0].to_sparse_coo().coalesce()
    edge_index = a.indices()[:, a.indices()[0] != a.indices()[1]].to(device)  # PyG adds I itself
    x_dense = x.to_dense()
    peer = PygGCN(x.shape[1], 16, cora.num_classes).to(device)
    opt_ours = torch.optim.Adam(ours.parameters(), lr=0.01)
    opt_peer = torch.optim.Adam(peer.parameters(), lr=0.01)

    def train_ours():
        ours.train()
        opt_ours.zero_grad()
        loss = F.cross_entropy(ours(x, supports)[train], y[train])
        loss = loss + 5e-4 * ours.first_layer_l2()
        loss.backward()
        opt_ours.step()

    def train_peer():
        peer.train()
        opt_peer.zero_grad()
        loss = F.cross_entropy(peer(x_dense, edge_index)[train], y[train])
        loss = loss + 5e-4 * peer.conv1.lin.weight.pow(2).sum() / 2
        loss.backward()
        opt_peer.step()

    @torch.no_grad()
    def infer_ours():
        ours.eval()
        return ours(x, supports)

    @torch.no_grad()
    def infer_peer():
        peer.eval()
        return peer(x_dense, edge_index)

    return train_ours, train_peer, infer_ours, infer_peer


def _inference_bytes(cora, hidden: int = 16) -> int:
    """The least memory traffic of one inference (float32 values, int64 indices): read the sparse
    features X and Â twice (values and both indices), write and read H = XW (N × hidden), the
    hidden layer and HW (N × classes), write the logits. A sparse product is memory-bound, so
    its limit is the copy rate, not the matmul rate."""
    n, c = len(cora.labels), cora.num_classes
    x_nnz = cora.features.to_sparse_coo()._nnz()
    a_nnz = cora.supports.matrices[0].to_sparse_coo()._nnz()
    dense = 4 * n * (2 * hidden + 2 * hidden + 2 * c + c)
    return 20 * x_nnz + 2 * 20 * a_nnz + dense


@pytest.mark.benchmark(group="gcn-cora-train-epoch")
def test_gcn_train_epoch(bench, cora, device):
    train_ours, train_peer, _, _ = _setup(cora, device)
    bench(
        train_ours,
        n_samples=len(cora.labels),
        peers={"pyg": train_peer},
        # an estimate: the forward's traffic, and the backward's reads of X and Â once more
        bytes_per_call=3 * _inference_bytes(cora),
        shape="cora-n2708-f1433-h16-c7",
    )


@pytest.mark.benchmark(group="gcn-cora-inference")
def test_gcn_inference(bench, cora, device):
    _, _, infer_ours, infer_peer = _setup(cora, device)
    out = bench(
        infer_ours,
        n_samples=len(cora.labels),
        peers={"pyg": infer_peer},
        bytes_per_call=_inference_bytes(cora),
        shape="cora-n2708-f1433-h16-c7",
    )
    assert out.shape == (2708, 7)


@pytest.mark.benchmark(group="gcn-fig2-random-graph-epoch")
@pytest.mark.parametrize("nodes", [10_000, 40_000], ids=lambda n: f"n{n}-e{2 * n}")
def test_gcn_random_graph_epoch(bench, device, nodes):
    """Figure 2: one epoch (forward, cross-entropy, backward) on a random graph of N nodes and
    2N edges with X = I_N; time per epoch should grow linearly with the edges."""
    bench(random_graph_epoch(nodes, device=device), n_samples=nodes, shape=f"n{nodes}-e{2 * nodes}")
