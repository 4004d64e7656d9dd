"""The SlowOnly 3D-CNN: the paper's stage layout, shapes, and its errors."""

from __future__ import annotations

import pytest
import torch

from implementations.poseconv3d import SlowOnly3D


def test_stage_layout_and_strides():
    """Stages 4-6-3 with outputs 4·base·2^s; spatial stride 8 and temporal stride 2 overall;
    temporal kernels only in stages 2 and 3."""
    model = SlowOnly3D(5, 17, base_width=4)
    assert [len(s) for s in model.stages] == [4, 6, 3]
    assert model.out_channels == 64
    x = torch.randn(2, 17, 8, 32, 32)
    feats = model.stages(model.stem(x))
    assert feats.shape == (2, 64, 4, 4, 4)
    kernels = [s[0].conv1.kernel_size[0] for s in model.stages]
    assert kernels == [1, 3, 3]
    assert model(x).shape == (2, 5)


def test_empty_batch_gives_no_scores():
    assert SlowOnly3D(5, 3, base_width=2)(torch.zeros(0, 3, 4, 8, 8)).shape == (0, 5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_classes": 0}, "must be positive"),
        ({"stage_blocks": (1, 1)}, "one entry per stage"),
        ({"stage_blocks": (1, 0, 1)}, "at least one block"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SlowOnly3D(**{"num_classes": 5, "in_channels": 3, "base_width": 2, **kwargs})


def test_wrong_channels_is_a_clear_error():
    with pytest.raises(ValueError, match=r"input must be \(N, K=3, T, H, W\)"):
        SlowOnly3D(5, 3, base_width=2)(torch.zeros(1, 4, 4, 8, 8))
