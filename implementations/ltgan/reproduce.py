"""The paper's direction at CPU scale: does the latent-transformation task improve a GAN, alone
and on top of consistency regularisation?

- ``mixtures``: PacGAN's ring of 8 and grid of 25 Gaussians (:mod:`repro.data.mixtures`), four
  variants (baseline, LT, CR, CR+LT) trained on the same seeds (same initial G and D, real
  batches and latents); PacGAN's metrics on 2,500 samples (:func:`repro.generative_metrics.
  mode_stats`): modes covered, share of high-quality samples, reverse KL. "LT improves" is
  judged on modes covered by the paired interval of per-seed differences; our baseline (PacGAN's
  players, narrowed) is also set beside PacGAN's GAN row.
- ``digits``: MNIST test digits; a small classifier (:mod:`implementations.ltgan.
  feature_classifier`) is trained once on 5,000 digits, the GANs on the other 5,000; Fréchet
  distance and precision / recall (k = 3) between 2,000 generated and 2,000 real digits in the
  classifier's 64-d feature space (not Inception). The full run adds the sensitivity to λ and
  to ε's scale (each against the baseline, same seeds).
- ``fid-rows``: the paper's FIDs (BigGAN / SNDCGAN on CIFAR-10 and CelebA-HQ), not run.

A run whose loss turns non-finite is a failed run: it is counted and named in the claim's note
and its seed is left out of that comparison's pairs, never averaged. Steps per second of each
variant (the auxiliary task's cost as a ratio to the baseline in the same run) are in the notes.

Sizes, CPU time of one thread (measured on the project's 2-core machine): quick 2 seeds × 60
steps (mixtures) and 2 seeds × 60 steps (digits); default 3 seeds × 500 steps and 3 seeds × 500
steps, 5 min 3 s of CPU, 2 min 47 s of wall time with ``--jobs 2`` (load 0.7 at the start);
full 10 seeds × 6,000 steps on the mixtures (a mixture step costs 12 ms for the baseline to
18 ms for CR+LT at load 2.4, so ~1 h at that load, less on free cores) and 5 seeds × 2,000
steps on digits with the four sweeps (~90 min: a digit step costs ~43 ms, ~78 ms with LT),
about 2.5 h in all. Measured: 107 of its 120 jobs took 88 min of wall time with ``--jobs 2``
(load 0.85 at the start, other work beside it at times), so about 100 min for the whole run.
The job store keeps every finished run, so the same command continues a run cut short.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from implementations.ltgan.feature_classifier import DigitClassifier, train_classifier
from implementations.ltgan.game import LTGAN, CRConfig, LTConfig
from implementations.ltgan.networks import Discriminator, Generator
from implementations.ltgan.paper import SWEEPS
from repro.claims import Measurement
from repro.data.images import load_mnist_test, split_indices
from repro.data.mixtures import Mixture, grid, ring
from repro.experiment import Experiment
from repro.gan import GanConfig, fit_gan, generate
from repro.generative_metrics import frechet_distance, mode_stats, precision_recall
from repro.plots import error_note, figure, save, title
from repro.runner import RunContext
from repro.stats import mean_std
from repro.train import TensorData, evaluate, features

VARIANTS = ("baseline", "LT", "CR", "CR+LT")
MIXTURES = {"ring": ring, "grid": grid}
#: the comparisons every experiment judges: claim suffix -> (with LT, without)
COMPARISONS = {"lt-vs-baseline": ("LT", "baseline"), "lt-adds-to-cr": ("CR+LT", "CR")}
#: settings of the LT task (paper.ASSUMPTIONS)
LAMBDA, EPS_SCALE = 1.0, 0.5
MIXTURE_PAIRS, DIGIT_PAIRS = 16, 32
CR_WEIGHT, DIGIT_SHIFT = 10.0, 2


def _configs(
    variant: str, pairs: int, augment: CRConfig, lam: float = LAMBDA, eps: float = EPS_SCALE
) -> tuple[LTConfig | None, CRConfig | None]:
    lt = LTConfig(lam=lam, eps_scale=eps, pairs=pairs) if "LT" in variant else None
    cr = augment if "CR" in variant else None
    return lt, cr


# ---------------------------------------------------------------------------------- mixtures


@dataclass(frozen=True)
class MixtureProtocol:
    steps: int
    seeds: int
    batch_size: int = 100
    samples: int = 2500
    train_points: int = 20_000

    def config(self) -> GanConfig:
        """PacGAN's optimiser: Adam 1e-4 for both players, β = (0.8, 0.999), batches of 100."""
        return GanConfig(
            steps=self.steps, batch_size=self.batch_size, lr_g=1e-4, lr_d=1e-4, betas=(0.8, 0.999)
        )

    def describe(self, mixture: Mixture) -> str:
        return (
            f"{mixture.name} (std {mixture.std:g}, PacGAN's), {self.train_points:,} points; "
            f"PacGAN's players narrowed: G 2→128⁴→2 with batch norm, maxout D 2→128³→1 "
            f"(5 pieces, no spectral norm); Adam 1e-4, β₁ 0.8; {self.steps:,} steps of "
            f"{self.batch_size} (PacGAN: 400/200 wide, 400,000 steps); "
            f"{self.samples:,} samples scored; synthetic"
        )


