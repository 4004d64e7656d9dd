"""Peer cross-check: with weights copied, our block and model compute what timm's compute."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.swin import (
    CONFIGS,
    SwinTransformerBlock,
    convert_timm_state_dict,
    count_params,
    swin_transformer,
)

timm_swin = pytest.importorskip("timm.models.swin_transformer")


def _fused(model: torch.nn.Module) -> torch.nn.Module:
    """timm with its fused attention on (its default is the unfused path)."""
    for module in model.modules():
        if hasattr(module, "fused_attn"):
            module.fused_attn = True
    return model


@settings(max_examples=15, deadline=None)
@given(
    windows=st.integers(1, 3),
    m=st.integers(2, 5),
    heads=st.sampled_from([1, 2, 3]),
    shifted=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_block_matches_timm(windows: int, m: int, heads: int, shifted: bool, seed: int) -> None:
    """Our SwinTransformerBlock equals timm's on random sizes, with and without the shift."""
    torch.manual_seed(seed)
    dim, res = 4 * heads, windows * m
    shift = m // 2 if shifted else 0
    ours = SwinTransformerBlock(dim, (res, res), heads, window_size=m, shift_size=shift).eval()
    peer = timm_swin.SwinTransformerBlock(
        dim, (res, res), num_heads=heads, window_size=m, shift_size=shift
    ).eval()
    with torch.no_grad():
        for p in peer.parameters():
            p.normal_(0, 0.5)
    ours.load_state_dict(peer.state_dict(), strict=True)
    x = torch.randn(2, res, res, dim)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), peer(x), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(ours(x), _fused(peer)(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "timm_kw"),
    [
        ("swin_t", dict(embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24))),
        ("swin_digits", {k: v for k, v in CONFIGS["swin_digits"].items()}),
    ],
)
def test_model_matches_timm_through_converted_checkpoint(name: str, timm_kw: dict) -> None:
    """convert_timm_state_dict(timm's weights) loads strictly and the logits agree within 1e-5."""
    torch.manual_seed(0)
    peer = _fused(timm_swin.SwinTransformer(**timm_kw)).eval()
    ours = swin_transformer(name).eval()
    ours.load_state_dict(convert_timm_state_dict(peer.state_dict()), strict=True)
    assert count_params(ours) == count_params(peer)
    size, chans = ours.img_size, ours.patch_embed.proj.in_channels
    x = torch.randn(2, chans, size, size)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), peer(x), rtol=1e-5, atol=1e-5)


def test_converter_accepts_authors_layout() -> None:
    """A checkpoint in the authors' layout (merging at the end of a stage, ``head``, saved
    buffers) converts to the same weights as timm's own filter gives timm."""
    torch.manual_seed(0)
    peer = timm_swin.SwinTransformer(**CONFIGS["swin_digits"]).eval()
    authors = {}
    for key, value in peer.state_dict().items():
        key = key.replace("head.fc.", "head.")
        for i in range(1, 4):
            key = key.replace(f"layers.{i}.downsample", f"layers.{i - 1}.downsample")
        authors[key] = value
    authors["layers.0.blocks.0.attn.relative_position_index"] = torch.zeros(16, 16)
    converted = convert_timm_state_dict({"model": authors})
    expected = convert_timm_state_dict(peer.state_dict())
    assert converted.keys() == expected.keys()
    assert all(torch.equal(converted[k], expected[k]) for k in expected)
