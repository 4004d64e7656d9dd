"""Deformable RoI pooling, Eq. (5)–(6), and its position-sensitive form (Sec. 2.2).

RoI pooling divides a box into k × k bins and averages the input over each bin. The paper
writes the bin (i, j) average over its n_ij positions p and moves each bin by an offset:

    Eq. (5):  y(i, j) = Σ_{p ∈ bin(i, j)} x(p0 + p + Δp_ij) / n_ij
    Eq. (6):  Δp_ij = γ · Δp̂_ij ∘ (w, h)

where p0 is the box's top-left corner, (w, h) its width and height, Δp̂_ij the normalised offset
predicted by an fc layer (or, in the position-sensitive form, pooled from an offset score map),
and γ = 0.1. Like RoIAlign, the "positions p in the bin" are a regular grid of
``sampling_ratio × sampling_ratio`` points read with bilinear interpolation (Eq. (3)).

Convention (that of mmcv's ``DeformRoIPool``, the detection code's reference implementation):
a box (x1, y1, x2, y2) covers [x1·s − 0.5, x2·s − 0.5] in feature-map pixels for spatial scale s
(RoIAlign with ``aligned=True``); ``offset[:, 0]`` moves bins along x by γ·w·Δp̂ and
``offset[:, 1]`` along y by γ·h·Δp̂ (note: x first, unlike the (Δy, Δx) order of
:func:`~implementations.dcn.deform_conv.deform_conv2d`); ``sampling_ratio = 0`` uses
ceil(box size / bins) points per bin and axis, so a box inverted along an axis (x2 < x1 or
y2 < y1) has no sample points and pools to zero, as torchvision's kernels do; a sample point reads
zero more than one pixel outside the map and the clamped border value within one pixel of it, as
RoIAlign does. With zero offsets the result is therefore ``torchvision.ops.roi_align(...,
aligned=True)``, and the position-sensitive form is ``torchvision.ops.ps_roi_align``.

Memory: RoIAlign's kernels sum the sample points of a bin one at a time; here the points of many
boxes are read in one batched ``grid_sample``, so boxes are read in parts of at most
``_MAX_READ_VALUES`` values, and a single box that needs more (a huge box under the adaptive
``sampling_ratio = 0``, whose point count grows with the box's area) is refused with a
``ValueError`` before anything is allocated: a box that size is almost always a coordinate or
``spatial_scale`` mistake, and a fixed ``sampling_ratio`` pools it in bounded memory.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IntPair = int | tuple[int, int]

#: Most values one bilinear read may hold: sample points × (channels read + 8), the 8 standing
#: for a point's coordinates, grid entry and border mask; 2^28 is 1 GiB of float32.
_MAX_READ_VALUES = 2**28


def _output_size(output_size: IntPair) -> tuple[int, int]:
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        size = (output_size, output_size)
    elif isinstance(output_size, tuple | list) and len(output_size) == 2:
        size = tuple(output_size)
    else:
        raise TypeError(f"output_size must be an int or a pair of ints, got {output_size!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in size):
        raise ValueError(f"output_size must be positive ints, got {output_size!r}")
    return size  # type: ignore[return-value]


def boxes_to_rois(boxes: Tensor | list[Tensor] | tuple[Tensor, ...]) -> Tensor:
    """``Tensor[K, 5]`` rows (batch index, x1, y1, x2, y2) from either torchvision box format.

    ``boxes`` is ``Tensor[K, 5]`` already, or one ``Tensor[L_i, 4]`` of (x1, y1, x2, y2) per
    image of the batch.
    """
    if isinstance(boxes, list | tuple):
        for i, b in enumerate(boxes):
            if not isinstance(b, Tensor) or b.dim() != 2 or b.shape[1] != 4:
                got = tuple(b.shape) if isinstance(b, Tensor) else type(b).__name__
                raise ValueError(
                    f"boxes[{i}] must be a Tensor[L, 4] of (x1, y1, x2, y2), got {got}"
                )
        if not boxes:
            raise ValueError("boxes must hold one Tensor[L, 4] per image, got an empty list")
        index = torch.cat(
            [
                torch.full((len(b), 1), i, dtype=b.dtype, device=b.device)
                for i, b in enumerate(boxes)
            ]
        )
        return torch.cat([index, torch.cat(list(boxes))], dim=1)
    if not isinstance(boxes, Tensor):
        raise TypeError(
            f"boxes must be a Tensor[K, 5] or a list of Tensor[L, 4], got {type(boxes)}"
        )
    if boxes.dim() != 2 or boxes.shape[1] != 5:
        raise ValueError(
            f"boxes must be a Tensor[K, 5] of (batch index, x1, y1, x2, y2), got shape "
            f"{tuple(boxes.shape)}"
        )
    return boxes


def _validate(
    input: Tensor,
    rois: Tensor,
    offset: Tensor | None,
    size: tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int,
) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")
    if input.dim() != 4:
        raise ValueError(f"input must be a 4-D tensor, got shape {tuple(input.shape)}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"input must be a floating-point tensor, got {input.dtype}")
    if min(input.shape[1:]) == 0:
        raise ValueError(f"input must have no zero-sized dimension, got {tuple(input.shape)}")
    if rois.dtype != input.dtype or rois.device != input.device:
        raise TypeError(
            f"boxes must have the input's dtype and device ({input.dtype}, {input.device}), got "
            f"({rois.dtype}, {rois.device})"
        )
    if len(rois) and not bool(torch.isfinite(rois).all()):
        raise ValueError("boxes must be finite; they hold NaN or infinite values")
    if len(rois):
        index = rois[:, 0]
        if bool((index != index.round()).any()) or bool(
            ((index < 0) | (index >= input.shape[0])).any()
        ):
            raise ValueError(
                f"box batch indices must be integers in [0, {input.shape[0]}), got values in "
                f"[{index.min().item()}, {index.max().item()}]"
            )
    if not (
        isinstance(spatial_scale, int | float)
        and math.isfinite(spatial_scale)
        and spatial_scale > 0
    ):
        raise ValueError(f"spatial_scale must be a positive finite number, got {spatial_scale!r}")
    if (
        isinstance(sampling_ratio, bool)
        or not isinstance(sampling_ratio, int)
        or sampling_ratio < 0
    ):
        raise ValueError(
            f"sampling_ratio must be an int >= 0 (0: adaptive), got {sampling_ratio!r}"
        )
    if offset is not None:
        if not isinstance(offset, Tensor):
            raise TypeError(f"offset must be a torch.Tensor, got {type(offset).__name__}")
        expected = (len(rois), 2, *size)
        if tuple(offset.shape) != expected:
            raise ValueError(
                f"offset must have shape {expected} (boxes, (x, y), bins), got "
                f"{tuple(offset.shape)}"
            )
        if offset.dtype != input.dtype or offset.device != input.device:
            raise TypeError(
                f"offset must have the input's dtype and device ({input.dtype}, {input.device}), "
                f"got ({offset.dtype}, {offset.device})"
            )
        if not bool(torch.isfinite(offset).all()):
            raise ValueError("offset must be finite; it holds NaN or infinite values")


def _geometry(rois: Tensor, spatial_scale: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Top-left corner (x, y) and size (w, h) of each box in feature-map pixels (aligned)."""
    start_x = rois[:, 1] * spatial_scale - 0.5
    start_y = rois[:, 2] * spatial_scale - 0.5
    roi_w = (rois[:, 3] * spatial_scale - 0.5) - start_x
    roi_h = (rois[:, 4] * spatial_scale - 0.5) - start_y
    return start_x, start_y, roi_w, roi_h


