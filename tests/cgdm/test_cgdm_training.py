"""CGDM's training: L_GD trains G, step C leaves the classifiers alone, paired seeds, bad input."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.cgdm import METHODS, Batch, BiClassifier, Classifier, FeatureGenerator, Method
from implementations.cgdm.bi_classifier import train
from implementations.cgdm.paper import PAPER
from repro.data.uda import Domain, DomainPair
from repro.experiment import deviation
from repro.train import TrainConfig


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_cgdm_sec3_gd_trains_generator(seed):
    """cgdm.sec3.gd-trains-generator: L_GD's gradient reaches G and is the true gradient."""
    claim = PAPER.claim("cgdm.sec3.gd-trains-generator")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_cgdm_alg_step_c_freezes_classifiers(seed):
    """cgdm.alg.step-c-freezes-classifiers: step C moves G, never F1 or F2."""
    claim = PAPER.claim("cgdm.alg.step-c-freezes-classifiers")
    assert deviation(claim, seed) <= claim.tolerance


def _blobs(n: int, shift: float, seed: int, name: str, dim: int = 6) -> Domain:
    """Three Gaussian classes in ``dim`` dimensions, the whole domain shifted by ``shift``."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    x = 3 * torch.eye(3, dim)[labels] + torch.randn(n, dim, generator=gen) + shift
    return Domain(x, labels, name)


def _run(method: str, seed: int = 0, epochs: int = 3, target_shift: float = 1.0):
    pair = DomainPair(_blobs(60, 0.0, 1, "s"), _blobs(45, target_shift, 2, "t"), 3)
    torch.manual_seed(seed)
    model = BiClassifier(FeatureGenerator(6, 16), Classifier(16, 3, 8), Classifier(16, 3, 8))
    config = TrainConfig(epochs=epochs, batch_size=16, lr=1e-2, optimizer="adam", min_batch=2)
    return model, train(model, pair, METHODS[method], config, seed)


def test_every_method_trains_and_the_same_seed_repeats_itself():
    for key in METHODS:
        _, a = _run(key)
        _, b = _run(key)
        assert a.accuracy == b.accuracy and a.pseudo_accuracy == b.pseudo_accuracy, key
        assert a.iterations == 3 * 4 and a.accuracy > 100 / 3, key
        # pseudo-labels from the 2nd epoch on (start_epoch 1), once per epoch here
        assert len(a.pseudo_accuracy) == (2 if METHODS[key].uses_pseudo_labels else 0), key


def test_l_gd_changes_training_and_source_only_ignores_the_target():
    with_gd, _ = _run("cgdm")
    without, _ = _run("cgdm_no_gd")
    assert any(
        not torch.equal(a, b)
        for a, b in zip(with_gd.generator.parameters(), without.generator.parameters(), strict=True)
    )
    # source only: no target sample reaches the model, not even its BatchNorm statistics
    a, _ = _run("source_only")
    b, _ = _run("source_only", target_shift=5.0)
    assert all(
        torch.equal(x, y)
        for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    )
    c, _ = _run("mcd")
    d, _ = _run("mcd", target_shift=5.0)
    assert not all(
        torch.equal(x, y)
        for x, y in zip(c.state_dict().values(), d.state_dict().values(), strict=True)
    )


def test_bad_input_raises_with_the_constraint():
    s = _blobs(10, 0.0, 0, "s")
    with pytest.raises(ValueError, match="domain t is empty"):
        DomainPair(s, Domain(torch.zeros(0, 6), torch.zeros(0, dtype=torch.int64), "t"), 3)
    with pytest.raises(ValueError, match="source s has 3 classes, the task 4"):
        DomainPair(s, _blobs(10, 0.0, 1, "t"), 4)
    with pytest.raises(ValueError, match="labels outside 0 … 1"):
        DomainPair(Domain(s.features, s.labels % 2, "s"), _blobs(10, 0.0, 1, "t"), 2)
    nan = _blobs(10, 0.0, 1, "t")
    nan.features[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite features"):
        DomainPair(s, nan, 3)
    with pytest.raises(ValueError, match="need the same feature shape"):
        DomainPair(s, _blobs(10, 0.0, 1, "t", dim=5), 3)
    with pytest.raises(ValueError, match="empty batch: 4 source and 0 target"):
        Batch(torch.zeros(4, 6), torch.zeros(4, dtype=torch.int64), torch.zeros(0, 6))
    with pytest.raises(ValueError, match=r"source inputs \(6,\) and target inputs \(5,\)"):
        Batch(torch.zeros(4, 6), torch.zeros(4, dtype=torch.int64), torch.zeros(4, 5))
    with pytest.raises(ValueError, match="L_GD belongs to step C"):
        Method("x", adversarial=False)
    with pytest.raises(ValueError, match="must not be negative"):
        Method("x", gd_weight=-1.0)
    with pytest.raises(ValueError, match="must be positive"):
        Classifier(16, 0)
