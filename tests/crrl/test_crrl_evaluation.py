"""The linear-evaluation protocol both SSL papers share (implementations.crrl.evaluation), on
the seeded synthetic skeleton actions (no data needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.crrl import (
    GRUEncoder,
    Outcome,
    Scores,
    SequenceSource,
    Views,
    cross_subject,
    linear_evaluation,
    loss_note,
    perturb,
    prepare,
    scale_to_unit,
    split_valid,
    variant_gap,
)
from repro.data.skeleton_synthetic import synthetic_actions
from repro.skeleton_recipe import Floors, normalize
from repro.train import EpochRecord, History


@pytest.fixture(scope="module")
def data():
    return synthetic_actions(n_per_class=6, n_classes=4, frames=(10, 30), seed=0)


def test_prepare_normalises_and_caps_only_long_sequences(data):
    out = prepare(data, 20)
    for s, o in zip(data.sequences, out, strict=True):
        assert len(o) == min(len(s), 20)
        if len(s) <= 20:
            np.testing.assert_allclose(o, normalize(s, data.layout))
    with pytest.raises(ValueError, match="at least 2"):
        prepare(data, 1)


def test_views_are_seeded_and_stack_clean_and_two_views(data):
    seqs = prepare(data, 20)
    source = SequenceSource(seqs, data.labels, Views())
    idx = np.arange(5)
    a = source.batch(idx, np.random.default_rng(3))
    b = source.batch(idx, np.random.default_rng(3))
    assert a.shape[0] == 3 and torch.equal(a, b)
    assert torch.equal(split_valid(a[0])[1], split_valid(a[1])[1])  # same lengths
    assert not torch.equal(a[1], a[2]) and not torch.equal(a[0], a[1])
    with pytest.raises(ValueError, match="labels"):
        SequenceSource(seqs, data.labels[:3])


def test_perturb_is_seeded_and_keeps_lengths(data):
    seqs = prepare(data, 20)
    p1, p2 = perturb(seqs, 30.0, 0.1, seed=1), perturb(seqs, 30.0, 0.1, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2, strict=True))
    assert [len(s) for s in p1] == [len(s) for s in seqs]
    rotated_only = perturb(seqs, 30.0, 0.0, seed=1)  # a rotation keeps every joint's distance
    np.testing.assert_allclose(
        np.linalg.norm(rotated_only[0][..., [0, 2]], axis=-1),
        np.linalg.norm(seqs[0][..., [0, 2]], axis=-1),
        rtol=1e-5,
        atol=1e-6,
    )


def test_linear_evaluation_scores_a_frozen_encoder(data):
    train, test = cross_subject(data)
    x_train, x_test = prepare(train, 20), prepare(test, 20)
    torch.manual_seed(0)
    encoder = GRUEncoder(60, 8, 1)
    before = [p.clone() for p in encoder.parameters()]
    scores = linear_evaluation(
        encoder, (x_train, train.labels), (x_test, test.labels), perturb(x_test, 30, 0.1, 0), 5, 0
    )
    assert all(0.0 <= v <= 100.0 for v in (scores.linear, scores.linear_perturbed, scores.knn))
    assert all(torch.equal(p, b) for p, b in zip(encoder.parameters(), before, strict=True))
    again = linear_evaluation(
        encoder, (x_train, train.labels), (x_test, test.labels), perturb(x_test, 30, 0.1, 0), 5, 0
    )
    assert again == scores


def test_scale_to_unit_divides_every_set_by_the_training_maximum(data):
    seqs = prepare(data, 20)
    train, test = seqs[:10], seqs[10:]
    scaled_train, scaled_test = scale_to_unit(train, test)
    top = max(float(np.abs(s).max()) for s in train)
    assert max(float(np.abs(s).max()) for s in scaled_train) == pytest.approx(1.0)
    np.testing.assert_allclose(scaled_test[0], test[0] / top, rtol=1e-6)
    with pytest.raises(ValueError, match="all zero"):
        scale_to_unit([np.zeros((3, 20, 3), np.float32)])


def _outcome(seed: int, losses: dict[str, tuple[float, float]]) -> Outcome:
    scores = {v: Scores(50.0 + seed, 40.0, 45.0) for v in ("random", "ser", "cml")}
    return Outcome(scores, Floors(60.0, 61.0, 1.0), None, 1.0, "data", losses=losses)


def test_loss_span_and_note_report_the_first_and_last_epoch_of_pretrained_variants():
    history = History([EpochRecord(e, 0.1, loss, 0.0) for e, loss in enumerate((4.2, 3.0, 2.5))])
    assert history.loss_span == (4.2, 2.5)
    outcomes = [
        _outcome(0, {"ser": (2.0, 1.0), "cml": (4.2, 4.17)}),
        _outcome(1, {"ser": (4.0, 2.0), "cml": (4.2, 4.19)}),
    ]
    # the random encoder is never pretrained: it has no span and no entry
    assert loss_note(outcomes, ("random", "ser", "cml")) == (
        "pretraining loss, first → last epoch: ser 3 → 1.5, cml 4.2 → 4.18"
    )
    assert loss_note(outcomes, ("random",)) == ""
    note = variant_gap("x", outcomes, "cml", "random").note
    assert "cml 4.2 → 4.18" in note and "random" in note and "ser 3" not in note
