"""Deformable convolution, Eq. (1)–(2) of Dai et al. (2017), in plain PyTorch.

A regular convolution samples the input on a fixed grid R around each output position p0
(R = {(−1, −1), (−1, 0), …, (1, 1)} for a 3×3 kernel with dilation 1):

    Eq. (1):  y(p0) = Σ_{p_n ∈ R} w(p_n) · x(p0 + p_n)

Deformable convolution adds a learned offset Δp_n to each of the N = |R| sampling positions:

    Eq. (2):  y(p0) = Σ_{p_n ∈ R} w(p_n) · x(p0 + p_n + Δp_n)

and reads x at the fractional positions by bilinear interpolation, Eq. (3)–(4) (see
:mod:`implementations.dcn.bilinear`). The optional modulation scalar m_n of DCNv2 (Zhu et al.,
2019) multiplies each sample: y(p0) = Σ w(p_n) · x(p0 + p_n + Δp_n) · m_n.

How it is computed: the N·H_out·W_out sampling positions of every offset group are read in one
:func:`~implementations.dcn.bilinear.bilinear_gather` (the four-neighbour sum of Eq. (3) in
pixel coordinates, one ``F.embedding_bag`` call), which gives the columns
``[B, N·H_out, W_out, C]`` (row k·H_out + i holds kernel position k of output row i); a
convolution with kernel ``(N, 1)`` and vertical dilation ``H_out`` then sums over (c, k), which
is the weighted sum of Eq. (2) done by the library's convolution routine (oneDNN on CPU, cuDNN on
CUDA). Both steps are differentiable, so autograd gives the gradients for input, offset, mask,
weight and bias; the offset gradient is the one-sided derivative from the right at whole-pixel
positions, as torchvision's, everywhere (an earlier version read through ``F.grid_sample``,
whose pixel → [−1, 1] → pixel round trip put some whole-pixel positions just below the integer
and took the derivative from the left there).

Two modules: :class:`DeformConv2d`, torchvision's drop-in (the offsets, and mask, are given to
``forward``), and :class:`DeformConv2dPack`, the paper's layer, which computes its offsets with
its own zero-initialised convolution (mmcv's name for it).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.dcn.bilinear import bilinear_gather

IntPair = int | tuple[int, int]


class DeformConvValueError(ValueError, RuntimeError):
    """A bad shape or value: a ``ValueError`` naming the constraint, and a ``RuntimeError``, the
    type ``torchvision.ops.deform_conv2d`` raises for the same mistake."""


class DeformConvTypeError(TypeError, RuntimeError):
    """A wrong type or dtype: a ``TypeError``, and a ``RuntimeError`` as torchvision raises."""


def _pair(value: IntPair, name: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, bool):
        raise DeformConvTypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, tuple | list) and len(value) == 2:
        pair = tuple(value)
    else:
        raise DeformConvTypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise DeformConvTypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise DeformConvValueError(f"{name} must be at least {minimum}, got {value!r}")
    return pair  # type: ignore[return-value]


def output_size(
    size: tuple[int, int],
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int]:
    """(H_out, W_out) of a convolution, the same rule as ``torch.nn.Conv2d``."""
    return tuple(  # type: ignore[return-value]
        (s + 2 * p - d * (k - 1) - 1) // st + 1
        for s, k, st, p, d in zip(size, kernel_size, stride, padding, dilation, strict=True)
    )


def _check_tensor(t: object, name: str, like: Tensor) -> Tensor:
    if not isinstance(t, Tensor):
        raise DeformConvTypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != 4 and name != "bias":
        raise DeformConvValueError(f"{name} must be a 4-D tensor, got shape {tuple(t.shape)}")
    if t is not like:
        if t.dtype != like.dtype:
            raise DeformConvTypeError(
                f"{name} must have the input's dtype {like.dtype}, got {t.dtype}"
            )
        if t.device != like.device:
            raise DeformConvValueError(
                f"{name} must be on the input's device {like.device}, got {t.device}"
            )
    return t


def _all_finite(t: Tensor) -> bool:
    """Whether a non-empty tensor holds no NaN or infinity, in one reduction pass."""
    # min and max are NaN if any value is, ±inf if any value is
    low, high = torch.aminmax(t.detach())
    return math.isfinite(low) and math.isfinite(high)


def _validate(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    mask: Tensor | None,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Check every argument against the others; returns (groups, offset_groups, H_out, W_out)."""
    _check_tensor(input, "input", input)
    if not input.dtype.is_floating_point:
        raise DeformConvTypeError(f"input must be a floating-point tensor, got {input.dtype}")
    for t, name in ((offset, "offset"), (weight, "weight")):
        _check_tensor(t, name, input)
    batch, channels, height, width = input.shape
    if channels == 0 or height == 0 or width == 0:
        raise DeformConvValueError(
            f"input must have at least one channel, row and column, got shape {tuple(input.shape)}"
        )
    out_channels, in_per_group, kh, kw = weight.shape
    if out_channels == 0 or in_per_group == 0 or kh == 0 or kw == 0:
        raise DeformConvValueError(
            f"weight must have no zero-sized dimension, got {tuple(weight.shape)}"
        )
    if channels % in_per_group:
        raise DeformConvValueError(
            f"input channels ({channels}) must be divisible by weight.shape[1] ({in_per_group})"
        )
    groups = channels // in_per_group
    if out_channels % groups:
        raise DeformConvValueError(
            f"weight.shape[0] ({out_channels}) must be divisible by groups ({groups} = "
            f"input channels {channels} / weight.shape[1] {in_per_group})"
        )
    h_out, w_out = output_size((height, width), (kh, kw), stride, padding, dilation)
    if h_out < 1 or w_out < 1:
        raise DeformConvValueError(
            f"the output would be empty ({h_out} x {w_out}): input {height} x {width} is smaller "
            f"than the dilated kernel {dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1} "
            f"with padding {padding}"
        )
    n_kernel = kh * kw
    if offset.shape[0] != batch:
        raise DeformConvValueError(
            f"offset must have the input's batch size {batch}, got {offset.shape[0]}"
        )
    if offset.shape[1] == 0 or offset.shape[1] % (2 * n_kernel):
        raise DeformConvValueError(
            f"the shape of the offset tensor at dimension 1 is not valid: offset must have "
            f"2 * offset_groups * kernel_h * kernel_w channels (a positive "
            f"multiple of {2 * n_kernel} for a {kh}x{kw} kernel), got {offset.shape[1]}"
        )
    offset_groups = offset.shape[1] // (2 * n_kernel)
    if channels % offset_groups:
        raise DeformConvValueError(
            f"input channels ({channels}) must be divisible by offset_groups ({offset_groups}, "
            f"from offset.shape[1] = {offset.shape[1]})"
        )
    if tuple(offset.shape[2:]) != (h_out, w_out):
        raise DeformConvValueError(
            f"offset must have the output's spatial size {h_out} x {w_out}, got "
            f"{offset.shape[2]} x {offset.shape[3]}"
        )
    if mask is not None:
        _check_tensor(mask, "mask", input)
        expected = (batch, offset_groups * n_kernel, h_out, w_out)
        if tuple(mask.shape) != expected:
            # torchvision's words for a wrong channel count, which its users may match on
            which = "mask.shape[1] is not valid: " if mask.shape[1] != expected[1] else ""
            raise DeformConvValueError(
                f"{which}mask must have shape {expected} (offset_groups * kernel_h * kernel_w "
                f"channels, matching the offset), got {tuple(mask.shape)}"
            )
    if bias is not None:
        _check_tensor(bias, "bias", input)
        if tuple(bias.shape) != (out_channels,):
            raise DeformConvValueError(
                f"bias must have shape ({out_channels},), got {tuple(bias.shape)}"
            )
    if batch and not _all_finite(offset):
        raise DeformConvValueError("offset must be finite; it holds NaN or infinite values")
    return groups, offset_groups, h_out, w_out


