"""The Swin Transformer (Sec. 3.1, Fig. 3): patch embedding, four stages, pooled linear head.

Module names and constructor arguments follow timm's ``SwinTransformer`` (a stage merges patches
at its start, as in the paper's Fig. 3), so that timm's checkpoints load through
:func:`convert_timm_state_dict` and the two can be swapped. The paper's Table 4 ablations are
switches: ``shifted_windows``, ``absolute_pos_embed`` and ``relative_position_bias``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from implementations.swin.block import SwinTransformerBlock
from implementations.swin.patch_merging import PatchMerging
from implementations.swin.window_partition import Size2, to_pair

#: Architecture hyper-parameters of Sec. 3.3 (Swin-T/S/B, window 7, patch 4, 224²) and the small
#: configuration of our CPU experiments (digits padded to 32², patch 4, window 2: 8 × 8 and 4 × 4
#: token maps of 16 and 4 windows, so that without shifting no information crosses a quadrant of
#: the image before the final pooling).
CONFIGS: dict[str, dict[str, Any]] = {
    "swin_t": dict(embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24)),
    "swin_s": dict(embed_dim=96, depths=(2, 2, 18, 2), num_heads=(3, 6, 12, 24)),
    "swin_b": dict(embed_dim=128, depths=(2, 2, 18, 2), num_heads=(4, 8, 16, 32)),
    "swin_digits": dict(
        img_size=32,
        patch_size=4,
        in_chans=1,
        num_classes=10,
        embed_dim=32,
        depths=(2, 2),
        num_heads=(2, 4),
        window_size=2,
        drop_path_rate=0.0,
    ),
}


class PatchEmbed(nn.Module):
    """Split the image into ``patch_size²`` patches and embed each linearly (a strided conv)."""

    def __init__(self, patch_size: int, in_chans: int, embed_dim: int) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x: Tensor) -> Tensor:
        """Tensor[B, C_in, H, W] -> Tensor[B, H/p, W/p, C]."""
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class SwinTransformerStage(nn.Module):
    """Patch merging (except in the first stage), then ``depth`` blocks alternating the shift."""

    def __init__(
        self,
        dim: int,
        out_dim: int,
        input_resolution: tuple[int, int],
        depth: int,
        num_heads: int,
        window_size: Size2,
        downsample: bool,
        shifted_windows: bool = True,
        drop_path: Sequence[float] = (),
        **block_kw: Any,
    ) -> None:
        super().__init__()
        if downsample:
            self.downsample: nn.Module = PatchMerging(dim, out_dim)
            resolution = ((input_resolution[0] + 1) // 2, (input_resolution[1] + 1) // 2)
        else:
            self.downsample = nn.Identity()
            resolution = input_resolution
        self.output_resolution = resolution
        shift = tuple(m // 2 for m in to_pair(window_size)) if shifted_windows else 0
        self.blocks = nn.Sequential(
            *[
                SwinTransformerBlock(
                    out_dim,
                    resolution,
                    num_heads,
                    window_size,
                    shift_size=shift if i % 2 else 0,
                    drop_path=drop_path[i] if drop_path else 0.0,
                    **block_kw,
                )
                for i in range(depth)
            ]
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.blocks(self.downsample(x))


class SwinTransformer(nn.Module):
    """Swin Transformer image classifier.

    Patch embedding, then stage i (i ≥ 1) merges 2 × 2 tokens and doubles the width; global
    average pooling of the last stage, LayerNorm, linear classifier. Arguments are timm's names
    and defaults; the last three are the Table 4 switches.

    Every configuration of these arguments that timm's ``SwinTransformer`` accepts is accepted,
    with timm's semantics where the paper says nothing: a non-square ``img_size``; an image side
    not divisible by the patch (the conv drops the remainder); stage maps not divisible by the
    window (zero-padded inside the attention) or odd before patch merging (zero-padded there);
    per-axis or per-stage windows; heads that do not divide the width (⌊C / h⌋ channels each).

    Args:
        img_size: input size, an int (square) or (H, W); at least ``patch_size`` each.
        patch_size: patch side (4 in the paper).
        in_chans: input channels.
        num_classes: classes of the linear head.
        embed_dim: C of the first stage.
        depths: blocks per stage.
        num_heads: heads per stage; stage i has ``embed_dim · 2^i`` channels.
        window_size: M (7 in the paper), an (M_h, M_w) pair, or one of those per stage; a stage
            map no larger than M along an axis is one window along it, without shift.
        head_dim: channels per head (⌊C / heads⌋ by default).
        mlp_ratio: MLP hidden width over C.
        qkv_bias: learn biases for Q, K, V.
        drop_rate: dropout before the classifier.
        proj_drop_rate: dropout after attention and MLP projections.
        attn_drop_rate: dropout on attention weights.
        drop_path_rate: stochastic depth, rising linearly from 0 to this over all blocks.
        shifted_windows: alternate W-MSA and SW-MSA (False: W-MSA everywhere).
        absolute_pos_embed: add a learned absolute position embedding after patch embedding.
        relative_position_bias: use the relative position bias of Eq. (4).

    Raises:
        ValueError: a size that is not a positive int or pair (``num_classes``: not >= 0), an
            image smaller than a patch, more heads than channels, or per-stage lists of the
            wrong length; named with the constraint, before any layer is built.
    """

    def __init__(
        self,
        img_size: Size2 = 224,
        patch_size: int = 4,
        in_chans: int = 3,
        num_classes: int = 1000,
        embed_dim: int = 96,
        depths: Sequence[int] = (2, 2, 6, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        window_size: Size2 | Sequence[Size2] = 7,
        head_dim: int | None = None,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        proj_drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.1,
        shifted_windows: bool = True,
        absolute_pos_embed: bool = False,
        relative_position_bias: bool = True,
    ) -> None:
        super().__init__()
        img_hw = to_pair(img_size, "img_size")
        for name, value in (
            ("patch_size", patch_size),
            ("in_chans", in_chans),
            ("embed_dim", embed_dim),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 0:
            raise ValueError(
                f"num_classes must be an int >= 0 (0: no classifier head), got {num_classes!r}"
            )
        if len(depths) != len(num_heads) or not depths:
            raise ValueError(
                f"depths and num_heads must have one entry per stage, got {len(depths)} "
                f"and {len(num_heads)}"
            )
        for name, values in (("depths", depths), ("num_heads", num_heads)):
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
                raise ValueError(f"{name} must be positive ints, one per stage, got {values!r}")
        if min(img_hw) < patch_size:
            raise ValueError(f"img_size {img_size} must be at least patch_size {patch_size}")
        windows = stage_window_sizes(window_size, len(depths))
        if head_dim is not None and (isinstance(head_dim, bool) or head_dim < 1):
            raise ValueError(f"head_dim must be a positive int, got {head_dim!r}")
        dims = [embed_dim * 2**i for i in range(len(depths))]
        for i, (dim, heads) in enumerate(zip(dims, num_heads, strict=True)):
            if head_dim is None and dim < heads:
                raise ValueError(
                    f"stage {i}: {dim} channels (embed_dim · 2^{i}) are fewer than {heads} "
                    f"heads (num_heads[{i}])"
                )
        self.img_size = img_hw
        self.num_classes = num_classes
        self.num_features = dims[-1]
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        grid = (img_hw[0] // patch_size, img_hw[1] // patch_size)
        if absolute_pos_embed:
            self.absolute_pos_embed = nn.Parameter(torch.zeros(1, *grid, embed_dim))
            nn.init.trunc_normal_(self.absolute_pos_embed, std=0.02)
        else:
            self.register_parameter("absolute_pos_embed", None)
        n_blocks = sum(depths)
        rates = [drop_path_rate * i / max(n_blocks - 1, 1) for i in range(n_blocks)]
        stages, resolution, in_dim, start = [], grid, embed_dim, 0
        for i, depth in enumerate(depths):
            stage = SwinTransformerStage(
                in_dim,
                dims[i],
                resolution,
                depth,
                num_heads[i],
                windows[i],
                downsample=i > 0,
                shifted_windows=shifted_windows,
                drop_path=rates[start : start + depth],
                mlp_ratio=mlp_ratio,
                qkv_bias=qkv_bias,
                proj_drop=proj_drop_rate,
                attn_drop=attn_drop_rate,
                relative_position_bias=relative_position_bias,
                head_dim=head_dim,
            )
            stages.append(stage)
            resolution, in_dim, start = stage.output_resolution, dims[i], start + depth
        self.layers = nn.Sequential(*stages)
        self.norm = nn.LayerNorm(self.num_features)
        self.head_drop = nn.Dropout(drop_rate)
        self.head = nn.Linear(self.num_features, num_classes) if num_classes else nn.Identity()
        self.apply(_init_weights)

    def forward_features(self, x: Tensor) -> Tensor:
        """Tensor[B, C_in, H, W] -> the normalised last-stage map Tensor[B, h, w, C_last]
        (h = ⌈⌊H/p⌋ / 2^(stages − 1)⌉, likewise w)."""
        if x.ndim != 4:
            raise ValueError(f"images must have shape (B, C, H, W), got rank {x.ndim}")
        if tuple(x.shape[-2:]) != self.img_size:
            raise ValueError(
                f"images are {x.shape[-2]}x{x.shape[-1]}, the model was built for "
                f"img_size={self.img_size[0]}x{self.img_size[1]}"
            )
        x = self.patch_embed(x)  # (B, H/p, W/p, C)
        if self.absolute_pos_embed is not None:
            x = x + self.absolute_pos_embed
        return self.norm(self.layers(x))

    def forward_head(self, x: Tensor) -> Tensor:
        """Average-pool the token map and classify: Tensor[B, h, w, C] -> Tensor[B, classes]."""
        return self.head(self.head_drop(x.mean(dim=(1, 2))))

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))


def stage_window_sizes(
    window_size: Size2 | Sequence[Size2], num_stages: int
) -> list[tuple[int, int]]:
    """One (M_h, M_w) per stage, read as timm reads ``window_size``: an int or a pair of ints
    for every stage, else a sequence of ``num_stages`` ints or pairs."""
    if isinstance(window_size, int) or (
        isinstance(window_size, Sequence)
        and len(window_size) == 2
        and not isinstance(window_size[0], Sequence)
    ):
        return [to_pair(window_size)] * num_stages  # type: ignore[arg-type]
    if not isinstance(window_size, Sequence) or len(window_size) != num_stages:
        raise ValueError(
            f"window_size must be an int, a pair, or one of those per stage ({num_stages}), "
            f"got {window_size!r}"
        )
    return [to_pair(w) for w in window_size]


def _init_weights(module: nn.Module) -> None:
    # the authors' initialisation: truncated normal (std 0.02) for linear weights, zero biases
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def swin_transformer(name: str, **overrides: Any) -> SwinTransformer:
    """A model of :data:`CONFIGS` (``swin_t``, ``swin_s``, ``swin_b``, ``swin_digits``)."""
    if name not in CONFIGS:
        raise ValueError(f"unknown configuration {name!r}; known: {', '.join(CONFIGS)}")
    return SwinTransformer(**{**CONFIGS[name], **overrides})