def _mixture_job(job: tuple[str, str, int, MixtureProtocol]) -> dict:
    """Train one variant on one mixture for one seed; PacGAN's statistics of its samples."""
    name, variant, seed, protocol = job
    mixture = MIXTURES[name]()
    real = mixture.sample(protocol.train_points, torch.Generator().manual_seed(seed))
    cr = CRConfig(weight=CR_WEIGHT, augment="jitter", amount=mixture.std)
    lt, cr = _configs(variant, MIXTURE_PAIRS, cr)
    torch.manual_seed(seed)
    game = LTGAN(
        Generator(2, (128,) * 4, (2,), tanh=False, batch_norm=True),
        Discriminator(2, (128,) * 3, maxout=5),
        lt,
        cr,
    )
    history = fit_gan(game, real, protocol.config(), seed)
    out = {"failed": history.failed, "diverged_at": history.diverged_at}
    out["steps_per_second"] = history.steps_per_second
    if not history.failed:
        stats = mode_stats(
            generate(game.generator, protocol.samples, 2, 10_000 + seed), mixture.means, mixture.std
        )
        out.update(
            modes=stats.modes, high_quality=100 * stats.high_quality, reverse_kl=stats.reverse_kl
        )
    return out


@dataclass
class Runs:
    """Per-variant, per-seed results of one experiment (``None`` for a failed run)."""

    results: dict[str, list[dict | None]]

    def pairs(self, a: str, b: str, key: str) -> tuple[list[float], list[float], list[int]]:
        """Values of ``key`` for the seeds where both variants ran and the value is finite;
        and the seeds left out."""
        xs, ys, dropped = [], [], []
        for seed, (ra, rb) in enumerate(zip(self.results[a], self.results[b], strict=True)):
            va = None if ra is None else ra.get(key)
            vb = None if rb is None else rb.get(key)
            if va is None or vb is None or not (math.isfinite(va) and math.isfinite(vb)):
                dropped.append(seed)
            else:
                xs.append(va)
                ys.append(vb)
        return xs, ys, dropped

    def values(self, variant: str, key: str) -> list[float]:
        return [
            r[key]
            for r in self.results[variant]
            if r is not None and r.get(key) is not None and math.isfinite(r[key])
        ]

    def failures(self) -> str:
        failed = [
            f"{v} seed {s} (loss non-finite at step {r['diverged_at']})"
            for v, rs in self.results.items()
            for s, r in enumerate(rs)
            if r is not None and r["failed"]
        ]
        return "failed runs: " + (", ".join(failed) if failed else "none")

    def speed(self) -> str:
        sps = {v: mean_std(self.values(v, "steps_per_second"))[0] for v in self.results}
        base = sps.get("baseline", math.nan)
        return "steps/s (wall clock, 1 thread, as loaded as the machine was): " + ", ".join(
            f"{v} {s:.0f}" + (f" (×{base / s:.2f} baseline's step time)" if v != "baseline" else "")
            for v, s in sps.items()
        )


def _collect(jobs: list[tuple], results: list[dict], variants: tuple[str, ...], seeds: int) -> Runs:
    by: dict[str, list[dict | None]] = {v: [None] * seeds for v in variants}
    for job, r in zip(jobs, results, strict=True):
        by[job[1]][job[2]] = r
    return Runs(by)


