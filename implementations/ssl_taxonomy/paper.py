"""How and What to Learn: Taxonomizing SSL for 3D Action Recognition (Ben Tanfous, Zerroug,
Linsley, Serre, WACV 2022): metadata and claims."""

from __future__ import annotations

from functools import partial

from implementations.ssl_taxonomy import identity_checks
from implementations.ssl_taxonomy.configs import COMBINED, CONFIGS, SINGLE
from repro.claims import Claim, Paper

DATASETS: dict[str, str] = {"msr": "MSR Action3D", "utk": "UTKinect-Action3D"}
PAPER_DATA = "NTU RGB+D 60 (cross-subject, cross-view), NW-UCLA"

#: The authors' preliminary linear-probe table (repository README, Nov 2020, commit 141c654,
#: removed Mar 2021): model -> (NTU-60 xsub, NW-UCLA) top-1 %.
README_TABLE: dict[str, tuple[float, float]] = {
    "ae": (59.19, 83.45),
    "moco": (66.99, 83.73),
    "moco+ae": (68.19, 85.0),
    "moco+ae+ls": (70.53, 86.08),
}
README_NOTE = (
    "The authors' own repository README (serre-lab/ssl_actionrec, commit 141c654, Nov 2020; "
    "removed Mar 2021), a preliminary linear-probe table, not the paper's final table (which "
    "could not be read here); see ../shared/papers/ssl_taxonomy.md."
)
DIRECTION_NOTE = (
    "The direction is the abstract's ('combining the approaches gives larger gains in accuracy "
    "and in tolerance to transformations than any single one'; confirmed from OpenReview, see "
    "../shared/papers/ssl_taxonomy.md); no number could be read, so +1 stands for 'positive'."
)

#: (what, variant a, variant b, statement): orderings with a README gap on NTU-60 xsub.
README_ORDERINGS: tuple[tuple[str, str, str, str], ...] = (
    (
        "moco-ae-beats-moco",
        "moco+ae",
        "moco",
        "adding the attractive-TD auto-encoder to MoCo-BU helps",
    ),
    (
        "ls-adds-to-moco-ae",
        "moco+ae+ls",
        "moco+ae",
        "adding latent similarity (attractive BU) to MoCo-BU + AE-TD helps",
    ),
    (
        "combined-beats-moco",
        "moco+ae+ls",
        "moco",
        "the three-objective combination beats MoCo-BU alone",
    ),
    (
        "combined-beats-ae",
        "moco+ae+ls",
        "ae",
        "the three-objective combination beats the auto-encoder alone",
    ),
)

#: (what, variant a, variant b, statement, score): the abstract's directions without a number.
ABSTRACT_ORDERINGS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "butdcon-beats-moco",
        "butdcon",
        "moco",
        "contrastive BU + contrastive TD + latent similarity beats MoCo-BU alone",
        "linear",
    ),
    (
        "robustness-combined-vs-moco",
        "moco+ae+ls",
        "moco",
        "the combination tolerates test-time rotation and noise better than MoCo-BU alone",
        "linear_perturbed",
    ),
    (
        "robustness-combined-vs-ae",
        "moco+ae+ls",
        "ae",
        "the combination tolerates test-time rotation and noise better than the auto-encoder alone",
        "linear_perturbed",
    ),
)


def _readme_ordering(what: str, key: str) -> Claim:
    a, b, statement = next((a, b, st) for w, a, b, st in README_ORDERINGS if w == what)
    (ntu_a, ucla_a), (ntu_b, ucla_b) = README_TABLE[a], README_TABLE[b]
    return Claim(
        id=f"ssl_taxonomy.readme.{what}-{key}",
        statement=f"{statement} (linear evaluation on {DATASETS[key]}, cross-subject)",
        source=f"authors' README table: NTU-60 xsub {ntu_a} vs {ntu_b}; "
        f"NW-UCLA {ucla_a} vs {ucla_b}",
        metric=f"linear-evaluation accuracy gap {a} − {b} (points, paired seeds)",
        kind="ordering",
        paper_value=round(ntu_a - ntu_b, 2),
        confidence="confirmed",
        confidence_note=README_NOTE,
        dataset=PAPER_DATA,
    )


def _abstract_ordering(what: str, key: str) -> Claim:
    a, b, statement, score = next(
        (a, b, st, sc) for w, a, b, st, sc in ABSTRACT_ORDERINGS if w == what
    )
    scored = (
        "accuracy on rotated (±30°) and jittered (0.1 body size) test sequences"
        if score != "linear"
        else "accuracy"
    )
    return Claim(
        id=f"ssl_taxonomy.abstract.{what}-{key}",
        statement=f"{statement} (linear evaluation on {DATASETS[key]}, cross-subject)",
        source="abstract",
        metric=f"linear-evaluation {scored}: gap {a} − {b} (points, paired seeds)",
        kind="ordering",
        paper_value=1.0,
        confidence="assumed",
        confidence_note=DIRECTION_NOTE,
        dataset=PAPER_DATA,
    )


