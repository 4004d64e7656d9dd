"""Random undirected graphs for the GCN property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from implementations.gcn.identity_checks import random_graph
from repro.experiment import instance_generator


@st.composite
def graphs(draw: st.DrawFn, min_nodes: int = 2, max_nodes: int = 14, self_loops: bool = False):
    """A symmetric binary scipy adjacency (isolated nodes allowed): the identity checks' graphs
    (:func:`implementations.gcn.identity_checks.random_graph`) for a seed hypothesis picks."""
    seed = draw(st.integers(0, 2**32 - 1))
    return random_graph(instance_generator(seed), min_nodes, max_nodes, self_loops)
