"""Kipf & Welling, Semi-Supervised Classification with Graph Convolutional Networks, ICLR 2017.

Numbers from the paper (arXiv 1609.02907v4): Table 2 (p. 6, classification accuracy, mean of 100
runs with random weight initialisations; training time to convergence in brackets; last row: 10
random splits, mean ± standard error), Table 3 (p. 7, propagation models, 100 runs) and Figure 2
(time per epoch on random graphs, linear in the number of edges; Sec. 2.2 gives the cost
O(|E| F C)).
"""

from __future__ import annotations

from implementations.gcn import identity_checks
from repro.claims import Claim, Paper

TABLE2 = {"citeseer": 70.3, "cora": 81.5, "pubmed": 79.0}
#: Table 2, "GCN (rand. splits)": mean over 10 random splits of the same sizes.
TABLE2_RANDOM_SPLITS = {"citeseer": 67.9, "cora": 80.1, "pubmed": 78.9}
#: Table 2, the GCN row's bracketed wall-clock training time to convergence (seconds).
TABLE2_SECONDS = {"citeseer": 7.0, "cora": 4.0, "pubmed": 38.0, "nell": 48.0}
TABLE2_NELL = 66.0

#: Table 3, rows in the paper's order: (our model name, the paper's row label, values).
TABLE3 = (
    ("chebyshev3", "Chebyshev filter, K = 3", {"citeseer": 69.8, "cora": 79.5, "pubmed": 74.4}),
    ("chebyshev2", "Chebyshev filter, K = 2", {"citeseer": 69.6, "cora": 81.2, "pubmed": 73.8}),
    ("first_order", "1st-order model", {"citeseer": 68.3, "cora": 80.0, "pubmed": 77.5}),
    ("single_parameter", "single parameter", {"citeseer": 69.3, "cora": 79.2, "pubmed": 77.4}),
    ("renormalized", "renormalization trick", {"citeseer": 70.3, "cora": 81.5, "pubmed": 79.0}),
    ("first_order_only", "1st-order term only", {"citeseer": 68.7, "cora": 80.5, "pubmed": 77.8}),
    ("mlp", "multi-layer perceptron", {"citeseer": 46.5, "cora": 55.1, "pubmed": 71.4}),
)

DATASET_NAMES = {"cora": "Cora", "citeseer": "Citeseer", "pubmed": "Pubmed", "nell": "NELL"}
TOLERANCE = 1.0  # percentage points, on the mean over seeds


def _planetoid(ds: str) -> str:
    return f"{DATASET_NAMES[ds]} (Planetoid split)"


def _best_gap(ds: str) -> float:
    values = {name: vals[ds] for name, _, vals in TABLE3}
    best_other = max(v for k, v in values.items() if k != "renormalized")
    return round(values["renormalized"] - best_other, 2)


def _table2(claim_id: str) -> Claim:
    """Table 2's GCN row; ``claim_id`` is ``gcn.table2.<dataset>``."""
    ds = claim_id.split(".")[2]
    return Claim(
        id=claim_id,
        statement=f"A 2-layer GCN reaches {TABLE2[ds]}% test accuracy on {DATASET_NAMES[ds]}",
        source="Table 2, p. 6",
        metric="test accuracy (%)",
        kind="numeric",
        paper_value=TABLE2[ds],
        confidence="confirmed",
        dataset=_planetoid(ds),
        tolerance=TOLERANCE,
        same_runs_as=f"gcn.table3.renormalized.{ds}",
    )


def _table2_random_splits(claim_id: str) -> Claim:
    """Table 2's random-splits row; ``claim_id`` is ``gcn.table2.random-splits.<dataset>``."""
    ds = claim_id.split(".")[3]
    return Claim(
        id=claim_id,
        statement=(
            f"On random splits of the standard sizes a 2-layer GCN reaches "
            f"{TABLE2_RANDOM_SPLITS[ds]}% on {DATASET_NAMES[ds]}"
        ),
        source="Table 2, p. 6 (GCN, rand. splits; mean ± s.e. of 10 splits)",
        metric="test accuracy (%)",
        kind="numeric",
        paper_value=TABLE2_RANDOM_SPLITS[ds],
        confidence="confirmed",
        dataset=f"{DATASET_NAMES[ds]}, 10 random splits of the Planetoid split's sizes",
        tolerance=TOLERANCE,
    )


