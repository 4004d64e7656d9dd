"""The Swin Transformer block: (S)W-MSA and an MLP, each behind LayerNorm and a residual (Eq. 3)."""

from __future__ import annotations

from torch import Tensor, nn

from implementations.swin.shifted_window import (
    shift_attention_mask,
    shifted_window_attention,
    window_and_shift,
)
from implementations.swin.window_attention import WindowAttention
from implementations.swin.window_partition import Size2


class Mlp(nn.Module):
    """Two linear layers with a GELU between them (hidden width ``mlp_ratio · C``)."""

    def __init__(self, dim: int, hidden_dim: int, drop: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_dim, dim)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class DropPath(nn.Module):
    """Stochastic depth: drop the whole residual branch of a sample with probability ``p``."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"drop path probability must be in [0, 1), got {p}")
        self.p = p

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(1.0 - self.p)
        return x * keep / (1.0 - self.p)


class SwinTransformerBlock(nn.Module):
    r"""One Swin Transformer block; consecutive blocks alternate ``shift_size = 0`` and ``⌊M/2⌋``.

    Eq. (3), for a pair of blocks l and l + 1:

        ẑ^l     = W-MSA(LN(z^{l−1})) + z^{l−1}
        z^l     = MLP(LN(ẑ^l)) + ẑ^l
        ẑ^{l+1} = SW-MSA(LN(z^l)) + z^l
        z^{l+1} = MLP(LN(ẑ^{l+1})) + ẑ^{l+1}

    SW-MSA is computed by cyclic shift and masking (:func:`shifted_window_attention`); the mask
    depends only on the resolution and is built once. As in the authors' code, a map no larger
    than the window is attended as one window, without shift (the window shrinks to the map);
    as in timm this is decided per axis, so a map narrower than M in one direction gets windows
    ``(M_h, M_w)`` and a shift along the other axis only. A map not divisible by the window is
    zero-padded inside the attention (timm's rule; the paper's maps always divide).

    Args:
        dim: C.
        input_resolution: (H, W) of the token map this block sees.
        num_heads: heads.
        window_size: M, or the pair (M_h, M_w).
        shift_size: s, 0 for W-MSA, in ``[0, M)`` (or one per axis).
        mlp_ratio: hidden width of the MLP over C.
        qkv_bias: learn biases for Q, K, V.
        proj_drop: dropout after the attention and MLP projections.
        attn_drop: dropout on attention weights.
        drop_path: stochastic depth probability of both residual branches.
        norm_layer: normalisation (LayerNorm in the paper).
        relative_position_bias: use the bias B of Eq. (4).
        head_dim: channels per head (⌊dim / num_heads⌋ by default, as timm).
    """

    def __init__(
        self,
        dim: int,
        input_resolution: tuple[int, int],
        num_heads: int,
        window_size: Size2 = 7,
        shift_size: Size2 = 0,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        proj_drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
        norm_layer: type[nn.Module] = nn.LayerNorm,
        relative_position_bias: bool = True,
        head_dim: int | None = None,
    ) -> None:
        super().__init__()
        h, w = input_resolution
        if min(h, w) < 1:
            raise ValueError(f"input_resolution must be positive, got {h}x{w}")
        target, target_shift = window_and_shift(window_size, shift_size)
        # per axis: a map no larger than the window is one window there, without shift
        window = tuple(min(r, m) for r, m in zip((h, w), target, strict=True))
        shift = tuple(
            0 if r <= m else s for r, m, s in zip((h, w), window, target_shift, strict=True)
        )
        self.dim = dim
        self.input_resolution = (h, w)
        self.window_size: tuple[int, int] = window  # type: ignore[assignment]
        self.shift_size: tuple[int, int] = shift  # type: ignore[assignment]
        self.norm1 = norm_layer(dim)
        self.attn = WindowAttention(
            dim,
            num_heads,
            window,
            qkv_bias=qkv_bias,
            attn_drop=attn_drop,
            proj_drop=proj_drop,
            relative_position_bias=relative_position_bias,
            head_dim=head_dim,
        )
        self.drop_path1 = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = norm_layer(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), proj_drop)
        self.drop_path2 = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        padded = (h + -h % window[0], w + -w % window[1])  # the map the windows tile
        self.register_buffer(
            "attn_mask", shift_attention_mask(*padded, window, shift), persistent=False
        )

    def extra_repr(self) -> str:
        return f"input_resolution={self.input_resolution}, shift_size={self.shift_size}"

    def attention(self, x: Tensor) -> Tensor:
        """(S)W-MSA of this block on an already normalised map (B, H, W, C)."""
        return shifted_window_attention(x, self.attn, self.shift_size, self.attn_mask)

    def forward(self, x: Tensor) -> Tensor:
        """Tensor[B, H, W, C] -> Tensor[B, H, W, C] (Eq. 3)."""
        if x.ndim != 4:
            raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim}")
        if tuple(x.shape[1:3]) != self.input_resolution or x.shape[3] != self.dim:
            raise ValueError(
                f"x has shape {tuple(x.shape)}; this block was built for "
                f"(B, {self.input_resolution[0]}, {self.input_resolution[1]}, {self.dim})"
            )
        x = x + self.drop_path1(self.attention(self.norm1(x)))
        return x + self.drop_path2(self.mlp(self.norm2(x)))