def _sample_points(
    rois: Tensor,
    offset: Tensor | None,
    size: tuple[int, int],
    spatial_scale: float,
    grid: tuple[int, int],
    gamma: float,
) -> tuple[Tensor, Tensor]:
    """Positions p0 + p + Δp_ij of Eq. (5)–(6) for every box, bin and sample point.

    Returns (y, x), each ``Tensor[R, ph, pw, gh, gw]`` in feature-map pixels.
    """
    ph, pw = size
    gh, gw = grid
    start_x, start_y, roi_w, roi_h = _geometry(rois, spatial_scale)
    bin_w, bin_h = roi_w / pw, roi_h / ph
    opts = {"dtype": rois.dtype, "device": rois.device}
    # p: bin corner + centre of each sub-cell, [R, ph, 1, gh, 1] and [R, 1, pw, 1, gw]
    iy = torch.arange(ph, **opts)[:, None] + (torch.arange(gh, **opts)[None, :] + 0.5) / gh
    ix = torch.arange(pw, **opts)[:, None] + (torch.arange(gw, **opts)[None, :] + 0.5) / gw
    y = (
        start_y[:, None, None, None, None]
        + bin_h[:, None, None, None, None] * iy[None, :, None, :, None]
    )
    x = (
        start_x[:, None, None, None, None]
        + bin_w[:, None, None, None, None] * ix[None, None, :, None, :]
    )
    if offset is not None:
        # Eq. (6): Δp_ij = γ · Δp̂_ij ∘ (w, h)
        x = x + (gamma * roi_w[:, None, None] * offset[:, 0])[..., None, None]
        y = y + (gamma * roi_h[:, None, None] * offset[:, 1])[..., None, None]
    return y.expand(-1, ph, pw, gh, gw), x.expand(-1, ph, pw, gh, gw)


