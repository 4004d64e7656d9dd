"""Deformable convolution, Eq. (1)–(2) of Dai et al. (2017), in plain PyTorch.

A regular convolution samples the input on a fixed grid R around each output position p0
(R = {(−1, −1), (−1, 0), …, (1, 1)} for a 3×3 kernel with dilation 1):

    Eq. (1):  y(p0) = Σ_{p_n ∈ R} w(p_n) · x(p0 + p_n)

Deformable convolution adds a learned offset Δp_n to each of the N = |R| sampling positions:

    Eq. (2):  y(p0) = Σ_{p_n ∈ R} w(p_n) · x(p0 + p_n + Δp_n)

and reads x at the fractional positions by bilinear interpolation, Eq. (3)–(4) (see
:mod:`implementations.dcn.bilinear`). The optional modulation scalar m_n of DCNv2 (Zhu et al.,
2019) multiplies each sample: y(p0) = Σ w(p_n) · x(p0 + p_n + Δp_n) · m_n.

How it is computed: all N·H_out·W_out sampling positions go through one
``F.grid_sample`` call (bilinear, zero outside the map), which gives the columns
``[B, C, N·H_out, W_out]`` (row k·H_out + i holds kernel position k of output row i); a
convolution with kernel ``(N, 1)`` and vertical dilation ``H_out`` then sums over (c, k), which
is the weighted sum of Eq. (2) done by the library's convolution routine rather than by a
batched matrix product (faster on CPU, and cuDNN on CUDA). Both steps are differentiable, so
autograd gives the gradients for input, offset, mask, weight and bias.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IntPair = int | tuple[int, int]


def _pair(value: IntPair, name: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, tuple | list) and len(value) == 2:
        pair = tuple(value)
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
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
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != 4 and name != "bias":
        raise ValueError(f"{name} must be a 4-D tensor, got shape {tuple(t.shape)}")
    if t is not like:
        if t.dtype != like.dtype:
            raise TypeError(f"{name} must have the input's dtype {like.dtype}, got {t.dtype}")
        if t.device != like.device:
            raise ValueError(f"{name} must be on the input's device {like.device}, got {t.device}")
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
        raise TypeError(f"input must be a floating-point tensor, got {input.dtype}")
    for t, name in ((offset, "offset"), (weight, "weight")):
        _check_tensor(t, name, input)
    batch, channels, height, width = input.shape
    if channels == 0 or height == 0 or width == 0:
        raise ValueError(
            f"input must have at least one channel, row and column, got shape {tuple(input.shape)}"
        )
    out_channels, in_per_group, kh, kw = weight.shape
    if out_channels == 0 or in_per_group == 0 or kh == 0 or kw == 0:
        raise ValueError(f"weight must have no zero-sized dimension, got {tuple(weight.shape)}")
    if channels % in_per_group:
        raise ValueError(
            f"input channels ({channels}) must be divisible by weight.shape[1] ({in_per_group})"
        )
    groups = channels // in_per_group
    if out_channels % groups:
        raise ValueError(
            f"weight.shape[0] ({out_channels}) must be divisible by groups ({groups} = "
            f"input channels {channels} / weight.shape[1] {in_per_group})"
        )
    h_out, w_out = output_size((height, width), (kh, kw), stride, padding, dilation)
    if h_out < 1 or w_out < 1:
        raise ValueError(
            f"the output would be empty ({h_out} x {w_out}): input {height} x {width} is smaller "
            f"than the dilated kernel {dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1} "
            f"with padding {padding}"
        )
    n_kernel = kh * kw
    if offset.shape[0] != batch:
        raise ValueError(f"offset must have the input's batch size {batch}, got {offset.shape[0]}")
    if offset.shape[1] == 0 or offset.shape[1] % (2 * n_kernel):
        raise ValueError(
            f"offset must have 2 * offset_groups * kernel_h * kernel_w channels (a positive "
            f"multiple of {2 * n_kernel} for a {kh}x{kw} kernel), got {offset.shape[1]}"
        )
    offset_groups = offset.shape[1] // (2 * n_kernel)
    if channels % offset_groups:
        raise ValueError(
            f"input channels ({channels}) must be divisible by offset_groups ({offset_groups}, "
            f"from offset.shape[1] = {offset.shape[1]})"
        )
    if tuple(offset.shape[2:]) != (h_out, w_out):
        raise ValueError(
            f"offset must have the output's spatial size {h_out} x {w_out}, got "
            f"{offset.shape[2]} x {offset.shape[3]}"
        )
    if mask is not None:
        _check_tensor(mask, "mask", input)
        expected = (batch, offset_groups * n_kernel, h_out, w_out)
        if tuple(mask.shape) != expected:
            raise ValueError(
                f"mask must have shape {expected} (offset_groups * kernel_h * kernel_w channels, "
                f"matching the offset), got {tuple(mask.shape)}"
            )
    if bias is not None:
        _check_tensor(bias, "bias", input)
        if tuple(bias.shape) != (out_channels,):
            raise ValueError(f"bias must have shape ({out_channels},), got {tuple(bias.shape)}")
    if batch and not _all_finite(offset):
        raise ValueError("offset must be finite; it holds NaN or infinite values")
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
    tensor argument, on any device ``F.grid_sample`` and ``F.conv2d`` support.

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
    # [B, 2·G·N, H_out, W_out] -> [B, G, N, 2, H_out, W_out]
    off = offset.view(batch, offset_groups, n_kernel, 2, h_out, w_out)
    # A sample more than one pixel outside reads zero with zero gradient (Eq. (3)), however far
    # out it is; clamping it to two pixels outside keeps that and keeps a huge finite offset
    # from overflowing to inf below (grid_sample turns inf into NaN).
    y = (off[:, :, :, 0] + grid_y).clamp(-2.0, height + 1.0)
    x = (off[:, :, :, 1] + grid_x).clamp(-2.0, width + 1.0)
    # grid_sample with align_corners=False maps pixel coordinate u in [-0.5, size - 0.5] to
    # (2u + 1) / size - 1 in [-1, 1]; it reads zero outside, as Eq. (3) does.
    y = y * (2.0 / height) + (1.0 / height - 1.0)
    x = x * (2.0 / width) + (1.0 / width - 1.0)
    # [B, G, N, H_out, W_out, 2] -> [B·G, N·H_out, W_out, 2]
    grid = torch.stack((x, y), dim=-1).view(batch * offset_groups, n_kernel * h_out, w_out, 2)
    columns = F.grid_sample(
        input.reshape(batch * offset_groups, channels // offset_groups, height, width),
        grid,
        mode="bilinear",
        padding_mode="zeros",
        align_corners=False,
    )  # [B·G, C/G, N·H_out, W_out]
    if mask is not None:
        # [B, G, C/G, N, H_out, W_out] · [B, G, 1, N, H_out, W_out]
        columns = columns.view(
            batch, offset_groups, channels // offset_groups, n_kernel, h_out, w_out
        ) * mask.view(batch, offset_groups, 1, n_kernel, h_out, w_out)
    columns = columns.reshape(batch, channels, n_kernel * h_out, w_out)
    # Σ over (c, n) of w(p_n)·x(p0 + p_n + Δp_n): kernel (N, 1), rows H_out apart.
    return F.conv2d(
        columns,
        weight.reshape(out_channels, in_per_group, n_kernel, 1),
        bias,
        dilation=(h_out, 1),
        groups=groups,
    )


class DeformConv2d(nn.Module):
    """Deformable convolution layer with its own offset branch; see :func:`deform_conv2d`.

    The offsets Δp_n come from a regular convolution over the same input with the same kernel
    size, stride, padding and dilation and ``2 · kernel_height · kernel_width · offset_groups``
    output channels (Sec. 2.1, Fig. 2). That branch starts at zero weight and bias, as in the
    paper, so at initialisation the layer is the plain convolution with the same weights.
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
        super().__init__()
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
            raise ValueError(
                f"out_channels ({out_channels}) must be divisible by groups ({groups})"
            )
        if in_channels % offset_groups:
            raise ValueError(
                f"in_channels ({in_channels}) must be divisible by offset_groups ({offset_groups})"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        self.dilation = _pair(dilation, "dilation", 1)
        self.groups = groups
        self.offset_groups = offset_groups
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels // groups, *self.kernel_size)
        )
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.conv_offset = nn.Conv2d(
            in_channels,
            2 * offset_groups * self.kernel_size[0] * self.kernel_size[1],
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The weight as ``nn.Conv2d`` initialises it; the offset branch at zero."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)

    def forward(self, input: Tensor) -> Tensor:
        return self.forward_with_offset(input)[0]

    def forward_with_offset(self, input: Tensor) -> tuple[Tensor, Tensor]:
        """The output and the offsets it used (for analyses such as Table 2's dilation).

        Raises ``ValueError`` naming the cause when the offset branch gives non-finite offsets:
        a non-finite input, non-finite offset-branch parameters, or an overflow in the branch.
        """
        offset = self.conv_offset(input)
        if offset.numel() and not _all_finite(offset):
            raise ValueError(self._non_finite_offset_cause(input))
        out = deform_conv2d(
            input, offset, self.weight, self.bias, self.stride, self.padding, self.dilation
        )
        return out, offset

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

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        defaults = {
            "stride": (1, 1),
            "padding": (0, 0),
            "dilation": (1, 1),
            "groups": 1,
            "offset_groups": 1,
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            if value != default:
                s += f", {name}={value}"
        if self.bias is None:
            s += ", bias=False"
        return s