def _summary(runs: Runs, keys: dict[str, str]) -> str:
    parts = []
    for v in runs.results:
        cells = []
        for key, label in keys.items():
            vals = runs.values(v, key)
            cells.append(f"{label} {_fmt(vals)}" if vals else f"{label} —")
        parts.append(f"{v}: " + ", ".join(cells))
    return "; ".join(parts)


def _mixtures_run(ctx: RunContext) -> Iterator[Measurement]:
    """Every variant on both mixtures, paired seeds."""
    protocol = MixtureProtocol(steps=ctx.pick(60, 500, 6000), seeds=ctx.n_seeds(2, 3, 10))
    start = time.perf_counter()
    jobs = [(m, v, s, protocol) for m in MIXTURES for v in VARIANTS for s in range(protocol.seeds)]
    results = ctx.map(_mixture_job, jobs, desc="ltgan mixtures")
    seconds = time.perf_counter() - start
    keys = {"modes": "modes", "high_quality": "high-quality %", "reverse_kl": "reverse KL"}
    pacgan_keys = {
        "modes": "gan-modes",
        "high_quality": "gan-high-quality",
        "reverse_kl": "gan-reverse-kl",
    }
    plot_data = {}
    for name in MIXTURES:
        mixture = MIXTURES[name]()
        sub = [(j, r) for j, r in zip(jobs, results, strict=True) if j[0] == name]
        runs = _collect([j for j, _ in sub], [r for _, r in sub], VARIANTS, protocol.seeds)
        plot_data[name] = runs
        dataset = protocol.describe(mixture)
        note = f"{_summary(runs, keys)}; {runs.failures()}; {runs.speed()}"
        for suffix, (a, b) in COMPARISONS.items():
            xs, ys, dropped = runs.pairs(a, b, "modes")
            left_out = f"; seeds left out of the pairs: {dropped}" if dropped else ""
            yield Measurement.paired_gap(
                f"ltgan.mixtures.{name}.{suffix}",
                xs,
                ys,
                dataset=dataset,
                seconds=seconds,
                device=ctx.device,
                note=f"paired over {len(xs)} seeds{left_out}; {note}",
            )
        for key, claim in pacgan_keys.items():
            vals = runs.values("baseline", key)
            missing = protocol.seeds - len(vals)
            why = (
                f"; {missing} baseline seed(s) without a value (failed run, or no high-quality "
                "sample: reverse KL undefined)"
                if missing
                else ""
            )
            cid = f"ltgan.pacgan.{name}.{claim}"
            if not vals:
                yield Measurement.not_run(cid, "no baseline run gave a value" + why, dataset)
                continue
            yield Measurement.from_samples(
                cid,
                vals,
                dataset=dataset,
                seconds=seconds,
                device=ctx.device,
                note=f"our baseline (SN-MLP, {protocol.steps} steps) against PacGAN's GAN "
                f"(MLP without SN, 400 epochs){why}",
            )
    if ctx.plots_dir is not None:
        _plot_mixtures(ctx.plots_dir / "ltgan_mixtures.png", plot_data, protocol.seeds)


# ------------------------------------------------------------------------------------ digits


@dataclass(frozen=True)
class DigitProtocol:
    steps: int
    seeds: int
    n_classifier: int
    classifier_epochs: int
    n_eval: int
    sweeps: bool
    batch_size: int = 64
    latent_dim: int = 32

    def config(self) -> GanConfig:
        """Adam 2e-4 for both players, β = (0.5, 0.999), batches of 64."""
        return GanConfig(steps=self.steps, batch_size=self.batch_size, lr_g=2e-4, lr_d=2e-4)

    def describe(self) -> str:
        return (
            f"MNIST test set: classifier on {self.n_classifier:,} digits ({self.classifier_epochs} "
            f"epoch(s)), GANs on the other {10_000 - self.n_classifier:,}; MLP G {self.latent_dim}"
            f"→256→512→784, SN-MLP D 784→512→256→1, {self.steps} steps of {self.batch_size}; "
            f"{self.n_eval:,} generated vs {self.n_eval:,} real digits in the classifier's "
            "64-d features (not Inception)"
        )