def _read(features: Tensor, y: Tensor, x: Tensor) -> Tensor:
    """Bilinear reads of ``features`` [B, C, H, W] at y, x [B, P, Q], RoIAlign's border rule.

    Returns ``Tensor[B, C, P, Q]``: zero for points more than one pixel outside, the clamped
    border value within one pixel of it.
    """
    height, width = features.shape[-2:]
    inside = (y >= -1) & (y <= height) & (x >= -1) & (x <= width)
    y = y.clamp(0, height - 1)
    x = x.clamp(0, width - 1)
    grid = torch.stack(((2 * x + 1) / width - 1, (2 * y + 1) / height - 1), dim=-1)
    values = F.grid_sample(
        features, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    return values * inside[:, None].to(values.dtype)


def _grids(
    rois: Tensor, size: tuple[int, int], spatial_scale: float, sampling_ratio: int
) -> Tensor:
    """Sample points per bin along y and x for every box, ``Tensor[R, 2]`` (≥ 0, boxes' dtype).

    ``sampling_ratio = 0`` is RoIAlign's adaptive count ceil(box size / bins) per axis, computed
    in the boxes' dtype as RoIAlign does; a box inverted along an axis gets none there
    (torchvision's kernels loop zero times and write zero).
    """
    _, _, roi_w, roi_h = _geometry(rois, spatial_scale)
    if not bool((torch.isfinite(roi_w) & torch.isfinite(roi_h)).all()):
        raise ValueError(
            f"boxes times spatial_scale ({spatial_scale!r}) overflow {rois.dtype}; check the box "
            "coordinates and the scale"
        )
    if sampling_ratio > 0:
        return rois.new_full((len(rois), 2), sampling_ratio)
    grids = torch.stack((torch.ceil(roi_h / size[0]), torch.ceil(roi_w / size[1])), dim=1)
    return grids.clamp(min=0)


def _check_read_size(
    grids: Tensor, size: tuple[int, int], channels: int, sampling_ratio: int
) -> None:
    """Refuse a box whose bilinear read alone would exceed ``_MAX_READ_VALUES`` values."""
    cost = grids.cpu().double().prod(dim=1) * (size[0] * size[1] * (channels + 8))
    worst = int(cost.argmax())
    if cost[worst] > _MAX_READ_VALUES:
        gh, gw = grids[worst].tolist()
        fix = (
            "the adaptive sampling_ratio=0 grows with the box's size: pass a small fixed "
            "sampling_ratio (such as 2), or check the box coordinates and spatial_scale"
            if sampling_ratio == 0
            else f"pass a sampling_ratio smaller than {sampling_ratio}"
        )
        raise ValueError(
            f"box {worst} needs {gh:.6g} x {gw:.6g} sample points in each of its {size[0]} x "
            f"{size[1]} bins ({cost[worst].item():.3g} values to read, more than "
            f"{_MAX_READ_VALUES}); {fix}"
        )


def _pool_boxes(
    features: Tensor,
    rois: Tensor,
    offset: Tensor | None,
    size: tuple[int, int],
    spatial_scale: float,
    grid: tuple[int, int],
    gamma: float,
    out_channels: int,
    position_sensitive: bool,
) -> Tensor:
    """Pool boxes of one image ``features`` [1, C, H, W] on one sample grid: [R, C_out, ph, pw]."""
    ph, pw = size
    gh, gw = grid
    n = len(rois)
    y, x = _sample_points(rois, offset, size, spatial_scale, grid, gamma)
    if position_sensitive:
        # bin (i, j) reads channels (c · ph + i) · pw + j: [1, C_out·ph·pw, H, W] ->
        # [ph·pw, C_out, H, W], one grid_sample batch element per bin
        features = features.view(out_channels, ph * pw, *features.shape[-2:]).transpose(0, 1)
        # [R, ph, pw, gh, gw] -> [ph·pw, R·gh, gw]
        yy = y.permute(1, 2, 0, 3, 4).reshape(ph * pw, n * gh, gw)
        xx = x.permute(1, 2, 0, 3, 4).reshape(ph * pw, n * gh, gw)
        values = _read(features, yy, xx)  # [ph·pw, C_out, R·gh, gw]
        pooled = values.reshape(ph, pw, out_channels, n, gh * gw).mean(-1)
        return pooled.permute(3, 2, 0, 1)  # [R, C_out, ph, pw]
    # [R, ph, pw, gh, gw] -> [1, R·ph·pw·gh, gw]
    values = _read(features, y.reshape(1, -1, gw), x.reshape(1, -1, gw))
    return values.reshape(out_channels, n, ph, pw, gh * gw).mean(-1).transpose(0, 1)


def _pool(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    offset: Tensor | None,
    output_size: IntPair,
    spatial_scale: float,
    sampling_ratio: int,
    gamma: float,
    position_sensitive: bool,
) -> Tensor:
    size = _output_size(output_size)
    rois = boxes_to_rois(boxes)
    _validate(input, rois, offset, size, spatial_scale, sampling_ratio)
    ph, pw = size
    channels = input.shape[1]
    if position_sensitive and channels % (ph * pw):
        raise ValueError(
            f"input channels ({channels}) must be divisible by the number of bins "
            f"{ph} x {pw} = {ph * pw} for position-sensitive pooling"
        )
    # each bin reads C_out channels (all of them, or its own slice in the position-sensitive form)
    out_channels = channels // (ph * pw) if position_sensitive else channels
    out = input.new_zeros((len(rois), out_channels, ph, pw))
    if len(rois) == 0:
        return out
    grids = _grids(rois, size, spatial_scale, sampling_ratio)
    _check_read_size(grids, size, out_channels, sampling_ratio)
    keys = torch.cat([rois[:, :1].long(), grids.long()], dim=1)
    results = []
    order = []
    for key in torch.unique(keys, dim=0).tolist():
        image, gh, gw = key
        if gh * gw == 0:  # a box without sample points pools to zero, as in RoIAlign
            continue
        members = torch.nonzero((keys == torch.tensor(key, device=keys.device)).all(1)).flatten()
        boxes_per_read = _MAX_READ_VALUES // (ph * pw * gh * gw * (out_channels + 8))
        for part in members.split(boxes_per_read):
            results.append(
                _pool_boxes(
                    input[image : image + 1],
                    rois[part],
                    None if offset is None else offset[part],
                    size,
                    spatial_scale,
                    (gh, gw),
                    gamma,
                    out_channels,
                    position_sensitive,
                )
            )
            order.append(part)
    if results:
        out = out.index_put((torch.cat(order),), torch.cat(results))
    return out


def deform_roi_pool(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    offset: Tensor | None = None,
    output_size: IntPair = 7,
    spatial_scale: float = 1.0,
    sampling_ratio: int = 0,
    gamma: float = 0.1,
) -> Tensor:
    """Deformable RoI pooling, Eq. (5)–(6): bin averages of bilinear samples, bins moved by offsets.

    Args:
        input (Tensor[N, C, H, W]): feature map.
        boxes (Tensor[K, 5] or list[Tensor[L, 4]]): (batch index, x1, y1, x2, y2) in input-image
            coordinates, or one (x1, y1, x2, y2) tensor per image.
        offset (Tensor[K, 2, ph, pw], optional): normalised offsets Δp̂, channel 0 along x and
            channel 1 along y. None pools without offsets (RoIAlign).
        output_size (int or (int, int)): bins (ph, pw).
        spatial_scale (float): feature-map pixels per input pixel (1/16 for a stride-16 map).
        sampling_ratio (int): sample points per bin along each axis; 0 uses ceil(box size / bins)
            (a box inverted along an axis then pools to zero; one whose points would need more
            than ``_MAX_READ_VALUES`` values in memory is refused).
        gamma (float): γ of Eq. (6).

    Returns:
        Tensor[K, C, ph, pw]

    Examples::

        >>> x = torch.rand(1, 8, 16, 16)
        >>> boxes = torch.tensor([[0.0, 2.0, 2.0, 12.0, 10.0]])
        >>> deform_roi_pool(x, boxes, torch.zeros(1, 2, 3, 3), output_size=3).shape
        torch.Size([1, 8, 3, 3])
    """
    return _pool(input, boxes, offset, output_size, spatial_scale, sampling_ratio, gamma, False)


def deform_ps_roi_pool(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    offset: Tensor | None = None,
    output_size: IntPair = 7,
    spatial_scale: float = 1.0,
    sampling_ratio: int = 0,
    gamma: float = 0.1,
) -> Tensor:
    """Deformable position-sensitive RoI pooling (R-FCN's pooling with Eq. (6) offsets, Sec. 2.2).

    Bin (i, j) of output channel c averages input channel ``(c · ph + i) · pw + j`` (the layout
    of ``torchvision.ops.ps_roi_align``), so ``input`` has ``C_out · ph · pw`` channels. Other
    arguments as :func:`deform_roi_pool`; a box without sample points pools to zero, as in
    ``roi_align`` (``ps_roi_align`` divides 0 by 0 there when one axis has none).

    Returns:
        Tensor[K, C_out, ph, pw]
    """
    return _pool(input, boxes, offset, output_size, spatial_scale, sampling_ratio, gamma, True)


class DeformRoIPool(nn.Module):
    """Deformable RoI pooling with its offset fc layer (Fig. 3); see :func:`deform_roi_pool`.

    The RoI is first pooled without offsets; an fc layer maps that ``C · ph · pw`` vector to the
    normalised offsets Δp̂ (``2 · ph · pw`` values), which then move the bins. The fc layer starts
    at zero, so at initialisation this is RoIAlign. The paper's detectors use a deeper offset
    head in some configurations; one fc layer is the form Sec. 2.2 describes.
    """

    def __init__(
        self,
        in_channels: int,
        output_size: IntPair = 7,
        spatial_scale: float = 1.0,
        sampling_ratio: int = 0,
        gamma: float = 0.1,
    ) -> None:
        super().__init__()
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
        self.in_channels = in_channels
        self.output_size = _output_size(output_size)
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.gamma = gamma
        bins = self.output_size[0] * self.output_size[1]
        self.offset_fc = nn.Linear(in_channels * bins, 2 * bins)
        nn.init.zeros_(self.offset_fc.weight)
        nn.init.zeros_(self.offset_fc.bias)

    def forward(self, input: Tensor, boxes: Tensor | list[Tensor]) -> Tensor:
        args = (self.output_size, self.spatial_scale, self.sampling_ratio, self.gamma)
        plain = deform_roi_pool(input, boxes, None, *args)
        offset = self.offset_fc(plain.flatten(1)).view(-1, 2, *self.output_size)
        return deform_roi_pool(input, boxes, offset, *args)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, output_size={self.output_size}, spatial_scale="
            f"{self.spatial_scale}, sampling_ratio={self.sampling_ratio}, gamma={self.gamma}"
        )


