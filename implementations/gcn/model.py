"""The two-layer GCN of Kipf & Welling (ICLR 2017), Eq. (9)."""

from __future__ import annotations

import torch
from torch import nn

from implementations.gcn.layers import GraphConvolution, Supports


class GCN(nn.Module):
    r"""Z = softmax(Â ReLU(Â X W^{(0)}) W^{(1)}), Eq. (9), returning the logits (before softmax).

    With ``num_supports > 1`` each layer is Σ_s S_s H Θ_s (Table 3's Chebyshev and first-order
    models); with the identity as the only support it is the MLP baseline.

    Args:
        in_features: C, input feature width.
        hidden: H, hidden units (16 in the paper).
        num_classes: F, output width.
        num_supports: supports per layer.
        dropout: on the (sparse) input and on the hidden layer (0.5 in the paper).
    """

    def __init__(
        self,
        in_features: int,
        hidden: int,
        num_classes: int,
        num_supports: int = 1,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.conv1 = GraphConvolution(in_features, hidden, num_supports, dropout)
        self.conv2 = GraphConvolution(hidden, num_classes, num_supports, dropout)

    def forward(self, x: torch.Tensor, supports: Supports) -> torch.Tensor:
        h = torch.relu(self.conv1(x, supports))  # (N, hidden)
        return self.conv2(h, supports)  # (N, num_classes)

    def first_layer_l2(self) -> torch.Tensor:
        """ΣW²/2 over the first layer's weights (TensorFlow's l2_loss, as the authors' code)."""
        return self.conv1.weight.pow(2).sum() / 2
