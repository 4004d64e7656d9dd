"""MixMIM's exact properties as check functions: one seeded random instance → largest deviation.

Each check draws everything (the model's sizes and weights, the images, the mask) from the
``torch.Generator`` it is given, in float64, so that a seed names an instance. The runner
evaluates them on seeds 0 … n − 1 in every run (:func:`repro.experiment.measure_identity`); the
property tests in ``tests/mixmim`` call them on the seeds hypothesis picks.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor

from implementations.mixmim.encoder import mixmim_swin, square_side
from implementations.mixmim.masking import random_mask, stage_masks
from implementations.mixmim.mixing import mix_tokens
from implementations.mixmim.pretraining import MixMIM
from implementations.mixmim.reconstruction import unmix

F64 = torch.float64


def _draw(gen: torch.Generator, low: int, high: int) -> int:
    """An integer uniform in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand(1, generator=gen, dtype=F64))


def random_model(gen: torch.Generator, min_grid: int = 1) -> MixMIM:
    """A float64 MixMIM on a random small Swin: 1-3 stages, last-stage grid min_grid-3 (square),
    patch 1-2, 1-2 input channels, windows from one last-stage cell to the whole first stage,
    every weight drawn from ``gen`` (position bias table and [MASK] token ~ N(0, 1))."""
    stages, grid, patch = _draw(gen, 1, 3), _draw(gen, min_grid, 3), _draw(gen, 1, 2)
    heads0, head_dim = _draw(gen, 1, 2), 4 * _draw(gen, 1, 2)
    with torch.random.fork_rng(devices=[]):  # the modules' own init leaves no trace
        swin = mixmim_swin(
            "mixmim_digits",
            img_size=patch * grid * 2 ** (stages - 1),
            patch_size=patch,
            in_chans=_draw(gen, 1, 2),
            embed_dim=heads0 * head_dim,
            depths=tuple(_draw(gen, 1, 2) for _ in range(stages)),
            num_heads=tuple(heads0 * 2**i for i in range(stages)),
            window_size=grid * 2 ** _draw(gen, 0, stages - 1),
        )
        model = MixMIM(swin, dict(dim=8, depth=1, num_heads=2)).to(F64).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("absolute_pos_embed"):
                continue  # fixed sin-cos
            unit = name.endswith(("relative_position_bias_table", "mask_token"))
            std = 1.0 if unit or p.ndim == 1 else 1.0 / math.sqrt(p.shape[-1])
            p.copy_(std * torch.randn(p.shape, generator=gen, dtype=F64))
    return model


def _images(model: MixMIM, gen: torch.Generator, batch: int) -> Tensor:
    swin = model.encoder.swin
    size, chans = square_side(swin.img_size, "image"), swin.patch_embed.proj.in_channels
    return torch.randn(batch, chans, size, size, generator=gen, dtype=F64)


def _mask(model: MixMIM, gen: torch.Generator) -> Tensor:
    """A mask with at least one cell of each value (where the grid has two cells)."""
    h, w = model.encoder.grid
    n = h * w
    ratio = (_draw(gen, 1, n - 1) + 0.5) / n if n > 1 else 0.0
    return random_mask(h, w, ratio, gen).to(F64)


@torch.no_grad()
def partner_independence(gen: torch.Generator) -> float:
    """A random float64 MixMIM (:func:`random_model`), an even batch of 2-4 random images.

    The partner of a random image b is replaced by new noise. Returns the largest change of the
    encoder's output at image b's positions (its own mix where M = 0, the partner's mix where
    M = 1): 0 when same-source attention keeps the two images apart through every stage. An
    instance where the partner's own positions do not change proves nothing: infinity.
    """
    model = random_model(gen)
    batch = 2 * _draw(gen, 1, 2)
    x, mask = _images(model, gen, batch), _mask(model, gen)
    b = _draw(gen, 0, batch - 1)
    y = x.clone()
    y[batch - 1 - b] = torch.randn(y[0].shape, generator=gen, dtype=F64)
    before, after = model.encode(x, mask), model.encode(y, mask)  # (B, h, w, C)
    ones = mask.bool()
    own = [(b, ~ones), (batch - 1 - b, ones)]  # (sample, cells) holding image b
    partner = [(b, ones), (batch - 1 - b, ~ones)]
    if not any((after[s][c] != before[s][c]).any() for s, c in partner if c.any()):
        return math.inf
    return max(float((after[s][c] - before[s][c]).abs().max()) for s, c in own if c.any())


