"""Loading timm's (and the authors') Swin Transformer checkpoints into our model."""

from __future__ import annotations

import re
from collections.abc import Mapping

from torch import Tensor

# buffers that timm does not save and the authors' checkpoints do; ours rebuilds them
_BUFFERS = ("relative_position_index", "attn_mask")


def convert_timm_state_dict(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Map a timm ``SwinTransformer`` state dict to ours (loads with ``strict=True``).

    Our module tree is timm's except for the classifier (``head.fc`` in timm, ``head`` here).
    Checkpoints in the authors' layout (patch merging at the end of a stage, recognised by
    ``layers.0.downsample``) are also accepted: their merging layers move one stage on.
    Wrapping dicts (``{"model": ...}``, ``{"state_dict": ...}``) are unwrapped; the
    non-persistent buffers are dropped.
    """
    for wrapper in ("model", "state_dict"):
        inner = state_dict.get(wrapper)
        if isinstance(inner, Mapping):
            state_dict = inner
    authors_layout = "layers.0.downsample.reduction.weight" in state_dict
    out = {}
    for key, value in state_dict.items():
        if key.rsplit(".", 1)[-1] in _BUFFERS:
            continue
        if authors_layout:
            key = re.sub(r"^layers\.(\d+)\.downsample", _next_stage, key)
        else:
            key = re.sub(r"^head\.fc\.", "head.", key)
        out[key] = value
    return out


def _next_stage(match: re.Match[str]) -> str:
    return f"layers.{int(match.group(1)) + 1}.downsample"
