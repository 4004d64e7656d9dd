"""The assembled model: Table 4 switches, patch merging order, and errors for bad input."""

from __future__ import annotations

import pytest
import torch

from implementations.swin import (
    PatchMerging,
    SwinTransformer,
    SwinTransformerBlock,
    swin_transformer,
)


def test_table4_switches() -> None:
    """Shifting alternates 0 and ⌊M/2⌋ per stage; the position switches add or drop parameters."""
    shifted = swin_transformer("swin_digits")
    shifts = [[b.shift_size for b in stage.blocks] for stage in shifted.layers]
    assert shifts == [[(0, 0), (1, 1)], [(0, 0), (1, 1)]]
    plain = swin_transformer("swin_digits", shifted_windows=False)
    assert all(
        b.shift_size == (0, 0) and b.attn_mask is None for s in plain.layers for b in s.blocks
    )
    none = swin_transformer("swin_digits", relative_position_bias=False)
    assert all(b.attn.relative_position_bias_table is None for s in none.layers for b in s.blocks)
    absolute = swin_transformer("swin_digits", absolute_pos_embed=True)
    assert absolute.absolute_pos_embed.shape == (1, 8, 8, 32)
    x = torch.randn(3, 1, 32, 32)
    for model in (shifted, plain, none, absolute):
        assert model.eval()(x).shape == (3, 10)


def test_small_map_is_one_unshifted_window() -> None:
    """A map no larger than the window is attended as one window, without shift (Swin-T S4);
    as in timm, per axis: a map narrower than M in one direction is shifted along the other."""
    block = SwinTransformerBlock(16, (7, 7), 2, window_size=7, shift_size=3)
    assert (block.window_size, block.shift_size, block.attn_mask) == ((7, 7), (0, 0), None)
    wide = SwinTransformerBlock(16, (3, 14), 2, window_size=7, shift_size=3)
    assert (wide.window_size, wide.shift_size) == ((3, 7), (0, 3))
    assert wide.attn_mask is not None and wide.attn_mask.shape == (2, 21, 21)


def test_patch_merging_order() -> None:
    """The 4C channels: x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2] (authors' order)."""
    merge = PatchMerging(1)
    with torch.no_grad():
        merge.norm = torch.nn.Identity()
        merge.reduction = torch.nn.Identity()
    x = torch.arange(16.0).view(1, 4, 4, 1)
    out = merge(x)
    parts = [x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]]
    expected = torch.cat(parts, -1)
    assert torch.equal(out, expected)


def test_same_seed_same_model() -> None:
    torch.manual_seed(3)
    a = swin_transformer("swin_digits")
    torch.manual_seed(3)
    b = swin_transformer("swin_digits")
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: swin_transformer("swin_digits", img_size=3), "img_size 3 must be at least"),
        (lambda: swin_transformer("swin_digits", num_heads=(33, 4)), "fewer than 33 heads"),
        (lambda: swin_transformer("swin_digits", depths=(2,)), "one entry per stage"),
        (lambda: swin_transformer("swin_digits", window_size=(2, 2, 2)), "one of those per"),
        (lambda: swin_transformer("swin_digits", window_size=(2, 0)), "window_size must be"),
        (lambda: swin_transformer("swin_digits", img_size=(32, 0)), "img_size must be a pos"),
        (lambda: swin_transformer("swin_digits", head_dim=0), "head_dim must be a positive"),
        (lambda: swin_transformer("swin_l"), "unknown configuration"),
        (lambda: swin_transformer("swin_digits")(torch.zeros(1, 1, 28, 28)), "img_size=32"),
        (lambda: swin_transformer("swin_digits")(torch.zeros(1, 32, 32)), r"\(B, C, H, W\)"),
        (lambda: PatchMerging(4)(torch.zeros(1, 5, 4, 3)), "built for dim=4"),
        (lambda: SwinTransformerBlock(8, (8, 8), 2, 4)(torch.zeros(1, 4, 4, 8)), "built for"),
        (lambda: SwinTransformerBlock(8, (8, 8), 2, 4, shift_size=4), "shift_size must be"),
        # non-positive sizes: refused in __init__, not a ZeroDivisionError in a submodule
        (lambda: swin_transformer("swin_digits", patch_size=0), "patch_size must be a positive"),
        (lambda: swin_transformer("swin_digits", img_size=0), "img_size must be a positive int"),
        (lambda: swin_transformer("swin_digits", num_heads=(0, 4)), r"num_heads must be positive"),
        (lambda: swin_transformer("swin_digits", depths=(2, -1)), r"depths must be positive ints"),
        (lambda: swin_transformer("swin_digits", embed_dim=0), "embed_dim must be a positive"),
        (lambda: swin_transformer("swin_digits", in_chans=0), "in_chans must be a positive int"),
        (lambda: swin_transformer("swin_digits", window_size=0), "window_size must be a positive"),
        (
            lambda: swin_transformer("swin_digits", num_classes=-1),
            r"num_classes must be an int >= 0",
        ),
        (lambda: SwinTransformer(embed_dim=2, num_heads=(3, 6, 12, 24)), r"\(num_heads\[0\]\)"),
        (lambda: SwinTransformerBlock(8, (0, 0), 2, 2), "input_resolution must be positive"),
        (lambda: SwinTransformerBlock(8, (8, 8), 2, 0), "window_size must be a positive integer"),
        (lambda: SwinTransformerBlock(8, (8, 8), 2, (4, 2), (1, 2)), "shift_size must be in"),
        (lambda: PatchMerging(0), "dim and out_dim must be positive"),
    ],
)
def test_bad_input_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
