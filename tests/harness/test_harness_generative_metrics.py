"""Fréchet distance, precision / recall and PacGAN's mode statistics against cases whose answer
is known in closed form; the mixtures' layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from repro.data.mixtures import grid, ring
from repro.generative_metrics import frechet_distance, mode_stats, precision_recall


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    """For diagonal covariances d² = Σ (μ_r − μ_f)² + Σ (σ_r − σ_f)²: use the sets' own
    moments so the formula is exact."""
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 3, generator=gen, dtype=torch.float64)
    b = 2.0 * torch.randn(4000, 3, generator=gen, dtype=torch.float64) + 1.0
    ca, cb = np.cov(a.numpy(), rowvar=False), np.cov(b.numpy(), rowvar=False)
    w, v = np.linalg.eigh(ca)
    ra = (v * np.sqrt(w)) @ v.T
    s = np.linalg.eigvalsh(ra @ cb @ ra)
    ref = ((a.mean(0) - b.mean(0)) ** 2).sum().item() + np.trace(ca + cb) - 2 * np.sqrt(s).sum()
    assert frechet_distance(a, b) == pytest.approx(ref, rel=1e-9)
    assert frechet_distance(a, b) == pytest.approx(3 * 1.0 + 3 * 1.0, rel=0.1)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)


def test_precision_recall_of_a_set_with_itself_is_one_and_of_far_sets_zero():
    x = torch.randn(200, 4, generator=torch.Generator().manual_seed(1))
    assert precision_recall(x, x) == (1.0, 1.0)
    assert precision_recall(x, x + 100.0) == (0.0, 0.0)
    with pytest.raises(ValueError, match="k must be in"):
        precision_recall(x, x, k=200)


def test_mode_stats_counts_modes_quality_and_reverse_kl():
    mix = grid()
    # 10 samples on each of the first 5 modes, 50 far from every mode
    good = mix.means[:5].repeat_interleave(10, 0)
    far = torch.full((50, 2), 100.0)
    stats = mode_stats(torch.cat([good, far]), mix.means, mix.std)
    assert stats.modes == 5
    assert stats.high_quality == pytest.approx(0.5)
    assert stats.reverse_kl == pytest.approx(math.log(25 / 5))
    uniform = mode_stats(mix.means.repeat(4, 1), mix.means, mix.std)
    assert uniform.reverse_kl == pytest.approx(0.0, abs=1e-12) and uniform.modes == 25
    assert math.isnan(mode_stats(far, mix.means, mix.std).reverse_kl)


def test_a_sample_beyond_three_std_is_not_high_quality():
    mix = ring()
    near = mix.means[:1] + torch.tensor([[2.9 * mix.std, 0.0]])
    beyond = mix.means[:1] + torch.tensor([[3.1 * mix.std, 0.0]])
    assert mode_stats(near, mix.means, mix.std).modes == 1
    assert mode_stats(beyond, mix.means, mix.std).modes == 0


def test_mixtures_have_pacgans_layout():
    r, g = ring(), grid()
    assert r.modes == 8 and g.modes == 25
    torch.testing.assert_close(r.means.norm(dim=1), torch.ones(8))
    assert sorted(set(g.means[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    x = g.sample(5000, torch.Generator().manual_seed(0))
    assert mode_stats(x, g.means, g.std).high_quality > 0.98  # 3σ holds ~98.9% in 2-D
    with pytest.raises(ValueError, match="std must be positive"):
        ring(std=0.0)