def _table2_seconds(claim_id: str) -> Claim:
    """Table 2's bracketed training time; ``claim_id`` is ``gcn.table2.seconds.<dataset>``."""
    ds = claim_id.split(".")[3]
    return Claim(
        id=claim_id,
        statement=(
            f"A 2-layer GCN trains to convergence on {DATASET_NAMES[ds]} in "
            f"{TABLE2_SECONDS[ds]:g} s (the paper's machine)"
        ),
        source="Table 2, p. 6 (time in brackets)",
        metric="training time to convergence per run (s)",
        timed=True,
        kind="numeric",
        paper_value=TABLE2_SECONDS[ds],
        confidence="confirmed",
        dataset=_planetoid(ds) if ds != "nell" else "NELL",
        # Our choice, fixed before measuring: the same order (within ±100 %). The table does not
        # say which hardware timed the row; ours is one CPU thread, so a miss says little.
        tolerance=TABLE2_SECONDS[ds],
        machine_dependent=True,
    )


def _table3(claim_id: str) -> Claim:
    """One cell of Table 3; ``claim_id`` is ``gcn.table3.<model>.<dataset>``."""
    _, _, name, ds = claim_id.split(".")
    label, vals = next((label, vals) for n, label, vals in TABLE3 if n == name)
    return Claim(
        id=claim_id,
        statement=f"{label} reaches {vals[ds]}% on {DATASET_NAMES[ds]}",
        source="Table 3, p. 7",
        metric="test accuracy (%)",
        kind="numeric",
        paper_value=vals[ds],
        confidence="confirmed",
        dataset=_planetoid(ds),
        tolerance=TOLERANCE,
    )


def _renormalization_best(claim_id: str) -> Claim:
    """Table 3's ordering; ``claim_id`` is ``gcn.table3.renormalization-best.<dataset>``."""
    ds = claim_id.split(".")[3]
    return Claim(
        id=claim_id,
        statement=(
            f"The renormalisation trick beats every other propagation model on "
            f"{DATASET_NAMES[ds]} (gap to the runner-up)"
        ),
        source="Table 3, p. 7",
        metric="accuracy gap to the best other model (points)",
        kind="ordering",
        paper_value=_best_gap(ds),
        confidence="confirmed",
        dataset=_planetoid(ds),
    )


