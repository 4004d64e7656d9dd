"""Every GAN's training: one seeded, alternating discriminator / generator loop.

A paper gives a :class:`Game` (its two players, their losses and anything trained beside them)
and a :class:`GanConfig`; :func:`fit_gan` owns the optimisers, the batches of real data, the
random streams and the divergence check, and returns a :class:`GanHistory`.

Random streams are named (:class:`Streams`): the batch order, the latent draws of the GAN and
each add-on's draws (a perturbation, an augmentation) come from their own generator, seeded by
``(seed, name)``. An add-on that draws numbers therefore never shifts the draws of the GAN it is
added to, and two variants trained on the same seed see the same real batches and latents.

Spectral normalisation (``torch.nn.utils.parametrizations.spectral_norm``) runs one power
iteration per forward call in training mode; every step runs inside
``torch.nn.utils.parametrize.cached()``, so a discriminator does one iteration per step however
many times a loss calls it.

A step whose loss is not finite stops the run: the history records the step (``diverged_at``)
and the caller reports the run as failed instead of averaging it.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize


@dataclass(frozen=True)
class GanConfig:
    """Steps, batch size and the Adam settings of both players (one optimiser each)."""

    steps: int
    batch_size: int
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(
                f"steps and batch_size must be at least 1, got {self.steps}, {self.batch_size}"
            )
        if not (self.lr_g > 0 and self.lr_d > 0):
            raise ValueError(f"learning rates must be positive, got {self.lr_g}, {self.lr_d}")


class Streams:
    """Named random streams of one seed: ``streams("latent")``, ``streams("augment")`` …

    Each name gets its own ``torch.Generator`` seeded by ``(seed, name)``, created on first use.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._gens: dict[str, torch.Generator] = {}

    def __call__(self, name: str) -> torch.Generator:
        if name not in self._gens:
            sub = zlib.crc32(name.encode()) & 0x7FFFFFFF
            self._gens[name] = torch.Generator().manual_seed(self.seed * 1_000_003 + sub)
        return self._gens[name]


class Game(Protocol):
    """The players of a GAN and their losses; :func:`fit_gan` steps them in turn.

    ``discriminator_parameters`` holds everything the discriminator's optimiser updates
    (auxiliary heads trained beside it included); ``generator_parameters`` what the generator's
    optimiser updates. Each loss draws its random numbers from ``streams``.
    """

    def generator_parameters(self) -> Iterable[nn.Parameter]: ...

    def discriminator_parameters(self) -> Iterable[nn.Parameter]: ...

    def discriminator_loss(self, real: Tensor, streams: Streams) -> Tensor: ...

    def generator_loss(self, batch_size: int, streams: Streams) -> Tensor: ...


@dataclass
class GanHistory:
    """Per-step losses, the wall time of the loop and, for a diverged run, the failing step."""

    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0
    diverged_at: int | None = None

    @property
    def failed(self) -> bool:
        return self.diverged_at is not None

    @property
    def steps_per_second(self) -> float:
        return len(self.g_loss) / self.seconds if self.seconds > 0 else math.nan


def optimizers(game: Game, config: GanConfig) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for the discriminator's and for the generator's parameters."""
    opt_d = torch.optim.Adam(game.discriminator_parameters(), lr=config.lr_d, betas=config.betas)
    opt_g = torch.optim.Adam(game.generator_parameters(), lr=config.lr_g, betas=config.betas)
    return opt_d, opt_g


def gan_step(
    game: Game,
    batch: Tensor,
    streams: Streams,
    opt_d: torch.optim.Optimizer,
    opt_g: torch.optim.Optimizer,
) -> tuple[float, float]:
    """One discriminator update on ``batch``, then one generator update of the same size.

    Returns both losses. A non-finite loss is returned without its update being applied (and a
    non-finite discriminator loss skips the generator's update: its loss is returned as NaN).
    """
    with parametrize.cached():
        opt_d.zero_grad(set_to_none=True)
        d_loss = game.discriminator_loss(batch, streams)
        if not torch.isfinite(d_loss):
            return float(d_loss.detach()), math.nan
        d_loss.backward()
        opt_d.step()
    with parametrize.cached():
        opt_g.zero_grad(set_to_none=True)
        g_loss = game.generator_loss(len(batch), streams)
        if not torch.isfinite(g_loss):
            return float(d_loss.detach()), float(g_loss.detach())
        g_loss.backward()
        opt_g.step()
    return float(d_loss.detach()), float(g_loss.detach())


def fit_gan(game: Game, real: Tensor, config: GanConfig, seed: int) -> GanHistory:
    """Train ``game`` on ``real`` (``[N, ...]``) for ``config.steps`` alternating steps.

    Each step: one discriminator update on a batch of real samples (a seeded permutation per
    pass over the data), then one generator update. The caller seeds the weights
    (``torch.manual_seed`` before building the players). Stops at the first non-finite loss.
    """
    n = len(real)
    if n < config.batch_size:
        raise ValueError(f"{n} real samples make no batch of {config.batch_size}")
    streams = Streams(seed)
    order_gen = torch.Generator().manual_seed(seed)
    opt_d, opt_g = optimizers(game, config)
    history = GanHistory()
    order, first = torch.randperm(n, generator=order_gen), 0
    start = time.perf_counter()
    for step in range(config.steps):
        if first + config.batch_size > n:
            order, first = torch.randperm(n, generator=order_gen), 0
        batch = real[order[first : first + config.batch_size]]
        first += config.batch_size
        d_loss, g_loss = gan_step(game, batch, streams, opt_d, opt_g)
        if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
            history.diverged_at = step
            break
        history.d_loss.append(d_loss)
        history.g_loss.append(g_loss)
    history.seconds = time.perf_counter() - start
    return history


@torch.no_grad()
def generate(
    generator: nn.Module, n: int, latent_dim: int, seed: int, batch_size: int = 1000
) -> Tensor:
    """``n`` samples of ``generator`` (evaluation mode) from latents z ~ N(0, I) drawn by a
    generator seeded with ``seed``: ``[n, ...]``."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, latent_dim, generator=gen)
    was_training = generator.training
    generator.eval()
    out = torch.cat([generator(z[i : i + batch_size]) for i in range(0, n, batch_size)])
    generator.train(was_training)
    return out


_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


@contextmanager
def keeping_norm_statistics(module: nn.Module) -> Iterator[None]:
    """Put back the running statistics of ``module``'s batch norms once the block is done.

    A training-mode batch norm normalises by the batch's own statistics and moves its running
    ones towards them; batches a game runs through a player for anything but the GAN's own
    step (an auxiliary task's perturbed latents, say) must not move the statistics that
    evaluation samples use.
    """
    norms = [m for m in module.modules() if isinstance(m, _BATCH_NORMS)]
    kept = [dict(m.named_buffers(recurse=False)) for m in norms]
    # the block updates copies; the originals come back as they were (swapped, never written in
    # place: a graph built in the block may still hold the copies for its backward pass)
    for m, buffers in zip(norms, kept, strict=True):
        for name, b in buffers.items():
            setattr(m, name, b.clone())
    try:
        yield
    finally:
        for m, buffers in zip(norms, kept, strict=True):
            for name, b in buffers.items():
                setattr(m, name, b)
