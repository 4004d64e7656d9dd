"""Graph propagation matrices of Kipf & Welling (ICLR 2017): Eq. (5)–(8) and Table 3's variants.

All functions take a scipy sparse adjacency ``A`` (N, N), symmetric, and return scipy CSR
matrices (float32); :func:`to_torch_sparse` turns one into a torch sparse tensor. Degrees of zero
(isolated nodes) give zero rows, as ``d^{-1/2} = inf`` is set to 0 in the authors' code.
:func:`normalized_adjacency`, the symmetric normalisation every operator here is built from, also
also takes a dense array.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

#: Table 3's propagation models, in the paper's row order.
PROPAGATIONS = (
    "chebyshev3",
    "chebyshev2",
    "first_order",
    "single_parameter",
    "renormalized",
    "first_order_only",
    "mlp",
)


def _check_weights(a: np.ndarray | sp.csr_matrix) -> None:
    """Refuse NaN, infinite or negative edge weights: they would make degrees non-positive or
    NaN, and D^{-1/2} (set to 0 there) would silently zero those nodes' rows."""
    values = a.data if sp.issparse(a) else a.ravel()
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        if sp.issparse(a):
            coo = a.tocoo()  # keeps the order of a CSR matrix's data
            i, j = coo.row[k], coo.col[k]
        else:
            i, j = divmod(k, a.shape[1])
        raise ValueError(
            f"adjacency weights must be finite and non-negative; A[{i}, {j}] = {values[k]} "
            f"({int(bad.sum())} such entries)"
        )


def _check_adjacency(adj: sp.spmatrix) -> sp.csr_matrix:
    if not sp.issparse(adj):
        raise TypeError(f"adjacency must be a scipy sparse matrix, got {type(adj).__name__}")
    if adj.ndim != 2 or adj.shape[0] != adj.shape[1]:
        raise ValueError(f"adjacency must be square (N, N), got shape {adj.shape}")
    a = sp.csr_matrix(adj, dtype=np.float64)
    _check_weights(a)
    return a


def normalized_adjacency(
    adj: np.ndarray | sp.spmatrix, dtype: npt.DTypeLike = np.float32
) -> np.ndarray | sp.csr_matrix:
    r"""The symmetric normalisation D^{-1/2} A D^{-1/2}, with D_ii = Σ_j A_ij.

    .. math::
        \hat{A}_{ij} = \frac{A_{ij}}{\sqrt{D_{ii}} \sqrt{D_{jj}}}

    This is the operator of Eq. (7) and of Table 3's first-order rows; applied to A + I_N it is
    the renormalisation trick of Eq. (8) (:func:`renormalized_adjacency`). No self-loops are
    added. A node of degree zero (isolated) gets a zero
    row and column, as ``d^{-1/2} = inf`` is set to 0 in the authors' code. The products are
    computed in float64 and the result is cast to ``dtype``.

    Args:
        adj (ndarray or scipy sparse matrix [N, N]): the (weighted) adjacency, symmetric for a
            symmetric result; weights finite and non-negative (``ValueError`` otherwise).
        dtype: the dtype of the result (float32, as the layers' supports, by default).

    Returns:
        a dense ndarray for a dense ``adj``, a scipy CSR matrix for a sparse one.
    """
    dense = isinstance(adj, np.ndarray)
    if not (dense or sp.issparse(adj)):
        raise TypeError(
            f"adjacency must be a numpy array or a scipy sparse matrix, got {type(adj).__name__}"
        )
    a = np.asarray(adj, dtype=np.float64) if dense else _check_adjacency(adj)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"adjacency must be square (N, N), got shape {a.shape}")
    if dense:
        _check_weights(a)
    deg = np.asarray(a.sum(axis=1), dtype=np.float64).ravel()
    inv_sqrt = np.where(deg > 0, 1.0 / np.sqrt(np.where(deg > 0, deg, 1.0)), 0.0)
    if dense:
        return (inv_sqrt[:, None] * a * inv_sqrt[None, :]).astype(dtype)
    d = sp.diags(inv_sqrt)
    return sp.csr_matrix(d @ a @ d, dtype=dtype)


