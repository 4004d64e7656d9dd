"""Effective dilation of a deformable filter (Sec. 4.1, Table 2 of Dai et al., 2017).

The paper summarises learned offsets by the "effective dilation": the mean distance between
all adjacent pairs of sampling locations in the filter. For a kh × kw kernel the adjacent pairs
are the kh·(kw − 1) horizontal and (kh − 1)·kw vertical neighbours of the kernel grid; the
sampling location of kernel position (i, j) is p_n + Δp_n = (i·d_y + Δy_n, j·d_x + Δx_n). With
zero offsets the value is the dilation itself; Table 2 reports it growing with object size.
"""

from __future__ import annotations

import torch
from torch import Tensor

from implementations.dcn.deform_conv import IntPair, _pair


def effective_dilation(offset: Tensor, kernel_size: IntPair, dilation: IntPair = 1) -> Tensor:
    """Mean distance between adjacent sampling locations, per offset group and output position.

    Args:
        offset (Tensor[batch_size, 2 * offset_groups * kernel_h * kernel_w, out_h, out_w]):
            offsets in the layout of :func:`~implementations.dcn.deform_conv.deform_conv2d`.
        kernel_size, dilation: of the layer the offsets belong to.

    Returns:
        Tensor[batch_size, offset_groups, out_h, out_w]
    """
    kh, kw = _pair(kernel_size, "kernel_size", 1)
    dy, dx = _pair(dilation, "dilation", 1)
    if kh * kw < 2:
        raise ValueError(f"a {kh}x{kw} kernel has no adjacent pair of sampling locations")
    if offset.dim() != 4 or offset.shape[1] % (2 * kh * kw) or offset.shape[1] == 0:
        raise ValueError(
            f"offset must be Tensor[B, 2 * offset_groups * {kh} * {kw}, H, W], got shape "
            f"{tuple(offset.shape)}"
        )
    batch, channels, height, width = offset.shape
    groups = channels // (2 * kh * kw)
    # [B, 2·G·kh·kw, H, W] -> [B, G, kh, kw, 2, H, W]
    off = offset.view(batch, groups, kh, kw, 2, height, width)
    y = off[:, :, :, :, 0] + (offset.new_tensor(range(kh)) * dy)[:, None, None, None]
    x = off[:, :, :, :, 1] + (offset.new_tensor(range(kw)) * dx)[:, None, None]
    distances = []
    if kw > 1:  # horizontal neighbours (i, j) – (i, j + 1)
        distances.append(
            ((y[:, :, :, 1:] - y[:, :, :, :-1]) ** 2 + (x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2)
            .sqrt()
            .flatten(2, 3)
        )
    if kh > 1:  # vertical neighbours (i, j) – (i + 1, j)
        distances.append(
            ((y[:, :, 1:] - y[:, :, :-1]) ** 2 + (x[:, :, 1:] - x[:, :, :-1]) ** 2)
            .sqrt()
            .flatten(2, 3)
        )
    # each [B, G, pairs, H, W]
    return torch.cat(distances, dim=2).mean(dim=2)
