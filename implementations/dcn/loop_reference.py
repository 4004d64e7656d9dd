"""A slow reference for deformable convolution, written as plain loops over the equations.

Nothing here is vectorised: each output value is the sum of Eq. (2) over kernel positions, and
each sample is the four-neighbour sum of Eq. (3)–(4), read as zero outside the map. The identity
check ``dcn.eq2.deformable-sampling`` compares the fast operator with it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def bilinear_loop(plane: Tensor, y: float, x: float) -> float:
    """Eq. (3)–(4) at one point: Σ over the integral neighbours q of G(q, p)·x(q), zero outside."""
    height, width = plane.shape
    total = 0.0
    y0, x0 = math.floor(y), math.floor(x)
    for qy in (y0, y0 + 1):
        for qx in (x0, x0 + 1):
            if 0 <= qy < height and 0 <= qx < width:
                weight = max(0.0, 1 - abs(qx - x)) * max(0.0, 1 - abs(qy - y))
                total += weight * float(plane[qy, qx])
    return total


def deform_conv2d_loops(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    mask: Tensor | None = None,
) -> Tensor:
    """Eq. (2) with the DCNv2 mask, one output value at a time (float64)."""
    batch, channels = input.shape[:2]
    out_channels, in_per_group, kh, kw = weight.shape
    groups = channels // in_per_group
    out_per_group = out_channels // groups
    h_out, w_out = offset.shape[2:]
    offset_groups = offset.shape[1] // (2 * kh * kw)
    per_offset_group = channels // offset_groups
    out = torch.zeros(batch, out_channels, h_out, w_out, dtype=torch.float64)
    for b in range(batch):
        for o in range(out_channels):
            g = o // out_per_group
            for i in range(h_out):
                for j in range(w_out):
                    acc = 0.0 if bias is None else float(bias[o])
                    for ci in range(in_per_group):
                        c = g * in_per_group + ci
                        og = c // per_offset_group
                        for u in range(kh):
                            for v in range(kw):
                                n = u * kw + v
                                dy = float(offset[b, 2 * (og * kh * kw + n), i, j])
                                dx = float(offset[b, 2 * (og * kh * kw + n) + 1, i, j])
                                y = i * stride[0] - padding[0] + u * dilation[0] + dy
                                x = j * stride[1] - padding[1] + v * dilation[1] + dx
                                val = bilinear_loop(input[b, c], y, x)
                                if mask is not None:
                                    val *= float(mask[b, og * kh * kw + n, i, j])
                                acc += float(weight[o, ci, u, v]) * val
                    out[b, o, i, j] = acc
    return out
