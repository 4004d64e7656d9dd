"""The shared digits pipeline: canvas, normalisation, seeded splits and the similarity transform."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from repro.data.images import (
    MNIST_MEAN,
    MNIST_STD,
    digit_tensors,
    load_mnist_test,
    load_usps,
    similarity_transform,
    split_indices,
)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), size=st.sampled_from([16, 28]))
def test_identity_transform_only_pads(seed: int, size: int) -> None:
    """Scale 1 and rotation 0 leave each digit as it is, centred on the canvas."""
    images = np.random.default_rng(seed).random((3, size, size)).astype(np.float32)
    out = similarity_transform(
        images, np.arange(3), seed, canvas=32, scale_range=(1, 1), max_rotation=0
    )
    pad = (32 - size) // 2
    expected = F.pad(torch.from_numpy(images), (pad, 32 - size - pad, pad, 32 - size - pad))
    torch.testing.assert_close(out.images[:, 0], expected, rtol=0, atol=1e-5)


def test_scale_changes_the_inked_area() -> None:
    """Scale s multiplies the digit's extent by s: its inked area grows about as s²."""
    square = np.zeros((1, 28, 28), dtype=np.float32)
    square[0, 10:18, 10:18] = 1.0
    small = similarity_transform(square, np.zeros(1), 0, scale_range=(0.5, 0.5), max_rotation=0)
    large = similarity_transform(square, np.zeros(1), 0, scale_range=(1.4, 1.4), max_rotation=0)
    ratio = float(large.images.sum() / small.images.sum())
    assert ratio == pytest.approx((1.4 / 0.5) ** 2, rel=0.05)


def test_same_seed_same_transform_other_seed_other() -> None:
    images = np.random.default_rng(0).random((4, 28, 28)).astype(np.float32)
    a = similarity_transform(images, np.arange(4), 3)
    assert torch.equal(a.images, similarity_transform(images, np.arange(4), 3).images)
    assert not torch.equal(a.images, similarity_transform(images, np.arange(4), 4).images)


def test_digit_tensors_pad_resize_and_normalise() -> None:
    images = np.random.default_rng(1).random((5, 28, 28)).astype(np.float32)
    padded = digit_tensors(images, 32)
    assert padded.shape == (5, 1, 32, 32)
    torch.testing.assert_close(padded[:, 0, 2:30, 2:30], torch.from_numpy(images))
    assert float(padded[:, :, :2].abs().max()) == 0.0
    norm = digit_tensors(images, 32, normalize=True)
    torch.testing.assert_close(norm, (padded - MNIST_MEAN) / MNIST_STD)
    usps = np.random.default_rng(2).random((3, 16, 16)).astype(np.float32)
    resized = digit_tensors(usps, 28, resize=True)
    assert resized.shape == (3, 1, 28, 28)
    # bilinear resizing keeps a constant image constant
    flat = digit_tensors(np.full((1, 16, 16), 0.3, np.float32), 28, resize=True)
    torch.testing.assert_close(flat, torch.full((1, 1, 28, 28), 0.3))


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match=r"do not fit a 16 x 16 canvas"):
        similarity_transform(np.zeros((1, 28, 28)), np.zeros(1), 0, canvas=16)
    with pytest.raises(ValueError, match=r"0 < low <= high"):
        similarity_transform(np.zeros((1, 28, 28)), np.zeros(1), 0, scale_range=(1.2, 0.8))
    with pytest.raises(ValueError, match=r"copies must be at least 1"):
        similarity_transform(np.zeros((1, 28, 28)), np.zeros(1), 0, copies=0)
    with pytest.raises(ValueError, match=r"must be \(N, H, W\)"):
        digit_tensors(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"n_train must be in"):
        split_indices(10, 10)


def test_split_indices_partition_and_seed() -> None:
    train, test = split_indices(100, 30, seed=4)
    assert len(train) == 30 and len(test) == 70
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    assert np.array_equal(train, split_indices(100, 30, seed=4)[0])
    assert not np.array_equal(train, split_indices(100, 30, seed=5)[0])


def test_real_mnist_and_usps(dataset) -> None:
    """On the real files: counts, ranges, labels, and the transform keeps labels per copy."""
    dataset("images")
    mnist = load_mnist_test()
    assert mnist.images.shape == (10000, 28, 28) and set(np.unique(mnist.labels)) == set(range(10))
    assert 0.0 <= mnist.images.min() and mnist.images.max() <= 1.0
    assert abs(float(mnist.images.mean()) - MNIST_MEAN) < 1e-3
    assert abs(float(mnist.images.std()) - MNIST_STD) < 1e-3
    usps = load_usps("test")
    assert usps.images.shape == (2007, 16, 16)
    out = similarity_transform(mnist.images[:50], mnist.labels[:50], 0, copies=2)
    assert out.images.shape == (100, 1, 32, 32)
    assert torch.equal(out.labels[:50], out.labels[50:])
    assert float(out.scales.min()) >= 0.5 and float(out.scales.max()) <= 1.4
    assert not torch.allclose(out.images[:50], out.images[50:])
