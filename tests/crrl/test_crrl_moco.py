"""MoCo's parts as CRRL's motion learner uses them (claims crrl.sec3.info-nce,
crrl.sec3.queue-fifo, crrl.sec3.momentum), and the motion learner's bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.crrl import (
    ContrastiveMotionLearner,
    GRUEncoder,
    KeyQueue,
    info_nce,
    momentum_update,
    pack_batch,
)
from implementations.crrl.paper import PAPER
from repro.experiment import deviation

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_crrl_sec3_info_nce_is_cross_entropy_at_index_0(seed):
    """crrl.sec3.info-nce: InfoNCE = cross-entropy with the positive at index 0, falling as the
    positive similarity rises."""
    claim = PAPER.claim("crrl.sec3.info-nce")
    assert deviation(claim, seed) <= claim.tolerance


def test_info_nce_hand_computed_case():
    """One query, its key at cos 1 and two orthogonal negatives, τ = 0.5:
    loss = −log(e² / (e² + 2))."""
    q = torch.tensor([[1.0, 0.0, 0.0]])
    queue = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    expected = -torch.log(torch.exp(torch.tensor(2.0)) / (torch.exp(torch.tensor(2.0)) + 2))
    torch.testing.assert_close(info_nce(q, q.clone(), queue, 0.5), expected)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_crrl_sec3_queue_fifo_holds_the_last_k_keys(seed):
    """crrl.sec3.queue-fifo: the queue holds the last K keys pushed, any batch size."""
    claim = PAPER.claim("crrl.sec3.queue-fifo")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_crrl_sec3_momentum_extremes(seed):
    """crrl.sec3.momentum: m = 1 keeps the key encoder, m = 0 copies the query encoder."""
    claim = PAPER.claim("crrl.sec3.momentum")
    assert deviation(claim, seed) <= claim.tolerance


def test_bad_arguments_raise_with_the_constraint():
    q = F.normalize(torch.randn(4, 8), dim=1)
    with pytest.raises(ValueError, match="one shape"):
        info_nce(q, q[:3], q, 0.1)
    with pytest.raises(ValueError, match=r"queue must be \(K, 8\)"):
        info_nce(q, q, torch.randn(5, 7), 0.1)
    with pytest.raises(ValueError, match="temperature must be positive"):
        info_nce(q, q, q, 0.0)
    with pytest.raises(ValueError, match="must be positive"):
        KeyQueue(0, 8)
    with pytest.raises(ValueError, match=r"keys must be \(B, 8\)"):
        KeyQueue(4, 8).push(torch.randn(2, 3))
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\]"):
        momentum_update(GRUEncoder(3, 4), GRUEncoder(3, 4), 1.5)
    with pytest.raises(ValueError, match="differ in shape"):
        momentum_update(GRUEncoder(3, 4), GRUEncoder(3, 5), 0.5)
    with pytest.raises(ValueError, match="key_mlp must be"):
        ContrastiveMotionLearner(GRUEncoder(3, 4), key_mlp="trained")


def test_queue_sizes_not_dividing_the_batch_wrap_around():
    """The reference asserts K % batch == 0; ours wraps (documented): K = 5, batches of 3."""
    queue = KeyQueue(5, 2)
    keys = torch.arange(18, dtype=torch.float32).view(9, 2)
    for first in range(0, 9, 3):
        queue.push(keys[first : first + 3])
    torch.testing.assert_close(queue.ordered(), keys[-5:])


def test_motion_learner_rejects_single_frame_sequences_and_mismatched_joints():
    torch.manual_seed(0)
    cml = ContrastiveMotionLearner(GRUEncoder(6, 4), queue_size=4)
    with pytest.raises(ValueError, match="at least 2 frames"):
        cml(pack_batch([torch.randn(3, 6), torch.randn(1, 6)]))
    with pytest.raises(ValueError, match=r"frames must be \(N, T, 6\)"):
        cml(pack_batch([torch.randn(3, 9)]))


def test_motion_learner_trains_the_query_side_only_and_enqueues_keys():
    """One step: the query encoder and head move, the frozen key head does not, the key encoder
    moves by momentum only, and the batch's keys are the newest in the queue."""
    torch.manual_seed(0)
    cml = ContrastiveMotionLearner(GRUEncoder(6, 4, 1), queue_size=8, momentum=0.5)
    frozen = [p.clone() for p in cml.key_head.parameters()]
    x = pack_batch([torch.randn(t, 6) for t in (5, 3, 4)])
    loss = cml(x)
    loss.backward()
    assert all(p.grad is None for p in cml.key_encoder.parameters())
    assert all(p.grad is not None for p in cml.encoder.parameters())
    assert all(torch.equal(p, f) for p, f in zip(cml.key_head.parameters(), frozen, strict=True))
    assert int(cml.queue.ptr) == 3
