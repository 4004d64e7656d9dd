"""Random undirected graphs for the GCN property tests."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st


@st.composite
def graphs(draw: st.DrawFn, min_nodes: int = 2, max_nodes: int = 14, self_loops: bool = False):
    """A symmetric binary scipy adjacency (isolated nodes allowed)."""
    n = draw(st.integers(min_nodes, max_nodes))
    p = draw(st.floats(0.05, 0.9))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, k=1)
    a = upper | upper.T
    if self_loops:
        a |= np.diag(rng.random(n) < 0.3)
    return sp.csr_matrix(a.astype(np.float32))
