"""The digit experiment's pieces: the geometric variation and the deformable-layer ablation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.dcn.deform_conv import DeformConv2d
from implementations.dcn.digit_cnn import DigitCNN
from implementations.dcn.identity_checks import CHECKS
from implementations.dcn.paper import PAPER
from implementations.dcn.transformed_digits import transform_digits


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), size=st.sampled_from([16, 28]))
def test_dcn_digits_identity_transform_only_pads(seed: int, size: int) -> None:
    """Scale 1 and rotation 0 leave each digit as it is, centred on the canvas."""
    images = np.random.default_rng(seed).random((3, size, size)).astype(np.float32)
    out = transform_digits(
        images, np.arange(3), seed, canvas=32, scale_range=(1, 1), max_rotation=0
    )
    pad = (32 - size) // 2
    expected = F.pad(torch.from_numpy(images), (pad, 32 - size - pad, pad, 32 - size - pad))
    torch.testing.assert_close(out.images[:, 0], expected, rtol=0, atol=1e-5)


def test_dcn_digits_scale_changes_the_inked_area() -> None:
    """Scale s multiplies the digit's extent by s: its inked area grows about as s²."""
    square = np.zeros((1, 28, 28), dtype=np.float32)
    square[0, 10:18, 10:18] = 1.0
    small = transform_digits(square, np.zeros(1), 0, scale_range=(0.5, 0.5), max_rotation=0)
    large = transform_digits(square, np.zeros(1), 0, scale_range=(1.4, 1.4), max_rotation=0)
    ratio = float(large.images.sum() / small.images.sum())
    assert ratio == pytest.approx((1.4 / 0.5) ** 2, rel=0.05)


def test_dcn_digits_real_mnist(dataset) -> None:
    """On the real MNIST test digits: shapes, labels kept, scales in range, copies differ."""
    from repro.data.images import load_mnist_test

    dataset("images")
    digits = load_mnist_test()
    out = transform_digits(digits.images[:50], digits.labels[:50], 0, copies=2)
    assert out.images.shape == (100, 1, 32, 32)
    assert torch.equal(out.labels[:50], out.labels[50:])
    assert float(out.scales.min()) >= 0.5 and float(out.scales.max()) <= 1.4
    assert not torch.allclose(out.images[:50], out.images[50:])


@pytest.mark.parametrize("n_deformable", [1, 2, 3])
def test_dcn_sec2_zero_init_network_equals_plain_network(n_deformable: int) -> None:
    """dcn.sec2.zero-init-module: with its offsets at zero, a network whose last layers are
    deformable computes what the plain network with the same weights computes."""
    torch.manual_seed(n_deformable)
    deformable = DigitCNN(n_deformable).eval()
    plain = DigitCNN(0).eval()
    state = {k: v for k, v in deformable.state_dict().items() if "conv_offset" not in k}
    plain.load_state_dict(state)
    assert sum(isinstance(c, DeformConv2d) for c in deformable.convs) == n_deformable
    x = torch.rand(4, 1, 32, 32)
    torch.testing.assert_close(deformable(x), plain(x), rtol=1e-5, atol=1e-5)


def test_dcn_digit_experiment_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match=r"n_deformable must be in \[0, 3\]"):
        DigitCNN(4)
    with pytest.raises(ValueError, match=r"do not fit a 16 x 16 canvas"):
        transform_digits(np.zeros((1, 28, 28)), np.zeros(1), 0, canvas=16)
    with pytest.raises(ValueError, match=r"0 < low <= high"):
        transform_digits(np.zeros((1, 28, 28)), np.zeros(1), 0, scale_range=(1.2, 0.8))
    with pytest.raises(ValueError, match=r"no offsets to measure"):
        DigitCNN(0).last_layer_dilation(torch.zeros(1, 1, 32, 32))


@pytest.mark.parametrize("claim_id", sorted(CHECKS))
def test_dcn_identity_checks_stay_within_their_claims(claim_id: str) -> None:
    """The measurements reproduce.py reports for the identity claims are within each claim's
    tolerance on a seeded instance (a broken check would report a large deviation)."""
    pytest.importorskip("torchvision.ops")
    check, _ = CHECKS[claim_id]
    deviation = check(torch.Generator().manual_seed(1))
    assert 0 <= deviation <= PAPER.claim(claim_id).tolerance


def test_dcn_every_identity_claim_has_a_check_and_a_test() -> None:
    identities = {c.id for c in PAPER.claims if c.kind == "identity"}
    assert identities == set(CHECKS)
    for claim in PAPER.claims:
        if claim.kind == "identity":
            path, name = claim.test.split("::")
            source = (Path(__file__).parents[2] / path).read_text()
            assert f"def {name}(" in source, claim.test
