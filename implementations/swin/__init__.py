"""Swin Transformer (Liu et al., ICCV 2021): shifted-window attention, relative position bias.

The model takes timm's argument names and module tree, so that timm checkpoints load through
:func:`convert_timm_state_dict`.
"""

from implementations.swin.block import SwinTransformerBlock
from implementations.swin.flops import count_macs, count_params, msa_flops, wmsa_flops
from implementations.swin.patch_merging import PatchMerging
from implementations.swin.relative_position import relative_position_index
from implementations.swin.shifted_window import (
    padded_shifted_window_attention,
    shift_attention_mask,
    shifted_window_attention,
)
from implementations.swin.sliding_window import sliding_window_attention
from implementations.swin.swin_transformer import CONFIGS, SwinTransformer, swin_transformer
from implementations.swin.timm_checkpoint import convert_timm_state_dict
from implementations.swin.window_attention import WindowAttention
from implementations.swin.window_partition import window_partition, window_reverse

__all__ = [
    "CONFIGS",
    "PatchMerging",
    "SwinTransformer",
    "SwinTransformerBlock",
    "WindowAttention",
    "convert_timm_state_dict",
    "count_macs",
    "count_params",
    "msa_flops",
    "padded_shifted_window_attention",
    "relative_position_index",
    "shift_attention_mask",
    "shifted_window_attention",
    "sliding_window_attention",
    "swin_transformer",
    "window_partition",
    "window_reverse",
    "wmsa_flops",
]
