"""Measures of a generator's samples against real ones: Fréchet distance, precision and recall
of k-nearest-neighbour manifolds, and PacGAN's mode statistics on a known mixture.

The Fréchet distance and precision / recall work on any feature space; a paper names the one it
uses (Inception for FID; here also a small digit classifier). Nothing here trains a model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


def frechet_distance(real: Tensor, fake: Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``[N, F]`` and ``[M, F]``.

        d² = ‖μ_r − μ_f‖² + Tr(Σ_r + Σ_f − 2 (Σ_r Σ_f)^{1/2})

    (Heusel et al. 2017, FID's formula). Tr (Σ_r Σ_f)^{1/2} is computed as the sum of square
    roots of the eigenvalues of Σ_r^{1/2} Σ_f Σ_r^{1/2} (symmetric, so no complex round-off),
    in float64.
    """
    for name, x in (("real", real), ("fake", fake)):
        if x.ndim != 2 or len(x) < 2:
            raise ValueError(f"{name} features must be [N ≥ 2, F], got {tuple(x.shape)}")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature sizes differ: {real.shape[1]} vs {fake.shape[1]}")
    r = real.double().numpy()
    f = fake.double().numpy()
    mu_r, mu_f = r.mean(0), f.mean(0)
    cov_r, cov_f = np.cov(r, rowvar=False), np.cov(f, rowvar=False)
    w, v = np.linalg.eigh(cov_r)
    root_r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.linalg.eigvalsh(root_r @ cov_f @ root_r)
    trace_root = float(np.sqrt(np.clip(cross, 0, None)).sum())
    d2 = float(((mu_r - mu_f) ** 2).sum() + np.trace(cov_r) + np.trace(cov_f) - 2 * trace_root)
    return max(d2, 0.0)


def _kth_neighbour_radius(x: Tensor, k: int) -> Tensor:
    """Distance of each row of ``x`` ``[N, F]`` to its k-th nearest other row: ``[N]``."""
    d = torch.cdist(x, x)  # [N, N], zero diagonal
    return d.kthvalue(k + 1, dim=1).values


def _inside(points: Tensor, centres: Tensor, radii: Tensor) -> Tensor:
    """Share of ``points`` inside at least one ball (centre, radius)."""
    d = torch.cdist(points, centres)  # [M, N]
    return (d <= radii[None, :]).any(1).double().mean()


def precision_recall(real: Tensor, fake: Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``fake`` against ``real``.

    Each set's manifold is the union of balls around its points with radius the distance to
    the point's k-th nearest neighbour in the set. precision = share of fake points inside the
    real manifold; recall = share of real points inside the fake manifold.
    """
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"features must be [N, F] and [M, F], got {tuple(real.shape)}, {tuple(fake.shape)}"
        )
    if not 1 <= k < min(len(real), len(fake)):
        raise ValueError(f"k must be in [1, {min(len(real), len(fake)) - 1}], got {k}")
    r, f = real.double(), fake.double()
    precision = _inside(f, r, _kth_neighbour_radius(r, k))
    recall = _inside(r, f, _kth_neighbour_radius(f, k))
    return float(precision), float(recall)


@dataclass(frozen=True)
class ModeStats:
    """PacGAN's statistics of generated samples on a known mixture."""

    modes: int  # modes with at least one high-quality sample
    high_quality: float  # share of samples within ``threshold`` std of their nearest mode
    reverse_kl: float  # KL(histogram of high-quality samples over modes ‖ uniform), nats
    counts: tuple[int, ...]


def mode_stats(samples: Tensor, means: Tensor, std: float, threshold: float = 3.0) -> ModeStats:
    """Modes covered, share of high-quality samples and reverse KL (PacGAN, Lin et al. 2018).

    A sample is high quality when it lies within ``threshold`` standard deviations of its
    nearest mode, and counts for that mode; a mode is covered when it has a high-quality
    sample (as PacGAN's public ``MetricLogger``). With p the histogram of high-quality samples
    over the K modes and the mixture's uniform weights,

        KL(p ‖ u) = Σ_k p_k log(K p_k)

    (0 when every mode is hit equally, log K when all samples fall on one mode). With no
    high-quality sample the histogram does not exist and ``reverse_kl`` is NaN.
    """
    if samples.ndim != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"samples must be [N, {means.shape[1]}], got {tuple(samples.shape)}")
    d = torch.cdist(samples.double(), means.double()) / std  # [N, K], in standard deviations
    nearest, which = d.min(1)
    good = nearest < threshold
    counts = torch.bincount(which[good], minlength=len(means))
    total = int(counts.sum())
    if total == 0:
        kl = math.nan
    else:
        p = counts.double() / total
        nz = p > 0
        kl = float((p[nz] * (p[nz] * len(means)).log()).sum())
    return ModeStats(
        modes=int((counts > 0).sum()),
        high_quality=total / len(samples),
        reverse_kl=kl,
        counts=tuple(int(c) for c in counts),
    )
