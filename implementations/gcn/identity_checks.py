"""The check functions of GCN's identity claims: one seeded random graph → largest deviation.

The runner evaluates each check on the instances of seeds 0 … n − 1 and the property tests in
``tests/gcn`` on the seeds hypothesis picks (:func:`repro.experiment.deviation`); both draw the
graph with :func:`random_graph`, so no dataset is needed.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch

from implementations.gcn.propagation import (
    chebyshev_polynomials,
    normalized_adjacency,
    renormalized_adjacency,
)


def _integer(gen: torch.Generator, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return int(torch.randint(low, high + 1, (), generator=gen))


def random_graph(
    gen: torch.Generator, min_nodes: int = 2, max_nodes: int = 14, self_loops: bool = False
) -> sp.csr_matrix:
    """A symmetric binary adjacency (N, N) drawn from ``gen`` (isolated nodes allowed).

    N is uniform in [min_nodes, max_nodes], each pair of nodes is an edge with one probability
    p drawn uniformly from [0.05, 0.9]; with ``self_loops`` each node has one with
    probability 0.3.
    """
    n = _integer(gen, min_nodes, max_nodes)
    p = 0.05 + 0.85 * float(torch.rand((), generator=gen, dtype=torch.float64))
    upper = torch.triu(torch.rand(n, n, generator=gen, dtype=torch.float64) < p, diagonal=1)
    a = upper | upper.T
    if self_loops:
        a |= torch.diag(torch.rand(n, generator=gen, dtype=torch.float64) < 0.3)
    return sp.csr_matrix(a.numpy().astype(np.float32))


def spectrum(gen: torch.Generator) -> float:
    """Random graphs of 2–14 nodes, edge probability 0.05–0.9, isolated nodes allowed.

    gcn.eq8.spectrum: the paper's statement before Eq. (8), I_N + D^-1/2 A D^-1/2 has
    eigenvalues in [0, 2] (A without self-loops, an isolated node's row zero as in the authors'
    code). Returns the largest of its asymmetry and how far an eigenvalue lies outside [0, 2].
    """
    adj = random_graph(gen)
    op = np.eye(adj.shape[0]) + normalized_adjacency(adj, np.float64).toarray()
    eig = np.linalg.eigvalsh(op)
    return float(max(np.abs(op - op.T).max(), -eig.min(), eig.max() - 2.0, 0.0))


def renormalized_spectrum(gen: torch.Generator) -> float:
    """Random graphs of 2–14 nodes, edge probability 0.05–0.9, some self-loops.

    gcn.eq8.renormalized-spectrum (derived, not stated in the paper): Â = D̃^-1/2 (A + I) D̃^-1/2
    is symmetric, its eigenvalues lie in (−1, 1], the largest is 1, with eigenvector D̃^{1/2}·1
    (on every connected component). Returns the
    largest of |Â − Âᵀ|, |λ_max − 1| and |Â v − v| for v = D̃^{1/2}·1; an eigenvalue at or
    below −1 (within 1e-9: the interval is open there) is an infinite deviation.
    """
    adj = random_graph(gen, self_loops=True)
    a_hat = renormalized_adjacency(adj).toarray().astype(np.float64)
    eig = np.linalg.eigvalsh(a_hat)
    if eig.min() <= -1.0 + 1e-9:
        return math.inf
    v = np.sqrt(adj.toarray().sum(1) + 1.0)  # D̃^{1/2}·1
    return float(
        max(
            np.abs(a_hat - a_hat.T).max(),
            abs(eig.max() - 1.0),
            np.abs(a_hat @ v - v).max(),
        )
    )


def chebyshev_first_order(gen: torch.Generator) -> float:
    """Random graphs of 2–14 nodes, features X (N, 1–6) and weights Θ (·, 1–5) ~ N(0, 1).

    gcn.eq7.chebyshev-first-order: with K = 1, λ_max = 2 and θ = θ'_0 = −θ'_1 the Chebyshev
    filter Σ_k θ'_k T_k(L̃) X equals (I_N + D^-1/2 A D^-1/2) X Θ (Eq. 5 → 6 → 7). Returns the
    largest |difference| (the operators are float32, as in training).
    """
    adj = random_graph(gen)
    n = adj.shape[0]
    f_in, f_out = _integer(gen, 1, 6), _integer(gen, 1, 5)
    x = torch.randn(n, f_in, generator=gen, dtype=torch.float64).numpy()
    theta = torch.randn(f_in, f_out, generator=gen, dtype=torch.float64).numpy()
    t0, t1 = chebyshev_polynomials(adj, 1, lambda_max=2.0)
    cheb = t0 @ x @ theta + t1 @ x @ (-theta)
    single = (np.eye(n) + normalized_adjacency(adj).toarray()) @ x @ theta
    return float(np.abs(cheb - single).max())
