"""Exact claims about the GCN layer and model: equivariance, initialisation, input checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.gcn import (
    GCN,
    GraphConvolution,
    Supports,
    glorot_,
    renormalized_adjacency,
    sparse_dropout,
    to_torch_sparse,
)
from implementations.gcn.karate import untrained_embedding
from tests.gcn.strategies import graphs


def _supports(adj) -> Supports:
    return Supports([to_torch_sparse(renormalized_adjacency(adj))], adj.shape[0])


@settings(max_examples=40, deadline=None)
@given(graphs(), st.integers(0, 2**31 - 1))
def test_gcn_eq9_permutation_equivariant(adj, seed):
    """gcn.eq9: relabelling nodes by a permutation P gives P·Z (Z = the model's output)."""
    torch.manual_seed(seed)
    n = adj.shape[0]
    perm = np.random.default_rng(seed).permutation(n)
    model = GCN(5, 8, 3, dropout=0.5).eval()
    x = torch.randn(n, 5)
    z = model(x, _supports(adj))
    z_perm = model(x[perm], _supports(adj[perm][:, perm]))
    torch.testing.assert_close(z_perm, z[perm], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(("fan_in", "fan_out"), [(1433, 16), (16, 7), (200, 300)])
def test_glorot_variance(fan_in, fan_out):
    """Glorot uniform: bound sqrt(6/(fan_in+fan_out)), variance 2/(fan_in+fan_out)."""
    w = glorot_(torch.empty(fan_in, fan_out), torch.Generator().manual_seed(0))
    bound = (6.0 / (fan_in + fan_out)) ** 0.5
    assert w.abs().max() <= bound
    assert w.abs().max() > 0.95 * bound
    expected = 2.0 / (fan_in + fan_out)
    # the sample variance of n uniforms has relative std sqrt(0.8/n); allow 5 of those
    assert w.var().item() == pytest.approx(expected, rel=5 * (0.8 / w.numel()) ** 0.5)


def test_sparse_dropout_keeps_expectation():
    torch.manual_seed(0)
    x = torch.rand(200, 300).to_sparse_csr()
    dropped = sparse_dropout(x, 0.5, training=True)
    kept = (dropped.values() != 0).float().mean().item()
    assert kept == pytest.approx(0.5, abs=0.01)
    assert dropped.values().sum().item() == pytest.approx(x.values().sum().item(), rel=0.02)
    assert sparse_dropout(x, 0.5, training=False) is x


def test_model_has_no_bias_and_first_layer_l2():
    """The authors' GCN has no biases; weight decay applies to the first layer only."""
    model = GCN(10, 4, 3)
    assert [n for n, _ in model.named_parameters()] == ["conv1.weight", "conv2.weight"]
    assert model.first_layer_l2().item() == pytest.approx(
        model.conv1.weight.pow(2).sum().item() / 2
    )


def test_wrong_shapes_give_clear_errors():
    adj = renormalized_adjacency(_path(4))
    supports = Supports([to_torch_sparse(adj)], 4)
    model = GCN(5, 8, 3)
    with pytest.raises(ValueError, match=r"input must be \(N, 5\)"):
        model(torch.randn(4, 6), supports)
    with pytest.raises(ValueError, match=r"has 3 rows \(nodes\), the supports have 4"):
        model(torch.randn(3, 5), supports)
    with pytest.raises(ValueError, match="supports"):
        GraphConvolution(5, 3, num_supports=2)(torch.randn(4, 5), supports)
    with pytest.raises(ValueError, match=r"support of shape \(4, 4\), expected \(5, 5\)"):
        Supports([to_torch_sparse(adj)], 5)
    with pytest.raises(ValueError, match="dropout"):
        GraphConvolution(5, 3, dropout=1.0)


def _path(n: int):
    import scipy.sparse as sp

    return sp.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], format="csr")


def test_karate_embedding_is_seeded():
    import networkx as nx

    g = nx.karate_club_graph()
    a, b = untrained_embedding(g, seed=3), untrained_embedding(g, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (34, 2)
    assert not np.allclose(a, untrained_embedding(g, seed=4))
