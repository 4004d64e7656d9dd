"""Peer cross-check: outputs and every gradient equal torchvision.ops.deform_conv2d."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn.identity_checks import torchvision_peer
from implementations.dcn.paper import PAPER
from repro.experiment import deviation, instance_generator

pytest.importorskip("torchvision.ops", reason="torchvision is the peer of this check")

SEEDS = st.integers(0, 2**32 - 1)
#: the relative tolerance in float64 (float32: the claim's tolerance)
RTOL_FLOAT64 = 1e-10


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_matches_torchvision_outputs_and_gradients(seed: int) -> None:
    """dcn.eq2.torchvision-peer: output and gradients for input, offset, weight, bias and mask
    equal torchvision's in float32; offsets reach up to 3 pixels past every border."""
    claim = PAPER.claim("dcn.eq2.torchvision-peer")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_dcn_eq2_matches_torchvision_in_float64(seed: int) -> None:
    """dcn.eq2.torchvision-peer in float64: the same instances agree to 1e-10 (relative)."""
    assert torchvision_peer(instance_generator(seed), torch.float64) <= RTOL_FLOAT64
