"""Training: λ = 0 is the baseline bit for bit, the same seed gives the same GAN, and a
diverging run is reported as failed (never averaged)."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.ltgan import LTGAN, CRConfig, Discriminator, Generator, LTConfig
from implementations.ltgan import game as game_module
from implementations.ltgan.networks import Maxout
from implementations.ltgan.paper import PAPER
from implementations.ltgan.reproduce import Runs
from repro.data.mixtures import grid
from repro.experiment import deviation
from repro.gan import GanConfig, fit_gan


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_ltgan_method_lambda_zero_baseline(seed: int) -> None:
    """ltgan.method.lambda-zero-baseline: λ = 0 trains the baseline's weights bit for bit."""
    assert deviation(PAPER.claim("ltgan.method.lambda-zero-baseline"), seed) == 0.0


def _train(
    lt: LTConfig | None, cr: CRConfig | None, seed: int = 0, steps: int = 5, pacgan: bool = False
) -> LTGAN:
    real = grid().sample(300, torch.Generator().manual_seed(seed))
    torch.manual_seed(seed)
    g = Generator(2, (16,), (2,), False, batch_norm=pacgan)
    game = LTGAN(g, Discriminator(2, (16,), maxout=3 if pacgan else 0), lt, cr)
    fit_gan(game, real, GanConfig(steps=steps, batch_size=32, lr_g=1e-3, lr_d=1e-3), seed)
    return game


def _weights(game: LTGAN) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in game.parameters()])


def test_same_seed_same_gan_and_a_positive_lambda_changes_it():
    lt = LTConfig(lam=1.0, pairs=4)
    a, b = _train(lt, None), _train(lt, None)
    assert torch.equal(_weights(a), _weights(b))
    base = _train(None, None)
    assert not torch.equal(_weights(a.generator), _weights(base.generator))


def _norm_statistics(game: LTGAN) -> torch.Tensor:
    return torch.cat([b.float().flatten() for b in game.generator.buffers()])


def test_the_task_leaves_the_generators_norm_statistics_alone(monkeypatch):
    """PacGAN's batch-norm generator: at λ = 0 the running statistics (what evaluation samples
    use) are the baseline's; without the guard the task's latent batches would move them."""
    base = _train(None, None, pacgan=True)
    lt = LTConfig(lam=0.0, pairs=4)
    assert torch.equal(_norm_statistics(base), _norm_statistics(_train(lt, None, pacgan=True)))
    monkeypatch.setattr(game_module, "keeping_norm_statistics", lambda _: nullcontext())
    unguarded = _train(lt, None, pacgan=True)
    assert not torch.equal(_norm_statistics(base), _norm_statistics(unguarded))


def test_maxout_takes_the_largest_piece():
    unit = Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    pieces = unit.linear(x).view(5, 2, 4)
    assert torch.equal(unit(x), pieces.max(-1).values)
    with pytest.raises(ValueError, match="2 pieces"):
        Maxout(3, 2, pieces=1)


def test_trunk_option_changes_the_discriminator_even_at_lambda_zero():
    """With the trunk learning from L_LT, λ = 0 is no longer the baseline (D differs)."""
    base = _train(None, None)
    on = _train(LTConfig(lam=0.0, pairs=4, trunk_grad=True), None)
    assert not torch.equal(_weights(base.discriminator), _weights(on.discriminator))


def test_consistency_term_is_zero_for_an_identity_augmentation():
    """CR with zero jitter adds nothing: CR(amount 0) trains the baseline's weights."""
    base = _train(None, None)
    cr = _train(None, CRConfig(weight=10.0, augment="jitter", amount=0.0))
    assert torch.equal(_weights(base), _weights(cr))


class _Exploding(LTGAN):
    """A game whose generator loss turns infinite at its third step."""

    calls = 0

    def generator_loss(self, batch_size, streams):
        self.calls += 1
        loss = super().generator_loss(batch_size, streams)
        return loss * float("inf") if self.calls == 3 else loss


def test_a_diverging_run_stops_and_is_reported_as_failed():
    real = grid().sample(300, torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    game = _Exploding(Generator(2, (8,), (2,), False), Discriminator(2, (8,)))
    history = fit_gan(game, real, GanConfig(steps=10, batch_size=32), 0)
    assert history.failed and history.diverged_at == 2 and len(history.g_loss) == 2


def test_failed_runs_are_named_and_left_out_of_the_pairs():
    ok = {"failed": False, "diverged_at": None, "modes": 3.0, "steps_per_second": 10.0}
    bad = {"failed": True, "diverged_at": 7, "steps_per_second": 10.0}
    runs = Runs({"LT": [ok, bad, ok], "baseline": [ok, ok, ok]})
    xs, ys, dropped = runs.pairs("LT", "baseline", "modes")
    assert (xs, ys, dropped) == ([3.0, 3.0], [3.0, 3.0], [1])
    assert "LT seed 1 (loss non-finite at step 7)" in runs.failures()