def renormalized_adjacency(adj: sp.spmatrix) -> sp.csr_matrix:
    r"""The renormalisation trick, Eq. (8): Â = D̃^{-1/2} Ã D̃^{-1/2}, Ã = A + I_N, D̃_ii = Σ_j Ã_ij.

    Replaces I_N + D^{-1/2} A D^{-1/2}, whose eigenvalues lie in [0, 2] and whose repeated
    application is numerically unstable, by an operator with spectrum in (−1, 1]. The weights
    of ``adj`` must be finite and non-negative (``ValueError`` otherwise).
    """
    a = _check_adjacency(adj)
    return normalized_adjacency(a + sp.eye(a.shape[0], format="csr"))


def scaled_laplacian(adj: sp.spmatrix, lambda_max: float | None = None) -> sp.csr_matrix:
    r"""L̃ = 2 L / λ_max − I_N with L = I_N − D^{-1/2} A D^{-1/2} (the argument of Eq. (5)).

    ``lambda_max`` is computed (largest-magnitude eigenvalue of L, as in the authors' code) when
    not given; Eq. (6) of the paper approximates it by 2.
    """
    a = _check_adjacency(adj)
    n = a.shape[0]
    lap = sp.eye(n, format="csr") - normalized_adjacency(a).astype(np.float64)
    if lambda_max is None:
        lambda_max = largest_laplacian_eigenvalue(a)
    return sp.csr_matrix(2.0 / lambda_max * lap - sp.eye(n), dtype=np.float32)


def largest_laplacian_eigenvalue(adj: sp.spmatrix) -> float:
    """λ_max of L = I − D^{-1/2} A D^{-1/2}.

    L's spectrum lies in [0, 2] and reaches 2 exactly when a connected component with an edge is
    bipartite; that case is decided combinatorially, because ARPACK (which the authors' code
    calls) fails to converge on the many degenerate eigenvalues 2 of Citeseer's small
    components. Otherwise Lanczos (``eigsh``) from a fixed start vector, so runs are repeatable.
    """
    a = _check_adjacency(adj)
    n_comp, comp = sp.csgraph.connected_components(a, directed=False)
    coo = sp.coo_matrix(a)
    has_edge = np.zeros(n_comp, dtype=bool)
    has_edge[comp[coo.row]] = True
    # 2-colour each component by the parity of the BFS depth from one of its nodes
    roots = np.array([np.flatnonzero(comp == c)[0] for c in range(n_comp)])
    dist = sp.csgraph.shortest_path(a, indices=roots, unweighted=True, directed=False)
    depth = dist[comp, np.arange(a.shape[0])].astype(np.int64)  # each node from its own root
    same = (depth[coo.row] % 2) == (depth[coo.col] % 2)  # self-loops included
    odd_cycle = np.zeros(n_comp, dtype=bool)
    odd_cycle[comp[coo.row[same]]] = True
    if np.any(has_edge & ~odd_cycle):
        return 2.0
    lap = sp.eye(a.shape[0], format="csr") - normalized_adjacency(a).astype(np.float64)
    if lap.count_nonzero() == 0:  # every node has a self-loop and no edge: L = 0 (ARPACK fails)
        return 0.0
    v0 = np.random.default_rng(0).standard_normal(a.shape[0])
    return float(spla.eigsh(lap, k=1, which="LA", v0=v0, return_eigenvectors=False)[0])


def chebyshev_polynomials(
    adj: sp.spmatrix, k: int, lambda_max: float | None = None
) -> list[sp.csr_matrix]:
    r"""T_0(L̃), …, T_K(L̃), the basis of Eq. (5): g_θ' ⋆ x ≈ Σ_{k=0}^{K} θ'_k T_k(L̃) x.

    Recurrence T_k(x) = 2x T_{k−1}(x) − T_{k−2}(x), T_0 = 1, T_1 = x.
    """
    if k < 0:
        raise ValueError(f"Chebyshev order K must be >= 0, got {k}")
    lt = scaled_laplacian(adj, lambda_max).astype(np.float64)
    n = lt.shape[0]
    terms = [sp.eye(n, format="csr"), lt]
    for _ in range(2, k + 1):
        terms.append(sp.csr_matrix(2 * lt @ terms[-1] - terms[-2]))
    return [sp.csr_matrix(t, dtype=np.float32) for t in terms[: k + 1]]


