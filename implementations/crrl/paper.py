"""CRRL (Wang, Wen, Si, Qian, Wang, IEEE TIP 2022): metadata and claims."""

from __future__ import annotations

from functools import partial

from implementations.crrl import identity_checks
from repro.claims import Claim, Paper

#: Our datasets (the claim ids end in these keys) and their names in tables.
DATASETS: dict[str, str] = {"msr": "MSR Action3D", "utk": "UTKinect-Action3D"}
PAPER_DATA = "NTU RGB+D 60/120, NW-UCLA, PKU-MMD, CMU mocap (the paper's benchmarks)"

#: The representations we evaluate, by name in tables.
VARIANTS: dict[str, str] = {
    "random": "random-init encoder (the floor)",
    "ser": "SER alone (reconstruction)",
    "cml": "CML alone (coordinate-velocity contrast)",
    "crrl": "CRRL (SER distilled from a CML teacher)",
    "concat": "SER ⊕ CML features (concatenation)",
    "joint": "SER + CML losses on one encoder (multi-task)",
}

DIRECTION_NOTE = (
    "The direction is the paper's (abstract, confirmed via arXiv 2111.11051 in "
    "../shared/papers/crrl.md); its ablation numbers could not be read here, so the paper value "
    "+1 stands for 'positive' only, not for a gap in points."
)

#: (what, variant a, variant b, statement, source): the paper's directional claims we judge.
ORDERINGS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "velocity-contrast-adds",
        "crrl",
        "ser",
        "distilling the coordinate-velocity contrast (CML) into the reconstructor beats the "
        "reconstructor alone",
        "abstract: SER alone under-learns motion; CML's information fused into it helps",
    ),
    (
        "crrl-beats-cml",
        "crrl",
        "cml",
        "the fused model beats the contrastive motion learner alone",
        "abstract (the fused model is the proposed one)",
    ),
    (
        "distillation-beats-concat",
        "crrl",
        "concat",
        "fusion by distillation beats fusion by feature concatenation",
        "abstract: INF tried several fusions of SER and CML and chose distillation",
    ),
    (
        "distillation-beats-joint",
        "crrl",
        "joint",
        "fusion by distillation beats joint multi-task training of SER and CML",
        "abstract: INF tried several fusions of SER and CML and chose distillation",
    ),
)

#: Every learned representation must beat the random-init encoder.
ABOVE_FLOOR: tuple[str, ...] = ("ser", "cml", "crrl", "concat", "joint")

#: The paper's linear-evaluation accuracies (%) on its own benchmarks, never run here.
PAPER_TABLE: dict[str, tuple[float, str]] = {
    "ntu60-xsub": (67.6, "NTU RGB+D 60, cross-subject"),
    "ntu60-xview": (73.8, "NTU RGB+D 60, cross-view"),
    "ntu120-xsub": (56.2, "NTU RGB+D 120, cross-subject"),
    "ntu120-xset": (57.0, "NTU RGB+D 120, cross-setup"),
}
PAPER_TABLE_NOTE = (
    "As cited by later papers (e.g. CMD, Mao et al., ECCV 2022) and recalled in "
    "../shared/papers/crrl.md, not re-read from the paper here; NW-UCLA (about 83.8, very "
    "unsure), PKU-MMD and CMU mocap numbers unknown."
)


def _ordering(what: str, key: str) -> Claim:
    a, b, statement, source = next((a, b, st, src) for w, a, b, st, src in ORDERINGS if w == what)
    return Claim(
        id=f"crrl.abstract.{what}-{key}",
        statement=f"{statement} (linear evaluation on {DATASETS[key]}, cross-subject)",
        source=source,
        metric=f"linear-evaluation accuracy gap {a} − {b} (points, paired seeds)",
        kind="ordering",
        paper_value=1.0,
        confidence="assumed",
        confidence_note=DIRECTION_NOTE,
        dataset=PAPER_DATA,
    )


def _above_floor(variant: str, key: str) -> Claim:
    return Claim(
        id=f"crrl.floor.{variant}-above-random-{key}",
        statement=f"{VARIANTS[variant]} beats a random-init encoder of the same architecture "
        f"(linear evaluation on {DATASETS[key]}, cross-subject)",
        source="premise of self-supervised pretraining (not a number in the paper)",
        metric=f"linear-evaluation accuracy gap {variant} − random (points, paired seeds)",
        kind="ordering",
        paper_value=1.0,
        confidence="assumed",
        confidence_note="the paper reports no random-init floor; +1 stands for 'positive'.",
        dataset=PAPER_DATA,
    )


def _paper_table(what: str) -> Claim:
    value, data = PAPER_TABLE[what]
    return Claim(
        id=f"crrl.table.{what}",
        statement=f"CRRL's linear-evaluation accuracy on {data}",
        source="comparison table (linear evaluation)",
        metric="top-1 accuracy (%)",
        kind="numeric",
        paper_value=value,
        confidence="secondary",
        confidence_note=PAPER_TABLE_NOTE,
        dataset=data,
        tolerance=1.0,
    )


