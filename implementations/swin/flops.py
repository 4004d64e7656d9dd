"""Computational cost: Eq. (1) and Eq. (2), and counts of our modules' operations and parameters."""

from __future__ import annotations

from typing import Any

from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode


def msa_flops(h: int, w: int, c: int) -> int:
    """Eq. (1): Ω(MSA) = 4hwC² + 2(hw)²C multiply-adds for global attention on h × w tokens.

    4hwC² for the Q, K, V and output projections, 2(hw)²C for Q Kᵀ and the weighted sum of V;
    softmax, scaling and biases are not counted (as in the paper).
    """
    return 4 * h * w * c * c + 2 * (h * w) ** 2 * c


def wmsa_flops(h: int, w: int, c: int, window_size: int) -> int:
    """Eq. (2): Ω(W-MSA) = 4hwC² + 2M²hwC multiply-adds for attention in M × M windows."""
    return 4 * h * w * c * c + 2 * window_size**2 * h * w * c


def count_macs(module: nn.Module, *inputs: Any) -> int:
    """Multiply-adds of ``module(*inputs)`` counted by ``torch.utils.flop_counter``.

    The counter reports FLOPs of matrix products, convolutions and attention as 2 per
    multiply-add; we halve them to compare with the paper, which counts multiply-adds (its
    4.5G for Swin-T). Element-wise operations (norms, softmax, GELU, additions) are not
    counted; the authors' own count adds the LayerNorms, which makes theirs about 0.1% larger.
    Attention runs on SDPA's math backend here: the fused CPU kernel is invisible to the counter.
    """
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        module(*inputs)
    return counter.get_total_flops() // 2


def count_params(module: nn.Module) -> int:
    """Number of learnable parameters."""
    return sum(p.numel() for p in module.parameters())
