"""The rows of the paper's Table 1 (ablation on Kinetics) as model builders."""

from __future__ import annotations

from torch import nn

from implementations.stgcn.network import STGCN, BaselineTCN, scaled_widths
from repro.data.skeleton_layouts import get_layout

#: Table 1's rows, in the paper's order (its "distance partitioning*" row, a distance
#: partition with shared weights for both subsets, is not reproduced here).
VARIANTS: tuple[str, ...] = ("tcn", "local", "uniform", "distance", "spatial", "spatial+M")

ROW_NAMES: dict[str, str] = {
    "tcn": "baseline TCN",
    "local": "local convolution",
    "uniform": "uni-labeling",
    "distance": "distance partitioning",
    "spatial": "spatial configuration",
    "spatial+M": "spatial configuration + learnable edge importance",
}


def build(
    variant: str,
    num_classes: int,
    layout: str,
    base_width: int = 64,
    dropout: float = 0.5,
    in_channels: int = 3,
) -> nn.Module:
    """The network of one Table 1 row, with the paper's widths scaled to ``base_width``."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    widths = scaled_widths(base_width)
    if variant == "tcn":
        return BaselineTCN(
            num_classes, get_layout(layout).num_joints, in_channels, widths, dropout=dropout
        )
    strategy = {"local": "uniform", "spatial+M": "spatial"}.get(variant, variant)
    return STGCN(
        num_classes,
        layout,
        strategy,
        in_channels,
        edge_importance=variant == "spatial+M",
        widths=widths,
        dropout=dropout,
        local=variant == "local",
    )