#: an exact property on seeded random instances, its largest deviation as the metric
_identity = partial(Claim.identity, metric="max |deviation|", dataset="random instances")


CLAIMS: tuple[Claim, ...] = (
    _identity(
        "crrl.sec3.info-nce",
        "InfoNCE equals the cross-entropy of [q·k, q·queue]/τ with the positive at index 0, and "
        "falls as the positive similarity rises",
        check=identity_checks.info_nce_cross_entropy,
        test="tests/crrl/test_crrl_moco.py::test_crrl_sec3_info_nce_is_cross_entropy_at_index_0",
        source=(
            "CML's contrastive loss (authors' src/moco_builder.py: logits [l_pos, "
            "l_neg] / T, label 0)"
        ),
        tolerance=1e-6,
    ),
    _identity(
        "crrl.sec3.queue-fifo",
        "the key queue is first-in first-out and holds the last K keys, for any batch size",
        check=identity_checks.queue_fifo,
        test="tests/crrl/test_crrl_moco.py::test_crrl_sec3_queue_fifo_holds_the_last_k_keys",
        source=(
            "CML's queue (authors' _dequeue_and_enqueue; theirs asserts K divisible by the batch)"
        ),
        tolerance=0.0,
    ),
    _identity(
        "crrl.sec3.momentum",
        "the momentum update with m = 1 leaves the key encoder unchanged and with m = 0 copies "
        "the query encoder",
        check=identity_checks.momentum_extremes,
        test="tests/crrl/test_crrl_moco.py::test_crrl_sec3_momentum_extremes",
        source=(
            "CML's key encoder θ_k ← m θ_k + (1 − m) θ_q (authors' _momentum_update_key_encoder)"
        ),
        tolerance=0.0,
    ),
    _identity(
        "crrl.sec3.distillation-zero",
        "the distillation loss is 0 when the student's features equal the teacher's (and "
        "positive otherwise)",
        check=identity_checks.distillation_zero,
        test="tests/crrl/test_crrl_fuser.py::test_crrl_sec3_distillation_zero_at_the_teacher",
        source="Information Fuser, knowledge distillation (authors' main_teacher_student)",
        tolerance=0.0,
    ),
    _identity(
        "crrl.sec3.reverse-palindrome",
        "the time-reversed reconstruction target of a palindromic sequence equals the forward "
        "target",
        check=identity_checks.reverse_palindrome,
        test="tests/crrl/test_crrl_sequences.py::test_crrl_sec3_reverse_palindrome",
        source="SER's reverse reconstruction (authors' main_reconstruct, data_reverse)",
        tolerance=0.0,
    ),
    _identity(
        "crrl.sec3.velocity",
        "the velocity v_t = x_{t+1} − x_t of a constant sequence is 0 (and the prefix sums of "
        "v have velocity v)",
        check=identity_checks.velocity_constant,
        test="tests/crrl/test_crrl_sequences.py::test_crrl_sec3_velocity_of_constant_is_zero",
        source="CML's velocity ('speed') input",
        tolerance=1e-5,
    ),
    _identity(
        "crrl.sec3.packed-padded",
        "the packed GRU gives each sequence's own outputs on valid frames (and, unidirectional, "
        "those of the padded batch); pooling reads valid frames only",
        check=identity_checks.packed_padded,
        test="tests/crrl/test_crrl_encoder.py::test_crrl_sec3_packed_and_padded_agree_on_valid_frames",
        source="Bi-GRU encoder with packed sequences and TAP (authors' Bi_GRU_packpad)",
        tolerance=1e-5,
    ),
    *(_ordering(what, key) for key in DATASETS for what, *_ in ORDERINGS),
    *(_above_floor(v, key) for key in DATASETS for v in ABOVE_FLOOR),
    *(_paper_table(what) for what in PAPER_TABLE),
)

PAPER = Paper(
    id="crrl",
    title="Contrast-Reconstruction Representation Learning for Self-Supervised Skeleton-Based "
    "Action Recognition",
    authors="Peng Wang, Jun Wen, Chenyang Si, Yuntao Qian, Liang Wang",
    venue="IEEE TIP",
    year=2022,
    arxiv="2111.11051",
    url="https://arxiv.org/abs/2111.11051",
    claims=CLAIMS,
    reproduce="implementations.crrl.reproduce",
    notes=(
        "The paper's benchmarks (NTU-60/120, NW-UCLA, PKU-MMD, CMU) are not run: its directional "
        "claims are judged by linear evaluation on two small Kinect v1 datasets (MSR Action3D, "
        "UTKinect-Action3D, cross-subject) with the authors' architecture narrowed for 2 CPU "
        "cores, paired seeds. Architecture and hyper-parameters from the authors' code "
        "(Picasso-Wang/CRRL @4d06d50); the paper's tables could not be read."
    ),
)
