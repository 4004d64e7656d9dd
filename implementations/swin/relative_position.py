"""The relative position index of Eq. (4): which bias-table entry each query/key pair reads."""

from __future__ import annotations

import torch
from torch import Tensor

from implementations.swin.window_partition import Size2, to_pair


def relative_position_index(window_size: Size2, device: torch.device | str | None = None) -> Tensor:
    """Index into the ``((2M − 1)², heads)`` bias table for every pair of tokens of a window.

    Eq. (4) adds a bias ``B ∈ R^{M²×M²}`` whose entries are taken from a smaller table
    ``B̂ ∈ R^{(2M−1)×(2M−1)}``: the relative position of query ``i = (y_i, x_i)`` and key
    ``j = (y_j, x_j)`` along each axis lies in ``[−M + 1, M − 1]``, so

        B[i, j] = B̂[y_i − y_j + M − 1, x_i − x_j + M − 1],

    and the table is stored flattened, row offset times ``2M − 1`` plus column offset.
    Tokens are numbered row by row inside the window (``i = y_i · M + x_i``). For a window
    ``(M_h, M_w)`` (timm's generalisation) the table is ``(2M_h − 1) × (2M_w − 1)`` and the
    row offset is multiplied by ``2M_w − 1``.

    Returns:
        Tensor[M_h·M_w, M_h·M_w] (int64), values in ``[0, (2M_h − 1)(2M_w − 1))``.
    """
    mh, mw = to_pair(window_size)
    ys, xs = torch.meshgrid(
        torch.arange(mh, device=device), torch.arange(mw, device=device), indexing="ij"
    )
    coords = torch.stack((ys.flatten(), xs.flatten()))  # (2, N)
    delta = coords[:, :, None] - coords[:, None, :]  # (2, N, N)
    return (delta[0] + mh - 1) * (2 * mw - 1) + delta[1] + mw - 1
