"""Bad input to MixMIM: clear errors, and the documented behaviour of odd batches."""

from __future__ import annotations

import pytest
import torch

from implementations.mixmim import (
    MaskTokenMIM,
    MixMIM,
    UnmixingDecoder,
    mixmim_swin,
    random_mask,
    stage_masks,
    unmix,
)
from implementations.mixmim.encoder import square_side
from implementations.mixmim.identity_checks import random_model
from implementations.swin import swin_transformer


def _model() -> MixMIM:
    torch.manual_seed(0)
    return MixMIM(mixmim_swin("mixmim_digits"), dict(dim=16, depth=1, num_heads=2))


@pytest.mark.parametrize("seed", range(5))
def test_odd_batch_pairs_the_middle_image_with_itself(seed: int) -> None:
    """An odd batch is allowed: its middle image is reconstructed exactly as in the batch that
    holds it twice (its own partner), and, as every image, from views where each cell was hidden
    (the mixmim.method.hidden-targets check draws odd batches too)."""
    model = random_model(torch.Generator().manual_seed(seed), min_grid=2)
    swin = model.encoder.swin
    size = square_side(swin.img_size, "image")
    shape = (3, swin.patch_embed.proj.in_channels, size, size)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    mask = random_mask(*model.encoder.grid, 0.5, torch.Generator().manual_seed(seed))
    mask = mask.to(torch.float64)
    with torch.no_grad():
        odd = unmix(model.predict(x, mask), mask)[1]
        twice = unmix(model.predict(x[[1, 1]], mask), mask)[0]
    torch.testing.assert_close(odd, twice, rtol=1e-12, atol=1e-12)
    loss = model(x, mask)
    assert torch.isfinite(loss)


def test_image_size_not_divisible_by_the_last_stage_stride() -> None:
    with pytest.raises(ValueError, match="divisible by patch_size · 2\\^\\(stages − 1\\) = 8"):
        mixmim_swin("mixmim_digits", img_size=36)


def test_images_of_another_size_or_rank() -> None:
    model = _model()
    with pytest.raises(ValueError, match="encoder was built for 32x32"):
        model(torch.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"shape \(B, C, H, W\)"):
        model(torch.randn(2, 32, 32))


@pytest.mark.parametrize("cls", [MixMIM, MaskTokenMIM])
def test_mask_of_the_wrong_shape_or_values(cls: type[MixMIM]) -> None:
    torch.manual_seed(0)
    model = cls(mixmim_swin("mixmim_digits"), dict(dim=16, depth=1, num_heads=2))
    x = torch.randn(2, 1, 32, 32)
    with pytest.raises(ValueError, match="last-stage grid 4x4, got shape \\(8, 8\\)"):
        model(x, torch.zeros(8, 8))
    with pytest.raises(ValueError, match="last-stage grid 4x4, got shape \\(16,\\)"):
        model(x, torch.zeros(16))
    with pytest.raises(ValueError, match=r"only 0 .* and 1"):
        model(x, torch.full((4, 4), 0.5))


def test_bad_ratios_grids_and_backbones() -> None:
    with pytest.raises(ValueError, match="mask_ratio must be in \\(0, 1\\)"):
        MixMIM(mixmim_swin("mixmim_digits"), mask_ratio=1.0)
    with pytest.raises(ValueError, match="mask ratio must be in \\[0, 1\\]"):
        random_mask(4, 4, 1.5)
    with pytest.raises(ValueError, match="not the mask grid 4x4 upsampled"):
        stage_masks(torch.zeros(4, 4), [(8, 12)])
    with pytest.raises(ValueError, match="must be square"):
        UnmixingDecoder(8, (2, 4), 16, dim=8, depth=1, num_heads=2)
    with pytest.raises(ValueError, match="no shifted windows"):
        MixMIM(swin_transformer("swin_digits", absolute_pos_embed=True))
    with pytest.raises(ValueError, match="absolute position embedding"):
        MixMIM(swin_transformer("swin_digits", shifted_windows=False))
    with pytest.raises(ValueError, match="unknown configuration"):
        mixmim_swin("mixmim_h")
