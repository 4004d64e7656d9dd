"""The digit experiment's network: the deformable-layer ablation (its transform: tests/data)."""

from __future__ import annotations

import pytest
import torch

from implementations.dcn.deform_conv import DeformConv2dPack
from implementations.dcn.digit_cnn import DigitCNN


@pytest.mark.parametrize("n_deformable", [1, 2, 3])
def test_dcn_sec2_zero_init_network_equals_plain_network(n_deformable: int) -> None:
    """dcn.sec2.zero-init-module: with its offsets at zero, a network whose last layers are
    deformable computes what the plain network with the same weights computes."""
    torch.manual_seed(n_deformable)
    deformable = DigitCNN(n_deformable).eval()
    plain = DigitCNN(0).eval()
    state = {k: v for k, v in deformable.state_dict().items() if "conv_offset" not in k}
    plain.load_state_dict(state)
    assert sum(isinstance(c, DeformConv2dPack) for c in deformable.convs) == n_deformable
    x = torch.rand(4, 1, 32, 32)
    torch.testing.assert_close(deformable(x), plain(x), rtol=1e-5, atol=1e-5)


def test_dcn_digit_experiment_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match=r"n_deformable must be in \[0, 3\]"):
        DigitCNN(4)
    with pytest.raises(ValueError, match=r"no offsets to measure"):
        DigitCNN(0).last_layer_dilation(torch.zeros(1, 1, 32, 32))
