"""The check functions of ST-GCN's identity claims: one seeded random instance → largest deviation.

The runner evaluates each check on the instances of seeds 0 … n − 1 and the property tests in
``tests/stgcn`` on the seeds hypothesis picks (:func:`repro.experiment.deviation`). Weights are
initialised from a seed drawn from the instance's generator, inside ``torch.random.fork_rng``
so that a check leaves the global random state as it found it.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from implementations.stgcn.block import STGCNBlock, TemporalConv
from implementations.stgcn.graph import NORMALIZATIONS, STRATEGIES, Graph
from implementations.stgcn.network import STGCN, scaled_widths
from repro.data.skeleton_layouts import LAYOUTS, Layout

#: the real skeletons the network checks run on
SKELETONS: tuple[str, ...] = ("openpose", "ntu-rgb+d", "kinect-v1")
SMALL = scaled_widths(8)


def _integer(gen: torch.Generator, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return int(torch.randint(low, high + 1, (), generator=gen))


def _choice(gen: torch.Generator, options: tuple[str, ...]) -> str:
    return options[_integer(gen, 0, len(options) - 1)]


def _max_abs(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> float:
    return float(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)).max())


def partitions_sum(gen: torch.Generator) -> float:
    """Every layout, strategy and normalisation, max_hop 1–3, dilation 1–2.

    stgcn.sec3.partitions-sum: the K subsets are disjoint, sum to the normalised neighbourhood
    and number 1 (uniform), one per kept hop distance (distance) or 2·hops − 1 (spatial).
    Returns max |Σ_k A_k − normalised neighbourhood|, plus the number of entries that lie in
    two subsets and the difference from the expected K.
    """
    layout = _choice(gen, tuple(sorted(LAYOUTS)))
    strategy = _choice(gen, STRATEGIES)
    norm = _choice(gen, NORMALIZATIONS)
    max_hop, dilation = _integer(gen, 1, 3), _integer(gen, 1, 2)
    g = Graph(layout, strategy, max_hop=max_hop, dilation=dilation, normalization=norm)
    hops = len(range(0, max_hop + 1, dilation))
    expected_k = {"uniform": 1, "distance": hops}.get(strategy, 2 * hops - 1)
    overlaps = int(((g.A != 0).sum(0) > 1).sum())
    return _max_abs(g.A.sum(0), g.full) + overlaps + abs(g.num_subsets - expected_k)


def symmetric_normalization(gen: torch.Generator) -> float:
    """A real skeleton or a random graph of 2–12 joints (isolated ones allowed), max_hop 1–3.

    stgcn.eq9.symmetric-normalization: Eq. 9's Λ^-1/2 (A + I) Λ^-1/2 of the neighbourhood
    (self-links included) is symmetric, its spectrum lies in [−1, 1] and its largest
    eigenvalue is 1 (every joint links to itself, so every component has one). Returns the
    largest of the asymmetry, the spectrum's excess over [−1, 1] and |λ_max − 1|.
    """
    max_hop = _integer(gen, 1, 3)
    layout: str | Layout = _choice(gen, (*SKELETONS, "random"))
    if layout == "random":
        v = _integer(gen, 2, 12)
        pairs = torch.randint(0, v, (_integer(gen, 0, 20), 2), generator=gen).tolist()
        edges = tuple((i, j) for i, j in pairs if i != j)
        layout = Layout("random", tuple(str(j) for j in range(v)), edges, center=0, root=0)
    a = Graph(layout, "uniform", max_hop=max_hop, normalization="symmetric").full
    eig = np.linalg.eigvalsh(a)
    return max(_max_abs(a, a.T), float(np.abs(eig).max()) - 1.0, abs(float(eig.max()) - 1.0))


def _global_seed(gen: torch.Generator) -> int:
    """A seed for the global generator, drawn from the instance's generator."""
    return _integer(gen, 0, 2**31 - 1)


