"""R-FCN on ResNet-101, plain or with the paper's deformable parts: Table 4's configuration.

The network the paper times and counts in Table 4 (R-FCN, 47.1 M → 49.5 M parameters,
0.143 → 0.169 s per image on a K40), built from ``torchvision.models.resnet101`` (random
weights: counts and timings need none) as the authors' released R-FCN code arranges it
(msracver/Deformable-ConvNets, ``rfcn/symbols/resnet_v1_101_rfcn_dcn.py``):

- ResNet-101 up to res5 with the fc layer removed; res5 at stride 16 with dilation 2 in all its
  3×3 convolutions (Sec. 3: "the effective stride in the last block conv5 is reduced from 32
  pixels to 16 pixels … the dilation of all the convolution filters in conv5 is changed from 1
  to 2");
- the RPN on res4: a 3×3 conv to 512 channels, then 1×1 convs to 2A scores and 4A box deltas
  (A = 9 anchors);
- a 1×1 conv from 2048 to 1024 channels on res5, then the position-sensitive score maps:
  k²·(C + 1) for classes (k = 7, C + 1 = 21 on VOC) and k²·4·2 for class-agnostic boxes;
  position-sensitive RoI pooling (sample_per_part 4, spatial scale 1/16) and the average of
  the k × k bins give each RoI its class scores and box deltas.

The deformable network (``deformable=True``) adds what the paper adds:

- the three res5 3×3 convs become :class:`~implementations.dcn.deform_conv.DeformConv2dPack`,
  each with its 3×3 offset conv to 2·9 channels (Sec. 2.1; the released code uses 4
  deformable groups, 72 channels, a configuration the paper does not count);
- deformable PS RoI pooling (Sec. 2.2) with class-specific offsets, as in the released code: a
  1×1 conv from the 1024-channel feature to 2·k²·(C + 1) offset maps for the class scores
  and one to 2·k² for the boxes; PS RoI pooling of those maps gives each RoI its normalised
  offsets Δp̂ per class, γ = 0.1 (Eq. (6)).

All offset layers start at zero, so both networks compute the same function at initialisation.
Not included, in either network: proposal decoding and NMS (the RoIs are given), so timings
are of the network's forward pass.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.dcn.deform_conv import DeformConv2dPack
from implementations.dcn.deform_roi_pool import boxes_to_rois, deform_ps_roi_pool

#: VOC: 20 classes and background
VOC_CLASSES = 21
#: k: bins per side of the position-sensitive pooling
BINS = 7
#: A: anchors per position (3 scales × 3 aspect ratios)
ANCHORS = 9
#: sample points per bin and axis (the released code's sample_per_part)
SAMPLES_PER_BIN = 4
#: res4 and res5 are at 1/16 of the image
SPATIAL_SCALE = 1 / 16
#: γ of Eq. (6) (the released code's trans_std)
GAMMA = 0.1


def position_sensitive_scores(
    maps: Tensor, rois: Tensor, offset: Tensor | None, bins: int = BINS
) -> Tensor:
    """R-FCN's scores: (deformable) PS RoI pooling of score maps, then the mean over the bins.

    Args:
        maps (Tensor[B, G · bins², h, w]): position-sensitive score maps of G outputs (classes,
            or box deltas), in ``ps_roi_align``'s channel layout.
        rois (Tensor[K, 5]): (batch index, x1, y1, x2, y2) in image pixels.
        offset (Tensor[K, 2 · G', bins, bins], optional): normalised offsets Δp̂ of Eq. (6), one
            (x, y) pair per output (G' = G, the released code's class-specific offsets) or one
            pair shared by all outputs (G' = 1); None pools without offsets.
        bins (int): k, bins per side.

    Returns:
        Tensor[K, G]

    With G' = G each output is pooled as an image of its own (a batch of B·G maps of k²
    channels, RoI r of image b repeated as RoI r of image b·G + g), so one call moves every
    class's bins by its own offsets.
    """
    batch, channels, height, width = maps.shape
    per_output = bins * bins
    outputs = channels // per_output
    pairs = 1 if offset is None else offset.shape[1] // 2
    args = (bins, SPATIAL_SCALE, SAMPLES_PER_BIN, GAMMA)
    if pairs == 1:  # every output's bins sit at the same positions
        return deform_ps_roi_pool(maps, rois, offset, *args).mean((2, 3))  # [K, G, k, k] -> [K, G]
    if offset is None or pairs != outputs:
        raise ValueError(
            f"offset must hold one (x, y) pair per output ({outputs}) or one shared pair, got "
            f"{tuple(offset.shape)}"
        )
    # [B, G·k², h, w] -> [B·G, k², h, w]
    maps = maps.reshape(batch * outputs, per_output, height, width)
    image = rois[:, :1] * outputs + torch.arange(outputs, dtype=rois.dtype, device=rois.device)
    # [K, G] images and [K, 4] corners -> [K·G, 5], RoI-major
    repeated = torch.cat(
        [image.reshape(-1, 1), rois[:, 1:].repeat_interleave(outputs, dim=0)], dim=1
    )
    # [K, 2·G, k, k] -> [K·G, 2, k, k]
    moves = offset.reshape(-1, 2, bins, bins)
    pooled = deform_ps_roi_pool(maps, repeated, moves, *args)  # [K·G, 1, k, k]
    return pooled.mean((1, 2, 3)).view(len(rois), outputs)


def _deformable_copy(conv: nn.Conv2d) -> DeformConv2dPack:
    """A DeformConv2dPack with ``conv``'s geometry and weights and a zero offset branch."""
    layer = DeformConv2dPack(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,  # type: ignore[arg-type]
        stride=conv.stride,  # type: ignore[arg-type]
        padding=conv.padding,  # type: ignore[arg-type]
        dilation=conv.dilation,  # type: ignore[arg-type]
        groups=conv.groups,
        bias=conv.bias is not None,
    )
    layer.weight = conv.weight
    return layer


class RFCN(nn.Module):
    """R-FCN with a ResNet-101 backbone (Table 4), plain or deformable; see the module docstring.

    ``forward(images, boxes)`` takes images ``[B, 3, H, W]`` and RoIs (``Tensor[K, 5]`` rows of
    batch index and x1, y1, x2, y2 in image pixels, or one ``Tensor[L, 4]`` per image) and returns
    class scores ``[K, C + 1]``, box deltas ``[K, 8]``, and the RPN's scores
    ``[B, 2A, H/16, W/16]`` and deltas ``[B, 4A, H/16, W/16]``.
    """

    def __init__(
        self, deformable: bool = False, num_classes: int = VOC_CLASSES, bins: int = BINS
    ) -> None:
        super().__init__()
        from torchvision.models import resnet101

        if num_classes < 2 or bins < 1:
            raise ValueError(
                f"num_classes (with background) must be at least 2 and bins at least 1, got "
                f"{num_classes} and {bins}"
            )
        self.deformable = deformable
        self.num_classes = num_classes
        self.bins = bins
        resnet = resnet101(weights=None, replace_stride_with_dilation=[False, False, True])
        self.res1_to_res4 = nn.Sequential(
            resnet.conv1,
            resnet.bn1,
            resnet.relu,
            resnet.maxpool,
            resnet.layer1,
            resnet.layer2,
            resnet.layer3,
        )
        self.res5 = resnet.layer4
        # torchvision keeps dilation 1 in the first res5 block; the paper dilates all of them
        first = self.res5[0].conv2
        first.dilation, first.padding = (2, 2), (2, 2)
        if deformable:
            for block in self.res5:
                block.conv2 = _deformable_copy(block.conv2)
        self.rpn_conv = nn.Conv2d(1024, 512, 3, padding=1)
        self.rpn_cls = nn.Conv2d(512, 2 * ANCHORS, 1)
        self.rpn_bbox = nn.Conv2d(512, 4 * ANCHORS, 1)
        self.conv_new = nn.Conv2d(2048, 1024, 1)
        self.rfcn_cls = nn.Conv2d(1024, bins * bins * num_classes, 1)
        self.rfcn_bbox = nn.Conv2d(1024, bins * bins * 4 * 2, 1)
        if deformable:
            self.rfcn_cls_offset = nn.Conv2d(1024, 2 * bins * bins * num_classes, 1)
            self.rfcn_bbox_offset = nn.Conv2d(1024, 2 * bins * bins, 1)
            for conv in (self.rfcn_cls_offset, self.rfcn_bbox_offset):
                nn.init.zeros_(conv.weight)
                nn.init.zeros_(conv.bias)

    def forward(
        self, images: Tensor, boxes: Tensor | list[Tensor]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"images must be Tensor[B, 3, H, W], got {tuple(images.shape)}")
        rois = boxes_to_rois(boxes)
        res4 = self.res1_to_res4(images)  # [B, 1024, H/16, W/16]
        rpn = torch.relu(self.rpn_conv(res4))
        feature = torch.relu(self.conv_new(self.res5(res4)))  # [B, 1024, H/16, W/16]
        cls = position_sensitive_scores(
            self.rfcn_cls(feature), rois, self._offset("cls", feature, rois), self.bins
        )
        bbox = position_sensitive_scores(
            self.rfcn_bbox(feature), rois, self._offset("bbox", feature, rois), self.bins
        )
        return cls, bbox, self.rpn_cls(rpn), self.rpn_bbox(rpn)

    def _offset(self, which: str, feature: Tensor, rois: Tensor) -> Tensor | None:
        """Per-RoI normalised offsets ``[K, 2·groups, k, k]`` (None in the plain network):
        PS RoI pooling of the offset maps, one (x, y) pair per class (scores) or one (boxes)."""
        if not self.deformable:
            return None
        conv = self.rfcn_cls_offset if which == "cls" else self.rfcn_bbox_offset
        args = (self.bins, SPATIAL_SCALE, SAMPLES_PER_BIN)
        return deform_ps_roi_pool(conv(feature), rois, None, *args)


def parameter_counts(model: RFCN) -> dict[str, int]:
    """Parameters of each part of the network (the deformable parts count zero when absent)."""
    res5_offsets = sum(
        p.numel()
        for block in model.res5
        if isinstance(block.conv2, DeformConv2dPack)
        for p in block.conv2.conv_offset.parameters()
    )
    named = {
        "rpn": (model.rpn_conv, model.rpn_cls, model.rpn_bbox),
        "rfcn head": (model.conv_new, model.rfcn_cls, model.rfcn_bbox),
    }
    counts = {
        name: sum(p.numel() for m in ms for p in m.parameters()) for name, ms in named.items()
    }
    counts["res5 offsets"] = res5_offsets
    for name in ("rfcn_cls_offset", "rfcn_bbox_offset"):
        layer = getattr(model, name, None)
        counts[name] = 0 if layer is None else sum(p.numel() for p in layer.parameters())
    counts["total"] = sum(p.numel() for p in model.parameters())
    counts["resnet-101 to res5"] = counts["total"] - sum(
        v for k, v in counts.items() if k != "total"
    )
    return counts