def _above_floor(variant: str, key: str) -> Claim:
    return Claim(
        id=f"ssl_taxonomy.floor.{variant.replace('+', '-')}-above-random-{key}",
        statement=f"{CONFIGS[variant].name} beats a random-init encoder of the same architecture "
        f"(linear evaluation on {DATASETS[key]}, cross-subject)",
        source="premise of self-supervised pretraining (not a number in the paper)",
        metric=f"linear-evaluation accuracy gap {variant} − random (points, paired seeds)",
        kind="ordering",
        paper_value=1.0,
        confidence="assumed",
        confidence_note="the paper reports no random-init floor; +1 stands for 'positive'.",
        dataset=PAPER_DATA,
    )


def _readme_value(variant: str, column: int) -> Claim:
    data = ("NTU RGB+D 60, cross-subject", "NW-UCLA")[column]
    slug = ("ntu60-xsub", "nw-ucla")[column]
    return Claim(
        id=f"ssl_taxonomy.readme.{variant.replace('+', '-')}-{slug}",
        statement=f"{CONFIGS[variant].name}: linear-probe accuracy on {data}",
        source="authors' README table (preliminary)",
        metric="top-1 accuracy (%)",
        kind="numeric",
        paper_value=README_TABLE[variant][column],
        confidence="confirmed",
        confidence_note=README_NOTE,
        dataset=data,
        tolerance=1.0,
    )


#: an exact property on seeded random instances, its largest deviation as the metric
_identity = partial(Claim.identity, metric="max |deviation|", dataset="random instances")


CLAIMS: tuple[Claim, ...] = (
    _identity(
        "ssl_taxonomy.sec3.td-contrast",
        "contrastive TD (logits −masked MSE / τ, positive at 0) on unit-norm reconstructions "
        "equals InfoNCE at temperature τ·T·D/2",
        check=identity_checks.td_contrast_is_info_nce,
        test="tests/ssl_taxonomy/test_ssl_taxonomy_objectives.py::test_ssl_taxonomy_sec3_td_contrast_is_info_nce",
        source="contrastive decoder-space objective (authors' MocoBUTDcon: logits −err/T)",
        tolerance=1e-9,
    ),
    _identity(
        "ssl_taxonomy.sec3.latent-similarity",
        "the attractive latent loss 2 − 2 cos(q, z) is the squared distance of the unit vectors, "
        "scale invariant, and 0 for parallel vectors",
        check=identity_checks.latent_similarity_is_distance,
        test="tests/ssl_taxonomy/test_ssl_taxonomy_objectives.py::test_ssl_taxonomy_sec3_latent_similarity",
        source="attractive encoder-space objective (authors' sim_bu = 2 − 2 (q·gt))",
        tolerance=1e-9,
    ),
    _identity(
        "ssl_taxonomy.sec3.masked-reconstruction",
        "the masked reconstruction error averages over valid frames only and ignores padding",
        check=identity_checks.masked_mse_ignores_padding,
        test="tests/ssl_taxonomy/test_ssl_taxonomy_objectives.py::test_ssl_taxonomy_sec3_masked_reconstruction",
        source="attractive decoder-space objective (authors' masked_loss)",
        tolerance=1e-5,
    ),
    _identity(
        "ssl_taxonomy.sec3.grid",
        "the combined objective is the weighted sum of the four grid cells' losses, and "
        "evaluation leaves the queues unchanged",
        check=identity_checks.weighted_sum,
        test="tests/ssl_taxonomy/test_ssl_taxonomy_objectives.py::test_ssl_taxonomy_sec3_grid_weighted_sum",
        source="MocoBUTDcon's loss w_bu·CE_BU + w_td·CE_TD + w_bu_sim·sim_BU + w_td_sim·rec",
        tolerance=1e-5,
    ),
    *(_readme_ordering(what, key) for key in DATASETS for what, *_ in README_ORDERINGS),
    *(_abstract_ordering(what, key) for key in DATASETS for what, *_ in ABSTRACT_ORDERINGS),
    *(_above_floor(v, key) for key in DATASETS for v in (*SINGLE, *COMBINED)),
    *(_readme_value(v, col) for col in (0, 1) for v in README_TABLE),
)

PAPER = Paper(
    id="ssl_taxonomy",
    title="How and What to Learn: Taxonomizing Self-Supervised Learning for 3D Action Recognition",
    authors="Amor Ben Tanfous, Aimen Zerroug, Drew Linsley, Thomas Serre",
    venue="WACV",
    year=2022,
    arxiv=None,
    url="https://doi.org/10.1109/WACV51458.2022.00294",
    claims=CLAIMS,
    reproduce="implementations.ssl_taxonomy.reproduce",
    notes=(
        "Objectives, weights and temperatures from the authors' configurations "
        "(serre-lab/ssl_actionrec @16fc5aa); NTU-60 and NW-UCLA are not run: the directions are "
        "judged by linear evaluation on MSR Action3D and UTKinect-Action3D (cross-subject), with "
        "narrower GRUs, one optimiser for every objective and short queues (see reproduce.py), "
        "paired seeds. The numbers are the authors' preliminary README table (the paper's final "
        "tables could not be read)."
    ),
)
