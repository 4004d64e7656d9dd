"""The exact claims' checks: each draws one seeded random instance and returns the largest
deviation from the claim (0 when it holds exactly). ``paper.py`` names each check; the runner
evaluates it in every run and the property tests in ``tests/ltgan`` call it on the seeds
hypothesis picks.
"""

from __future__ import annotations

import math

import torch

from implementations.ltgan.auxiliary import TransformationHead
from implementations.ltgan.game import LTGAN, LTConfig
from implementations.ltgan.latent_pairs import draw_pairs
from implementations.ltgan.networks import Discriminator, Generator
from repro.data.mixtures import ring
from repro.gan import GanConfig, Streams, fit_gan


def _int(gen: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def _small_game(seed: int, lt: LTConfig | None, latent_dim: int = 3, pacgan: bool = False) -> LTGAN:
    """Small players: SN discriminator, or (``pacgan``) batch-norm generator and maxout D."""
    torch.manual_seed(seed)
    g = Generator(latent_dim, (16, 16), (2,), False, batch_norm=pacgan)
    return LTGAN(g, Discriminator(2, (16, 16), maxout=3 if pacgan else 0), lt)


def pairs_balanced(gen: torch.Generator) -> float:
    """Random pair counts, latent sizes, ε laws and scales: positives and negatives balanced."""
    n = 2 * _int(gen, 1, 64)
    dim = _int(gen, 1, 16)
    scale = float(torch.empty(1).uniform_(0.01, 3.0, generator=gen))
    law = "gaussian" if _int(gen, 0, 1) else "uniform"
    p = draw_pairs(n, dim, scale, law, gen)
    pos, neg = p.same == 1, p.same == 0
    imbalance = abs(int(pos.sum()) - int(neg.sum()))
    shared = float((p.eps1[pos] - p.eps2[pos]).abs().max())
    # a negative pair whose two ε coincide would be a positive in disguise
    distinct = float((p.eps1[neg] - p.eps2[neg]).abs().amax(1).min())
    return max(float(imbalance), shared, 0.0 if distinct > 0 else 1.0)


def symmetric_head(gen: torch.Generator) -> float:
    """A random head and feature differences: A(f₁, f₂) against A(f₂, f₁), bit for bit."""
    features, hidden, n = _int(gen, 1, 64), _int(gen, 1, 64), _int(gen, 1, 32)
    torch.manual_seed(int(torch.randint(2**31, (1,), generator=gen)))
    head = TransformationHead(features, hidden)
    f1 = 3 * torch.randn(n, features, generator=gen)
    f2 = 3 * torch.randn(n, features, generator=gen)
    with torch.no_grad():
        return float((head(f1, f2) - head(f2, f1)).abs().max())


def lambda_zero_is_baseline(gen: torch.Generator) -> float:
    """A few training steps on the ring with λ = 0 against the baseline, same seed, with either
    pair of players: the largest |difference| of any generator or discriminator weight or
    buffer (batch-norm running statistics included) (0: bit for bit)."""
    seed = int(torch.randint(2**31, (1,), generator=gen))
    steps = _int(gen, 1, 8)
    real = ring().sample(400, torch.Generator().manual_seed(seed))
    config = GanConfig(steps=steps, batch_size=_int(gen, 8, 64), lr_g=1e-3, lr_d=1e-3)
    lt = LTConfig(lam=0.0, eps_scale=float(torch.empty(1).uniform_(0.1, 2, generator=gen)), pairs=8)
    pacgan = bool(_int(gen, 0, 1))
    runs = []
    for task in (None, lt):
        game = _small_game(seed, task, pacgan=pacgan)
        fit_gan(game, real, config, seed)
        state = {**game.generator.state_dict(), **game.discriminator.state_dict()}
        runs.append(list(state.values()))
    with torch.no_grad():
        return max(float((a - b).abs().max()) for a, b in zip(*runs, strict=True))


def _task_grads(game: LTGAN, step: str, seed: int) -> tuple[float, float]:
    """|∂L_LT/∂G| and |∂L_LT/∂E| (largest entries) for one step's L_LT."""
    game.zero_grad(set_to_none=True)
    game.task_loss(Streams(seed), step).backward()

    def largest(module: torch.nn.Module) -> float:
        grads = [p.grad.abs().max() for p in module.parameters() if p.grad is not None]
        return float(max(grads)) if grads else 0.0

    return largest(game.generator), largest(game.discriminator.trunk)


def gradient_paths(gen: torch.Generator) -> float:
    """A random game: L_LT's gradient reaches G in G's step, and D's trunk in D's step only with
    ``trunk_grad``. Returns |trunk gradient| with the option off, plus ∞ for each path that
    should carry a gradient and carries none."""
    seed = int(torch.randint(2**31, (1,), generator=gen))
    scale = float(torch.empty(1).uniform_(0.1, 2, generator=gen))
    dev = 0.0
    for trunk_grad in (False, True):
        game = _small_game(seed, LTConfig(eps_scale=scale, pairs=8, trunk_grad=trunk_grad))
        g_from_g_step, _ = _task_grads(game, "generator", seed)
        g_from_d_step, trunk = _task_grads(game, "discriminator", seed)
        dev = max(dev, math.inf if g_from_g_step == 0 else 0.0, g_from_d_step)
        dev = max(dev, trunk if not trunk_grad else (math.inf if trunk == 0 else 0.0))
    return dev
