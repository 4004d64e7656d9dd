"""The check functions of CGDM's identity claims: one seeded random instance → largest deviation.

The runner evaluates each on the instances of seeds 0 … n − 1 and the property tests in
``tests/cgdm`` on the seeds hypothesis picks (:func:`repro.experiment.deviation`); no dataset is
needed.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.cgdm.bi_classifier import METHODS, Batch, step_c
from implementations.cgdm.discrepancy import classifier_discrepancy
from implementations.cgdm.gradient_discrepancy import (
    classifier_gradient_discrepancy,
    gradient_discrepancy,
)
from implementations.cgdm.networks import BiClassifier, Classifier, FeatureGenerator
from implementations.cgdm.pseudo_labels import weighted_centroids
from implementations.cgdm.weighted_cross_entropy import entropy_weights, weighted_cross_entropy


def _integer(gen: torch.Generator, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return int(torch.randint(low, high + 1, (), generator=gen))


def _positive(gen: torch.Generator) -> float:
    """A positive scale, log-uniform in [1e-3, 1e3]."""
    return float(10 ** (6 * torch.rand((), generator=gen, dtype=torch.float64) - 3))


def random_gradients(gen: torch.Generator) -> list[Tensor]:
    """1–5 float64 tensors ~ N(0, 1): vectors, matrices and 4-d kernels of 1–6 per side."""
    out = []
    for _ in range(_integer(gen, 1, 5)):
        shape = [_integer(gen, 1, 6) for _ in range(_integer(gen, 1, 4))]
        out.append(torch.randn(*shape, generator=gen, dtype=torch.float64))
    return out


def gd_identical_and_opposite(gen: torch.Generator) -> float:
    """Random gradient lists (1–5 tensors of 1–4 dims, float64), and their negatives.

    cgdm.sec3.gd-identical-opposite: L_GD(g, g) = 0 and L_GD(g, −g) = 2. Returns the larger of
    |L_GD(g, g)| and |L_GD(g, −g) − 2|.
    """
    g = random_gradients(gen)
    same = gradient_discrepancy(g, [x.clone() for x in g])
    opposite = gradient_discrepancy(g, [-x for x in g])
    return max(abs(float(same)), abs(float(opposite) - 2.0))


def gd_scale_invariant(gen: torch.Generator) -> float:
    """Two random gradient lists of the same shapes, each side scaled by its own positive factor
    (log-uniform in [1e-3, 1e3]).

    cgdm.sec3.gd-scale-invariant: L_GD(a·g_s, b·g_t) = L_GD(g_s, g_t) for a, b > 0; the loss
    sees only directions. Returns the absolute difference.
    """
    gs = random_gradients(gen)
    gt = [torch.randn(x.shape, generator=gen, dtype=torch.float64) for x in gs]
    a, b = _positive(gen), _positive(gen)
    scaled = gradient_discrepancy([a * x for x in gs], [b * x for x in gt])
    return abs(float(scaled) - float(gradient_discrepancy(gs, gt)))


def weights_favour_confident(gen: torch.Generator) -> float:
    """Random logits (N = 1–40, K = 2–12) ~ N(0, s²), s log-uniform in [1e-3, 1e3].

    cgdm.sec3.entropy-weights: the weights w_i = (1 + e^{−H(p_i)}) / Σ_j (1 + e^{−H(p_j)}) sum
    to 1 and never increase with the entropy. Returns the larger of |Σ w − 1| and the largest
    rise of a weight over any sample of higher entropy (relative to the mean weight 1/N).
    """
    n, k = _integer(gen, 1, 40), _integer(gen, 2, 12)
    logits = _positive(gen) * torch.randn(n, k, generator=gen, dtype=torch.float64)
    w = entropy_weights(logits)
    p = F.softmax(logits, dim=1)
    entropy = -(p * torch.log(p + 1e-5)).sum(1)
    order = entropy.argsort()
    rises = (w[order][1:] - w[order][:-1]).clamp(min=0.0)  # weight gained as entropy grows
    rise = float(rises.max()) * n if len(rises) else 0.0
    return max(abs(float(w.sum()) - 1.0), rise)


def centroids_of_one_hot(gen: torch.Generator) -> float:
    """Random features (N = 1–30, D = 1–8) ~ N(0, 1) and labels in 0 … K − 1 (K = 1–6).

    cgdm.sec3.one-hot-centroids: with one-hot predictions as weights, the weighted centroids are
    the class means (and a class without members gets the zero vector). Returns the largest
    absolute difference from the plainly computed means.
    """
    n, d, k = _integer(gen, 1, 30), _integer(gen, 1, 8), _integer(gen, 1, 6)
    f = torch.randn(n, d, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, k, (n,), generator=gen)
    centroids = weighted_centroids(f, F.one_hot(labels, k).double())
    worst = 0.0
    for c in range(k):
        members = f[labels == c]
        mean = members.mean(0) if len(members) else torch.zeros(d, dtype=torch.float64)
        worst = max(worst, float((centroids[c] - mean).abs().max()))
    return worst


def discrepancy_symmetric(gen: torch.Generator) -> float:
    """Random logits pairs (N = 1–20, K = 2–10) ~ N(0, 3²), and one side shifted per row.

    cgdm.mcd.discrepancy: d(F1, F2) = d(F2, F1); d = 0 when the two softmaxes agree (equal
    logits, or logits that differ by a constant per row); d > 0 when they differ. Returns the
    largest of |d(a, b) − d(b, a)|, d(a, a + c) and, if d(a, b) = 0 for softmaxes that differ by
    more than 1e-6, infinity.
    """
    n, k = _integer(gen, 1, 20), _integer(gen, 2, 10)
    a = 3 * torch.randn(n, k, generator=gen, dtype=torch.float64)
    b = 3 * torch.randn(n, k, generator=gen, dtype=torch.float64)
    shift = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    differ = float((F.softmax(a, 1) - F.softmax(b, 1)).abs().max()) > 1e-6
    if differ and float(classifier_discrepancy(a, b)) <= 0.0:
        return math.inf
    return max(
        abs(float(classifier_discrepancy(a, b) - classifier_discrepancy(b, a))),
        float(classifier_discrepancy(a, a + shift)),
    )


def _tiny_model(gen: torch.Generator, d: int, k: int) -> BiClassifier:
    """A float64 G (d → 6) with F1, F2 (6 → 5 → k), no dropout, weights drawn from ``gen``."""
    model = BiClassifier(
        FeatureGenerator(d, 6),
        Classifier(6, k, hidden=5, num_layer=1, dropout=0.0),
        Classifier(6, k, hidden=5, num_layer=1, dropout=0.0),
    ).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.7)
    return model


def gd_reaches_generator(gen: torch.Generator) -> float:
    """A float64 G (d → 6, d = 2–5) with two classifiers (6 → 5 → K, K = 2–4) and random source
    and target batches (B = 3–8, pseudo-labels random).

    cgdm.sec3.gd-trains-generator: L_GD is built with create_graph=True, so it has a gradient
    with respect to G's first weight matrix, and that gradient is the true one. Returns the
    largest absolute difference between autograd's gradient and central finite differences
    (step 1e-6), relative to the gradient's largest entry; infinity if the gradient is zero.
    """
    d, k, b = _integer(gen, 2, 5), _integer(gen, 2, 4), _integer(gen, 3, 8)
    model = _tiny_model(gen, d, k)
    model.train()  # BatchNorm uses the batch statistics: deterministic for a fixed batch
    xs = torch.randn(b, d, generator=gen, dtype=torch.float64)
    xt = torch.randn(b, d, generator=gen, dtype=torch.float64) + 0.5
    ys = torch.randint(0, k, (b,), generator=gen)
    yt = torch.randint(0, k, (b,), generator=gen)
    weight = model.generator[0].weight

    def loss() -> Tensor:
        _, o1, o2 = model.outputs(torch.cat([xs, xt]))
        return 0.5 * sum(
            classifier_gradient_discrepancy(
                f, F.cross_entropy(o[:b], ys), weighted_cross_entropy(o[b:], yt)
            )
            for f, o in ((model.f1, o1), (model.f2, o2))
        )

    (grad,) = torch.autograd.grad(loss(), [weight])
    scale = float(grad.abs().max())
    if scale == 0.0:
        return math.inf
    numeric = torch.zeros_like(weight)
    for i in range(weight.shape[0]):
        for j in range(weight.shape[1]):
            keep = float(weight[i, j].detach())
            values = []
            for x in (keep + 1e-6, keep - 1e-6):
                with torch.no_grad():
                    weight[i, j] = x
                values.append(float(loss().detach()))  # L_GD itself needs autograd
            with torch.no_grad():
                weight[i, j] = keep
            numeric[i, j] = (values[0] - values[1]) / 2e-6
    return float((grad - numeric).abs().max()) / scale


def step_c_moves_only_generator(gen: torch.Generator) -> float:
    """A float64 G (d → 6, d = 2–5) with two classifiers (6 → 5 → K), random batches
    (B = 3–8) with pseudo-labels; one CGDM step C with SGD (lr 0.1) on G.

    cgdm.alg.step-c-freezes-classifiers: step C updates G only; F1 and F2 stay bit-identical
    although the backward of L_GD and the discrepancy reaches them. Returns the largest change
    of any classifier parameter; infinity if G did not move.
    """
    d, k, b = _integer(gen, 2, 5), _integer(gen, 2, 4), _integer(gen, 3, 8)
    model = _tiny_model(gen, d, k)
    batch = Batch(
        torch.randn(b, d, generator=gen, dtype=torch.float64),
        torch.randint(0, k, (b,), generator=gen),
        torch.randn(b, d, generator=gen, dtype=torch.float64) + 0.5,
        torch.randint(0, k, (b,), generator=gen),
    )
    before_f = [p.detach().clone() for p in (*model.f1.parameters(), *model.f2.parameters())]
    before_g = [p.detach().clone() for p in model.generator.parameters()]
    opt_g = torch.optim.SGD(model.generator.parameters(), lr=0.1)
    model.train()
    step_c(model, opt_g, batch, METHODS["cgdm"])
    after_f = [p.detach() for p in (*model.f1.parameters(), *model.f2.parameters())]
    if all(torch.equal(a, p) for a, p in zip(before_g, model.generator.parameters(), strict=True)):
        return math.inf
    return max(float((a - p).abs().max()) for a, p in zip(before_f, after_f, strict=True))
