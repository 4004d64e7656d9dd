"""Non-overlapping window partition of a feature map, and its inverse (Sec. 3.2)."""

from __future__ import annotations

from torch import Tensor


def _check_map(x: Tensor, window_size: int) -> None:
    if x.ndim != 4:
        raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim} {tuple(x.shape)}")
    if window_size < 1:
        raise ValueError(f"window_size must be a positive integer, got {window_size}")
    _, h, w, _ = x.shape
    if h % window_size or w % window_size:
        raise ValueError(
            f"the feature map {h}x{w} must be divisible by window_size {window_size} "
            "in both height and width"
        )


def window_partition(x: Tensor, window_size: int) -> Tensor:
    """Cut a feature map into non-overlapping ``window_size × window_size`` windows.

    Windows are taken row by row (window index ``b * nW + i * (W/M) + j``), as in the authors'
    code and timm, so that attention masks built for one layout apply to the other.

    Args:
        x (Tensor[B, H, W, C]): feature map; H and W divisible by ``window_size`` (M).
        window_size: M.

    Returns:
        Tensor[B * (H/M) * (W/M), M, M, C]
    """
    _check_map(x, window_size)
    b, h, w, c = x.shape
    m = window_size
    x = x.reshape(b, h // m, m, w // m, m, c)  # (B, H/M, M, W/M, M, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, m, m, c)  # (B·nW, M, M, C)


def window_reverse(windows: Tensor, window_size: int, height: int, width: int) -> Tensor:
    """Inverse of :func:`window_partition`: put windows back into a ``height × width`` map.

    Args:
        windows (Tensor[B * nW, M, M, C]): windows in the order :func:`window_partition` makes.
        window_size: M.
        height, width: H and W of the map, divisible by M.

    Returns:
        Tensor[B, H, W, C]
    """
    if windows.ndim != 4 or windows.shape[1] != window_size or windows.shape[2] != window_size:
        raise ValueError(
            f"windows must have shape (B*nW, {window_size}, {window_size}, C), "
            f"got {tuple(windows.shape)}"
        )
    if height % window_size or width % window_size:
        raise ValueError(
            f"height {height} and width {width} must be divisible by window_size {window_size}"
        )
    m = window_size
    n_windows = (height // m) * (width // m)
    if windows.shape[0] % n_windows:
        raise ValueError(
            f"{windows.shape[0]} windows do not make whole {height}x{width} maps "
            f"of {n_windows} windows each"
        )
    c = windows.shape[-1]
    x = windows.reshape(-1, height // m, width // m, m, m, c)  # (B, H/M, W/M, M, M, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, height, width, c)  # (B, H, W, C)
