"""Patel et al., LT-GAN: Self-Supervised GAN with Latent Transformation Detection, WACV 2021
(arXiv 2010.09893).

No public code exists and only the abstract and the opening of the introduction could be read
(../shared/papers/ltgan.md), so the method's facts are the abstract's: pairs (G(z), G(z + ε)),
an auxiliary network that tells whether two pairs share their latent transformation, its loss
given to the generator, on top of existing GANs and of consistency regularisation (CR). Every
further choice is ours and listed in :data:`ASSUMPTIONS` with its value and reason.

Exact claims (the task's construction) name their checks in
:mod:`implementations.ltgan.identity_checks` and their property tests in ``tests/ltgan``. The
paper's FIDs come from BigGAN / SNDCGAN on CIFAR-10 and CelebA-HQ and are recorded as "not run";
``reproduce.py`` tests the paper's direction ("LT improves the GAN it is added to, and adds to
CR") at CPU scale: mode coverage on PacGAN's 2-D mixtures and a Fréchet distance on MNIST digits.
"""

from __future__ import annotations

from collections.abc import Callable

from implementations.ltgan import identity_checks as checks
from repro.claims import Claim, Paper

#: Our choices where the paper is silent or unreadable: name -> (value, reason).
ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "eps_distribution": (
        "gaussian",
        "ε's law is not in the abstract; N(0, σ² I) on every latent dimension matches the "
        "Gaussian prior of z",
    ),
    "eps_scale": (
        "σ = 0.5 (sweep 0.1, 0.5, 2 on digits in the full run)",
        "a move of half a prior standard deviation changes a sample visibly but keeps z + ε "
        "inside the prior's mass",
    ),
    "lambda": (
        "λ = 1 (sweep 0.3, 1, 3 on digits in the full run)",
        "the weight of L_LT in G's loss is unknown; 1 weighs it like the adversarial loss",
    ),
    "auxiliary_input": (
        "trunk-feature differences f_i = E(G(z_i + ε_i)) − E(G(z_i)), E = D without its last layer",
        "the project notes recall this (low confidence); it is the natural reading of "
        "'detect the transformation'",
    ),
    "auxiliary_head": (
        "symmetric MLP on [φ(f₁) + φ(f₂), |φ(f₁) − φ(f₂)|], φ one LeakyReLU layer, width 64",
        "'same transformation?' has no order, so the head is built symmetric",
    ),
    "trunk_grad": (
        "off (D's trunk does not learn from L_LT; A learns on detached features)",
        "the abstract gives the loss to A and G only; the option is a parameter "
        "(LTConfig.trunk_grad) and its effect is checked by ltgan.method.gradient-paths",
    ),
    "pairs_per_step": (
        "32 pair-of-pairs per step (16 positive, 16 negative) on digits, 16 on the mixtures",
        "balanced as the abstract's binary task suggests; the count is a cost trade-off",
    ),
    "loss_and_architecture": (
        "non-saturating GAN loss. Digits: MLP generator (no batch norm), MLP discriminator with "
        "spectral norm on every layer, Adam 2e-4 (β = 0.5, 0.999). Mixtures: PacGAN's players "
        "narrowed to 128 units: generator 2→128⁴→2 with batch norm, maxout discriminator "
        "(5 pieces, no spectral norm), Adam 1e-4 (β = 0.8, 0.999); the task's generator calls "
        "leave the batch-norm running statistics untouched",
        "the paper's rows are SNDCGAN / BigGAN (spectral norm in D); MLPs fit a CPU budget. On "
        "the mixtures the SN players covered 0.2 of the ring's 8 modes and 0.8 of the grid's 25 "
        "(a 1-Lipschitz D barely separates points 3σ = 0.03 apart), far below PacGAN's GAN row, "
        "so the mixture baseline follows PacGAN's own code",
    ),
    "consistency_regularisation": (
        "λ_CR = 10 on real samples; digits translated by up to 2 px, mixture points jittered "
        "by the mixture's std",
        "CR-GAN's weight; its CIFAR augmentation was flip + translation, a flip does not keep "
        "digits digits",
    ),
    "digit_features": (
        "64-d penultimate layer of a small CNN classifier trained here on 5,000 MNIST test "
        "digits (2 epochs)",
        "Inception features do not suit 28 × 28 digits; distances are not comparable with "
        "published FIDs",
    ),
}

ANY = "random instances (property test)"
MIX = "PacGAN's 2-D mixtures (ring of 8, grid of 25), synthetic"
DIGITS = "MNIST test digits (28 × 28), our classifier's feature space"
T = "tests/ltgan/"
PACGAN = (
    "PacGAN (Lin et al., NeurIPS 2018), Table 1, GAN row on 2D-ring / 2D-grid (mean ± standard "
    "error over 10 trials: ring 6.3 ± 0.5 modes, 98.2 ± 0.2 %, 0.45 ± 0.09; grid 17.3 ± 0.8, "
    "94.8 ± 0.7 %, 0.70 ± 0.07), read in the table image the authors publish beside their code "
    "(github.com/fjxmlzn/PacGAN @ 190853e, synthetic_data_experiments/results/Table1.png). The "
    "setup (modes, std, 2,500 samples, 3σ, a mode covered by one high-quality sample) is "
    "confirmed from that code"
)
DIRECTION = (
    "direction only: the abstract says adding the task improves the GAN (quality and "
    "diversity); the paper reports no number for this setting, the magnitude is a placeholder "
    "for the sign"
)
CR_GAP = (
    "CR+LT-BigGAN 9.80 (LT-GAN abstract, 9.8; 9.80 on paperswithcode) minus CR-BigGAN 11.48 "
    "(from the CR-GAN paper's abstract, not LT-GAN's own table)"
)