def _kernel_grid(
    h_out: int,
    w_out: int,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    like: Tensor,
) -> tuple[Tensor, Tensor]:
    """p0 + p_n of Eq. (2) for every kernel position n (row-major) and output position p0.

    Returns (y, x), each ``Tensor[N, H_out, W_out]``, in input pixel coordinates.
    """
    kh, kw = kernel_size
    opts = {"dtype": like.dtype, "device": like.device}
    ky = torch.arange(kh, **opts) * dilation[0]
    kx = torch.arange(kw, **opts) * dilation[1]
    oy = torch.arange(h_out, **opts) * stride[0] - padding[0]
    ox = torch.arange(w_out, **opts) * stride[1] - padding[1]
    # [kh, kw, H_out, W_out] -> [N, H_out, W_out]
    y = (ky[:, None, None, None] + oy[None, None, :, None]).expand(kh, kw, h_out, w_out)
    x = (kx[None, :, None, None] + ox[None, None, None, :]).expand(kh, kw, h_out, w_out)
    return y.reshape(kh * kw, h_out, w_out), x.reshape(kh * kw, h_out, w_out)


def deform_conv2d(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = (1, 1),
    padding: IntPair = (0, 0),
    dilation: IntPair = (1, 1),
    mask: Tensor | None = None,
) -> Tensor:
    """Deformable convolution, Eq. (2): y(p0) = Σ_n w(p_n) · x(p0 + p_n + Δp_n) [· m_n].

    Paper: `Deformable Convolutional Networks <https://arxiv.org/abs/1703.06211>`_ (and the mask
    of `Deformable ConvNets v2 <https://arxiv.org/abs/1811.11168>`_). Same signature, semantics
    and offset layout as ``torchvision.ops.deform_conv2d``; pure PyTorch, differentiable in every
    tensor argument (the offset gradient taken from the right at whole-pixel positions, as
    torchvision's), on any device ``F.embedding_bag`` and ``F.conv2d`` support.

    Args:
        input (Tensor[batch_size, in_channels, in_height, in_width]): input x.
        offset (Tensor[batch_size, 2 * offset_groups * kernel_height * kernel_width,
            out_height, out_width]): Δp_n. Channel ``2 * (g * N + n)`` is Δy and
            ``2 * (g * N + n) + 1`` is Δx of kernel position ``n = i * kernel_width + j`` for
            offset group ``g``; input channel c belongs to group ``c // (in_channels /
            offset_groups)``. ``offset_groups`` is read from the channel count.
        weight (Tensor[out_channels, in_channels // groups, kernel_height, kernel_width]): w.
            ``groups`` is read from ``in_channels // weight.shape[1]``.
        bias (Tensor[out_channels], optional): added to every output position.
        stride, padding, dilation (int or (int, int)): as for ``torch.nn.Conv2d``; they place
            the regular grid p0 + p_n that the offsets move.
        mask (Tensor[batch_size, offset_groups * kernel_height * kernel_width, out_height,
            out_width], optional): DCNv2 modulation m_n, multiplied into each sample as given
            (no sigmoid inside).

    Returns:
        Tensor[batch_size, out_channels, out_height, out_width]

    Samples outside the input read zero, and a sample within one pixel of the border reads the
    bilinear share of the border pixels (Eq. (3) with x = 0 outside the map).

    Examples::

        >>> x = torch.rand(4, 3, 10, 10)
        >>> w = torch.rand(5, 3, 3, 3)
        >>> offset = torch.rand(4, 2 * 3 * 3, 8, 8)
        >>> deform_conv2d(x, offset, w).shape
        torch.Size([4, 5, 8, 8])
    """
    stride_ = _pair(stride, "stride", 1)
    padding_ = _pair(padding, "padding", 0)
    dilation_ = _pair(dilation, "dilation", 1)
    groups, offset_groups, h_out, w_out = _validate(
        input, offset, weight, bias, mask, stride_, padding_, dilation_
    )
    batch, channels, height, width = input.shape
    out_channels, in_per_group, kh, kw = weight.shape
    n_kernel = kh * kw
    if batch == 0:
        return input.new_zeros((0, out_channels, h_out, w_out))

    grid_y, grid_x = _kernel_grid(h_out, w_out, (kh, kw), stride_, padding_, dilation_, input)
    # [B, 2·G·N, H_out, W_out] -> [B, N, H_out, W_out, G, 2]: points ordered (n, i, j), groups
    # last, so that the columns come out as [B, N·H_out, W_out, C] (channel c = g·C/G + c')
    off = offset.reshape(batch, offset_groups, n_kernel, 2, h_out, w_out).permute(0, 2, 4, 5, 1, 3)
    y = (off[..., 0] + grid_y[..., None]).reshape(batch, -1, offset_groups)
    x = (off[..., 1] + grid_x[..., None]).reshape(batch, -1, offset_groups)
    if mask is not None:
        # [B, G·N, H_out, W_out] -> [B, N·H_out·W_out, G]
        mask = mask.reshape(batch, offset_groups, -1).transpose(1, 2)
    columns = bilinear_gather(
        input.reshape(batch, offset_groups, channels // offset_groups, height, width), y, x, mask
    )  # [B, N·H_out·W_out, C]
    # [B, N·H_out, W_out, C] seen as [B, C, N·H_out, W_out] in channels-last memory
    columns = columns.view(batch, n_kernel * h_out, w_out, channels).permute(0, 3, 1, 2)
    if columns.numel() < weight.numel():
        # channels-last columns make F.conv2d convert the weight to that memory format on every
        # call (and its gradient back); where the weight is the larger of the two (wide layers
        # on small maps, such as ResNet's res5), convert the columns instead
        columns = columns.contiguous()
    # Σ over (c, n) of w(p_n)·x(p0 + p_n + Δp_n): kernel (N, 1), rows H_out apart.
    return F.conv2d(
        columns,
        weight.reshape(out_channels, in_per_group, n_kernel, 1),
        bias,
        dilation=(h_out, 1),
        groups=groups,
    )


def _check_channels(in_channels: int, out_channels: int, groups: int, offset_groups: int) -> None:
    for value, name in (
        (in_channels, "in_channels"),
        (out_channels, "out_channels"),
        (groups, "groups"),
        (offset_groups, "offset_groups"),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if in_channels % groups:
        raise ValueError(f"in_channels ({in_channels}) must be divisible by groups ({groups})")
    if out_channels % groups:
        raise ValueError(f"out_channels ({out_channels}) must be divisible by groups ({groups})")
    if in_channels % offset_groups:
        raise ValueError(
            f"in_channels ({in_channels}) must be divisible by offset_groups ({offset_groups})"
        )


class DeformConv2d(nn.Module):
    """Deformable convolution whose offsets (and mask) are given; see :func:`deform_conv2d`.

    A drop-in for ``torchvision.ops.DeformConv2d``: the same constructor, parameters
    (``weight``, ``bias``, so state dicts load either way), initialisation and
    ``forward(input, offset, mask=None)``; the offset groups are read from the offset's channels.
    For the paper's layer, which computes its offsets itself, see :class:`DeformConv2dPack`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        _check_channels(in_channels, out_channels, groups, 1)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        self.dilation = _pair(dilation, "dilation", 1)
        self.groups = groups
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels // groups, *self.kernel_size)
        )
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The weight and bias as ``nn.Conv2d`` (and torchvision) initialise them."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor, offset: Tensor, mask: Tensor | None = None) -> Tensor:
        """Eq. (2) with the given offsets Δp_n ``[B, 2·offset_groups·kh·kw, H_out, W_out]`` and
        optional DCNv2 mask ``[B, offset_groups·kh·kw, H_out, W_out]``."""
        return deform_conv2d(
            input,
            offset,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            mask,
        )

    def _defaults(self) -> dict[str, object]:
        return {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1}

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        for name, default in self._defaults().items():
            value = getattr(self, name)
            if value != default:
                s += f", {name}={value}"
        if self.bias is None:
            s += ", bias=False"
        return s


class DeformConv2dPack(DeformConv2d):
    """The paper's deformable convolution layer, with its own offset branch (mmcv's name).

    The offsets Δp_n come from a regular convolution over the same input with the same kernel
    size, stride, padding and dilation and ``2 · kernel_height · kernel_width · offset_groups``
    output channels (Sec. 2.1, Fig. 2). That branch, ``conv_offset``, starts at zero weight and
    bias, as in the paper, so at initialisation the layer is the plain convolution with the same
    weights. ``forward(input)`` takes no offsets; :meth:`forward_with_offset` also returns them.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        groups: int = 1,
        bias: bool = True,
        offset_groups: int = 1,
    ) -> None:
        _check_channels(in_channels, out_channels, groups, offset_groups)
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        )
        self.offset_groups = offset_groups
        self.conv_offset = nn.Conv2d(
            in_channels,
            2 * offset_groups * self.kernel_size[0] * self.kernel_size[1],
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
        )
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)

    def forward(self, input: Tensor) -> Tensor:  # type: ignore[override]
        return self.forward_with_offset(input)[0]

    def forward_with_offset(self, input: Tensor) -> tuple[Tensor, Tensor]:
        """The output and the offsets it used (for analyses such as Table 2's dilation).

        Raises ``ValueError`` naming the cause when the offset branch gives non-finite offsets:
        a non-finite input, non-finite offset-branch parameters, or an overflow in the branch.
        """
        offset = self.conv_offset(input)
        if offset.numel() and not _all_finite(offset):
            raise DeformConvValueError(self._non_finite_offset_cause(input))
        return super().forward(input, offset), offset

    def _non_finite_offset_cause(self, input: Tensor) -> str:
        """Why ``conv_offset(input)`` holds NaN or infinity, in words (checked in that order)."""
        if not _all_finite(input):
            return (
                "input must be finite; it holds NaN or infinite values (the offset branch "
                "conv_offset turns them into non-finite offsets)"
            )
        if not all(_all_finite(p) for p in self.conv_offset.parameters()):
            return (
                "conv_offset's weight or bias holds NaN or infinite values (a diverged training "
                "step?), so the offsets it computes are not finite"
            )
        return (
            "the offset branch conv_offset overflowed: its offsets are not finite although the "
            "input and its parameters are; scale the input or the branch's weights down"
        )

    def _defaults(self) -> dict[str, object]:
        return {**super()._defaults(), "offset_groups": 1}
