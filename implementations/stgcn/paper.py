"""ST-GCN (Yan, Xiong, Lin, AAAI 2018): metadata and claims."""

from __future__ import annotations

from implementations.stgcn import identity_checks
from repro.claims import Claim, Paper

#: Table 1 (ablation on Kinetics-skeleton, top-1 %), one entry per row we reproduce.
KINETICS_TOP1: dict[str, float] = {
    "tcn": 20.3,
    "local": 22.0,
    "uniform": 21.5,
    "distance": 29.1,
    "spatial": 29.9,
    "spatial+M": 30.7,
}

KINETICS = "Kinetics-skeleton (400 classes, OpenPose 2D joints)"
TABLE1_NOTE = (
    "Table 1 values as collected in ../shared/papers/stgcn.md from the paper (marked there as "
    "recalled; the paper text could not be re-read in this environment). The baseline TCN's "
    "20.3 matches the st-gcn repository's OLD_README."
)

#: Our datasets (the claim ids end in these keys) and their names in tables.
DATASETS: dict[str, str] = {"msr": "MSR Action3D", "utk": "UTKinect-Action3D"}

#: (what, variant a, variant b, statement): the orderings of Table 1 we judge.
ORDERINGS: tuple[tuple[str, str, str, str], ...] = (
    (
        "spatial-vs-distance",
        "spatial",
        "distance",
        "spatial configuration partitioning beats distance partitioning",
    ),
    (
        "distance-vs-uniform",
        "distance",
        "uniform",
        "distance partitioning beats uni-labeling",
    ),
    (
        "edge-importance",
        "spatial+M",
        "spatial",
        "learnable edge importance M improves spatial configuration partitioning",
    ),
    (
        "local-vs-uniform",
        "local",
        "uniform",
        "unshared per-edge weights (local convolution) beat uni-labeling",
    ),
    (
        "stgcn-vs-tcn",
        "spatial+M",
        "tcn",
        "the full ST-GCN (spatial + edge importance) beats the temporal-conv-only baseline",
    ),
)

#: Published cross-subject accuracies of other methods on MSR Action3D (all 20 actions), for a
#: reference point beside ours. Protocols differ as noted.
MSR_REFERENCE: tuple[tuple[str, float, str], ...] = (
    (
        "Vemulapalli et al. 2014, Lie group (SE(3)) features",
        89.48,
        "mean over 10 random 5/5 subject splits; ../shared/data/skeleton/README.md",
    ),
    (
        "Wang et al. 2012, actionlet ensemble",
        88.2,
        "odd/even subjects; as recalled, not re-checked here",
    ),
    (
        "Du et al. 2015, hierarchical RNN",
        94.49,
        "odd/even subjects; as recalled, not re-checked here",
    ),
)


def _gap(a: str, b: str) -> float:
    return round(KINETICS_TOP1[a] - KINETICS_TOP1[b], 1)


def _ordering(claim_id: str) -> Claim:
    """One Table 1 ordering judged on one of our datasets; ``claim_id`` is
    ``stgcn.table1.<what>-<dataset key>`` with ``what`` an entry of :data:`ORDERINGS`."""
    what, key = claim_id.removeprefix("stgcn.table1.").rsplit("-", 1)
    a, b, statement = next((a, b, st) for w, a, b, st in ORDERINGS if w == what)
    return Claim(
        id=claim_id,
        statement=f"{statement} (judged on {DATASETS[key]}, cross-subject)",
        source=(f"Table 1: {a} {KINETICS_TOP1[a]} vs {b} {KINETICS_TOP1[b]} top-1"),
        metric="top-1 accuracy gap (percentage points)",
        kind="ordering",
        paper_value=_gap(a, b),
        confidence="secondary",
        confidence_note=TABLE1_NOTE,
        dataset=KINETICS,
    )


CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="stgcn.sec3.edge-importance-ones",
        statement="with every edge-importance mask M = 1, ST-GCN with M computes the same "
        "outputs and weight gradients as ST-GCN without M (same weights)",
        source="Sec. 3.5 (learnable edge importance weighting)",
        metric="max |difference| of outputs and gradients",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="random inputs",
        tolerance=1e-5,
        test="tests/stgcn/test_stgcn_network.py::test_stgcn_sec3_edge_importance_ones_matches_plain",
        check=identity_checks.edge_importance_ones,
    ),
    Claim(
        id="stgcn.sec3.partitions-sum",
        statement="the K subsets of every partition strategy sum to the normalised "
        "neighbourhood, and have the hand-derived non-zero counts per subset",
        source="Sec. 3.4 (partition strategies), Fig. 3",
        metric="max |Σ_k A_k − normalised neighbourhood|",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="openpose, ntu-rgb+d and kinect-v1 graphs",
        tolerance=1e-12,
        test="tests/stgcn/test_stgcn_graph.py::test_stgcn_sec3_partitions_sum_to_neighbourhood",
        check=identity_checks.partitions_sum,
    ),
    Claim(
        id="stgcn.sec3.joint-permutation",
        statement="relabelling the joints (and permuting A, M and the data BN accordingly) "
        "permutes the unit features and leaves the pooled output unchanged",
        source="Sec. 3.3-3.4 (graph convolution on the skeleton graph)",
        metric="max |difference| of outputs",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="random inputs",
        tolerance=1e-4,
        test="tests/stgcn/test_stgcn_network.py::test_stgcn_sec3_joint_permutation_equivariance",
        check=identity_checks.joint_permutation,
    ),
    Claim(
        id="stgcn.sec3.temporal-stride",
        statement="the temporal convolution keeps T at stride 1 and gives ceil(T/2) at stride 2",
        source="Sec. 3.6 (implementing ST-GCN: temporal strides of 2 in two layers)",
        metric="frames out vs expected",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="random inputs",
        tolerance=0.0,
        test="tests/stgcn/test_stgcn_network.py::test_stgcn_sec3_temporal_stride",
        check=identity_checks.temporal_stride,
    ),
    Claim(
        id="stgcn.eq10.symmetric-normalization",
        statement="the symmetric normalisation Λ^-1/2 A Λ^-1/2 of the neighbourhood is "
        "symmetric with its spectrum in [−1, 1]",
        source="Sec. 3.6, the normalised adjacency Λ^-1/2 (A + I) Λ^-1/2",
        metric="max asymmetry / spectrum excess",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="openpose, ntu-rgb+d and kinect-v1 graphs",
        tolerance=1e-10,
        test="tests/stgcn/test_stgcn_graph.py::test_stgcn_eq10_symmetric_normalization",
        check=identity_checks.symmetric_normalization,
    ),
    _ordering("stgcn.table1.spatial-vs-distance-msr"),
    _ordering("stgcn.table1.distance-vs-uniform-msr"),
    _ordering("stgcn.table1.edge-importance-msr"),
    _ordering("stgcn.table1.local-vs-uniform-msr"),
    _ordering("stgcn.table1.stgcn-vs-tcn-msr"),
    _ordering("stgcn.table1.spatial-vs-distance-utk"),
    _ordering("stgcn.table1.distance-vs-uniform-utk"),
    _ordering("stgcn.table1.edge-importance-utk"),
    _ordering("stgcn.table1.local-vs-uniform-utk"),
    _ordering("stgcn.table1.stgcn-vs-tcn-utk"),
)

PAPER = Paper(
    id="stgcn",
    title="Spatial Temporal Graph Convolutional Networks for Skeleton-Based Action Recognition",
    authors="Sijie Yan, Yuanjun Xiong, Dahua Lin",
    venue="AAAI",
    year=2018,
    arxiv="1801.07455",
    url="https://arxiv.org/abs/1801.07455",
    claims=CLAIMS,
    reproduce="implementations.stgcn.reproduce",
    notes=(
        "Table 1 is an ablation on Kinetics-skeleton (240k clips); we judge its orderings on "
        "two small Kinect v1 datasets (MSR Action3D and UTKinect-Action3D, cross-subject) with "
        "a network of reduced width, trained on 2 CPU cores. Published MSR Action3D "
        "cross-subject accuracies for reference: "
        + "; ".join(f"{n}: {v}% ({p})" for n, v, p in MSR_REFERENCE)
        + "."
    ),
)
