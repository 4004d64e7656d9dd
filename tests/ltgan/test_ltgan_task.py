"""The latent-transformation task: balanced pairs, a symmetric head, where L_LT's gradient goes,
and the errors for bad settings.

The identity claims are checked by their check functions (``implementations/ltgan/
identity_checks``, the ones the runner measures) on the seeds hypothesis picks.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.ltgan import (
    LTGAN,
    CRConfig,
    Discriminator,
    Generator,
    LTConfig,
    TransformationHead,
    draw_pairs,
    feature_differences,
)
from implementations.ltgan.paper import PAPER
from repro.experiment import deviation
from repro.gan import Streams

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_ltgan_method_pairs_balanced(seed: int) -> None:
    """ltgan.method.pairs-balanced: half the pair-of-pairs share ε exactly, half do not."""
    assert deviation(PAPER.claim("ltgan.method.pairs-balanced"), seed) == 0.0


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_ltgan_method_symmetric_head(seed: int) -> None:
    """ltgan.method.symmetric-head: A(f₁, f₂) = A(f₂, f₁) bit for bit."""
    assert deviation(PAPER.claim("ltgan.method.symmetric-head"), seed) == 0.0


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_ltgan_method_gradient_paths(seed: int) -> None:
    """ltgan.method.gradient-paths: L_LT reaches G; D's trunk only with ``trunk_grad``."""
    assert deviation(PAPER.claim("ltgan.method.gradient-paths"), seed) == 0.0


def test_positive_pairs_are_the_first_half_and_labelled_one():
    p = draw_pairs(6, 4, 0.5, "uniform", torch.Generator().manual_seed(0))
    assert p.same.tolist() == [1, 1, 1, 0, 0, 0]
    assert torch.equal(p.eps1[:3], p.eps2[:3])
    assert p.eps1.abs().max() <= 0.5  # U(−σ, σ)


def test_feature_differences_are_moved_minus_base():
    """f_i = E(G(z_i + ε_i)) − E(G(z_i)), computed by stacking the four latent sets."""
    torch.manual_seed(0)
    g, d = Generator(3, (8,), (2,), tanh=False), Discriminator(2, (8,))
    p = draw_pairs(4, 3, 0.3, "gaussian", torch.Generator().manual_seed(1))
    f1, f2 = feature_differences(g, d.trunk, p, "discriminator", trunk_grad=False)
    with torch.no_grad():
        ref1 = d.trunk(g(p.z1 + p.eps1)) - d.trunk(g(p.z1))
        ref2 = d.trunk(g(p.z2 + p.eps2)) - d.trunk(g(p.z2))
    torch.testing.assert_close(f1, ref1)
    torch.testing.assert_close(f2, ref2)


def test_a_head_that_ignores_order_can_still_tell_pairs_apart():
    """Symmetric is not constant: different feature differences give different logits."""
    torch.manual_seed(0)
    head = TransformationHead(5)
    f = torch.randn(2, 5)
    with torch.no_grad():
        assert head(f[:1], f[:1]) != head(f[:1], f[1:])


@pytest.mark.parametrize("lam", [-0.1, math.nan, math.inf, "1"])
def test_invalid_lambda_is_refused(lam):
    with pytest.raises(ValueError, match=r"λ .* must be a finite number ≥ 0"):
        LTConfig(lam=lam)


@pytest.mark.parametrize("scale", [0.0, -1.0, math.nan, math.inf])
def test_invalid_eps_scale_is_refused(scale):
    with pytest.raises(ValueError, match="ε scale must be a positive finite number"):
        LTConfig(eps_scale=scale)
    with pytest.raises(ValueError, match="ε scale must be a positive finite number"):
        draw_pairs(4, 2, scale, "gaussian", torch.Generator())


def test_bad_task_settings_are_refused():
    with pytest.raises(ValueError, match="ε distribution must be 'gaussian' or 'uniform'"):
        LTConfig(eps_distribution="laplace")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pairs must be even and at least 2"):
        LTConfig(pairs=3)
    with pytest.raises(ValueError, match="number of pairs must be even and at least 2"):
        draw_pairs(1, 2, 0.5, "gaussian", torch.Generator())
    with pytest.raises(ValueError, match="λ_CR must be a finite number ≥ 0"):
        CRConfig(weight=-1.0)
    with pytest.raises(ValueError, match="f1 and f2 must both be"):
        TransformationHead(4)(torch.zeros(2, 4), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="step must be 'generator' or 'discriminator'"):
        game = LTGAN(Generator(2, (4,), (2,), False), Discriminator(2, (4,)), LTConfig(pairs=2))
        game.task_loss(Streams(0), "both")  # type: ignore[arg-type]
