"""The relative position index of Eq. (4): which bias-table entry each query/key pair reads."""

from __future__ import annotations

import torch
from torch import Tensor


def relative_position_index(window_size: int, device: torch.device | str | None = None) -> Tensor:
    """Index into the ``((2M − 1)², heads)`` bias table for every pair of tokens of a window.

    Eq. (4) adds a bias ``B ∈ R^{M²×M²}`` whose entries are taken from a smaller table
    ``B̂ ∈ R^{(2M−1)×(2M−1)}``: the relative position of query ``i = (y_i, x_i)`` and key
    ``j = (y_j, x_j)`` along each axis lies in ``[−M + 1, M − 1]``, so

        B[i, j] = B̂[y_i − y_j + M − 1, x_i − x_j + M − 1],

    and the table is stored flattened, row offset times ``2M − 1`` plus column offset.
    Tokens are numbered row by row inside the window (``i = y_i · M + x_i``).

    Returns:
        Tensor[M², M²] (int64), values in ``[0, (2M − 1)²)``.
    """
    if window_size < 1:
        raise ValueError(f"window_size must be a positive integer, got {window_size}")
    m = window_size
    ys, xs = torch.meshgrid(
        torch.arange(m, device=device), torch.arange(m, device=device), indexing="ij"
    )
    coords = torch.stack((ys.flatten(), xs.flatten()))  # (2, M²)
    delta = coords[:, :, None] - coords[:, None, :] + (m - 1)  # (2, M², M²), in [0, 2M − 2]
    return delta[0] * (2 * m - 1) + delta[1]
