"""Bilinear sampling at fractional positions, Eq. (3)–(4) of Dai et al. (2017).

The deformable modules read the feature map at positions p that are not integers. The paper
writes the value there as a sum over all integral positions q of the map,

    Eq. (3):  x(p) = Σ_q G(q, p) · x(q)
    Eq. (4):  G(q, p) = g(q_x, p_x) · g(q_y, p_y),   g(a, b) = max(0, 1 − |a − b|)

so only the four integral neighbours of p have a non-zero weight. The fast operators in this
package use ``torch.nn.functional.grid_sample`` for this sum; this module keeps the kernel itself,
as the paper writes it, for the property tests and for readers.
"""

from __future__ import annotations

import torch
from torch import Tensor


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
