"""Bilinear sampling at fractional positions, Eq. (3)–(4) of Dai et al. (2017).

The deformable modules read the feature map at positions p that are not integers. The paper
writes the value there as a sum over all integral positions q of the map,

    Eq. (3):  x(p) = Σ_q G(q, p) · x(q)
    Eq. (4):  G(q, p) = g(q_x, p_x) · g(q_y, p_y),   g(a, b) = max(0, 1 − |a − b|)

so only the four integral neighbours of p have a non-zero weight. This module keeps the kernel
itself, as the paper writes it, for the property tests and for readers, and
:func:`bilinear_gather`, the four-neighbour sum at many points at once that deformable
convolution uses.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable


def triangle(a: Tensor, b: Tensor) -> Tensor:
    """The one-dimensional kernel of Eq. (4): g(a, b) = max(0, 1 − |a − b|)."""
    return (1 - (a - b).abs()).clamp(min=0)


def bilinear_kernel(q_y: Tensor, q_x: Tensor, p_y: Tensor, p_x: Tensor) -> Tensor:
    """The two-dimensional kernel of Eq. (4): G(q, p) = g(q_x, p_x) · g(q_y, p_y).

    The arguments broadcast against each other; ``q`` is usually the grid of integral positions
    of a feature map and ``p`` one fractional sampling position.
    """
    return triangle(q_x, p_x) * triangle(q_y, p_y)


def bilinear_weights(p_y: Tensor, p_x: Tensor, height: int, width: int) -> Tensor:
    """G(q, p) of Eq. (4) for every integral position q of a ``height × width`` map.

    Returns ``Tensor[..., height, width]`` for positions ``p_y``, ``p_x`` of shape ``[...]``.
    Positions of q outside the map are not part of the sum: the map is zero there, which is the
    border rule of every implementation (a sample half outside reads half of the border value).
    """
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be at least 1, got {height} x {width}")
    qy = torch.arange(height, dtype=p_y.dtype, device=p_y.device)
    qx = torch.arange(width, dtype=p_x.dtype, device=p_x.device)
    # [..., 1, 1] against [H, 1] and [1, W] -> [..., H, W]
    return bilinear_kernel(qy[:, None], qx[None, :], p_y[..., None, None], p_x[..., None, None])


def bilinear_interpolate(x: Tensor, p_y: Tensor, p_x: Tensor) -> Tensor:
    """Eq. (3) by its definition: x(p) = Σ_q G(q, p) · x(q), with x zero outside the map.

    ``x`` is ``Tensor[..., height, width]``; ``p_y`` and ``p_x`` hold P positions of shape
    ``[P]``. Returns ``Tensor[..., P]``. This is the dense O(H·W) sum, meant as a reference.
    """
    if x.dim() < 2:
        raise ValueError(f"x must have at least 2 dimensions (height, width), got {x.dim()}")
    if p_y.shape != p_x.shape or p_y.dim() != 1:
        raise ValueError(
            f"p_y and p_x must be 1-D and of the same length, got {tuple(p_y.shape)} "
            f"and {tuple(p_x.shape)}"
        )
    weights = bilinear_weights(p_y, p_x, x.shape[-2], x.shape[-1])  # [P, H, W]
    return torch.einsum("...hw,phw->...p", x, weights.to(x.dtype))


def bilinear_gather(input: Tensor, y: Tensor, x: Tensor, scale: Tensor | None = None) -> Tensor:
    """Eq. (3) at many points, each read from its own group of channels, in pixel coordinates.

    x(p) = Σ over the four integral neighbours q of p of G(q, p) · x(q), x zero outside the map;
    optionally times a per-point ``scale`` (DCNv2's modulation m_n).

    Args:
        input (Tensor[batch, groups, channels, height, width]): the map; point group g reads
            ``input[:, g]``.
        y, x (Tensor[batch, points, groups]): sample positions in pixels (row, column).
        scale (Tensor[batch, points, groups], optional): multiplies each sample.

    Returns:
        Tensor[batch, points, groups · channels], channels last.

    The neighbours are ⌊p⌋ and ⌊p⌋ + 1 per axis, and the interpolation weights are differentiable
    in p with ⌊p⌋ held fixed, so the gradient with respect to a position is the derivative
    taken from the right at whole pixels (where Eq. (3) has a kink), at every position and map
    size, as in torchvision's CPU and CUDA kernels (derived from the authors' CUDA code).
    Positions more than one pixel outside read zero with zero gradient; they are moved to one
    pixel outside first, which keeps huge finite positions from overflowing. The four weighted
    reads are one ``F.embedding_bag`` call over the map stored as rows of ``channels`` values
    (with the backward of :class:`_FourNeighbours`).
    """
    batch, groups, channels, height, width = input.shape
    # one zero row/column before and two after: ⌊p⌋ ∈ [−1, size] and ⌊p⌋ + 1 always index the
    # padded map, and whatever lies outside the map reads zero
    padded_h, padded_w = height + 3, width + 3
    table = F.pad(input, (1, 2, 1, 2)).view(batch, groups, channels, padded_h * padded_w)
    # [B, G, C, Hp·Wp] -> [B·G·Hp·Wp, C]: one row per (image, group, padded pixel)
    table = table.transpose(2, 3).reshape(-1, channels)
    # torch.where, not clamp: clamp's gradient is zero at the bound itself (p = −1 has the
    # right derivative x(0) there)
    y = torch.where(y < -1, -1.0, torch.where(y > height, float(height), y))
    x = torch.where(x < -1, -1.0, torch.where(x > width, float(width), x))
    y0, x0 = y.detach().floor(), x.detach().floor()
    ly, lx = y - y0, x - x0  # [B, P, G], the gradient flows through these
    hy, hx = 1 - ly, 1 - lx
    image = torch.arange(batch, device=input.device)[:, None, None]
    group = torch.arange(groups, device=input.device)
    top_left = (image * groups + group) * (padded_h * padded_w)
    top_left = top_left + (y0.long() + 1) * padded_w + (x0.long() + 1)  # [B, P, G]
    weights = torch.stack((hy * hx, hy * lx, ly * hx, ly * lx), dim=-1)  # G(q, p), [B, P, G, 4]
    if scale is not None:
        weights = weights * scale[..., None]
    corners = (0, 1, padded_w, padded_w + 1)  # row offsets of the four neighbours from ⌊p⌋
    values = _FourNeighbours.apply(
        table, top_left.reshape(-1), weights.reshape(-1, 4), corners
    )  # [B·P·G, C]
    return values.view(batch, y.shape[1], groups * channels)


class _FourNeighbours(torch.autograd.Function):
    """out[m] = Σ_k weights[m, k] · table[top_left[m] + corners[k]], k = 0…3, with a fast backward.

    The forward is one ``F.embedding_bag`` in ``sum`` mode. Its own CPU backward for the table
    scatters each of the M·4 weighted gradient rows one by one; here the table's gradient is the
    transposed gather, grad_table[q] = Σ_k Σ_{m: top_left[m] = q − corners[k]} weights[m, k] ·
    grad[m]: the M points grouped by their top-left row (one stable sort, so the sum order is
    fixed), one ``F.embedding_bag`` per corner over the gradient rows, each shifted by its
    corner's offset. The weights' gradient, ⟨grad[m], table[rows[m, k]]⟩, is
    ``F.embedding_bag``'s own kernel (``aten._embedding_bag_per_sample_weights_backward``).
    """

    @staticmethod
    def forward(
        ctx, table: Tensor, top_left: Tensor, weights: Tensor, corners: tuple[int, ...]
    ) -> Tensor:
        # table [T, C], top_left [M], weights [M, 4] -> [M, C]
        rows = top_left[:, None] + top_left.new_tensor(corners)  # [M, 4]
        ctx.save_for_backward(table, top_left, rows, weights)
        ctx.corners = corners
        return F.embedding_bag(rows, table, per_sample_weights=weights, mode="sum")

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None, None]:
        table, top_left, rows, weights = ctx.saved_tensors
        grad_table = grad_weights = None
        if ctx.needs_input_grad[0]:
            n_rows = table.shape[0]
            _, order = torch.sort(top_left, stable=True)
            counts = torch.bincount(top_left, minlength=n_rows)  # [T]
            starts = torch.cumsum(counts, 0) - counts
            sorted_weights = weights[order].t().contiguous()  # [4, M]
            for k, shift in enumerate(ctx.corners):
                # [T, C]: row q holds the corner-k share of the points whose top-left is q
                share = F.embedding_bag(
                    order, grad, starts, per_sample_weights=sorted_weights[k], mode="sum"
                )
                if grad_table is None:
                    grad_table = share  # the first corner's offset is 0
                else:
                    grad_table[shift:] += share[: n_rows - shift]
        if ctx.needs_input_grad[2]:
            # the kernel of F.embedding_bag's own weight gradient, called directly: going through
            # autograd would run the forward again (bags of 4: offsets 0, 4, 8, …)
            n_points = rows.shape[0]
            offsets = torch.arange(0, 4 * n_points, 4, device=rows.device)
            bag_of_row = torch.arange(n_points, device=rows.device).repeat_interleave(4)
            grad_weights = torch.ops.aten._embedding_bag_per_sample_weights_backward(
                grad,
                table,
                rows.reshape(-1),
                offsets,
                bag_of_row,
                0,  # mode 0: sum
            ).view(n_points, 4)
        return grad_table, None, grad_weights, None
