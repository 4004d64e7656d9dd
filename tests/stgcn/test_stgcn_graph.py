"""Property tests of the skeleton graph and its partition strategies (claims stgcn.sec3.*,
stgcn.eq9.*)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.stgcn import Graph, hop_distance
from implementations.stgcn.paper import PAPER
from repro.data.skeleton_layouts import LAYOUTS, Layout
from repro.experiment import deviation

PARTITIONS = PAPER.claim("stgcn.sec3.partitions-sum")
SYMMETRIC = PAPER.claim("stgcn.eq9.symmetric-normalization")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_stgcn_sec3_partitions_sum_to_neighbourhood(seed):
    """stgcn.sec3.partitions-sum: the subsets are disjoint and sum to the normalised
    neighbourhood, for every strategy, hop radius and dilation."""
    assert deviation(PARTITIONS, seed) <= PARTITIONS.tolerance


# Non-zeros per subset with max_hop = 1, derived by hand (E bones, V joints, tree skeletons):
# uniform [V + 2E]; distance [V, 2E]; spatial [V, E, E] (every bone has one endpoint nearer the
# centre, so each bone gives one centripetal and one centrifugal entry).
# spatial_reference: distances to the centre beyond 1 hop are inf, so only bones touching the
# centre's 1-hop ball give a "closer" entry: openpose centre 1 (neck) has neighbours 0, 2, 5
# and the bones touching {1, 0, 2, 5} are 1-0, 1-2, 1-5, 0-14, 0-15, 2-3, 2-8, 5-6, 5-11 = 9,
# leaving 34 - 9 = 25 farther-or-equal entries. ntu-rgb+d centre 20 (joint 21) has neighbours
# 1, 2, 4, 8 and the bones touching them are 20-1, 20-2, 20-4, 20-8, 1-0, 2-3, 4-5, 8-9 = 8,
# leaving 48 - 8 = 40.
COUNTS = {
    ("openpose", "uniform"): [52],
    ("openpose", "distance"): [18, 34],
    ("openpose", "spatial"): [18, 17, 17],
    ("openpose", "spatial_reference"): [18, 25, 9],
    ("ntu-rgb+d", "uniform"): [73],
    ("ntu-rgb+d", "distance"): [25, 48],
    ("ntu-rgb+d", "spatial"): [25, 24, 24],
    ("ntu-rgb+d", "spatial_reference"): [25, 40, 8],
}


@pytest.mark.parametrize(("layout", "strategy"), sorted(COUNTS))
def test_stgcn_sec3_partition_counts(layout, strategy):
    """stgcn.sec3.partitions-sum: non-zeros per subset match the hand-derived counts."""
    g = Graph(layout, strategy)
    assert [int((a != 0).sum()) for a in g.A] == COUNTS[(layout, strategy)]


@pytest.mark.parametrize("layout", ["openpose", "ntu-rgb+d", "kinect-v1"])
def test_stgcn_sec3_spatial_is_centripetal_then_centrifugal(layout):
    """stgcn.sec3.partitions-sum: in ``spatial`` subset 1 holds sources nearer the centre than
    the root joint, subset 2 the farther ones (true hop distances)."""
    g = Graph(layout, "spatial")
    d = hop_distance(g.num_nodes, g.layout.edges, g.num_nodes)[:, g.layout.center]
    src, dst = np.nonzero(g.A[1])
    assert (d[src] < d[dst]).all()
    src, dst = np.nonzero(g.A[2])
    assert (d[src] > d[dst]).all()


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_stgcn_sec3_column_normalisation_sums_to_one(layout):
    """Reference normalisation A·Λ^-1: every joint's incoming weights sum to 1."""
    np.testing.assert_allclose(Graph(layout, "spatial").A.sum(axis=(0, 1)), 1.0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_stgcn_eq9_symmetric_normalization(seed):
    """stgcn.eq9.symmetric-normalization: Λ^-1/2 (A + I) Λ^-1/2 is symmetric, spectrum in [−1, 1],
    on the real skeletons and on random graphs with self-links (isolated joints included)."""
    assert deviation(SYMMETRIC, seed) <= SYMMETRIC.tolerance


def test_hop_distance_path():
    d = hop_distance(4, ((0, 1), (1, 2), (2, 3)), max_hop=2)
    assert d[0, 2] == 2 and np.isinf(d[0, 3]) and d[3, 3] == 0


def test_graph_tensor_and_repr():
    g = Graph("openpose", "distance", normalization="symmetric")
    assert g.tensor().dtype == torch.float32 and tuple(g.tensor().shape) == (2, 18, 18)
    assert repr(g) == "Graph('openpose', 'distance', normalization='symmetric')"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layout": "coco"}, "unknown skeleton layout 'coco'; known layouts"),
        ({"layout": "openpose", "strategy": "spectral"}, "strategy must be one of"),
        ({"layout": "openpose", "normalization": "row"}, "normalization must be one of"),
        ({"layout": "openpose", "max_hop": 0}, "max_hop and dilation must be >= 1"),
    ],
)
def test_graph_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Graph(**kwargs)


def test_layout_rejects_bad_edges():
    with pytest.raises(ValueError, match="is not a pair of joints"):
        Layout("bad", ("a", "b"), ((0, 2),), 0, 0)
    with pytest.raises(TypeError, match="layout must be a name or a Layout"):
        Graph(3)  # type: ignore[arg-type]