def _digit_split(n_classifier: int, data_root: str | None) -> tuple[TensorData, TensorData]:
    """The classifier's digits and the GANs' digits; images ``[N, 28, 28]`` in [−1, 1]."""
    digits = load_mnist_test(data_root)
    cls_idx, gan_idx = split_indices(len(digits.labels), n_classifier, seed=0)
    images = torch.from_numpy(digits.images) * 2 - 1
    labels = torch.from_numpy(digits.labels)
    return (
        TensorData(images[cls_idx], labels[cls_idx]),
        TensorData(images[gan_idx], labels[gan_idx]),
    )


def _digit_job(job: tuple[str, str, int, float, float, DigitProtocol, dict, str | None]) -> dict:
    """Train one variant for one seed; Fréchet distance and precision / recall of its digits."""
    _, variant, seed, lam, eps, protocol, classifier_state, data_root = job
    real = _digit_split(protocol.n_classifier, data_root)[1].inputs
    lt, cr = _configs(variant, DIGIT_PAIRS, CRConfig(CR_WEIGHT, "translate", DIGIT_SHIFT), lam, eps)
    torch.manual_seed(seed)
    g = Generator(protocol.latent_dim, (256, 512), (28, 28), tanh=True)
    game = LTGAN(g, Discriminator(28 * 28, (512, 256)), lt, cr)
    history = fit_gan(game, real, protocol.config(), seed)
    out = {"failed": history.failed, "diverged_at": history.diverged_at}
    out["steps_per_second"] = history.steps_per_second
    if history.failed:
        return out
    classifier = DigitClassifier()
    classifier.load_state_dict(classifier_state)
    encoder = classifier.features
    fake = generate(game.generator, protocol.n_eval, protocol.latent_dim, 10_000 + seed)
    pick = torch.randperm(len(real), generator=torch.Generator().manual_seed(20_000 + seed))
    f_real = features(encoder, real[pick[: protocol.n_eval]][:, None])
    f_fake = features(encoder, fake[:, None])
    precision, recall = precision_recall(f_real, f_fake)
    out.update(fd=frechet_distance(f_real, f_fake), precision=100 * precision, recall=100 * recall)
    return out


def _digits_run(ctx: RunContext) -> Iterator[Measurement]:
    """The four variants (and, in the full run, the sweeps) on digits, paired seeds."""
    protocol = DigitProtocol(
        steps=ctx.pick(60, 500, 2000),
        seeds=ctx.n_seeds(2, 3, 5),
        n_classifier=ctx.pick(1000, 5000, 5000),
        classifier_epochs=ctx.pick(1, 2, 2),
        n_eval=ctx.pick(500, 2000, 2000),
        sweeps=ctx.size == "full",
    )
    start = time.perf_counter()
    cls_digits, gan_digits = _digit_split(protocol.n_classifier, ctx.data_root)
    classifier = train_classifier(
        cls_digits.inputs, cls_digits.labels, protocol.classifier_epochs, seed=0
    )
    _, accuracy = evaluate(classifier, gan_digits)
    state = classifier.state_dict()
    settings = {v: (v, LAMBDA, EPS_SCALE) for v in VARIANTS}
    if protocol.sweeps:
        settings.update({_sweep(lam, eps): ("LT", lam, eps) for lam, eps in SWEEPS.values()})
    jobs = [
        (key, variant, s, lam, eps, protocol, state, ctx.data_root)
        for key, (variant, lam, eps) in settings.items()
        for s in range(protocol.seeds)
    ]
    results = ctx.map(_digit_job, jobs, desc="ltgan digits")
    seconds = time.perf_counter() - start
    by: dict[str, list[dict | None]] = {k: [None] * protocol.seeds for k in settings}
    for job, r in zip(jobs, results, strict=True):
        by[job[0]][job[2]] = r
    runs = Runs(by)
    dataset = protocol.describe()
    keys = {"fd": "FD", "precision": "precision %", "recall": "recall %"}
    note = (
        f"{_summary(runs, keys)}; {runs.failures()}; {runs.speed()}; the feature classifier's "
        f"accuracy on the GANs' digits {accuracy:.1f}%"
    )
    comparisons = {f"ltgan.digits.{s}": ab for s, ab in COMPARISONS.items()}
    comparisons.update({cid: (_sweep(*le), "baseline") for cid, le in SWEEPS.items()})
    for cid, (a, b) in comparisons.items():
        if a not in by:
            yield Measurement.not_run(cid, "the sensitivity sweeps run in the full size only")
            continue
        xs, ys, dropped = runs.pairs(a, b, "fd")
        left_out = f"; seeds left out of the pairs: {dropped}" if dropped else ""
        yield Measurement.paired_gap(
            cid,
            xs,
            ys,
            dataset=dataset,
            seconds=seconds,
            device=ctx.device,
            note=f"paired over {len(xs)} seeds{left_out}; {note}",
        )
    if ctx.plots_dir is not None:
        _plot_digits(ctx.plots_dir / "ltgan_digits.png", runs, protocol.seeds)


