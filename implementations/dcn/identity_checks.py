"""The exact claims measured on seeded random instances, so that they show in the result tables.

Each function returns the largest deviation it finds over ``n`` random instances (float64
unless stated); the property tests in ``tests/dcn`` search many more configurations with
hypothesis. Checks against torchvision return NaN where torchvision is not installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.dcn.bilinear import bilinear_interpolate, bilinear_weights
from implementations.dcn.deform_conv import DeformConv2d, deform_conv2d
from implementations.dcn.deform_roi_pool import (
    DeformPSRoIPool,
    DeformRoIPool,
    deform_ps_roi_pool,
    deform_roi_pool,
)
from implementations.dcn.effective_dilation import effective_dilation

F64 = torch.float64
#: the centred 3×3 grid R of the paper, row-major: p_n = (i − 1, j − 1)
_GRID_Y = torch.tensor([-1.0, -1, -1, 0, 0, 0, 1, 1, 1], dtype=F64)
_GRID_X = torch.tensor([-1.0, 0, 1, -1, 0, 1, -1, 0, 1], dtype=F64)


def _instance(gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """A random input [2, 4, h, w] (h, w in 5..11) and a 3×3 weight [3, 4, 3, 3]."""
    h, w = (int(v) for v in torch.randint(5, 12, (2,), generator=gen))
    x = torch.randn(2, 4, h, w, generator=gen, dtype=F64)
    return x, torch.randn(3, 4, 3, 3, generator=gen, dtype=F64)


def _grid_offset(dy: Tensor, dx: Tensor, batch: int, h: int, w: int) -> Tensor:
    """The same Δp_n (per kernel position) at every output position: [B, 18, h, w]."""
    per_n = torch.stack((dy, dx), dim=1).flatten()
    return per_n[None, :, None, None].expand(batch, -1, h, w).clone()


def _max_abs(a: Tensor, b: Tensor) -> float:
    return float((a - b).detach().abs().max())


def zero_offset_conv(gen: torch.Generator) -> float:
    x, weight = _instance(gen)
    zero = torch.zeros(2, 18, *x.shape[-2:], dtype=F64)
    return _max_abs(deform_conv2d(x, zero, weight, padding=1), F.conv2d(x, weight, padding=1))


def integer_shift(gen: torch.Generator) -> float:
    x, weight = _instance(gen)
    dy, dx = (int(v) for v in torch.randint(-3, 4, (2,), generator=gen))
    h, w = x.shape[-2:]
    offset = _grid_offset(torch.full((9,), dy, dtype=F64), torch.full((9,), dx, dtype=F64), 2, h, w)
    padded = F.pad(x, (4, 4, 4, 4))  # padding 1 of the convolution + 3 for the shift
    shifted = padded[:, :, 3 + dy : 3 + dy + h + 2, 3 + dx : 3 + dx + w + 2]
    return _max_abs(deform_conv2d(x, offset, weight, padding=1), F.conv2d(shifted, weight))


def atrous(gen: torch.Generator) -> float:
    x, weight = _instance(gen)
    d = int(torch.randint(1, 4, (1,), generator=gen))
    offset = _grid_offset((d - 1) * _GRID_Y, (d - 1) * _GRID_X, 2, *x.shape[-2:])
    ref = F.conv2d(x, weight, padding=d, dilation=d)
    return _max_abs(deform_conv2d(x, offset, weight, padding=1), ref)


def _dense_reference(x: Tensor, weight: Tensor, y: Tensor, xx: Tensor, mask: Tensor) -> Tensor:
    """Eq. (2) with Eq. (3) as the dense sum: positions y, xx and mask [B, 9, h, w]."""
    b, c, h, w = x.shape
    out = torch.zeros(b, weight.shape[0], h, w, dtype=F64)
    for i in range(b):
        for n in range(9):
            samples = bilinear_interpolate(x[i], y[i, n].flatten(), xx[i, n].flatten())
            samples = samples.view(c, h, w) * mask[i, n]
            out[i] += torch.einsum("oc,chw->ohw", weight[:, :, n // 3, n % 3], samples)
    return out


def scale_aspect(gen: torch.Generator) -> float:
    x, weight = _instance(gen)
    b, _, h, w = x.shape
    sy, sx = (float(v) for v in 0.25 + 2.75 * torch.rand(2, generator=gen, dtype=F64))
    offset = _grid_offset((sy - 1) * _GRID_Y, (sx - 1) * _GRID_X, b, h, w)
    oy = torch.arange(h, dtype=F64)[:, None].expand(h, w)
    ox = torch.arange(w, dtype=F64)[None, :].expand(h, w)
    y = (oy + sy * _GRID_Y[:, None, None]).expand(b, 9, h, w)
    xx = (ox + sx * _GRID_X[:, None, None]).expand(b, 9, h, w)
    ref = _dense_reference(x, weight, y, xx, torch.ones(b, 9, h, w, dtype=F64))
    return _max_abs(deform_conv2d(x, offset, weight, padding=1), ref)


def deformable_sampling(gen: torch.Generator) -> float:
    """Random offsets N(0, 3²) and masks against the dense form of Eq. (2)–(4)."""
    x, weight = _instance(gen)
    b, _, h, w = x.shape
    offset = 3 * torch.randn(b, 18, h, w, generator=gen, dtype=F64)
    mask = torch.rand(b, 9, h, w, generator=gen, dtype=F64)
    oy = torch.arange(h, dtype=F64)[:, None]
    ox = torch.arange(w, dtype=F64)[None, :]
    y = oy + _GRID_Y[:, None, None] + offset[:, 0::2]
    xx = ox + _GRID_X[:, None, None] + offset[:, 1::2]
    ours = deform_conv2d(x, offset, weight, padding=1, mask=mask)
    return _max_abs(ours, _dense_reference(x, weight, y, xx, mask))


def bilinear_partition(gen: torch.Generator) -> float:
    """max(|Σ_q G(q, p) − 1|, −min G) over random points inside random maps."""
    h, w = (int(v) for v in torch.randint(1, 13, (2,), generator=gen))
    p = torch.rand(64, 2, generator=gen, dtype=F64) * torch.tensor([h - 1, w - 1], dtype=F64)
    weights = bilinear_weights(p[:, 0], p[:, 1], h, w)
    return max(float((weights.sum((1, 2)) - 1).abs().max()), float(-weights.min()))


def gradients(gen: torch.Generator, entries: int = 12) -> float:
    """Autograd against central differences for input, offset, weight and mask (off-integer).

    ``entries`` random elements of each tensor are perturbed (the property test runs the full
    ``gradcheck``).
    """
    x = torch.randn(1, 2, 4, 4, generator=gen, dtype=F64)
    weight = torch.randn(2, 2, 3, 3, generator=gen, dtype=F64)
    whole = torch.randint(-2, 2, (1, 18, 4, 4), generator=gen).to(F64)
    offset = whole + 0.1 + 0.8 * torch.rand(1, 18, 4, 4, generator=gen, dtype=F64)
    mask = torch.rand(1, 9, 4, 4, generator=gen, dtype=F64)
    inputs = [t.clone().requires_grad_() for t in (x, offset, weight, mask)]
    grad_out = torch.randn(1, 2, 4, 4, generator=gen, dtype=F64)

    def loss(a: Tensor, o: Tensor, wt: Tensor, m: Tensor) -> Tensor:
        return (deform_conv2d(a, o, wt, padding=1, mask=m) * grad_out).sum()

    loss(*inputs).backward()
    worst, eps = 0.0, 1e-6
    for k, t in enumerate(inputs):
        flat = t.detach().flatten()
        for i in torch.randperm(flat.numel(), generator=gen)[:entries].tolist():
            args = [u.detach() for u in inputs]
            plus, minus = flat.clone(), flat.clone()
            plus[i] += eps
            minus[i] -= eps
            args[k] = plus.view_as(t)
            up = loss(*args)
            args[k] = minus.view_as(t)
            numeric = float(up - loss(*args)) / (2 * eps)
            worst = max(worst, abs(numeric - float(t.grad.flatten()[i])))
    return worst


def zero_init_module(gen: torch.Generator) -> float:
    x, _ = _instance(gen)
    torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
    layer = DeformConv2d(4, 3, 3, padding=1).double()
    return _max_abs(layer(x), F.conv2d(x, layer.weight, layer.bias, padding=1))


def _boxes(gen: torch.Generator, h: int, w: int, n: int = 4) -> Tensor:
    corner = torch.rand(n, 2, generator=gen, dtype=F64) * torch.tensor([w, h], dtype=F64) - 1
    size = torch.rand(n, 2, generator=gen, dtype=F64) * torch.tensor([w, h], dtype=F64) + 0.5
    index = torch.randint(0, 2, (n, 1), generator=gen).to(F64)
    return torch.cat([index, corner, corner + size], dim=1)


def roi_align_zero_offset(gen: torch.Generator) -> float:
    try:
        from torchvision.ops import roi_align
    except ImportError:
        return math.nan
    x, _ = _instance(gen)
    boxes = _boxes(gen, *x.shape[-2:])
    ours = deform_roi_pool(x, boxes, None, output_size=3, sampling_ratio=2)
    return _max_abs(ours, roi_align(x, boxes, 3, 1.0, 2, aligned=True))


def ps_zero_offset(gen: torch.Generator) -> float:
    try:
        from torchvision.ops import ps_roi_align
    except ImportError:
        return math.nan
    x, _ = _instance(gen)
    boxes = _boxes(gen, *x.shape[-2:])
    ours = deform_ps_roi_pool(x, boxes, None, output_size=2, sampling_ratio=0)
    return _max_abs(ours, ps_roi_align(x, boxes, 2, 1.0, 0))


def bin_shift(gen: torch.Generator) -> float:
    """Each bin against the same bin of the zero-offset pooling of the moved box."""
    x, _ = _instance(gen)
    boxes = _boxes(gen, *x.shape[-2:])
    offset = torch.randn(len(boxes), 2, 2, 2, generator=gen, dtype=F64)
    ours = deform_roi_pool(x, boxes, offset, output_size=2, sampling_ratio=2, gamma=0.1)
    worst = 0.0
    size = torch.stack((boxes[:, 3] - boxes[:, 1], boxes[:, 4] - boxes[:, 2]), dim=1)
    for i in range(2):
        for j in range(2):
            shift = 0.1 * offset[:, :, i, j] * size  # (x, y) per box
            moved = boxes + torch.cat([torch.zeros(len(boxes), 1, dtype=F64), shift, shift], 1)
            ref = deform_roi_pool(x, moved, None, output_size=2, sampling_ratio=2)
            worst = max(worst, _max_abs(ours[..., i, j], ref[..., i, j]))
    return worst


def zero_init_roi_modules(gen: torch.Generator) -> float:
    try:
        from torchvision.ops import ps_roi_align, roi_align
    except ImportError:
        return math.nan
    x, _ = _instance(gen)
    boxes = _boxes(gen, *x.shape[-2:])
    plain = DeformRoIPool(4, output_size=2, sampling_ratio=2).double()
    ps = DeformPSRoIPool(4, output_size=2, sampling_ratio=2).double()
    return max(
        _max_abs(plain(x, boxes), roi_align(x, boxes, 2, 1.0, 2, aligned=True)),
        _max_abs(ps(x, boxes), ps_roi_align(x, boxes, 2, 1.0, 2)),
    )


def dilation_definition(gen: torch.Generator) -> float:
    d = int(torch.randint(1, 5, (1,), generator=gen))
    offset = _grid_offset((d - 1) * _GRID_Y, (d - 1) * _GRID_X, 2, 3, 3)
    return float((effective_dilation(offset, 3) - d).abs().max())


def torchvision_peer(gen: torch.Generator) -> float:
    """Largest relative difference to torchvision (float32) in the output and every gradient."""
    try:
        from torchvision.ops import deform_conv2d as peer
    except ImportError:
        return math.nan
    x, weight = (t.float() for t in _instance(gen))
    b, _, h, w = x.shape
    offset = 3 * torch.randn(b, 18, h, w, generator=gen)
    mask = torch.rand(b, 9, h, w, generator=gen)
    grad = torch.randn(b, weight.shape[0], h, w, generator=gen)
    results = []
    for fn in (deform_conv2d, peer):
        args = [t.clone().requires_grad_() for t in (x, offset, weight, mask)]
        out = fn(args[0], args[1], args[2], padding=1, mask=args[3])
        out.backward(grad)
        results.append([out.detach()] + [a.grad for a in args])
    return max(
        float((ours - ref).abs().max() / ref.abs().max().clamp(min=1e-30))
        for ours, ref in zip(*results, strict=True)
    )


#: claim id -> (check, what the instances are)
CHECKS: dict[str, tuple[Callable[[torch.Generator], float], str]] = {
    "dcn.eq1.zero-offset-conv": (zero_offset_conv, "3×3 conv, padding 1"),
    "dcn.eq2.integer-shift": (integer_shift, "3×3 conv, shifts −3..3"),
    "dcn.fig1c.atrous-special-case": (atrous, "3×3 conv, d = 1..3"),
    "dcn.fig1c.scale-aspect": (scale_aspect, "3×3 conv, scales 0.25–3 per axis"),
    "dcn.eq4.bilinear-weights": (bilinear_partition, "64 points in maps of 1–12 pixels"),
    "dcn.eq2.deformable-sampling": (deformable_sampling, "offsets N(0, 3²), masks"),
    "dcn.eq2.gradients": (gradients, "central differences, offsets off integers"),
    "dcn.eq2.torchvision-peer": (torchvision_peer, "float32, offsets N(0, 3²), masks"),
    "dcn.sec2.zero-init-module": (zero_init_module, "DeformConv2d(4, 3, 3, padding=1)"),
    "dcn.eq5.zero-offset-roi-align": (roi_align_zero_offset, "3×3 bins, ratio 2"),
    "dcn.sec2-2.ps-zero-offset": (ps_zero_offset, "2×2 bins, adaptive ratio"),
    "dcn.eq6.bin-shift": (bin_shift, "2×2 bins, γ = 0.1, Δp̂ N(0, 1)"),
    "dcn.sec2-2.zero-init-modules": (zero_init_roi_modules, "2×2 bins, ratio 2"),
    "dcn.table2.dilation-definition": (dilation_definition, "3×3 kernel, d = 1..4"),
}
