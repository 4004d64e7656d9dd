"""Peer cross-check: with weights copied, our block and model compute what timm's compute."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.swin import (
    CONFIGS,
    SwinTransformer,
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
    x = torch.randn(2, ours.patch_embed.proj.in_channels, *ours.img_size)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), peer(x), rtol=1e-5, atol=1e-5)


@st.composite
def timm_configs(draw: st.DrawFn) -> dict:
    """Small configurations timm's ``SwinTransformer`` accepts, many of them outside the paper's:
    non-square images, sides not divisible by the patch, stage maps not divisible by the window
    and odd before merging, windows per axis or per stage, heads not dividing the width."""
    stages = draw(st.integers(1, 3))
    patch = draw(st.integers(1, 4))
    h, w = draw(st.integers(patch, 36)), draw(st.integers(patch, 36))
    embed = draw(st.integers(2, 10))
    window_sizes = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))
    kind = draw(st.sampled_from(["int", "pair", "per-stage"]))
    if kind == "per-stage" and stages != 2:  # timm reads a 2-sequence of ints as one pair
        window = tuple(draw(window_sizes) for _ in range(stages))
    else:
        window = draw(window_sizes if kind != "int" else st.integers(1, 5))
    return dict(
        img_size=h if h == w else (h, w),
        patch_size=patch,
        in_chans=draw(st.integers(1, 3)),
        num_classes=draw(st.integers(0, 5)),
        embed_dim=embed,
        depths=tuple(draw(st.integers(1, 2)) for _ in range(stages)),
        num_heads=tuple(draw(st.integers(1, min(3, embed * 2**i))) for i in range(stages)),
        window_size=window,
        head_dim=draw(st.one_of(st.none(), st.integers(1, 4))),
        drop_path_rate=0.0,
    )


@settings(max_examples=40, deadline=None)
@given(cfg=timm_configs(), seed=st.integers(0, 2**16))
def test_any_timm_configuration_loads_and_matches(cfg: dict, seed: int) -> None:
    """Every configuration timm accepts builds here; timm's weights (randomised) convert, load
    strictly, and give the same logits (float64, 1e-9)."""
    torch.manual_seed(seed)
    peer = timm_swin.SwinTransformer(**cfg).double().eval()
    with torch.no_grad():
        for p in peer.parameters():
            p.add_(0.1 * torch.randn_like(p))
    ours = SwinTransformer(**cfg).double().eval()
    ours.load_state_dict(convert_timm_state_dict(peer.state_dict()), strict=True)
    assert count_params(ours) == count_params(peer)
    h, w = (cfg["img_size"],) * 2 if isinstance(cfg["img_size"], int) else cfg["img_size"]
    x = torch.randn(2, cfg["in_chans"], h, w, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), peer(x), rtol=1e-9, atol=1e-9)


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
