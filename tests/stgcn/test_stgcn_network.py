"""Property tests of the ST-GCN unit and network (claims stgcn.sec3.*)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.stgcn import (
    STGCN,
    BaselineTCN,
    Graph,
    GraphConv,
    LocalGraphConv,
    STGCNBlock,
    TemporalConv,
    aggregate,
    aggregate_matmul,
    scaled_widths,
)
from implementations.stgcn.paper import PAPER
from repro.experiment import deviation

SMALL = scaled_widths(8)
EDGE_IMPORTANCE = PAPER.claim("stgcn.sec3.edge-importance-ones")
PERMUTATION = PAPER.claim("stgcn.sec3.joint-permutation")
STRIDE = PAPER.claim("stgcn.sec3.temporal-stride")


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_stgcn_sec3_edge_importance_ones_matches_plain(seed):
    """stgcn.sec3.edge-importance-ones: with M = 1 the outputs and the gradients of every
    shared weight equal those of ST-GCN without M."""
    assert deviation(EDGE_IMPORTANCE, seed) <= EDGE_IMPORTANCE.tolerance


def test_edge_importance_receives_gradient():
    """M itself receives a gradient, so it can learn."""
    torch.manual_seed(0)
    model = STGCN(4, "kinect-v1", edge_importance=True, widths=SMALL)
    model(torch.randn(3, 3, 12, 20, 1)).square().sum().backward()
    assert all(float(b.edge_importance.grad.abs().sum()) > 0 for b in model.blocks)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_stgcn_sec3_joint_permutation_equivariance(seed):
    """stgcn.sec3.joint-permutation: relabelling joints by a permutation (A, M and the data
    BN permuted with them) permutes the features and leaves the pooled output unchanged."""
    assert deviation(PERMUTATION, seed) <= PERMUTATION.tolerance


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_stgcn_sec3_temporal_stride(seed):
    """stgcn.sec3.temporal-stride: T is kept at stride 1 and becomes ceil(T / 2) at stride 2."""
    assert deviation(STRIDE, seed) <= STRIDE.tolerance


def _aggregate_loops(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f_out[n, c, t, w] = Σ_k Σ_v y[n, k, c, t, v] A[k, v, w], written as loops."""
    n, k, c, t, v = y.shape
    out = np.zeros((n, c, t, a.shape[2]))
    for kk in range(k):
        for vv in range(v):
            for ww in range(a.shape[2]):
                out[..., ww] += y[:, kk, :, :, vv] * a[kk, vv, ww]
    return out


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 6), st.integers(0, 99)
)
def test_aggregate_matches_loops_and_matmul(n, k, c, v, seed):
    """Eq. (10)'s aggregation: einsum == plain loops == the dense matmul formulation."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randn(n, k, c, 3, v, generator=g, dtype=torch.float64)
    a = torch.randn(k, v, v, generator=g, dtype=torch.float64)
    ref = torch.from_numpy(_aggregate_loops(y.numpy(), a.numpy()))
    torch.testing.assert_close(aggregate(y, a), ref)
    torch.testing.assert_close(aggregate_matmul(y, a), ref)


def test_graph_conv_gradcheck():
    torch.manual_seed(0)
    conv = GraphConv(2, 3, 3).double()
    a = Graph("openpose").tensor(torch.float64)
    x = torch.randn(1, 2, 3, 18, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, a), (x,))


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["openpose", "kinect-v1"]), st.integers(0, 99))
def test_local_graph_conv_matches_loops(layout, seed):
    """Local convolution: f_out(w) = Σ_v A[v, w] W_vw f_in(v) + b_w, checked with loops."""
    torch.manual_seed(seed)
    a = Graph(layout, "uniform").tensor(torch.float64)[0]
    conv = LocalGraphConv(3, 2, a).double()
    x = torch.randn(2, 3, 4, a.shape[0], dtype=torch.float64)
    ref = conv.bias[None, :, None, :].expand(2, 2, 4, a.shape[0]).clone()
    for p, (v, w) in enumerate(zip(conv.src.tolist(), conv.dst.tolist(), strict=True)):
        ref[..., w] += a[v, w] * torch.einsum("oc,nct->not", conv.weight[p], x[..., v])
    torch.testing.assert_close(conv(x), ref)


def test_local_conv_has_unshared_weights_per_edge():
    g = Graph("kinect-v1", "uniform")
    model = STGCN(3, g, local=True, widths=SMALL)
    assert model.blocks[0].gcn.weight.shape == (int((g.A != 0).sum()), 8, 3)


def test_baseline_tcn_shapes_and_no_graph():
    model = BaselineTCN(7, num_joints=20, widths=SMALL)
    assert model(torch.randn(2, 3, 16, 20, 1)).shape == (2, 7)
    assert model.blocks[0].A.shape == (1, 1, 1)
    with pytest.raises(ValueError, match="V = 25 joints but the model expects 20"):
        model(torch.randn(2, 3, 16, 25, 1))


def test_paper_network_shape_and_widths():
    model = STGCN(60, "ntu-rgb+d", edge_importance=True)
    assert [b.tcn[2].out_channels for b in model.blocks] == [64] * 4 + [128] * 3 + [256] * 3
    f = model.features(torch.randn(1, 3, 20, 25, 2), pooled=False)
    assert f.shape == (1, 2, 256, 5, 25)  # T: 20 -> 10 -> 5


@pytest.mark.parametrize(
    ("x", "err", "match"),
    [
        (torch.randn(2, 3, 16, 25, 1), ValueError, "V = 25 joints but the model expects 20"),
        (torch.randn(2, 2, 16, 20, 1), ValueError, "C = 2 channels, the model expects 3"),
        (torch.randn(2, 3, 8, 20, 1), ValueError, "T = 8 frames, shorter than the temporal"),
        (torch.randn(2, 3, 16, 20), ValueError, r"must be \(N, C, T, V, M\)"),
        (np.zeros((2, 3, 16, 20, 1)), TypeError, "input must be a Tensor"),
    ],
)
def test_stgcn_bad_input(x, err, match):
    model = STGCN(4, "kinect-v1", widths=SMALL)
    with pytest.raises(err, match=match):
        model(x)


def test_bad_construction():
    a = Graph("kinect-v1").tensor()
    with pytest.raises(ValueError, match="edge_importance cannot be combined with local"):
        STGCNBlock(3, 4, a, edge_importance=True, local=True)
    with pytest.raises(ValueError, match="kernel_size must be odd and positive"):
        TemporalConv(4, kernel_size=4)
    with pytest.raises(ValueError, match="A has 1 subsets, this layer has 3"):
        GraphConv(3, 4, 3)(torch.randn(1, 3, 2, 20), a[:1])
    with pytest.raises(ValueError, match="num_classes must be positive"):
        STGCN(0, "kinect-v1")
    with pytest.raises(ValueError, match="base width must be positive"):
        scaled_widths(0)


@pytest.mark.parametrize("model", ["stgcn", "baseline"])
def test_empty_batch_gives_empty_scores(model):
    """N = 0 gives (0, classes) scores and (0, M, C', T', V) features, as torch's modules do,
    in training and in evaluation mode."""
    if model == "stgcn":
        net = STGCN(4, "kinect-v1", widths=SMALL)
    else:
        net = BaselineTCN(4, 20, widths=SMALL)
    for train in (True, False):
        net.train(train)
        scores = net(torch.zeros(0, 3, 16, 20, 2))
        assert scores.shape == (0, 4)
        features = net.features(torch.zeros(0, 3, 16, 20, 2), pooled=False)
        assert features.shape[:3] == (0, 2, SMALL[-1])


@pytest.mark.parametrize("n", [2, 0])
def test_no_person_is_refused(n):
    model = STGCN(4, "kinect-v1", widths=SMALL)
    with pytest.raises(ValueError, match="M = 0 persons; a sequence needs at least one person"):
        model(torch.zeros(n, 3, 16, 20, 0))