def propagation_supports(name: str, adj: sp.spmatrix) -> list[sp.csr_matrix | None]:
    """The support matrices S_s of one Table 3 model; a layer computes Σ_s S_s X Θ_s.

    ``None`` stands for the identity (no sparse product needed).

    ============================  ===================================================
    ``chebyshev3`` / ``chebyshev2``  Σ_{k=0}^{K} T_k(L̃) X Θ_k, K = 3 / 2 (Eq. 5)
    ``first_order``                 X Θ_0 + D^{-1/2} A D^{-1/2} X Θ_1 (Eq. 6)
    ``single_parameter``            (I_N + D^{-1/2} A D^{-1/2}) X Θ (Eq. 7)
    ``renormalized``                D̃^{-1/2} Ã D̃^{-1/2} X Θ (Eq. 8)
    ``first_order_only``            D^{-1/2} A D^{-1/2} X Θ
    ``mlp``                         X Θ
    ============================  ===================================================
    """
    if name == "chebyshev3":
        return [None, *chebyshev_polynomials(adj, 3)[1:]]
    if name == "chebyshev2":
        return [None, *chebyshev_polynomials(adj, 2)[1:]]
    if name == "first_order":
        return [None, normalized_adjacency(adj)]
    if name == "single_parameter":
        a = _check_adjacency(adj)
        eye = sp.eye(a.shape[0], format="csr", dtype=np.float32)
        return [sp.csr_matrix(eye + normalized_adjacency(a))]
    if name == "renormalized":
        return [renormalized_adjacency(adj)]
    if name == "first_order_only":
        return [normalized_adjacency(adj)]
    if name == "mlp":
        return [None]
    raise ValueError(f"unknown propagation model {name!r}; choose from {', '.join(PROPAGATIONS)}")


def row_normalize(features: sp.spmatrix) -> sp.csr_matrix:
    """Row-normalised features (each row sums to 1; all-zero rows stay zero), as in the paper."""
    f = sp.csr_matrix(features, dtype=np.float64)
    rows = np.asarray(f.sum(1)).ravel()
    with np.errstate(divide="ignore"):
        inv = 1.0 / rows
    inv[~np.isfinite(inv)] = 0.0
    return sp.csr_matrix(sp.diags(inv) @ f, dtype=np.float32)


def to_torch_sparse(m: sp.spmatrix) -> torch.Tensor:
    """scipy sparse -> torch sparse CSR (float32; CSR products are faster than COO on CPU)."""
    csr = sp.csr_matrix(m, dtype=np.float32)
    csr.sort_indices()
    return csr_tensor(
        torch.from_numpy(csr.indptr.astype(np.int64)),
        torch.from_numpy(csr.indices.astype(np.int64)),
        torch.from_numpy(csr.data),
        csr.shape,
    )


def csr_tensor(
    crow: torch.Tensor, col: torch.Tensor, values: torch.Tensor, shape: tuple[int, int]
) -> torch.Tensor:
    """A torch CSR tensor from valid parts, without torch's "beta" warning on every call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(crow, col, values, shape, check_invariants=False)


def edge_index_to_adjacency(edge_index: torch.Tensor, num_nodes: int) -> sp.csr_matrix:
    """A PyG-style ``edge_index`` (2, E) -> symmetric binary scipy adjacency (N, N)."""
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    ei = edge_index.detach().cpu().numpy().astype(np.int64)
    if ei.size and (ei.min() < 0 or ei.max() >= num_nodes):
        raise ValueError(f"edge_index has node ids outside [0, {num_nodes})")
    a = sp.coo_matrix((np.ones(ei.shape[1], np.float32), (ei[0], ei[1])), (num_nodes, num_nodes))
    return sp.csr_matrix(((a + a.T) > 0).astype(np.float32))
