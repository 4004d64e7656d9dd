"""Random configurations of the deformable operators, drawn from a ``torch.Generator``.

The identity checks (:mod:`implementations.dcn.identity_checks`) draw each instance from the
generator they are given, so that one seed names one instance: the runner's seeds 0 … n − 1
for the result tables, and the seeds hypothesis picks in the property tests. Everything a
configuration can vary is drawn: groups, offset groups, non-square kernels, strides, paddings,
dilations, map sizes; for RoI pooling the bins, spatial scale, sampling ratio and boxes that
stick out of the map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import torch
from torch import Tensor

F64 = torch.float64
T = TypeVar("T")
#: how :meth:`ConvConfig.tensors` draws offsets
OFFSET_KINDS = ("normal", "zero", "whole", "mixed", "fractional")


def randint(gen: torch.Generator, low: int, high: int) -> int:
    """An integer drawn uniformly from ``low … high`` (both included)."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def coin(gen: torch.Generator) -> bool:
    return bool(torch.randint(0, 2, (1,), generator=gen))


def choice(gen: torch.Generator, options: Sequence[T]) -> T:
    return options[randint(gen, 0, len(options) - 1)]


def uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand(1, generator=gen, dtype=F64))


@dataclass(frozen=True)
class ConvConfig:
    """The shapes and hyper-parameters of one deformable convolution."""

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

    @property
    def out_size(self) -> tuple[int, int]:
        h, w = (
            (s + 2 * p - d * (k - 1) - 1) // st + 1
            for s, k, st, p, d in zip(
                self.size, self.kernel, self.stride, self.padding, self.dilation, strict=True
            )
        )
        return h, w

    @property
    def n_kernel(self) -> int:
        return self.kernel[0] * self.kernel[1]

    def conv_args(self) -> dict[str, tuple[int, int]]:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def tensors(
        self,
        gen: torch.Generator,
        dtype: torch.dtype = F64,
        offset_scale: float = 2.0,
        offsets: str = "normal",
    ) -> dict[str, Tensor]:
        """input, weight, bias, offset and mask, drawn from ``gen``.

        ``offsets`` (one of :data:`OFFSET_KINDS`): ``normal`` N(0, offset_scale²); ``zero``;
        ``whole`` those rounded to whole pixels, so that every sample lands on a pixel, where
        Eq. (3) has its kinks; ``mixed`` each of them rounded or not at random; ``fractional`` an
        integer in −3 … 2 plus a fraction in [0.1, 0.9], so that no sample is within 0.1 pixel of
        a kink (for central differences, which need a differentiable point).
        """
        h_out, w_out = self.out_size
        off_shape = (self.batch, 2 * self.offset_groups * self.n_kernel, h_out, w_out)
        if offsets == "fractional":
            whole = torch.randint(-3, 3, off_shape, generator=gen).to(dtype)
            offset = whole + 0.1 + 0.8 * torch.rand(off_shape, generator=gen, dtype=dtype)
        elif offsets == "zero":
            offset = torch.zeros(off_shape, dtype=dtype)
        elif offsets in ("normal", "whole", "mixed"):
            offset = offset_scale * torch.randn(off_shape, generator=gen, dtype=dtype)
            if offsets == "whole":
                offset = offset.round()
            elif offsets == "mixed":
                rounded = torch.rand(off_shape, generator=gen) < 0.5
                offset = torch.where(rounded, offset.round(), offset)
        else:
            raise ValueError(f"offsets must be one of {OFFSET_KINDS}, got {offsets!r}")
        mask_shape = (self.batch, self.offset_groups * self.n_kernel, h_out, w_out)
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
            "mask": torch.rand(mask_shape, generator=gen, dtype=dtype),
        }


def random_conv_config(gen: torch.Generator, max_size: int = 9, max_kernel: int = 3) -> ConvConfig:
    """A valid configuration: groups 1–2, offset groups 1–3, kernels up to ``max_kernel`` per
    side, strides 1–2, paddings 0–2, dilations 1–2, maps up to ``max_size`` per side."""
    groups, offset_groups = randint(gen, 1, 2), randint(gen, 1, 3)
    # channels divisible by both groups and offset groups
    channels = groups * offset_groups * randint(gen, 1, 2)
    out_channels = groups * randint(gen, 1, 2)
    kernel = (randint(gen, 1, max_kernel), randint(gen, 1, max_kernel))
    stride = (randint(gen, 1, 2), randint(gen, 1, 2))
    padding = (randint(gen, 0, 2), randint(gen, 0, 2))
    dilation = (randint(gen, 1, 2), randint(gen, 1, 2))
    # the smallest map that still gives one output position
    h, w = (
        randint(gen, max(1, d * (k - 1) + 1 - 2 * p), max_size)
        for k, p, d in zip(kernel, padding, dilation, strict=True)
    )
    return ConvConfig(
        batch=randint(gen, 1, 2),
        channels=channels,
        out_channels=out_channels,
        groups=groups,
        offset_groups=offset_groups,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        size=(h, w),
    )


