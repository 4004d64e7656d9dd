"""Kipf & Welling, Semi-Supervised Classification with Graph Convolutional Networks, ICLR 2017.

Numbers from the paper (arXiv 1609.02907v4): Table 2 (p. 6, classification accuracy, mean of 100
runs with random weight initialisations) and Table 3 (p. 7, propagation models, 100 runs).
"""

from __future__ import annotations

from repro.claims import Claim, Paper

TABLE2 = {"citeseer": 70.3, "cora": 81.5, "pubmed": 79.0}

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

DATASET_NAMES = {"cora": "Cora", "citeseer": "Citeseer", "pubmed": "Pubmed"}
TOLERANCE = 1.0  # percentage points, on the mean over seeds


def _planetoid(ds: str) -> str:
    return f"{DATASET_NAMES[ds]} (Planetoid split)"


def _best_gap(ds: str) -> float:
    values = {name: vals[ds] for name, _, vals in TABLE3}
    best_other = max(v for k, v in values.items() if k != "renormalized")
    return round(values["renormalized"] - best_other, 2)


CLAIMS = (
    *(
        Claim(
            id=f"gcn.table2.{ds}",
            statement=f"A 2-layer GCN reaches {TABLE2[ds]}% test accuracy on {DATASET_NAMES[ds]}",
            source="Table 2, p. 6",
            metric="test accuracy (%)",
            kind="numeric",
            paper_value=TABLE2[ds],
            confidence="confirmed",
            dataset=_planetoid(ds),
            tolerance=TOLERANCE,
        )
        for ds in ("cora", "citeseer", "pubmed")
    ),
    *(
        Claim(
            id=f"gcn.table3.{name}.{ds}",
            statement=f"{label} reaches {vals[ds]}% on {DATASET_NAMES[ds]}",
            source="Table 3, p. 7",
            metric="test accuracy (%)",
            kind="numeric",
            paper_value=vals[ds],
            confidence="confirmed",
            dataset=_planetoid(ds),
            tolerance=TOLERANCE,
        )
        for name, label, vals in TABLE3
        for ds in ("cora", "citeseer", "pubmed")
    ),
    *(
        Claim(
            id=f"gcn.table3.renormalization-best.{ds}",
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
        for ds in ("cora", "citeseer")
    ),
    Claim(
        id="gcn.eq8.spectrum",
        statement="The renormalised operator D̃^-1/2 Ã D̃^-1/2 has eigenvalues in (−1, 1], top 1",
        source="Sec. 2.2, Eq. (8)",
        metric="max violation of (−1, 1] and |λ_max − 1|",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="any undirected graph",
        tolerance=1e-5,
        test="tests/gcn/test_propagation.py::test_gcn_eq8_spectrum",
    ),
    Claim(
        id="gcn.eq7.chebyshev-first-order",
        statement=(
            "With K = 1, λ_max = 2 and θ = θ'_0 = −θ'_1 the Chebyshev filter equals "
            "(I + D^-1/2 A D^-1/2) X Θ"
        ),
        source="Sec. 2.2, Eq. (5)–(7)",
        metric="max |difference| (float32)",
        kind="identity",
        paper_value=None,
        confidence="confirmed",
        dataset="any undirected graph",
        tolerance=1e-4,
        test="tests/gcn/test_propagation.py::test_gcn_eq7_chebyshev_first_order",
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
