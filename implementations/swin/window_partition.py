"""Non-overlapping window partition of a feature map, and its inverse (Sec. 3.2).

A window is ``M × M`` in the paper; as in timm, a window size may also be a pair ``(M_h, M_w)``
(a stage whose map is narrower than M in one direction attends over windows as narrow as it).
"""

from __future__ import annotations

from torch import Tensor

Size2 = int | tuple[int, int]


def to_pair(value: Size2, name: str = "window_size") -> tuple[int, int]:
    """``(v, v)`` for an int, the pair itself for a pair; both entries positive ints."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(f"{name} must be a positive integer or a pair of them, got {value!r}")
    return pair  # type: ignore[return-value]


def _check_map(x: Tensor, window_size: Size2) -> tuple[int, int]:
    if x.ndim != 4:
        raise ValueError(f"x must have shape (B, H, W, C), got rank {x.ndim} {tuple(x.shape)}")
    mh, mw = to_pair(window_size)
    _, h, w, _ = x.shape
    if h % mh or w % mw:
        raise ValueError(
            f"the feature map {h}x{w} must be divisible by window_size {window_size} "
            "in both height and width"
        )
    return mh, mw


def window_partition(x: Tensor, window_size: Size2) -> Tensor:
    """Cut a feature map into non-overlapping ``M_h × M_w`` windows.

    Windows are taken row by row (window index ``b * nW + i * (W/M_w) + j``), as in the
    authors' code and timm, so that attention masks built for one layout apply to the other.

    Args:
        x (Tensor[B, H, W, C]): feature map; H and W divisible by the window.
        window_size: M, or the pair (M_h, M_w).

    Returns:
        Tensor[B * (H/M_h) * (W/M_w), M_h, M_w, C]
    """
    mh, mw = _check_map(x, window_size)
    b, h, w, c = x.shape
    x = x.reshape(b, h // mh, mh, w // mw, mw, c)  # (B, H/M_h, M_h, W/M_w, M_w, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, mh, mw, c)  # (B·nW, M_h, M_w, C)


def window_reverse(windows: Tensor, window_size: Size2, height: int, width: int) -> Tensor:
    """Inverse of :func:`window_partition`: put windows back into a ``height × width`` map.

    Args:
        windows (Tensor[B * nW, M_h, M_w, C]): windows in the order :func:`window_partition`
            makes.
        window_size: M, or the pair (M_h, M_w).
        height, width: H and W of the map, divisible by the window.

    Returns:
        Tensor[B, H, W, C]
    """
    mh, mw = to_pair(window_size)
    if windows.ndim != 4 or windows.shape[1] != mh or windows.shape[2] != mw:
        raise ValueError(
            f"windows must have shape (B*nW, {mh}, {mw}, C), got {tuple(windows.shape)}"
        )
    if height % mh or width % mw:
        raise ValueError(
            f"height {height} and width {width} must be divisible by window_size {window_size}"
        )
    n_windows = (height // mh) * (width // mw)
    if windows.shape[0] % n_windows:
        raise ValueError(
            f"{windows.shape[0]} windows do not make whole {height}x{width} maps "
            f"of {n_windows} windows each"
        )
    c = windows.shape[-1]
    x = windows.reshape(-1, height // mh, width // mw, mh, mw, c)  # (B, H/M_h, W/M_w, M_h, M_w, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, height, width, c)  # (B, H, W, C)
