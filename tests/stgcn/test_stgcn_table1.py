"""The Table 1 rows as models: every row builds, and "distance partitioning*" ties weights."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.stgcn import Graph, GraphConv
from implementations.stgcn.table1 import VARIANTS, TiedDistanceGraph, build


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from(["kinect-v1", "ntu-rgb+d", "openpose"]))
def test_distance_star_is_distance_partitioning_with_w1_equal_minus_w0(seed, layout):
    """Σ_k A_k f W_k with W_1 = −W_0 (and the bias likewise) equals (A_0 − A_1) f W_0."""
    gen = torch.Generator().manual_seed(seed)
    a = Graph(layout, "distance").tensor()  # (2, V, V)
    tied = TiedDistanceGraph(layout).tensor()  # (1, V, V)
    assert tied.shape == (1, *a.shape[1:])
    free, bound = GraphConv(3, 4, 2), GraphConv(3, 4, 1)
    with torch.no_grad():
        w = torch.randn(4, 3, 1, 1, generator=gen)
        b = torch.randn(4, generator=gen)
        free.conv.weight.copy_(torch.cat([w, -w]))  # channels k * C_out + c
        free.conv.bias.copy_(torch.cat([b, -b]))
        bound.conv.weight.copy_(w)
        bound.conv.bias.copy_(b)
    x = torch.randn(2, 3, 5, a.shape[-1], generator=gen)
    torch.testing.assert_close(bound(x, tied), free(x, a), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_row_builds_and_classifies(variant):
    torch.manual_seed(0)
    model = build(variant, 7, "kinect-v1", base_width=8)
    assert model(torch.randn(2, 3, 16, 20, 1)).shape == (2, 7)


def test_unknown_row():
    with pytest.raises(ValueError, match="variant must be one of tcn, local, distance"):
        build("spatial+X", 7, "kinect-v1")
