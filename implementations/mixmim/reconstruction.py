"""Dual reconstruction: normalised-pixel targets, unmixing the predictions, and the loss."""

from __future__ import annotations

from torch import Tensor


def patchify(images: Tensor, cell: int) -> Tensor:
    """Tensor[B, C, H, W] -> Tensor[B, H/cell, W/cell, cell · cell · C] (pixels row by row,
    channels last), one row per last-stage cell."""
    b, c, h, w = images.shape
    if h % cell or w % cell:
        raise ValueError(f"images {h}x{w} must be divisible by the cell size {cell}")
    x = images.reshape(b, c, h // cell, cell, w // cell, cell)
    return x.permute(0, 2, 4, 3, 5, 1).reshape(b, h // cell, w // cell, cell * cell * c)


def pixel_targets(images: Tensor, cell: int, eps: float = 1e-6) -> Tensor:
    """The normalised-pixel target of each cell: t = (x − mean(x)) / √(var(x) + ε).

    Mean and (unbiased) variance over the cell's own ``cell² · C`` pixels, ε = 1e-6, as the
    authors' ``norm_pix_loss``. Returns Tensor[B, h, w, cell² · C].
    """
    x = patchify(images, cell)
    return (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True) + eps).sqrt()


def unmix(pred: Tensor, mask: Tensor) -> Tensor:
    """The reconstruction of each image from the two branches of :class:`UnmixingDecoder`.

    x̂[b] = p¹[b] · M + p²[B − 1 − b] · (1 − M): image b at the cells it lost to its partner
    (M = 1) comes from branch 1 of its own mix; at the other cells (M = 0) from branch 2 of its
    partner's mix, where those cells held the partner. Each cell is thus predicted from a view
    in which it was hidden.

    Args:
        pred (Tensor[2B, h, w, D]): branch 1 (B sequences), then branch 2.
        mask (Tensor[h, w]): the last-stage mask.

    Returns:
        Tensor[B, h, w, D]
    """
    if pred.shape[0] % 2:
        raise ValueError(f"pred must hold two branches of B sequences, got {pred.shape[0]}")
    first, second = pred.chunk(2)
    m = mask.to(pred.dtype)[None, :, :, None]
    return first * m + second.flip(0) * (1 - m)


def dual_reconstruction_loss(pred: Tensor, images: Tensor, mask: Tensor, cell: int) -> Tensor:
    """MSE between :func:`unmix` ``(pred, mask)`` and :func:`pixel_targets`, averaged over every
    cell of every image (each hidden once, in one of the two mixes)."""
    return (unmix(pred, mask) - pixel_targets(images, cell)).pow(2).mean()


def masked_reconstruction_loss(pred: Tensor, images: Tensor, mask: Tensor, cell: int) -> Tensor:
    """The [MASK]-token baseline's loss: the same MSE, on the cells with M = 1 only (as SimMIM
    and MAE, no loss on visible cells). ``pred``: Tensor[B, h, w, D]."""
    err = (pred - pixel_targets(images, cell)).pow(2).mean(-1)  # (B, h, w)
    hidden = mask.bool()
    if not hidden.any():
        raise ValueError("the mask hides no cell: nothing to reconstruct")
    return err[:, hidden].mean()