def complementary_mixes(gen: torch.Generator) -> float:
    """Random float64 tokens of a batch of 1-5 images on a random grid, a random mask.

    Returns the largest |token − x| where, for each image b and cell, x is image b's token in
    the mix that holds it: its own mix where M = 0, its partner's where M = 1; and likewise for
    the partner with the roles swapped. 0: the two mixes of a pair hold each image's every
    token exactly once.
    """
    batch, side, chans = _draw(gen, 1, 5), _draw(gen, 1, 4), _draw(gen, 1, 3)
    tokens = torch.randn(batch, side, side, chans, generator=gen, dtype=F64)
    mask = random_mask(side, side, _uniform(gen, 0.0, 1.0), gen).to(F64)
    mixed = mix_tokens(tokens, mask)
    hidden = mask.bool()[None, :, :, None]
    image_b = torch.where(hidden, mixed.flip(0), mixed)  # image b's cells gathered from the pair
    partner = torch.where(hidden, mixed, mixed.flip(0))
    return max(float((image_b - tokens).abs().max()), float((partner - tokens.flip(0)).abs().max()))


def mask_upsampling(gen: torch.Generator) -> float:
    """A random mask on a 1-4 × 1-4 last-stage grid, upsampled to 1-4 stages.

    Returns the number of entries where a stage's mask differs from the next stage's mask
    repeated 2 × 2 (or, at the last stage, from the drawn mask): 0 when the masks agree across
    stages, so that patch merging never joins tokens of two sources.
    """
    h, w, stages = _draw(gen, 1, 4), _draw(gen, 1, 4), _draw(gen, 1, 4)
    mask = random_mask(h, w, _uniform(gen, 0.0, 1.0), gen)
    sizes = [(h * 2 ** (stages - 1 - s), w * 2 ** (stages - 1 - s)) for s in range(stages)]
    masks = stage_masks(mask, sizes)
    wrong = int((masks[-1] != mask).sum())
    for fine, coarse in itertools.pairwise(masks):
        wrong += int((fine != coarse.repeat_interleave(2, 0).repeat_interleave(2, 1)).sum())
    return float(wrong)


@torch.no_grad()
def hidden_targets(gen: torch.Generator) -> float:
    """A random float64 MixMIM (grid 2-3), a batch of 1-4 random images (odd batches included:
    the middle image is its own partner), a mask with cells of both values.

    The pixels of one random cell of one random image b are replaced by new noise. Returns the
    largest change of the unmixed reconstruction of image b at that cell: 0 when every cell is
    predicted from a view in which it was hidden. Infinity if nothing changed anywhere.
    """
    model = random_model(gen, min_grid=2)
    batch = _draw(gen, 1, 4)
    x, mask = _images(model, gen, batch), _mask(model, gen)
    b, (h, w), cell = _draw(gen, 0, batch - 1), model.encoder.grid, model.encoder.cell
    i, j = _draw(gen, 0, h - 1), _draw(gen, 0, w - 1)
    y = x.clone()
    rows, cols = slice(i * cell, (i + 1) * cell), slice(j * cell, (j + 1) * cell)
    y[b, :, rows, cols] = torch.randn(y[b, :, rows, cols].shape, generator=gen, dtype=F64)
    before = unmix(model.predict(x, mask), mask)  # (B, h, w, D)
    after = unmix(model.predict(y, mask), mask)
    if torch.equal(before, after):
        return math.inf
    return float((after[b, i, j] - before[b, i, j]).abs().max())


def equal_token_counts(gen: torch.Generator) -> float:
    """A last-stage grid of 1-6 × 1-6 cells with an even count, 1-4 stages; and a random ratio.

    Returns the largest of: |ones − zeros| of the ratio-0.5 mask at every stage (0: each image
    gives each mix half of the tokens) and |ones − ⌊n r⌋| of a mask of a random ratio r on the
    same grid (the count the authors' argsort draws). An odd count n leaves one cell more
    visible (24 of 49 hidden at 224²); it is not drawn here.
    """
    h, w, stages = 2 * _draw(gen, 1, 3), _draw(gen, 1, 6), _draw(gen, 1, 4)
    sizes = [(h * 2**s, w * 2**s) for s in range(stages)]
    deviation = 0
    for m in stage_masks(random_mask(h, w, 0.5, gen), sizes):
        deviation = max(deviation, abs(int(m.sum()) - int((1 - m).sum())))
    ratio = _uniform(gen, 0.0, 1.0)
    deviation = max(deviation, abs(int(random_mask(h, w, ratio, gen).sum()) - int(h * w * ratio)))
    return float(deviation)


@torch.no_grad()
def zero_mask_is_swin(gen: torch.Generator) -> float:
    """A random float64 MixMIM, a batch of 1-3 random images, the all-zero mask.

    Returns the largest |MixMIM encoder − Swin forward_features| with the same weights: 0 when
    mixing with nothing and the same-source mask of one source change nothing.
    """
    model = random_model(gen)
    x = _images(model, gen, _draw(gen, 1, 3))
    zeros = torch.zeros(model.encoder.grid, dtype=F64)
    return float((model.encode(x, zeros) - model.encoder.swin.forward_features(x)).abs().max())