def random_same_padding_config(gen: torch.Generator, min_kernel_positions: int = 1) -> ConvConfig:
    """Fig. 1's setting: an odd kernel (1, 3 or 5 by 1 or 3) with 'same' padding, stride 1 and
    dilation 1; kernels of fewer than ``min_kernel_positions`` positions become 3×3."""
    config = random_conv_config(gen)
    kernel = (choice(gen, (1, 3, 5)), choice(gen, (1, 3)))
    if kernel[0] * kernel[1] < min_kernel_positions:
        kernel = (3, 3)
    return replace(
        config,
        kernel=kernel,
        stride=(1, 1),
        dilation=(1, 1),
        padding=((kernel[0] - 1) // 2, (kernel[1] - 1) // 2),
    )


def centred_grid(kernel: tuple[int, int], dtype: torch.dtype = F64) -> tuple[Tensor, Tensor]:
    """p_n of the paper's R, centred on the kernel: (i − (kh−1)/2, j − (kw−1)/2), row-major.

    Returns the y and x parts, each ``[kh·kw]``.
    """
    kh, kw = kernel
    i, j = torch.meshgrid(
        torch.arange(kh, dtype=dtype), torch.arange(kw, dtype=dtype), indexing="ij"
    )
    return (i - (kh - 1) / 2).flatten(), (j - (kw - 1) / 2).flatten()


def grid_offset(config: ConvConfig, dy_per_pn: Tensor, dx_per_pn: Tensor) -> Tensor:
    """The same Δp_n (per kernel position, ``[kh·kw]`` each) at every output position and in
    every offset group: ``[B, 2·offset_groups·kh·kw, H_out, W_out]``."""
    h_out, w_out = config.out_size
    per_n = torch.stack((dy_per_pn, dx_per_pn), dim=1).flatten()  # [2N]: Δy_0, Δx_0, Δy_1, …
    per_n = per_n.repeat(config.offset_groups)
    return per_n[None, :, None, None].expand(config.batch, -1, h_out, w_out).clone()


@dataclass(frozen=True)
class RoICase:
    """A feature map, boxes (rows ``(batch index, x1, y1, x2, y2)`` in image pixels), offsets
    ``[K, 2, ph, pw]`` and the pooling's arguments."""

    input: Tensor
    boxes: Tensor
    offset: Tensor
    output_size: tuple[int, int]
    spatial_scale: float
    sampling_ratio: int

    def pool_args(self) -> dict[str, object]:
        return {
            "output_size": self.output_size,
            "spatial_scale": self.spatial_scale,
            "sampling_ratio": self.sampling_ratio,
        }


def random_roi_case(gen: torch.Generator) -> RoICase:
    """Maps of 2–12 pixels per side (1–3 channels per bin), 1–4 bins per side, 1–6 boxes that
    may stick out of the map, spatial scales 1, 1/2, 1/4, sampling ratios 0 (adaptive) to 3."""
    batch = randint(gen, 1, 2)
    bins = (randint(gen, 1, 4), randint(gen, 1, 4))
    out_channels = randint(gen, 1, 3)
    height, width = randint(gen, 2, 12), randint(gen, 2, 12)
    scale = choice(gen, (1.0, 0.5, 0.25))
    n = randint(gen, 1, 6)
    extent = torch.tensor([width / scale, height / scale], dtype=F64)  # the image, in pixels
    corner = (torch.rand(n, 2, generator=gen, dtype=F64) * 1.4 - 0.2) * extent
    size = torch.rand(n, 2, generator=gen, dtype=F64) * extent + 0.5
    index = torch.randint(0, batch, (n, 1), generator=gen).to(F64)
    channels = out_channels * bins[0] * bins[1]
    return RoICase(
        input=torch.randn(batch, channels, height, width, generator=gen, dtype=F64),
        boxes=torch.cat([index, corner, corner + size], dim=1),  # [K, 5]
        offset=torch.randn(n, 2, *bins, generator=gen, dtype=F64),
        output_size=bins,
        spatial_scale=scale,
        sampling_ratio=randint(gen, 0, 3),
    )
