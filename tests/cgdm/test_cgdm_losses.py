"""Exact claims about CGDM's losses: L_GD, the entropy weights, the centroids, the discrepancy."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.cgdm import (
    classifier_discrepancy,
    cluster_pseudo_labels,
    entropy_loss,
    entropy_weights,
    gradient_discrepancy,
    weighted_centroids,
    weighted_cross_entropy,
)
from implementations.cgdm.paper import PAPER
from repro.experiment import deviation

SEEDS = st.integers(0, 2**32 - 1)


def _claim_holds(claim_id: str, seed: int) -> None:
    claim = PAPER.claim(claim_id)
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_cgdm_sec3_gd_identical_opposite(seed):
    """cgdm.sec3.gd-identical-opposite: L_GD(g, g) = 0, L_GD(g, −g) = 2."""
    _claim_holds("cgdm.sec3.gd-identical-opposite", seed)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_cgdm_sec3_gd_scale_invariant(seed):
    """cgdm.sec3.gd-scale-invariant: L_GD(a g_s, b g_t) = L_GD(g_s, g_t) for a, b > 0."""
    _claim_holds("cgdm.sec3.gd-scale-invariant", seed)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_cgdm_sec3_entropy_weights(seed):
    """cgdm.sec3.entropy-weights: the weights sum to 1 and never increase with the entropy."""
    _claim_holds("cgdm.sec3.entropy-weights", seed)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_cgdm_sec3_one_hot_centroids(seed):
    """cgdm.sec3.one-hot-centroids: one-hot weights give the class means."""
    _claim_holds("cgdm.sec3.one-hot-centroids", seed)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_cgdm_sec3_discrepancy(seed):
    """cgdm.sec3.discrepancy: symmetric, 0 iff the softmaxes agree."""
    _claim_holds("cgdm.sec3.discrepancy", seed)


def test_gd_matches_the_authors_per_tensor_cosine():
    """Vectors as a whole, matrices row by row, then the mean of 1 − cos over tensors (as in
    the authors' gradient_discrepancy_loss_margin), written out as plain loops."""
    gen = torch.Generator().manual_seed(0)
    gs = [torch.randn(4, 3, generator=gen, dtype=torch.float64) for _ in range(2)]
    gt = [torch.randn(4, 3, generator=gen, dtype=torch.float64) for _ in range(2)]
    gs[1], gt[1] = gs[1][0], gt[1][0]  # a vector

    def cos(a, b):
        return float((a * b).sum() / (a.norm() * b.norm()))

    rows = sum(cos(gs[0][i], gt[0][i]) for i in range(4)) / 4
    expected = ((1 - rows) + (1 - cos(gs[1], gt[1]))) / 2
    got = gradient_discrepancy(gs, gt)
    assert float(got) == pytest.approx(expected, abs=1e-12)
    orthogonal = gradient_discrepancy([torch.tensor([1.0, 0.0])], [torch.tensor([0.0, 2.0])])
    assert float(orthogonal) == pytest.approx(1.0)


def test_weighted_cross_entropy_is_the_codes_formula():
    """mean_i(w_i · CE_i), w = (1 + e^−H) / Σ(1 + e^−H) with the normaliser detached."""
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(7, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 5, (7,), generator=gen)
    p = F.softmax(logits, 1)
    h = -(p * torch.log(p + 1e-5)).sum(1)
    w = 1 + torch.exp(-h)
    expected = (w / w.sum().item() * F.cross_entropy(logits, labels, reduction="none")).mean()
    got = weighted_cross_entropy(logits, labels)
    assert float(got.detach()) == pytest.approx(float(expected.detach()), abs=1e-14)
    (g_got,) = torch.autograd.grad(got, logits)
    (g_exp,) = torch.autograd.grad(expected, logits)
    torch.testing.assert_close(g_got, g_exp)
    # a uniform prediction and a confident one: the confident one weighs more
    w2 = entropy_weights(torch.tensor([[0.0, 0.0, 0.0], [9.0, 0.0, 0.0]]))
    assert w2[1] > w2[0] and float(w2.sum()) == pytest.approx(1.0)


def test_entropy_terms_reward_confident_and_diverse_batches():
    eye = torch.eye(4)
    collapsed = torch.tensor([[1.0, 0, 0, 0]] * 4)
    uniform = torch.full((4, 4), 0.25)
    # confident and spread over the classes: the lowest loss
    assert entropy_loss(eye) < entropy_loss(collapsed)
    assert entropy_loss(eye) < entropy_loss(uniform)
    assert float(entropy_loss(eye)) == pytest.approx(-math.log(4), abs=1e-3)


def test_pseudo_labels_recover_separated_clusters_and_fix_a_wrong_classifier():
    """Three well-separated clusters: one refinement round recovers them even when the
    classifier's logits mislabel a third of the samples of each cluster."""
    gen = torch.Generator().manual_seed(2)
    centres = 10 * torch.eye(3)
    labels = torch.arange(3).repeat_interleave(20)
    feats = centres[labels] + 0.5 * torch.randn(60, 3, generator=gen)
    noisy = labels.clone()
    noisy[::3] = (noisy[::3] + 1) % 3  # a third mislabelled by the classifier
    logits = 4 * F.one_hot(noisy, 3).float()
    assert torch.equal(cluster_pseudo_labels(feats, logits), labels)


def test_bad_inputs_raise_with_the_constraint():
    with pytest.raises(ValueError, match="equally long, non-empty"):
        gradient_discrepancy([torch.ones(2)], [])
    with pytest.raises(ValueError, match=r"gradient 0: source \(2,\) and target \(3,\)"):
        gradient_discrepancy([torch.ones(2)], [torch.ones(3)])
    with pytest.raises(ValueError, match="must both be"):
        classifier_discrepancy(torch.zeros(3, 4), torch.zeros(3, 5))
    with pytest.raises(ValueError, match="non-empty"):
        entropy_weights(torch.zeros(0, 4))
    with pytest.raises(ValueError, match="one pseudo-label per target sample"):
        weighted_cross_entropy(torch.zeros(3, 4), torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="same N"):
        weighted_centroids(torch.zeros(3, 2), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="no target samples"):
        cluster_pseudo_labels(torch.zeros(0, 2), torch.zeros(0, 3))


def test_discrepancy_value_is_the_mean_over_samples_and_classes():
    """Opposite one-hot predictions over K = 2: |1 − 0| + |0 − 1| over 2 classes → 1."""
    a = torch.tensor([[50.0, 0.0], [0.0, 50.0]])
    assert float(classifier_discrepancy(a, a.flip(1))) == pytest.approx(1.0)
    assert float(classifier_discrepancy(a, torch.zeros(2, 2))) == pytest.approx(0.5)


def _obtain_label_reference(feats, logits, rounds=1):
    """The authors' obtain_label in numpy and scipy (cdist cosine), for non-empty classes."""
    import numpy as np
    from scipy.spatial.distance import cdist

    f = np.concatenate([feats, np.ones((len(feats), 1))], 1)
    f = f / np.linalg.norm(f, axis=1, keepdims=True)
    aff = torch.softmax(torch.from_numpy(logits), 1).numpy()
    pred = None
    for r in range(rounds + 1):
        if r:
            aff = np.eye(logits.shape[1])[pred]
        c = aff.T.dot(f) / (1e-8 + aff.sum(0)[:, None])
        pred = cdist(f, c, "cosine").argmin(1)
    return pred


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_pseudo_labels_equal_the_authors_obtain_label(seed):
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(40, 5, generator=gen, dtype=torch.float64) + 0.3
    logits = 2 * torch.randn(40, 4, generator=gen, dtype=torch.float64)
    ours = cluster_pseudo_labels(feats, logits).numpy()
    initial = _obtain_label_reference(feats.numpy(), logits.numpy(), rounds=0)
    if len(set(initial.tolist())) < 4:  # the reference's empty-class centroid is NaN
        return
    assert (ours == _obtain_label_reference(feats.numpy(), logits.numpy())).all()


def test_the_refinement_round_matters_on_some_instance():
    """Without this, the reference comparison above could not tell 0 rounds from 1."""
    changed = 0
    for seed in range(10):
        gen = torch.Generator().manual_seed(seed)
        feats = torch.randn(40, 5, generator=gen, dtype=torch.float64) + 0.3
        logits = 2 * torch.randn(40, 4, generator=gen, dtype=torch.float64)
        changed += int(
            not torch.equal(
                cluster_pseudo_labels(feats, logits, 0), cluster_pseudo_labels(feats, logits, 1)
            )
        )
    assert changed > 0
