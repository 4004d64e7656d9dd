"""Peer cross-check: outputs and every gradient equal torchvision.ops.deform_conv2d."""

from __future__ import annotations

import pytest
import torch
from dcn_cases import ConvCase, conv_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn import deform_conv2d

tv_ops = pytest.importorskip("torchvision.ops", reason="torchvision is the peer of this check")

#: relative tolerance of the cross-check, per dtype (the issue's bound)
RTOL = {torch.float32: 1e-4, torch.float64: 1e-10}


def _relative_error(ours: torch.Tensor, peer: torch.Tensor) -> float:
    scale = peer.abs().max().clamp(min=1e-30)
    return float(((ours - peer).abs().max() / scale).detach())


@settings(max_examples=40, deadline=None)
@given(
    case=conv_cases(max_size=10),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    with_mask=st.booleans(),
)
def test_dcn_eq2_matches_torchvision_outputs_and_gradients(
    case: ConvCase, dtype: torch.dtype, with_mask: bool
) -> None:
    """dcn.eq2.torchvision-peer: output and gradients for input, offset, weight, bias and mask
    equal torchvision's; offsets reach up to 3 pixels past every border. Offsets keep their
    fractional parts in [0.1, 0.9]: at integral positions the two pick different one-sided
    derivatives."""
    t = case.tensors(dtype, away_from_integers=True)
    names = ["input", "offset", "weight", "bias"] + (["mask"] if with_mask else [])
    ours_in = {k: t[k].clone().requires_grad_() for k in names}
    peer_in = {k: t[k].clone().requires_grad_() for k in names}
    kwargs = {"stride": case.stride, "padding": case.padding, "dilation": case.dilation}
    out = deform_conv2d(**ours_in, **kwargs)
    ref = tv_ops.deform_conv2d(**peer_in, **kwargs)
    assert _relative_error(out, ref) <= RTOL[dtype]
    grad = torch.randn(out.shape, generator=torch.Generator().manual_seed(case.seed), dtype=dtype)
    out.backward(grad)
    ref.backward(grad)
    for k in names:
        err = _relative_error(ours_in[k].grad, peer_in[k].grad)
        assert err <= RTOL[dtype], f"gradient of {k}: relative error {err:.2g}"
