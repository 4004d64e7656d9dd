"""Hypothesis strategies for deformable-convolution configurations and their random tensors."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from hypothesis import strategies as st
from torch import Tensor


@dataclass(frozen=True)
class ConvCase:
    batch: int
    channels: int
    out_channels: int
    groups: int
    offset_groups: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    size: tuple[int, int]
    seed: int

    @property
    def out_size(self) -> tuple[int, int]:
        return tuple(  # type: ignore[return-value]
            (s + 2 * p - d * (k - 1) - 1) // st + 1
            for s, k, st, p, d in zip(
                self.size, self.kernel, self.stride, self.padding, self.dilation, strict=True
            )
        )

    @property
    def n_kernel(self) -> int:
        return self.kernel[0] * self.kernel[1]

    def tensors(
        self, dtype: torch.dtype, offset_scale: float = 2.0, away_from_integers: bool = False
    ) -> dict[str, Tensor]:
        """input, weight, bias, offset and mask drawn from this case's seed.

        ``away_from_integers`` puts every offset's fractional part in [0.1, 0.9], so that no
        sample falls on an integral position, where bilinear sampling has no derivative.
        """
        gen = torch.Generator().manual_seed(self.seed)
        h_out, w_out = self.out_size
        off_shape = (self.batch, 2 * self.offset_groups * self.n_kernel, h_out, w_out)
        if away_from_integers:
            whole = torch.randint(-3, 3, off_shape, generator=gen).to(dtype)
            offset = whole + 0.1 + 0.8 * torch.rand(off_shape, generator=gen, dtype=dtype)
        else:
            offset = offset_scale * torch.randn(off_shape, generator=gen, dtype=dtype)
        return {
            "input": torch.randn(self.batch, self.channels, *self.size, generator=gen, dtype=dtype),
            "weight": torch.randn(
                self.out_channels,
                self.channels // self.groups,
                *self.kernel,
                generator=gen,
                dtype=dtype,
            ),
            "bias": torch.randn(self.out_channels, generator=gen, dtype=dtype),
            "offset": offset,
            "mask": torch.rand(
                self.batch,
                self.offset_groups * self.n_kernel,
                h_out,
                w_out,
                generator=gen,
                dtype=dtype,
            ),
        }


@st.composite
def conv_cases(draw: st.DrawFn, max_size: int = 9, max_kernel: int = 3) -> ConvCase:
    """A valid configuration: groups, offset groups, non-square kernels, strides, paddings."""
    groups = draw(st.integers(1, 2))
    offset_groups = draw(st.integers(1, 3))
    # channels divisible by both groups and offset groups
    channels = groups * offset_groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max_size))
        for k, p, d in zip(kernel, padding, dilation, strict=True)
    )
    return ConvCase(
        batch=draw(st.integers(1, 2)),
        channels=channels,
        out_channels=out_channels,
        groups=groups,
        offset_groups=offset_groups,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        size=size,  # type: ignore[arg-type]
        seed=draw(st.integers(0, 2**31 - 1)),
    )
