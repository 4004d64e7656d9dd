"""The distillation fuser and the other fusions (claim crrl.sec3.distillation-zero)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.crrl import (
    ConcatFeatures,
    ContrastiveMotionLearner,
    DistilledReconstructor,
    GRUDecoder,
    GRUEncoder,
    JointObjective,
    SequenceReconstructor,
    distillation_loss,
    pack_batch,
)
from implementations.crrl.paper import PAPER
from repro.experiment import deviation


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_crrl_sec3_distillation_zero_at_the_teacher(seed):
    """crrl.sec3.distillation-zero: the distillation loss is 0 when student = teacher."""
    claim = PAPER.claim("crrl.sec3.distillation-zero")
    assert deviation(claim, seed) <= claim.tolerance


def _ser(d: int = 3, h: int = 4) -> SequenceReconstructor:
    return SequenceReconstructor(GRUEncoder(d, h), GRUDecoder(2 * h, d))


def test_distilled_reconstructor_freezes_the_teacher_and_adds_the_weighted_term():
    torch.manual_seed(0)
    teacher = GRUEncoder(3, 4)
    before = [p.clone() for p in teacher.parameters()]
    model = DistilledReconstructor(_ser(), teacher, weight=0.1)
    x = pack_batch([torch.randn(t, 3) for t in (4, 2, 5)])
    model.eval()
    loss = model(x)
    ser_loss = model.student(x)
    kd = distillation_loss(model.head(model.student.encoder(x)), teacher(x))
    torch.testing.assert_close(loss, ser_loss + 0.1 * kd)
    model.train()
    assert not model.teacher.training
    model(x).backward()
    assert all(p.grad is None for p in teacher.parameters())
    assert all(torch.equal(p, b) for p, b in zip(teacher.parameters(), before, strict=True))


def test_fusions_reject_mismatched_parts():
    with pytest.raises(ValueError, match="differ in width"):
        DistilledReconstructor(_ser(h=4), GRUEncoder(3, 5))
    ser = _ser()
    with pytest.raises(ValueError, match="SER's own encoder"):
        JointObjective(ser, ContrastiveMotionLearner(GRUEncoder(3, 4)))
    with pytest.raises(ValueError, match="one shape"):
        distillation_loss(torch.zeros(2, 3), torch.zeros(2, 4))


def test_concatenation_stacks_both_features():
    torch.manual_seed(0)
    a, b = GRUEncoder(3, 4), GRUEncoder(3, 2)
    x = pack_batch([torch.randn(3, 3)])
    torch.testing.assert_close(
        ConcatFeatures(a, b).eval()(x), torch.cat([a.eval()(x), b.eval()(x)], 1)
    )
