"""The paper's exact claims, one check each: a seeded random instance → its largest deviation.

Each check draws one instance from the generator it is given (:mod:`implementations.dcn.instances`:
groups, offset groups, kernels, strides, paddings, dilations, boxes …) and returns the largest
deviation from the identity on it (float64 unless stated). The runner evaluates every check on
seeds 0 … n − 1 for the result tables (``repro.experiment.measure_identity``) and the claim's
property test in ``tests/dcn`` calls it on the seeds hypothesis picks
(``repro.experiment.deviation``): one implementation of each identity. The first line of each
docstring says what the instances are; the tables show it. Checks against torchvision raise
``ImportError`` where it is not installed.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.dcn.bilinear import bilinear_interpolate, bilinear_weights
from implementations.dcn.deform_conv import DeformConv2dPack, deform_conv2d
from implementations.dcn.deform_roi_pool import (
    DeformPSRoIPool,
    DeformRoIPool,
    deform_ps_roi_pool,
    deform_roi_pool,
)
from implementations.dcn.effective_dilation import effective_dilation
from implementations.dcn.instances import (
    F64,
    ConvConfig,
    centred_grid,
    choice,
    coin,
    grid_offset,
    randint,
    random_conv_config,
    random_roi_case,
    random_same_padding_config,
    uniform,
)
from implementations.dcn.loop_reference import deform_conv2d_loops


def _max_abs(a: Tensor, b: Tensor) -> float:
    return float((a - b).detach().abs().max())


def _relative(ours: Tensor, peer: Tensor) -> float:
    scale = peer.abs().max().clamp(min=1e-30)
    return float(((ours - peer).abs().max() / scale).detach())


def zero_offset_conv(gen: torch.Generator) -> float:
    """Random convolutions (groups, offset groups, kernel, stride, padding, dilation), Δp_n = 0.

    dcn.eq1.zero-offset-conv: Eq. (2) with zero offsets against F.conv2d, Eq. (1).
    """
    config = random_conv_config(gen)
    t = config.tensors(gen)
    zero = torch.zeros_like(t["offset"])
    ours = deform_conv2d(t["input"], zero, t["weight"], t["bias"], **config.conv_args())
    ref = F.conv2d(t["input"], t["weight"], t["bias"], groups=config.groups, **config.conv_args())
    return _max_abs(ours, ref)


def integer_shift(gen: torch.Generator) -> float:
    """Random convolutions, one constant integral offset (Δy, Δx) in −4 … 4 for every p_n.

    dcn.eq2.integer-shift: against the convolution of the input shifted by it, with zeros
    shifted in: x'(p) = x(p + (Δy, Δx)).
    """
    config = random_conv_config(gen)
    t = config.tensors(gen)
    dy, dx = randint(gen, -4, 4), randint(gen, -4, 4)
    offset = torch.zeros_like(t["offset"])
    offset[:, 0::2] = dy
    offset[:, 1::2] = dx
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], **config.conv_args())
    (height, width), (pad_y, pad_x) = config.size, config.padding
    # zero-pad by the convolution's padding plus the shift, then crop the padded window that
    # starts (dy, dx) away and convolve it without padding
    m = max(abs(dy), abs(dx))
    padded = F.pad(t["input"], (pad_x + m, pad_x + m, pad_y + m, pad_y + m))
    shifted = padded[
        :, :, m + dy : m + dy + height + 2 * pad_y, m + dx : m + dx + width + 2 * pad_x
    ]
    args = {**config.conv_args(), "padding": 0}
    ref = F.conv2d(shifted, t["weight"], t["bias"], groups=config.groups, **args)
    return _max_abs(ours, ref)


def atrous(gen: torch.Generator) -> float:
    """Odd kernels (1–5 × 1–3) with 'same' padding, offsets (d − 1)·p_n for d = 1 … 4.

    dcn.fig1c.atrous-special-case: against the atrous convolution with dilation d.
    """
    config = random_same_padding_config(gen)
    t = config.tensors(gen)
    d = randint(gen, 1, 4)
    py, px = centred_grid(config.kernel)
    offset = grid_offset(config, (d - 1) * py, (d - 1) * px)
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], padding=config.padding)
    padding = (d * config.padding[0], d * config.padding[1])
    ref = F.conv2d(
        t["input"], t["weight"], t["bias"], padding=padding, dilation=d, groups=config.groups
    )
    return _max_abs(ours, ref)


def _resampled_conv(config: ConvConfig, t: dict[str, Tensor], sy: float, sx: float) -> Tensor:
    """Σ_n w_n · x_n with x_n the input resampled explicitly (Eq. (3) by its dense sum) at
    p0 + (sy · p_n,y, sx · p_n,x)."""
    py, px = centred_grid(config.kernel)
    h_out, w_out = config.out_size
    oy, ox = torch.meshgrid(
        torch.arange(h_out, dtype=F64), torch.arange(w_out, dtype=F64), indexing="ij"
    )
    b, c, n, g = config.batch, config.channels, config.n_kernel, config.groups
    # the kernel centre sits on the output position for a stride-1 'same' convolution
    resampled = torch.stack(
        [
            bilinear_interpolate(
                t["input"], (oy + sy * py[k]).flatten(), (ox + sx * px[k]).flatten()
            ).view(b, c, h_out, w_out)
            for k in range(n)
        ],
        dim=2,
    )  # [B, C, N, H_out, W_out]
    xg = resampled.view(b, g, c // g, n, h_out, w_out)
    wg = t["weight"].flatten(2).view(g, config.out_channels // g, c // g, n)  # [G, O/G, C/G, N]
    out = torch.einsum("bgcnhw,gocn->bgohw", xg, wg).reshape(b, config.out_channels, h_out, w_out)
    return out + t["bias"][None, :, None, None]


def scale_aspect(gen: torch.Generator) -> float:
    """Odd kernels with 'same' padding, offsets (s − 1)·p_n, s in 0.25–3 per axis or for both.

    dcn.fig1c.scale-aspect: against the convolution of the input resampled explicitly on the
    scaled (or stretched) grid.
    """
    config = random_same_padding_config(gen)
    t = config.tensors(gen)
    sy = uniform(gen, 0.25, 3.0)
    sx = sy if coin(gen) else uniform(gen, 0.25, 3.0)
    py, px = centred_grid(config.kernel)
    offset = grid_offset(config, (sy - 1) * py, (sx - 1) * px)
    ours = deform_conv2d(t["input"], offset, t["weight"], t["bias"], padding=config.padding)
    return _max_abs(ours, _resampled_conv(config, t, sy, sx))


def bilinear_partition(gen: torch.Generator) -> float:
    """64 points in a map of 1–12 × 1–12 pixels (a third on integral positions) and its corners.

    dcn.eq4.bilinear-weights: the largest of |Σ_q G(q, p) − 1|, −min G(q, p), and the number of
    non-zero weights beyond four at any point.
    """
    h, w = randint(gen, 1, 12), randint(gen, 1, 12)
    p = torch.rand(64, 2, generator=gen, dtype=F64) * torch.tensor([h - 1, w - 1], dtype=F64)
    on_grid = torch.rand(64, generator=gen) < 1 / 3
    p[on_grid] = p[on_grid].round()
    corners = torch.tensor([[0, 0], [0, w - 1], [h - 1, 0], [h - 1, w - 1]], dtype=F64)
    p = torch.cat([p, corners])  # [68, 2]
    weights = bilinear_weights(p[:, 0], p[:, 1], h, w)  # [68, h, w]
    beyond_four = int(((weights > 0).sum((1, 2)) - 4).clamp(min=0).max())
    return max(
        float((weights.sum((1, 2)) - 1).abs().max()), float(-weights.min()), float(beyond_four)
    )


def deformable_sampling(gen: torch.Generator) -> float:
    """Random convolutions (maps ≤ 6), offsets N(0, 3²) across and beyond the border, masks or none.

    dcn.eq2.deformable-sampling: the vectorised operator against Eq. (2)–(4) written as loops
    (:func:`~implementations.dcn.loop_reference.deform_conv2d_loops`).
    """
    config = random_conv_config(gen, max_size=6)
    t = config.tensors(gen, offset_scale=3.0)
    mask = t["mask"] if coin(gen) else None
    ours = deform_conv2d(
        t["input"], t["offset"], t["weight"], t["bias"], mask=mask, **config.conv_args()
    )
    ref = deform_conv2d_loops(
        t["input"],
        t["offset"],
        t["weight"],
        t["bias"],
        config.stride,
        config.padding,
        config.dilation,
        mask,
    )
    return _max_abs(ours, ref)


def gradients(gen: torch.Generator, entries: int = 12) -> float:
    """Random small convolutions (kernel ≤ 2, maps ≤ 5), masks or none, offsets of every kind.

    dcn.eq2.gradients: autograd against the difference quotient from the right,
    (L(t + ε) − L(t)) / ε with L = Σ out·g, for ``entries`` random elements of input, offset,
    weight, bias and mask. The offsets are zero, whole, mixed or normal
    (:data:`~implementations.dcn.instances.OFFSET_KINDS`): L is piecewise linear in each offset
    with kinks at whole pixels, so the quotient is the one-sided derivative from the right there
    and the derivative elsewhere (the property test ``test_dcn_eq2_gradcheck`` also runs the
    full ``gradcheck``, with central differences, at positions off the kinks).
    """
    config = random_conv_config(gen, max_size=5, max_kernel=2)
    t = config.tensors(gen, offsets=choice(gen, ("zero", "whole", "mixed", "normal")))
    names = ["input", "offset", "weight", "bias"] + (["mask"] if coin(gen) else [])
    h_out, w_out = config.out_size
    grad_out = torch.randn(
        config.batch, config.out_channels, h_out, w_out, generator=gen, dtype=F64
    )

    def loss(args: dict[str, Tensor]) -> Tensor:
        return (deform_conv2d(**args, **config.conv_args()) * grad_out).sum()

    inputs = {k: t[k].clone().requires_grad_() for k in names}
    loss(inputs).backward()
    worst, eps = 0.0, 1e-6
    base = float(loss({k: v.detach() for k, v in inputs.items()}))
    for name, tensor in inputs.items():
        assert tensor.grad is not None
        flat = tensor.detach().flatten()
        for i in torch.randperm(flat.numel(), generator=gen)[:entries].tolist():
            args = {k: v.detach() for k, v in inputs.items()}
            plus = flat.clone()
            plus[i] += eps
            args[name] = plus.view_as(tensor)
            numeric = (float(loss(args)) - base) / eps
            worst = max(worst, abs(numeric - float(tensor.grad.flatten()[i])))
    return worst


def torchvision_peer(gen: torch.Generator, dtype: torch.dtype = torch.float32) -> float:
    """Random convolutions (maps ≤ 13) in float32, masks or none, offsets of every kind.

    dcn.eq2.torchvision-peer: the largest relative difference to
    ``torchvision.ops.deform_conv2d`` in the output and in the gradients for input, offset,
    weight, bias and mask. The offsets are zero, whole (every sample on a pixel), mixed or
    normal (:data:`~implementations.dcn.instances.OFFSET_KINDS`), reaching past every border;
    at whole pixels both take the offset gradient from the right. ``dtype`` float64 gives the
    float64 comparison of the property tests.
    """
    from torchvision.ops import deform_conv2d as peer

    config = random_conv_config(gen, max_size=13)
    t = config.tensors(gen, dtype, offsets=choice(gen, ("zero", "whole", "mixed", "normal")))
    names = ["input", "offset", "weight", "bias"] + (["mask"] if coin(gen) else [])
    h_out, w_out = config.out_size
    grad = torch.randn(config.batch, config.out_channels, h_out, w_out, generator=gen, dtype=dtype)
    results = []
    for fn in (deform_conv2d, peer):
        args = {k: t[k].clone().requires_grad_() for k in names}
        out = fn(**args, **config.conv_args())
        out.backward(grad)
        results.append([out.detach()] + [args[k].grad for k in names])
    return max(_relative(ours, ref) for ours, ref in zip(*results, strict=True))


def zero_init_module(gen: torch.Generator) -> float:
    """New DeformConv2dPack layers of random configurations, weights seeded from the instance.

    dcn.sec2.zero-init-module: the largest of |layer(x) − F.conv2d(x) with the layer's weights|
    and of the offset branch's parameters (zero at the start); infinite when the offset branch
    receives no gradient.
    """
    config = random_conv_config(gen)
    x = config.tensors(gen)["input"]
    with torch.random.fork_rng(devices=[]):  # the layer's initialisation leaves no trace
        torch.manual_seed(randint(gen, 0, 2**31 - 1))
        layer = DeformConv2dPack(
            config.channels,
            config.out_channels,
            config.kernel,
            groups=config.groups,
            offset_groups=config.offset_groups,
            **config.conv_args(),
        ).double()
    out = layer(x)
    ref = F.conv2d(x, layer.weight, layer.bias, groups=config.groups, **config.conv_args())
    out.square().sum().backward()
    if layer.conv_offset.weight.grad is None:
        return math.inf
    branch = max(float(p.detach().abs().max()) for p in layer.conv_offset.parameters())
    return max(_max_abs(out, ref), branch)


def roi_align_zero_offset(gen: torch.Generator) -> float:
    """Random maps, bins, scales, sampling ratios and boxes (some past the border), Δp̂ = 0.

    dcn.eq5.zero-offset-roi-align: Eq. (5) against ``torchvision.ops.roi_align`` (aligned=True,
    same sampling ratio): the average of bilinear samples over each bin.
    """
    from torchvision.ops import roi_align

    case = random_roi_case(gen)
    zero = torch.zeros_like(case.offset)
    ours = deform_roi_pool(case.input, case.boxes, zero, **case.pool_args())
    return _max_abs(ours, roi_align(case.input, case.boxes, aligned=True, **case.pool_args()))


def ps_zero_offset(gen: torch.Generator) -> float:
    """Random maps, bins, scales, sampling ratios and boxes (some past the border), Δp̂ = 0.

    dcn.sec2-2.ps-zero-offset: deformable PS RoI pooling against R-FCN's position-sensitive
    pooling (``torchvision.ops.ps_roi_align``).
    """
    from torchvision.ops import ps_roi_align

    case = random_roi_case(gen)
    ours = deform_ps_roi_pool(case.input, case.boxes, None, **case.pool_args())
    return _max_abs(ours, ps_roi_align(case.input, case.boxes, **case.pool_args()))


def bin_shift(gen: torch.Generator) -> float:
    """Random RoI cases, Δp̂ ~ N(0, 1), γ in {0.05, 0.1, 0.3}, plain or position-sensitive.

    dcn.eq6.bin-shift: each bin against the same bin of the zero-offset pooling of the box moved
    by γ·Δp̂_ij ∘ (w, h). The sampling ratio is fixed (1–3): the adaptive one, ⌈box / bins⌉, is
    computed from the moved box's corners, whose rounding could tip it to another integer.
    """
    case = random_roi_case(gen)
    gamma = choice(gen, (0.05, 0.1, 0.3))
    pool = deform_ps_roi_pool if coin(gen) else deform_roi_pool
    args = {**case.pool_args(), "sampling_ratio": max(case.sampling_ratio, 1)}
    ours = pool(case.input, case.boxes, case.offset, gamma=gamma, **args)
    boxes = case.boxes
    w = boxes[:, 3] - boxes[:, 1]  # the box size in image pixels
    h = boxes[:, 4] - boxes[:, 2]
    ph, pw = case.output_size
    worst = 0.0
    for i in range(ph):
        for j in range(pw):
            moved = boxes.clone()
            moved[:, [1, 3]] += (gamma * case.offset[:, 0, i, j] * w)[:, None]
            moved[:, [2, 4]] += (gamma * case.offset[:, 1, i, j] * h)[:, None]
            ref = pool(case.input, moved, None, **args)
            worst = max(worst, _max_abs(ours[..., i, j], ref[..., i, j]))
    return worst


def zero_init_roi_modules(gen: torch.Generator) -> float:
    """New DeformRoIPool and DeformPSRoIPool modules on random RoI cases.

    dcn.sec2-2.zero-init-modules: the largest of their differences to ``roi_align`` /
    ``ps_roi_align`` and of their offset branches' parameters (zero at the start); infinite
    when an offset branch receives no gradient.
    """
    from torchvision.ops import ps_roi_align, roi_align

    case = random_roi_case(gen)
    x = case.input.clone().requires_grad_()
    channels = x.shape[1]
    with torch.random.fork_rng(devices=[]):  # the layers' initialisation leaves no trace
        plain = DeformRoIPool(channels, **case.pool_args()).double()
        ps = DeformPSRoIPool(channels, **case.pool_args()).double()
    out_plain, out_ps = plain(x, case.boxes), ps(x, case.boxes)
    (out_plain.square().sum() + out_ps.square().sum()).backward()
    branches = (plain.offset_fc, ps.conv_offset)
    if any(b.weight.grad is None for b in branches):
        return math.inf
    return max(
        _max_abs(out_plain, roi_align(x, case.boxes, aligned=True, **case.pool_args())),
        _max_abs(out_ps, ps_roi_align(x, case.boxes, **case.pool_args())),
        *(float(p.detach().abs().max()) for b in branches for p in b.parameters()),
    )


def dilation_definition(gen: torch.Generator) -> float:
    """Odd kernels of 3 or more positions ('same' padding), offsets (d − 1)·p_n for d = 1 … 4.

    dcn.table2.dilation-definition: the effective dilation (mean distance of adjacent sampling
    locations) against d.
    """
    config = random_same_padding_config(gen, min_kernel_positions=2)
    d = randint(gen, 1, 4)
    py, px = centred_grid(config.kernel)
    dil = effective_dilation(grid_offset(config, (d - 1) * py, (d - 1) * px), config.kernel)
    return float((dil - d).abs().max())
