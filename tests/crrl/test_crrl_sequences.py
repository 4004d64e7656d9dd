"""Sequence batches, time reversal and velocity (claims crrl.sec3.reverse-palindrome,
crrl.sec3.velocity) and the bad input they reject."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.crrl import pack_batch, reverse_valid, split_valid, velocity
from implementations.crrl.paper import PAPER
from repro.experiment import deviation

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_crrl_sec3_reverse_palindrome(seed):
    """crrl.sec3.reverse-palindrome: a palindrome's reversed target equals its forward one."""
    claim = PAPER.claim("crrl.sec3.reverse-palindrome")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_crrl_sec3_velocity_of_constant_is_zero(seed):
    """crrl.sec3.velocity: the velocity of a constant sequence is 0; v inverts prefix sums."""
    claim = PAPER.claim("crrl.sec3.velocity")
    assert deviation(claim, seed) <= claim.tolerance


def test_reverse_valid_by_hand():
    frames, lengths = split_valid(
        pack_batch([torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[4.0]])])
    )
    out = reverse_valid(frames, lengths)
    torch.testing.assert_close(out[:, :, 0], torch.tensor([[3.0, 2.0, 1.0], [4.0, 0.0, 0.0]]))


def test_pack_batch_round_trip_keeps_frames_and_lengths():
    seqs = [
        np.random.default_rng(i).normal(size=(t, 4, 3)).astype(np.float32)
        for i, t in enumerate((5, 1, 3))
    ]
    frames, lengths = split_valid(pack_batch(seqs))
    assert lengths.tolist() == [5, 1, 3] and frames.shape == (3, 5, 12)
    for i, s in enumerate(seqs):
        np.testing.assert_array_equal(frames[i, : len(s)].numpy(), s.reshape(len(s), -1))
        assert not frames[i, len(s) :].any()


def test_all_zero_sequences_are_valid_input():
    """Documented behaviour: all-zero coordinates are data (a tracker that lost the body), not
    padding — the flag column decides what is valid; their velocity is zero."""
    frames, lengths = split_valid(pack_batch([np.zeros((4, 20, 3), np.float32)]))
    assert lengths.tolist() == [4]
    v, lv = velocity(frames, lengths)
    assert lv.tolist() == [3] and not v.any()


def test_bad_input_raises_with_the_constraint():
    with pytest.raises(ValueError, match="at least one sequence"):
        pack_batch([])
    with pytest.raises(ValueError, match="same joints × coordinates"):
        pack_batch([np.zeros((3, 20, 3)), np.zeros((3, 25, 3))])
    with pytest.raises(ValueError, match="at least one frame"):
        pack_batch([np.zeros((0, 20, 3))])
    with pytest.raises(ValueError, match=r"\(N, T, D \+ 1\)"):
        split_valid(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="at least one valid frame"):
        split_valid(torch.zeros(2, 3, 4))
    gap = pack_batch([torch.ones(3, 2)])
    gap[0, 1, -1] = 0.0
    with pytest.raises(ValueError, match="ones followed by zeros"):
        split_valid(gap)
    with pytest.raises(ValueError, match="at least 2 frames"):
        velocity(*split_valid(pack_batch([torch.ones(1, 2), torch.ones(3, 2)])))