def edge_importance_ones(gen: torch.Generator) -> float:
    """Small ST-GCNs (widths 8-16-32) on a real skeleton, any strategy, input (3, 3, 12, V, 2).

    stgcn.sec3.edge-importance-ones: with every mask M = 1, ST-GCN with M and ST-GCN without M
    (the same weights) compute the same outputs and the same gradients of every shared weight.
    Returns the largest |difference| of outputs and gradients (of Σ y²).
    """
    layout = _choice(gen, SKELETONS)
    strategy = _choice(gen, STRATEGIES)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_global_seed(gen))
        with_m = STGCN(4, layout, strategy, edge_importance=True, widths=SMALL)
        plain = STGCN(4, layout, strategy, edge_importance=False, widths=SMALL)
    plain.load_state_dict(
        {k: v for k, v in with_m.state_dict().items() if "edge_importance" not in k}
    )
    x = torch.randn(3, 3, 12, with_m.num_joints, 2, generator=gen)
    outs, grads = [], []
    for model in (with_m, plain):
        y = model(x)
        y.square().sum().backward()
        outs.append(y.detach())
        grads.append({n: p.grad for n, p in model.named_parameters() if "edge_importance" not in n})
    if grads[0].keys() != grads[1].keys():
        return math.inf
    return max(_max_abs(outs[0], outs[1]), *(_max_abs(grads[0][n], g) for n, g in grads[1].items()))


def _permuted_state(model: STGCN, perm: torch.Tensor) -> dict[str, torch.Tensor]:
    """The state of ``model`` with its joints relabelled (new joint j is old joint perm[j]):
    A, M and the per-joint data BN are permuted; the other weights are shared by all joints."""
    c = model.in_channels
    out = {}
    for k, v in model.state_dict().items():
        if k.endswith(".A") or k.endswith(".edge_importance"):
            v = v[:, perm][:, :, perm]
        elif k.startswith("data_bn.") and v.dim() == 1:
            v = v.view(-1, c)[perm].reshape(-1)  # (V*C,) ordered joint-major
        out[k] = v
    return out


def joint_permutation(gen: torch.Generator) -> float:
    """Small ST-GCNs (widths 8-16-32, random M and data-BN means) on a real skeleton, input
    (2, 3, 12, V, 2), a random relabelling of the joints.

    stgcn.sec3.joint-permutation: relabelling the joints, with A, M and the data BN permuted
    accordingly, permutes the units' features and leaves the pooled output unchanged. Returns
    the largest |difference| of features and outputs.
    """
    layout = _choice(gen, SKELETONS)
    strategy = _choice(gen, ("uniform", "distance", "spatial"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_global_seed(gen))
        model = STGCN(5, layout, strategy, edge_importance=True, widths=SMALL).eval()
        relabelled = STGCN(5, layout, strategy, edge_importance=True, widths=SMALL).eval()
    with torch.no_grad():
        for b in model.blocks:  # a non-trivial M, so that its permutation matters
            b.edge_importance.uniform_(0.5, 1.5, generator=gen)
        model.data_bn.running_mean.normal_(generator=gen)
        v = model.num_joints
        perm = torch.randperm(v, generator=gen)
        relabelled.load_state_dict(_permuted_state(model, perm))
        x = torch.randn(2, 3, 12, v, 2, generator=gen)
        f = model.features(x, pooled=False)
        fp = relabelled.features(x[:, :, :, perm], pooled=False)
        return max(_max_abs(fp, f[..., perm]), _max_abs(relabelled(x[:, :, :, perm]), model(x)))


def temporal_stride(gen: torch.Generator) -> float:
    """A temporal convolution and an ST-GCN unit, T = 1–40 frames, kernel 1, 3 or 9, stride 1
    or 2.

    stgcn.sec3.temporal-stride: the output has T frames at stride 1 and ceil(T / 2) at stride
    2, the other dimensions unchanged. Returns the largest |frames out − expected| (infinite
    when another dimension changed).
    """
    t = _integer(gen, 1, 40)
    kernel = (1, 3, 9)[_integer(gen, 0, 2)]
    stride = _integer(gen, 1, 2)
    expected = math.ceil(t / stride)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_global_seed(gen))
        tcn = TemporalConv(4, kernel, stride)
        block = STGCNBlock(3, 4, Graph("kinect-v1").tensor(), stride, kernel)
    shapes = [
        tuple(tcn(torch.randn(2, 4, t, 5, generator=gen)).shape),
        tuple(block(torch.randn(2, 3, t, 20, generator=gen)).shape),
    ]
    worst = 0.0
    for shape, v in zip(shapes, (5, 20), strict=True):
        if shape[:2] + shape[3:] != (2, 4, v):
            return math.inf
        worst = max(worst, float(abs(shape[2] - expected)))
    return worst
