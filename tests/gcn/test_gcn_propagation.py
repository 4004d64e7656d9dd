"""Exact claims about GCN's propagation operators (Kipf & Welling, Sec. 2)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.gcn import (
    ChebyshevSupports,
    GraphConvolution,
    Supports,
    chebyshev_polynomials,
    normalized_adjacency,
    renormalized_adjacency,
    scaled_laplacian,
    to_torch_sparse,
)
from implementations.gcn.paper import PAPER
from implementations.gcn.propagation import (
    PROPAGATIONS,
    largest_laplacian_eigenvalue,
    propagation_supports,
)
from repro.experiment import deviation
from tests.gcn.strategies import graphs

SPECTRUM = PAPER.claim("gcn.eq8.spectrum")
RENORMALIZED_SPECTRUM = PAPER.claim("gcn.eq8.renormalized-spectrum")
CHEBYSHEV = PAPER.claim("gcn.eq7.chebyshev-first-order")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gcn_eq8_spectrum(seed):
    """gcn.eq8.spectrum: I + D^-1/2 A D^-1/2 is symmetric with its spectrum in [0, 2]."""
    assert deviation(SPECTRUM, seed) <= SPECTRUM.tolerance


def test_gcn_eq8_spectrum_reaches_both_ends():
    """The interval is tight: 0 on a bipartite component (one edge), 2 on any component with
    an edge; a check that clipped the eigenvalues would not see a wrong operator."""
    one_edge = sp.csr_matrix(np.array([[0, 1], [1, 0]], dtype=np.float32))
    eig = np.linalg.eigvalsh(np.eye(2) + normalized_adjacency(one_edge, np.float64).toarray())
    assert eig == pytest.approx([0.0, 2.0], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gcn_eq8_renormalized_spectrum(seed):
    """gcn.eq8.renormalized-spectrum (derived): Â = D̃^-1/2 (A+I) D̃^-1/2 is symmetric,
    spectrum in (−1, 1], top eigenvalue 1 with eigenvector ∝ D̃^{1/2}·1 on every connected
    component."""
    assert deviation(RENORMALIZED_SPECTRUM, seed) <= RENORMALIZED_SPECTRUM.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gcn_eq7_chebyshev_first_order(seed):
    """gcn.eq7.chebyshev-first-order: K = 1, λ_max = 2, θ = θ'_0 = −θ'_1 gives
    (I + D^-1/2 A D^-1/2) X Θ (Eq. 5 → 6 → 7)."""
    # float64 instances hold to 1e-5, tighter than the claim's tolerance for float32 operators
    assert deviation(CHEBYSHEV, seed) <= min(CHEBYSHEV.tolerance, 1e-5)


@settings(max_examples=30, deadline=None)
@given(graphs(), st.sampled_from([2, 3]), st.integers(0, 2**31 - 1))
def test_chebyshev_recurrence_equals_polynomials(adj, k, seed):
    """The recurrence on (N, F') products equals Σ_k T_k(L̃) h_k with explicit polynomials."""
    gen = torch.Generator().manual_seed(seed)
    n = adj.shape[0]
    hs = [torch.randn(n, 3, generator=gen, dtype=torch.float32) for _ in range(k + 1)]
    lt = scaled_laplacian(adj)
    ours = ChebyshevSupports(to_torch_sparse(lt), k).combine(hs)
    polys = chebyshev_polynomials(adj, k)
    ref = sum(torch.from_numpy(t.toarray()) @ h for t, h in zip(polys, hs, strict=True))
    torch.testing.assert_close(ours, ref, atol=1e-4, rtol=1e-4)


def test_chebyshev_polynomials_recurrence_on_path():
    """T_2(L̃) = 2 L̃² − I on a 3-node path (worked by hand)."""
    adj = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=np.float32))
    lt = scaled_laplacian(adj).toarray()
    t2 = chebyshev_polynomials(adj, 2)[2].toarray()
    np.testing.assert_allclose(t2, 2 * lt @ lt - np.eye(3), atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(graphs(min_nodes=3, self_loops=True))
def test_largest_laplacian_eigenvalue_matches_dense(adj):
    lap = np.eye(adj.shape[0]) - normalized_adjacency(adj).toarray()
    assert largest_laplacian_eigenvalue(adj) == pytest.approx(
        np.linalg.eigvalsh(lap).max(), abs=1e-5
    )


def test_largest_laplacian_eigenvalue_of_self_loops_only():
    """Nodes with a self-loop and no edge have L = 0 (ARPACK refuses a zero operator)."""
    assert largest_laplacian_eigenvalue(sp.eye(3, format="csr")) == 0.0


@settings(max_examples=30, deadline=None)
@given(graphs(), st.sampled_from(PROPAGATIONS), st.integers(0, 2**31 - 1))
def test_sparse_and_dense_propagation_equal(adj, name, seed):
    """The layer gives the same output with sparse and dense features and supports."""
    from implementations.gcn import supports_for

    torch.manual_seed(seed)
    n = adj.shape[0]
    x = torch.rand(n, 5) * (torch.rand(n, 5) > 0.5)
    layer = GraphConvolution(5, 4, num_supports=len(propagation_supports(name, adj)))
    sparse_supports = supports_for(name, adj)
    if isinstance(sparse_supports, ChebyshevSupports):
        dense = [
            None if m is None else torch.from_numpy(m.toarray())
            for m in chebyshev_polynomials(adj, sparse_supports.k)
        ]
        dense[0] = None
    else:
        dense = [None if m is None else m.to_dense() for m in sparse_supports.matrices]
    out_sparse = layer(x.to_sparse_csr(), sparse_supports)
    out_dense = layer(x, Supports(dense, n))
    torch.testing.assert_close(out_sparse, out_dense, atol=1e-4, rtol=1e-4)


@settings(max_examples=30, deadline=None)
@given(graphs(min_nodes=2, max_nodes=10), st.integers(0, 2**31 - 1))
def test_layer_matches_pyg_gcnconv(adj, seed):
    """Peer check: with the same weights our layer equals PyG's GCNConv (normalize, self-loops,
    no bias) on graphs without self-loops (PyG keeps an existing self-loop at weight 1, the
    authors' code adds I on top of it)."""
    from torch_geometric.nn import GCNConv

    torch.manual_seed(seed)
    n = adj.shape[0]
    coo = adj.tocoo()
    edge_index = torch.tensor(np.vstack([coo.row, coo.col]), dtype=torch.long)
    x = torch.randn(n, 6)
    ours = GraphConvolution(6, 3)
    peer = GCNConv(6, 3, bias=False)
    with torch.no_grad():
        peer.lin.weight.copy_(ours.weight[0].T)
    supports = Supports([to_torch_sparse(renormalized_adjacency(adj))], n)
    torch.testing.assert_close(ours(x, supports), peer(x, edge_index), atol=1e-5, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(graphs(self_loops=True))
def test_normalized_adjacency_dense_equals_sparse(adj):
    """D^-1/2 A D^-1/2 gives the same values for a dense and a sparse A; isolated nodes stay
    zero, and every other entry is A_ij / sqrt(d_i d_j)."""
    sparse = normalized_adjacency(adj, dtype=np.float64).toarray()
    dense = normalized_adjacency(adj.toarray(), dtype=np.float64)
    np.testing.assert_array_equal(sparse, dense)
    a = adj.toarray().astype(np.float64)
    deg = a.sum(1)
    isolated = deg == 0
    assert not dense[isolated].any() and not dense[:, isolated].any()
    d = np.sqrt(np.where(isolated, 1.0, deg))
    np.testing.assert_allclose(dense, a / d[:, None] / d[None, :], rtol=1e-15)


def test_bad_adjacency_is_refused():
    with pytest.raises(ValueError, match="square"):
        renormalized_adjacency(sp.csr_matrix(np.ones((3, 4))))
    with pytest.raises(TypeError, match="scipy sparse"):
        renormalized_adjacency(np.ones((3, 3)))
    with pytest.raises(ValueError, match="square"):
        normalized_adjacency(np.ones((3, 4)))
    with pytest.raises(TypeError, match="numpy array or a scipy sparse matrix, got list"):
        normalized_adjacency([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="unknown propagation model"):
        propagation_supports("chebyshev7", sp.eye(3, format="csr"))


@pytest.mark.parametrize("bad", [-0.5, np.nan, np.inf])
@pytest.mark.parametrize(
    "operator",
    [
        lambda a: normalized_adjacency(a),
        lambda a: normalized_adjacency(sp.csr_matrix(a)),
        lambda a: renormalized_adjacency(sp.csr_matrix(a)),
    ],
    ids=["normalized-dense", "normalized-sparse", "renormalized"],
)
def test_negative_or_non_finite_weights_are_refused(operator, bad):
    """A negative or NaN weight made a degree non-positive or NaN, and the operator silently
    zeroed that node's row and column; it is refused, naming an offending entry."""
    a = np.array([[0, 1, 0, 0], [1, 0, 2, 0], [0, 2, 0, 1], [0, 0, 1, 0]], dtype=np.float64)
    a[2, 3] = a[3, 2] = bad
    with pytest.raises(ValueError, match=r"weights must be finite and non-negative; A\[2, 3\]"):
        operator(a)