def _identity(
    cid: str,
    statement: str,
    metric: str,
    check: Callable,
    test: str,
    confidence: str,
    note: str,
) -> Claim:
    return Claim.identity(
        id=cid,
        statement=statement,
        source="Abstract (the method as described there) and our construction",
        metric=metric,
        confidence=confidence,  # type: ignore[arg-type]
        confidence_note=note,
        dataset=ANY,
        tolerance=0.0,
        check=check,
        test=test,
    )


IDENTITIES = (
    _identity(
        "ltgan.method.pairs-balanced",
        "Half of the pair-of-pairs share their ε (positives), half draw it independently",
        "largest of |#pos − #neg|, max |ε₁ − ε₂| over positives, coinciding negatives",
        checks.pairs_balanced,
        T + "test_ltgan_task.py::test_ltgan_method_pairs_balanced",
        "assumed",
        "the abstract gives a binary same / different task; the balance is our choice",
    ),
    _identity(
        "ltgan.method.symmetric-head",
        "Swapping the two pairs leaves the auxiliary network's prediction unchanged",
        "max |A(f₁, f₂) − A(f₂, f₁)| (float32, bit for bit)",
        checks.symmetric_head,
        T + "test_ltgan_task.py::test_ltgan_method_symmetric_head",
        "assumed",
        "our head is built symmetric: the question 'same transformation?' has no order",
    ),
    _identity(
        "ltgan.method.lambda-zero-baseline",
        "With λ = 0 (trunk detached) training equals the baseline GAN bit for bit, same seed",
        "max |weight difference| after 1–8 steps",
        checks.lambda_zero_is_baseline,
        T + "test_ltgan_training.py::test_ltgan_method_lambda_zero_baseline",
        "assumed",
        "the abstract adds the task's loss to the GAN's; the weight λ is our formulation",
    ),
    _identity(
        "ltgan.method.gradient-paths",
        "L_LT's gradient reaches G, and reaches D's trunk only when that option is on",
        "|trunk gradient| with the option off (∞ for a path without gradient)",
        checks.gradient_paths,
        T + "test_ltgan_task.py::test_ltgan_method_gradient_paths",
        "confirmed",
        "the abstract: the auxiliary loss is also given to the generator; the trunk option is ours",
    ),
)


def _direction(cid: str, statement: str, metric: str, sign: float, dataset: str) -> Claim:
    return Claim(
        id=cid,
        statement=statement,
        source="Abstract (direction only)",
        metric=metric,
        kind="ordering",
        paper_value=sign,
        confidence="assumed",
        confidence_note=DIRECTION,
        dataset=dataset,
    )


def _pacgan(cid: str, what: str, metric: str, value: float, tol: float) -> Claim:
    return Claim(
        id=cid,
        statement=f"Our baseline GAN beside PacGAN's GAN row: {what}",
        source="PacGAN Table 1 (not LT-GAN)",
        metric=metric,
        kind="numeric",
        paper_value=value,
        confidence="confirmed",
        confidence_note=PACGAN,
        dataset=(
            "PacGAN's mixture, its GAN (batch-norm MLP G 400 wide, maxout D 200 wide, 400 epochs "
            "of 100,000 samples = 400,000 steps)"
        ),
        tolerance=tol,
    )


MIXTURES = (
    _direction(
        "ltgan.mixtures.ring.lt-vs-baseline",
        "Adding LT to the baseline GAN covers more modes of the ring of 8",
        "modes covered (of 8), LT − baseline",
        +1.0,
        MIX,
    ),
    _direction(
        "ltgan.mixtures.ring.lt-adds-to-cr",
        "Adding LT to CR covers more modes of the ring of 8 (CR+LT − CR)",
        "modes covered (of 8), CR+LT − CR",
        +1.0,
        MIX,
    ),
    _direction(
        "ltgan.mixtures.grid.lt-vs-baseline",
        "Adding LT to the baseline GAN covers more modes of the grid of 25",
        "modes covered (of 25), LT − baseline",
        +1.0,
        MIX,
    ),
    _direction(
        "ltgan.mixtures.grid.lt-adds-to-cr",
        "Adding LT to CR covers more modes of the grid of 25 (CR+LT − CR)",
        "modes covered (of 25), CR+LT − CR",
        +1.0,
        MIX,
    ),
    _pacgan("ltgan.pacgan.ring.gan-modes", "modes covered on the ring", "modes (of 8)", 6.3, 1.0),
    _pacgan(
        "ltgan.pacgan.ring.gan-high-quality",
        "share of high-quality samples on the ring",
        "high-quality samples (%)",
        98.2,
        10.0,
    ),
    _pacgan(
        "ltgan.pacgan.ring.gan-reverse-kl",
        "reverse KL of the mode histogram on the ring",
        "reverse KL (nats)",
        0.45,
        0.2,
    ),
    _pacgan("ltgan.pacgan.grid.gan-modes", "modes covered on the grid", "modes (of 25)", 17.3, 2.0),
    _pacgan(
        "ltgan.pacgan.grid.gan-high-quality",
        "share of high-quality samples on the grid",
        "high-quality samples (%)",
        94.8,
        10.0,
    ),
    _pacgan(
        "ltgan.pacgan.grid.gan-reverse-kl",
        "reverse KL of the mode histogram on the grid",
        "reverse KL (nats)",
        0.70,
        0.2,
    ),
)

