"""LT-GAN throughput: one training step (a discriminator update, then a generator update) of
each variant — baseline, LT, CR, CR+LT — on the digit-sized players of ``reproduce.py`` (MLP G
32→256→512→784, SN-MLP D 784→512→256→1, batches of 64, 32 pair-of-pairs for LT).

Each variant has the baseline as its peer: ``ratio_vs_baseline`` (fastest of interleaved calls,
:func:`repro.timing.compare`) is the add-on's cost as a same-run ratio of step times; the paper
gives no number for it. ``samples_per_s`` counts real samples per step (64).

The games draw their latents from CPU generators (:class:`repro.gan.Streams`), so the suite runs
on the CPU only. With ``--benchmark-disable`` each case runs once.
"""

from __future__ import annotations

import pytest
import torch

from implementations.ltgan import LTGAN, CRConfig, Discriminator, Generator, LTConfig
from repro.gan import GanConfig, Streams, gan_step, optimizers

BATCH = 64
VARIANTS = ("baseline", "LT", "CR", "CR+LT")


def _step(variant: str):
    """A step function of ``variant`` on fixed random digits, seeded."""
    lt = LTConfig(pairs=32) if "LT" in variant else None
    cr = CRConfig(weight=10.0, augment="translate", amount=2) if "CR" in variant else None
    torch.manual_seed(0)
    game = LTGAN(Generator(32, (256, 512), (28, 28), True), Discriminator(784, (512, 256)), lt, cr)
    opt_d, opt_g = optimizers(game, GanConfig(steps=1, batch_size=BATCH))
    batch = torch.rand(BATCH, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
    streams = Streams(0)
    return lambda: gan_step(game, batch, streams, opt_d, opt_g)


@pytest.mark.parametrize("variant", VARIANTS)
def test_ltgan_training_step(bench, benchmark, device, variant: str) -> None:
    if device != "cpu":
        pytest.skip(f"the LT-GAN games draw latents from CPU generators; no {device} timing")
    benchmark.group = "ltgan-step-b64-784"
    peers = {"baseline": _step("baseline")} if variant != "baseline" else None
    losses = bench(_step(variant), n_samples=BATCH, peers=peers, variant=variant)
    assert all(torch.isfinite(torch.tensor(losses)))
