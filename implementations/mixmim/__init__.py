"""MixMIM (Liu et al., 2022): mixed inputs, same-source attention and dual reconstruction on Swin.

Built on :mod:`implementations.swin` through its public API: the backbone is its
``SwinTransformer`` (without shifted windows), run stage by stage with an extra attention mask.
"""

from implementations.mixmim.decoder import UnmixingDecoder
from implementations.mixmim.encoder import CONFIGS, SwinEncoder, mixmim_swin
from implementations.mixmim.mask_token import MaskTokenMIM
from implementations.mixmim.masking import random_mask, stage_masks
from implementations.mixmim.mixing import mix_tokens, same_source_attention_mask
from implementations.mixmim.position_embedding import sincos_2d
from implementations.mixmim.pretraining import DECODERS, MixMIM
from implementations.mixmim.reconstruction import (
    dual_reconstruction_loss,
    masked_reconstruction_loss,
    patchify,
    pixel_targets,
    unmix,
)

__all__ = [
    "CONFIGS",
    "DECODERS",
    "MaskTokenMIM",
    "MixMIM",
    "SwinEncoder",
    "UnmixingDecoder",
    "dual_reconstruction_loss",
    "masked_reconstruction_loss",
    "mix_tokens",
    "mixmim_swin",
    "patchify",
    "pixel_targets",
    "random_mask",
    "same_source_attention_mask",
    "sincos_2d",
    "stage_masks",
    "unmix",
]
