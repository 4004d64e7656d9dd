"""The rows of the paper's Table 1 (ablation on Kinetics) as model builders."""

from __future__ import annotations

from torch import nn

from implementations.stgcn.graph import Graph
from implementations.stgcn.network import STGCN, BaselineTCN, scaled_widths
from repro.data.skeleton_layouts import Layout, get_layout

#: Table 1's rows, in the paper's order.
VARIANTS: tuple[str, ...] = (
    "tcn",
    "local",
    "distance*",
    "uniform",
    "distance",
    "spatial",
    "spatial+M",
)

ROW_NAMES: dict[str, str] = {
    "tcn": "baseline TCN",
    "local": "local convolution",
    "distance*": "distance partitioning*",
    "uniform": "uni-labeling",
    "distance": "distance partitioning",
    "spatial": "spatial configuration",
    "spatial+M": "spatial configuration + learnable edge importance",
}


class TiedDistanceGraph(Graph):
    """Table 1's "distance partitioning*": distance partitioning with the two subsets' weights
    bound to differ by a factor −1 (w_1 = −w_0), so Σ_k A_k f W_k = (A_0 − A_1) f W_0: one
    subset, the root joint minus its neighbours (a learned difference, like a Laplacian).
    The definition is the paper's Sec. 4.3 as recalled in ../shared/papers/stgcn.md's notes
    on Table 1, not re-read here."""

    def __init__(self, layout: str | Layout) -> None:
        super().__init__(layout, "distance")
        self.strategy = "distance*"  # type: ignore[assignment]
        self.A = self.A[:1] - self.A[1:2]  # (2, V, V) -> (1, V, V)


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
        TiedDistanceGraph(layout) if variant == "distance*" else layout,
        strategy,
        in_channels,
        edge_importance=variant == "spatial+M",
        widths=widths,
        dropout=dropout,
        local=variant == "local",
    )
