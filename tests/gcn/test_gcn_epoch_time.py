"""Figure 2's random graphs (gcn.fig2.linear-in-edges): N nodes, 2N uniform edges."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.gcn.epoch_time import epoch_seconds, num_edges, random_graph


@settings(max_examples=30, deadline=None)
@given(n=st.integers(3, 400), seed=st.integers(0, 2**32 - 1))
def test_random_graph_has_2n_undirected_edges(n, seed):
    adj = random_graph(n, seed)
    assert adj.shape == (n, n)
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    assert set(np.unique(adj.data)) == {1.0}
    # 2N draws; a pair drawn twice is kept once (rare but possible on small graphs)
    assert num_edges(adj) <= 2 * n
    assert num_edges(adj) >= (1.5 * n if n >= 50 else 1)  # ~4 repeats expected, not n / 2
    assert (random_graph(n, seed) != adj).nnz == 0


def test_random_graph_rejects_tiny_graphs():
    with pytest.raises(ValueError, match="num_nodes must be at least 3"):
        random_graph(2, 0)


def test_epoch_seconds_times_one_epoch():
    t = epoch_seconds(500, seed=0, repeat=1)
    assert math.isfinite(t) and t > 0