def _sweep(lam: float, eps: float) -> str:
    """The name of a sweep's LT setting in notes and figures."""
    return f"LT λ={lam:g} σ={eps:g}"


# --------------------------------------------------------------------------------- not run


def _fid_rows(ctx: RunContext) -> Iterator[Measurement]:
    reason = (
        "needs BigGAN / SNDCGAN training on CIFAR-10 or CelebA-HQ and Inception FID (GPU-scale)"
    )
    for cid in (
        "ltgan.abstract.cifar10-cr-lt-biggan-fid",
        "ltgan.table.celebahq-cr-lt-sndcgan-fid",
        "ltgan.table.cifar10-uncond-fid",
    ):
        yield Measurement.not_run(cid, reason)


# ----------------------------------------------------------------------------------- helpers


def _fmt(values: list[float], digits: int = 2) -> str:
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _bars(ax, runs: Runs, variants: list[str], key: str, label: str) -> None:
    stats = [
        mean_std(runs.values(v, key)) if runs.values(v, key) else (math.nan, 0.0) for v in variants
    ]
    ax.bar(variants, [m for m, _ in stats], yerr=[s for _, s in stats], capsize=3)
    ax.set_ylabel(label)


def _plot_mixtures(path: Path, data: dict[str, Runs], seeds: int) -> None:
    fig, axes = figure(1, 2, figsize=(9, 3.4))
    for ax, (name, runs) in zip(axes[0], data.items(), strict=True):
        _bars(ax, runs, list(VARIANTS), "modes", "modes covered")
        ax.set_xlabel(f"variant (mean; {error_note('std', seeds)})")
        title(ax, f"{MIXTURES[name]().name}: modes with a sample within 3σ")
    save(fig, path)


def _plot_digits(path: Path, runs: Runs, seeds: int) -> None:
    fig, axes = figure(1, 2, figsize=(9, 3.4))
    left, right = axes[0]
    variants = list(runs.results)
    _bars(left, runs, variants, "fd", "Fréchet distance (classifier features)")
    left.tick_params(axis="x", labelrotation=30)
    left.set_xlabel(f"variant (mean; {error_note('std', seeds)})")
    title(left, "Digits: Fréchet distance (lower is better)")
    for key, marker in (("precision", "o"), ("recall", "s")):
        ms = [
            mean_std(runs.values(v, key))[0] if runs.values(v, key) else math.nan for v in variants
        ]
        right.plot(variants, ms, marker=marker, label=key)
    right.tick_params(axis="x", labelrotation=30)
    right.set_ylabel("%")
    right.legend()
    title(right, "Digits: precision and recall (k = 3), means")
    save(fig, path)


EXPERIMENTS = (
    Experiment(
        "mixtures",
        _mixtures_run,
        claims=tuple(
            [f"ltgan.mixtures.{m}.{s}" for m in MIXTURES for s in COMPARISONS]
            + [
                f"ltgan.pacgan.{m}.{k}"
                for m in MIXTURES
                for k in ("gan-modes", "gan-high-quality", "gan-reverse-kl")
            ]
        ),
        # counts of modes: between none and all of them
        quick_bands={
            "ltgan.pacgan.ring.gan-modes": (0.0, 8.0),
            "ltgan.pacgan.grid.gan-modes": (0.0, 25.0),
        },
    ),
    Experiment(
        "digits",
        _digits_run,
        claims=("ltgan.digits.lt-vs-baseline", "ltgan.digits.lt-adds-to-cr", *SWEEPS),
        data=("mnist_test",),
    ),
    Experiment(
        "fid-rows",
        _fid_rows,
        claims=(
            "ltgan.abstract.cifar10-cr-lt-biggan-fid",
            "ltgan.table.celebahq-cr-lt-sndcgan-fid",
            "ltgan.table.cifar10-uncond-fid",
        ),
    ),
)