CLAIMS = (
    _table2("gcn.table2.cora"),
    _table2("gcn.table2.citeseer"),
    _table2("gcn.table2.pubmed"),
    _table3("gcn.table3.chebyshev3.cora"),
    _table3("gcn.table3.chebyshev3.citeseer"),
    _table3("gcn.table3.chebyshev3.pubmed"),
    _table3("gcn.table3.chebyshev2.cora"),
    _table3("gcn.table3.chebyshev2.citeseer"),
    _table3("gcn.table3.chebyshev2.pubmed"),
    _table3("gcn.table3.first_order.cora"),
    _table3("gcn.table3.first_order.citeseer"),
    _table3("gcn.table3.first_order.pubmed"),
    _table3("gcn.table3.single_parameter.cora"),
    _table3("gcn.table3.single_parameter.citeseer"),
    _table3("gcn.table3.single_parameter.pubmed"),
    _table3("gcn.table3.renormalized.cora"),
    _table3("gcn.table3.renormalized.citeseer"),
    _table3("gcn.table3.renormalized.pubmed"),
    _table3("gcn.table3.first_order_only.cora"),
    _table3("gcn.table3.first_order_only.citeseer"),
    _table3("gcn.table3.first_order_only.pubmed"),
    _table3("gcn.table3.mlp.cora"),
    _table3("gcn.table3.mlp.citeseer"),
    _table3("gcn.table3.mlp.pubmed"),
    _renormalization_best("gcn.table3.renormalization-best.cora"),
    _renormalization_best("gcn.table3.renormalization-best.citeseer"),
    _table2_random_splits("gcn.table2.random-splits.cora"),
    _table2_random_splits("gcn.table2.random-splits.citeseer"),
    _table2_random_splits("gcn.table2.random-splits.pubmed"),
    _table2_seconds("gcn.table2.seconds.cora"),
    _table2_seconds("gcn.table2.seconds.citeseer"),
    _table2_seconds("gcn.table2.seconds.pubmed"),
    Claim(
        id="gcn.table2.nell",
        statement=f"A 2-layer GCN reaches {TABLE2_NELL}% test accuracy on NELL",
        source="Table 2, p. 6",
        metric="test accuracy (%)",
        kind="numeric",
        paper_value=TABLE2_NELL,
        confidence="confirmed",
        dataset="NELL (Yang et al. 2016's preprocessing)",
        tolerance=TOLERANCE,
    ),
    _table2_seconds("gcn.table2.seconds.nell"),
    Claim(
        id="gcn.fig2.linear-in-edges",
        statement=(
            "The time per training epoch grows linearly with the number of edges "
            "(random graphs of N nodes and 2N edges, featureless input)"
        ),
        source="Figure 2 and Sec. 6.3; Sec. 2.2 (cost O(|E| F C))",
        metric="exponent k of time per epoch ∝ |E|^k (log-log least squares)",
        timed=True,
        kind="numeric",
        paper_value=1.0,
        confidence="confirmed",
        dataset="random graphs, N nodes, 2N uniform edges, X = I_N",
        # our choice, fixed before measuring: linear within ±0.15 on the exponent
        tolerance=0.15,
    ),
    Claim.identity(
        id="gcn.eq8.spectrum",
        statement="I_N + D^-1/2 A D^-1/2 has eigenvalues in the range [0, 2]",
        source="Sec. 2.2, before Eq. (8)",
        metric="max asymmetry and distance of an eigenvalue outside [0, 2]",
        confidence="confirmed",
        dataset="any undirected graph",
        tolerance=1e-9,
        test="tests/gcn/test_gcn_propagation.py::test_gcn_eq8_spectrum",
        check=identity_checks.spectrum,
    ),
    Claim.identity(
        id="gcn.eq8.renormalized-spectrum",
        statement=(
            "Derived, not stated in the paper: the renormalised operator D̃^-1/2 Ã D̃^-1/2 has "
            "eigenvalues in (−1, 1], top 1"
        ),
        source="derived from Sec. 2.2, Eq. (8)",
        metric="max violation of (−1, 1] and |λ_max − 1|",
        confidence="assumed",
        dataset="any undirected graph",
        tolerance=1e-5,
        test="tests/gcn/test_gcn_propagation.py::test_gcn_eq8_renormalized_spectrum",
        check=identity_checks.renormalized_spectrum,
    ),
    Claim.identity(
        id="gcn.eq7.chebyshev-first-order",
        statement=(
            "With K = 1, λ_max = 2 and θ = θ'_0 = −θ'_1 the Chebyshev filter equals "
            "(I + D^-1/2 A D^-1/2) X Θ"
        ),
        source="Sec. 2.2, Eq. (5)–(7)",
        metric="max |difference| (float32)",
        confidence="confirmed",
        dataset="any undirected graph",
        tolerance=1e-4,
        test="tests/gcn/test_gcn_propagation.py::test_gcn_eq7_chebyshev_first_order",
        check=identity_checks.chebyshev_first_order,
    ),
)

PAPER = Paper(
    id="gcn",
    title="Semi-Supervised Classification with Graph Convolutional Networks",
    authors="Thomas N. Kipf, Max Welling",
    venue="ICLR 2017",
    year=2017,
    arxiv="1609.02907",
    url="https://arxiv.org/abs/1609.02907",
    claims=CLAIMS,
    reproduce="implementations.gcn.reproduce",
)