class DeformPSRoIPool(nn.Module):
    """Deformable position-sensitive RoI pooling with its offset branch (Sec. 2.2, Fig. 4).

    A 1×1 conv turns the score maps into ``2 · ph · pw`` offset maps; position-sensitive pooling
    of those maps gives each RoI its normalised offsets Δp̂ (class-agnostic), which then move the
    bins of the position-sensitive pooling of the score maps. The conv starts at zero, so at
    initialisation this is ``ps_roi_align``. Departure: the paper's offset conv reads the
    backbone feature rather than the score maps; here both come from ``input``.
    """

    def __init__(
        self,
        in_channels: int,
        output_size: IntPair = 7,
        spatial_scale: float = 1.0,
        sampling_ratio: int = 0,
        gamma: float = 0.1,
    ) -> None:
        super().__init__()
        self.output_size = _output_size(output_size)
        bins = self.output_size[0] * self.output_size[1]
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
        if in_channels % bins:
            raise ValueError(
                f"in_channels ({in_channels}) must be divisible by the number of bins ({bins})"
            )
        self.in_channels = in_channels
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.gamma = gamma
        self.conv_offset = nn.Conv2d(in_channels, 2 * bins, kernel_size=1)
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)

    def forward(self, input: Tensor, boxes: Tensor | list[Tensor]) -> Tensor:
        args = (self.output_size, self.spatial_scale, self.sampling_ratio, self.gamma)
        offset = deform_ps_roi_pool(self.conv_offset(input), boxes, None, *args)  # [K, 2, ph, pw]
        return deform_ps_roi_pool(input, boxes, offset, *args)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, output_size={self.output_size}, spatial_scale="
            f"{self.spatial_scale}, sampling_ratio={self.sampling_ratio}, gamma={self.gamma}"
        )
