"""Table 4's network: R-FCN on ResNet-101, plain and deformable (implementations.dcn.rfcn)."""

from __future__ import annotations

import pytest
import torch

from implementations.dcn import deform_ps_roi_pool
from implementations.dcn.rfcn import (
    ANCHORS,
    BINS,
    GAMMA,
    RFCN,
    SAMPLES_PER_BIN,
    SPATIAL_SCALE,
    VOC_CLASSES,
    parameter_counts,
    position_sensitive_scores,
)

pytest.importorskip("torchvision.models", reason="the backbone is torchvision's ResNet-101")


def _conv(c_in: int, c_out: int, k: int = 1, bias: bool = True) -> int:
    return c_in * c_out * k * k + (c_out if bias else 0)


def test_dcn_table4_parameter_counts_follow_the_layer_list() -> None:
    """dcn.table4.param-increase: the counts are those of the authors' layer list, written out:
    ResNet-101 without its fc layer, the RPN on res4, the R-FCN head, and the deformable parts
    (a 3×3 offset conv to 2·9 channels in each of the 3 res5 blocks, the 1×1 offset convs to
    2·k²·21 and 2·k² channels)."""
    from torchvision.models import resnet101

    with torch.device("meta"):
        plain, deformable = parameter_counts(RFCN(False)), parameter_counts(RFCN(True))
        backbone = sum(p.numel() for p in resnet101().parameters()) - _conv(2048, 1000)
    k2 = BINS * BINS
    rpn = _conv(1024, 512, 3) + _conv(512, 2 * ANCHORS) + _conv(512, 4 * ANCHORS)
    head = _conv(2048, 1024) + _conv(1024, k2 * VOC_CLASSES) + _conv(1024, k2 * 8)
    assert plain["total"] == backbone + rpn + head
    assert (plain["rpn"], plain["rfcn head"]) == (rpn, head)
    assert deformable["res5 offsets"] == 3 * _conv(512, 18, 3) == 248_886
    assert deformable["rfcn_cls_offset"] == _conv(1024, 2 * k2 * VOC_CLASSES) == 2_109_450
    assert deformable["rfcn_bbox_offset"] == _conv(1024, 2 * k2) == 100_450
    assert deformable["total"] - plain["total"] == 248_886 + 2_109_450 + 100_450


@pytest.mark.slow
def test_dcn_table4_zero_initialised_deformable_rfcn_is_the_plain_one() -> None:
    """dcn.sec2.zero-init-module and dcn.sec2-2.zero-init-modules on the whole network: with
    its offset layers at zero, the deformable R-FCN computes what the plain one with the same
    weights computes (scores, box deltas, RPN outputs), and its offset layers get gradients
    (float64, through the ~100 layers)."""
    torch.manual_seed(0)
    deformable = RFCN(True).eval().double()
    plain = RFCN(False).eval().double()
    plain.load_state_dict({k: v for k, v in deformable.state_dict().items() if "offset" not in k})
    images = torch.randn(1, 3, 64, 96, dtype=torch.float64)
    rois = torch.tensor(
        [[0.0, 4, 8, 60, 50], [0.0, 30, 0, 96, 64], [0.0, 10, 10, 26, 30]], dtype=torch.float64
    )
    with torch.no_grad():
        expected = plain(images, rois)
    outputs = deformable(images, rois)
    for ours, ref in zip(outputs, expected, strict=True):
        torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-10)
    assert outputs[0].shape == (3, VOC_CLASSES) and outputs[1].shape == (3, 8)
    (outputs[0].square().sum() + outputs[1].square().sum()).backward()
    offset_layers = [deformable.rfcn_cls_offset, deformable.rfcn_bbox_offset]
    offset_layers += [block.conv2.conv_offset for block in deformable.res5]
    assert all(layer.weight.grad is not None for layer in offset_layers)


@pytest.mark.parametrize("shared", [False, True])
def test_dcn_rfcn_class_specific_offsets_move_each_class_alone(shared: bool) -> None:
    """Each output's bins move by its own offset pair: the one-call pooling equals pooling each
    output's k² maps with its pair (or the shared pair) and averaging the bins, over 2 images."""
    gen = torch.Generator().manual_seed(1)
    bins, outputs = 3, 4
    maps = torch.randn(2, outputs * bins * bins, 9, 11, generator=gen, dtype=torch.float64)
    corner = torch.rand(5, 2, generator=gen, dtype=torch.float64) * 80
    size = 20 + torch.rand(5, 2, generator=gen, dtype=torch.float64) * 60
    index = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0]], dtype=torch.float64)
    rois = torch.cat([index, corner, corner + size], dim=1)
    pairs = 1 if shared else outputs
    offset = torch.randn(5, 2 * pairs, bins, bins, generator=gen, dtype=torch.float64)
    ours = position_sensitive_scores(maps, rois, offset, bins)
    args = (bins, SPATIAL_SCALE, SAMPLES_PER_BIN, GAMMA)
    for g in range(outputs):
        pair = offset[:, :2] if shared else offset[:, 2 * g : 2 * g + 2]
        own = maps[:, g * bins * bins : (g + 1) * bins * bins]
        expected = deform_ps_roi_pool(own, rois, pair, *args).mean((1, 2, 3))
        torch.testing.assert_close(ours[:, g], expected, rtol=0, atol=1e-12)


def test_dcn_rfcn_bad_input_raises() -> None:
    with torch.device("meta"):
        model = RFCN(False)
    with pytest.raises(ValueError, match=r"images must be Tensor\[B, 3, H, W\]"):
        model(torch.zeros(1, 1, 32, 32, device="meta"), torch.zeros(1, 5, device="meta"))
    with pytest.raises(ValueError, match=r"num_classes \(with background\) must be at least 2"):
        RFCN(num_classes=1)
    maps = torch.randn(1, 2 * 9, 5, 5)
    rois = torch.tensor([[0.0, 0, 0, 40, 40]])
    with pytest.raises(ValueError, match=r"one \(x, y\) pair per output \(2\)"):
        position_sensitive_scores(maps, rois, torch.zeros(1, 6, 3, 3), 3)


def test_dcn_table4_rfcn_claims_not_run_without_torchvision(monkeypatch) -> None:
    """torchvision is an optional peer: without it the R-FCN claims are "not run", naming it."""
    import sys

    from implementations.dcn.reproduce import RFCN_TABLE4_CLAIMS, _rfcn_table4
    from repro.runner import RunContext

    monkeypatch.setitem(sys.modules, "torchvision.models", None)  # import raises ImportError
    measured = list(_rfcn_table4(RunContext(size="quick")))
    assert [m.claim_id for m in measured] == list(RFCN_TABLE4_CLAIMS)
    assert all(m.value is None and "peer not installed" in m.note for m in measured)
