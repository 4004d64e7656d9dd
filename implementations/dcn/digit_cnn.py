"""A four-layer CNN whose last 0–3 convolutions can be deformable: Table 1's ablation in small.

The paper replaces the last 1, 2, 3 and 6 3×3 convolutions of ResNet-101 by deformable ones
(Table 1). This network has four 3×3 conv layers (conv–BN–ReLU), strides 1, 2, 1, 2, then a
linear classifier on the flattened last feature map (a global average pooling head left the
plain network near 50% on the transformed digits, a handicap that would flatter the deformable
variants, whose offsets widen the receptive field); ``n_deformable`` of its last layers are
:class:`~implementations.dcn.deform_conv.DeformConv2dPack` with zero-initialised offsets. The offset
layers learn at the same rate as the others (the paper's β = 1 for convolutions).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.dcn.deform_conv import DeformConv2dPack
from implementations.dcn.effective_dilation import effective_dilation

#: (in_channels, out_channels, stride) of the four conv layers
LAYERS = ((1, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2))


class DigitCNN(nn.Module):
    """Four conv layers, the last ``n_deformable`` of them deformable, and a linear head."""

    def __init__(self, n_deformable: int = 0, num_classes: int = 10, input_size: int = 32) -> None:
        super().__init__()
        if not 0 <= n_deformable <= len(LAYERS) - 1:
            raise ValueError(
                f"n_deformable must be in [0, {len(LAYERS) - 1}] (the first layer stays "
                f"regular), got {n_deformable}"
            )
        self.n_deformable = n_deformable
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i, (cin, cout, stride) in enumerate(LAYERS):
            deformable = i >= len(LAYERS) - n_deformable
            conv_cls = DeformConv2dPack if deformable else nn.Conv2d
            self.convs.append(conv_cls(cin, cout, 3, stride=stride, padding=1, bias=False))
            self.norms.append(nn.BatchNorm2d(cout))
        if input_size % 4:
            raise ValueError(
                f"input_size must be a multiple of 4 (two stride-2 layers), got {input_size}"
            )
        self.head = nn.Linear(LAYERS[-1][1] * (input_size // 4) ** 2, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_with_offset(x)[0]

    def forward_with_offset(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """Logits ``[B, classes]`` and the last layer's offsets (None when it is regular)."""
        offset = None
        for conv, norm in zip(self.convs, self.norms, strict=True):
            if isinstance(conv, DeformConv2dPack):
                x, offset = conv.forward_with_offset(x)
            else:
                x = conv(x)
            x = F.relu(norm(x))
        return self.head(x.flatten(1)), offset

    @torch.no_grad()
    def last_layer_dilation(self, x: Tensor, foreground: float = 0.2) -> Tensor:
        """Mean effective dilation (Table 2) of the last layer over the object, per image.

        Positions of the last layer's output whose input window (pooled to that resolution)
        holds ink above ``foreground`` count as "on the object", as the paper averages over
        positions inside the ground-truth boxes. Returns ``Tensor[B]`` in pixels of the last
        layer's input.
        """
        if self.n_deformable == 0:
            raise ValueError("the last layer is regular: it has no offsets to measure")
        _, offset = self.forward_with_offset(x)
        assert offset is not None
        dil = effective_dilation(offset, 3)[:, 0]  # [B, h, w]
        on_object = F.adaptive_avg_pool2d(x, dil.shape[-2:])[:, 0] > foreground  # [B, h, w]
        on_object = on_object.to(dil.dtype)
        return (dil * on_object).sum((1, 2)) / on_object.sum((1, 2)).clamp(min=1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