#: the digit sweeps: claim id -> (λ, σ) of the LT variant compared with the baseline
SWEEPS = {
    "ltgan.digits.lt-vs-baseline.lambda-0.3": (0.3, 0.5),
    "ltgan.digits.lt-vs-baseline.lambda-3": (3.0, 0.5),
    "ltgan.digits.lt-vs-baseline.eps-0.1": (1.0, 0.1),
    "ltgan.digits.lt-vs-baseline.eps-2": (1.0, 2.0),
}

DIGIT_CLAIMS = (
    _direction(
        "ltgan.digits.lt-vs-baseline",
        "Adding LT to the baseline GAN lowers the Fréchet distance on digits (λ = 1, σ = 0.5)",
        "Fréchet distance (classifier features), LT − baseline",
        -1.0,
        "CIFAR-10 / CelebA-HQ (FID, Inception features)",
    ),
    Claim(
        id="ltgan.digits.lt-adds-to-cr",
        statement="Adding LT to CR lowers the Fréchet distance on digits (CR+LT − CR)",
        source="Abstract (9.8) and CR-GAN's CR-BigGAN row",
        metric="Fréchet distance (classifier features), CR+LT − CR",
        kind="ordering",
        paper_value=round(9.80 - 11.48, 2),
        confidence="secondary",
        confidence_note=CR_GAP,
        dataset="CIFAR-10, conditional BigGAN (FID, Inception features)",
    ),
    *(
        _direction(
            cid,
            f"LT with λ = {lam:g}, σ = {eps:g} still lowers the digits' Fréchet distance "
            "(sensitivity)",
            "Fréchet distance (classifier features), LT − baseline",
            -1.0,
            "CIFAR-10 / CelebA-HQ (FID, Inception features)",
        )
        for cid, (lam, eps) in SWEEPS.items()
    ),
)


def _fid(cid: str, statement: str, value: float, confidence: str, note: str, data: str) -> Claim:
    return Claim(
        id=cid,
        statement=statement,
        source="Abstract / leaderboards (the paper's tables were not readable)",
        metric="FID",
        kind="numeric",
        paper_value=value,
        confidence=confidence,  # type: ignore[arg-type]
        confidence_note=note,
        dataset=data,
        tolerance=1.0,
    )


FID_ROWS = (
    _fid(
        "ltgan.abstract.cifar10-cr-lt-biggan-fid",
        "CR+LT-BigGAN reaches FID 9.8 on conditional CIFAR-10",
        9.80,
        "confirmed",
        "",
        "CIFAR-10, conditional BigGAN",
    ),
    _fid(
        "ltgan.table.celebahq-cr-lt-sndcgan-fid",
        "CR+LT-SNDCGAN reaches FID 16.84 on CelebA-HQ 128 × 128",
        16.84,
        "secondary",
        "paperswithcode leaderboard entry (../shared/papers/ltgan.md)",
        "CelebA-HQ 128 × 128, SNDCGAN, unconditional",
    ),
    _fid(
        "ltgan.table.cifar10-uncond-fid",
        "Unconditional CIFAR-10 FID 17.56 (row not named in the source)",
        17.56,
        "secondary",
        "wizwand benchmark list for this paper (../shared/papers/ltgan.md)",
        "CIFAR-10, unconditional (SNDCGAN per the leaderboard)",
    ),
)

PAPER = Paper(
    id="ltgan",
    title="LT-GAN: Self-Supervised GAN with Latent Transformation Detection",
    authors="Parth Patel, Nupur Kumari, Mayank Singh, Balaji Krishnamurthy",
    venue="WACV 2021",
    year=2021,
    arxiv="2010.09893",
    url="https://arxiv.org/abs/2010.09893",
    claims=IDENTITIES + MIXTURES + DIGIT_CLAIMS + FID_ROWS,
    reproduce="implementations.ltgan.reproduce",
    notes="Our choices where the paper is unknown (`implementations/ltgan/paper.py`, "
    "ASSUMPTIONS):\n\n"
    + "\n".join(f"- **{k}** = {v}. Why: {why}." for k, (v, why) in ASSUMPTIONS.items()),
)
