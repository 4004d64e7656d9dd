"""Bi-classifier adversarial adaptation: MCD's three steps per batch, and what CGDM adds to them.

One iteration on a source batch (x_s, y_s) and a target batch x_t (authors' ``train_visda.py``):

- step A, all of G, F1, F2:  L_s(F1) + L_s(F2) + λ_e E + λ_p (L_t^w(F1) + L_t^w(F2))
- step B, F1 and F2 only:    L_s(F1) + L_s(F2) − d(F1, F2) + λ_e E
- step C, G only, ``num_k`` times:  d(F1, F2) + λ_e E + λ_gd L_GD

with L_s the source cross-entropy, L_t^w the entropy-weighted cross-entropy on target
pseudo-labels (:mod:`~implementations.cgdm.weighted_cross_entropy`), d the classifier discrepancy
on the target batch (:mod:`~implementations.cgdm.discrepancy`), E the entropy terms of both
classifiers on the target batch (:mod:`~implementations.cgdm.entropy`) and L_GD the gradient
discrepancy averaged over F1 and F2 (:mod:`~implementations.cgdm.gradient_discrepancy`). The
pseudo-label and L_GD terms start at epoch ``start_epoch`` (the code: 1, after a plain epoch);
pseudo-labels (:mod:`~implementations.cgdm.pseudo_labels`) are recomputed on the whole target set
at the first iteration of each such epoch and every ``pseudo_interval`` iterations after it.

The baselines share this code: source-only is step A on the source batch alone (no target term,
no steps B, C); MCD is all three steps with λ_e = λ_p = λ_gd = 0. An epoch is one pass over the
source (the target batches cycle through seeded permutations of the target set, as the authors'
paired loader).

Departures from the code, all for CPU scale: networks trained from scratch
(:mod:`~implementations.cgdm.networks`) with Adam from :class:`repro.train.TrainConfig` for both
optimisers (the code: SGD, lr 3e-4, no momentum for G), and G's optimiser covers all of G (the
code's covers ``G.features`` only, leaving its bottleneck layer untrained).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.cgdm.discrepancy import classifier_discrepancy
from implementations.cgdm.entropy import entropy_loss
from implementations.cgdm.gradient_discrepancy import classifier_gradient_discrepancy
from implementations.cgdm.networks import BiClassifier
from implementations.cgdm.pseudo_labels import cluster_pseudo_labels
from implementations.cgdm.weighted_cross_entropy import weighted_cross_entropy
from repro.data.uda import Domain, DomainPair
from repro.train import TensorData, TrainConfig, evaluate, features, predict


@dataclass(frozen=True)
class Method:
    """Which steps and loss terms a method uses; the weights default to the code's VisDA ones.

    ``entropy_weight`` λ_e (all steps), ``pseudo_weight`` λ_p (step A), ``gd_weight`` λ_gd
    (step C); ``adversarial`` runs steps B and C; ``num_k`` repeats step C.
    """

    name: str
    adversarial: bool = True
    entropy_weight: float = 0.01
    pseudo_weight: float = 0.01
    gd_weight: float = 0.01
    num_k: int = 4
    pseudo_interval: int = 2000
    start_epoch: int = 1

    def __post_init__(self) -> None:
        if min(self.entropy_weight, self.pseudo_weight, self.gd_weight) < 0:
            raise ValueError(f"{self.name}: loss weights must not be negative")
        if self.num_k < 1 or self.pseudo_interval < 1 or self.start_epoch < 0:
            raise ValueError(
                f"{self.name}: num_k and pseudo_interval must be positive, start_epoch ≥ 0"
            )
        if not self.adversarial and self.gd_weight:
            raise ValueError(f"{self.name}: L_GD belongs to step C, which needs adversarial=True")

    @property
    def uses_target(self) -> bool:
        """Whether any loss term sees the target batch (source-only: none does)."""
        return self.adversarial or bool(self.entropy_weight or self.pseudo_weight)

    @property
    def uses_pseudo_labels(self) -> bool:
        return bool(self.pseudo_weight or self.gd_weight)


#: The five methods compared, in table order. The ablations drop one of CGDM's two additions.
METHODS: dict[str, Method] = {
    "source_only": Method(
        "source only", adversarial=False, entropy_weight=0.0, pseudo_weight=0.0, gd_weight=0.0
    ),
    "mcd": Method("MCD", entropy_weight=0.0, pseudo_weight=0.0, gd_weight=0.0),
    "cgdm_no_pseudo": Method("CGDM without pseudo-label training", pseudo_weight=0.0),
    "cgdm_no_gd": Method("CGDM without L_GD", gd_weight=0.0),
    "cgdm": Method("CGDM"),
}


@dataclass
class Batch:
    """Source inputs ``(B, ...)`` and labels ``(B,)``, target inputs ``(B, ...)`` and, once
    pseudo-labels exist, their pseudo-labels ``(B,)``."""

    xs: Tensor
    ys: Tensor
    xt: Tensor
    pseudo: Tensor | None = None

    def __post_init__(self) -> None:
        if len(self.xs) == 0 or len(self.xt) == 0:
            raise ValueError(
                f"empty batch: {len(self.xs)} source and {len(self.xt)} target samples; "
                "every step needs both"
            )
        if self.xs.shape[1:] != self.xt.shape[1:]:
            raise ValueError(
                f"source inputs {tuple(self.xs.shape[1:])} and target inputs "
                f"{tuple(self.xt.shape[1:])} per sample must have the same shape"
            )
        if self.pseudo is not None and len(self.pseudo) != len(self.xt):
            raise ValueError("one pseudo-label per target sample")


def _forward(model: BiClassifier, batch: Batch) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Source and target logits of F1 and F2: (s1, s2, t1, t2), G run once on both batches."""
    _, o1, o2 = model.outputs(torch.cat([batch.xs, batch.xt]))
    n = len(batch.xs)
    return o1[:n], o2[:n], o1[n:], o2[n:]


def _entropy(t1: Tensor, t2: Tensor) -> Tensor:
    return entropy_loss(F.softmax(t1, dim=1)) + entropy_loss(F.softmax(t2, dim=1))


def step_a(
    model: BiClassifier,
    opt_g: torch.optim.Optimizer,
    opt_f: torch.optim.Optimizer,
    batch: Batch,
    method: Method,
) -> float:
    """Step A: G, F1, F2 minimise the source loss (+ entropy, + weighted pseudo-label loss).

    G runs on source and target batches together (as the code), except for a method whose
    losses never see the target (source-only), which runs on the source batch alone so that
    not even G's BatchNorm statistics see target samples.
    """
    if not method.uses_target:
        _, s1, s2 = model.outputs(batch.xs)
        loss = F.cross_entropy(s1, batch.ys) + F.cross_entropy(s2, batch.ys)
        opt_g.zero_grad(set_to_none=True)
        opt_f.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        opt_f.step()
        return float(loss.detach())
    s1, s2, t1, t2 = _forward(model, batch)
    loss = F.cross_entropy(s1, batch.ys) + F.cross_entropy(s2, batch.ys)
    if method.entropy_weight:
        loss = loss + method.entropy_weight * _entropy(t1, t2)
    if method.pseudo_weight and batch.pseudo is not None:
        pseudo = weighted_cross_entropy(t1, batch.pseudo) + weighted_cross_entropy(t2, batch.pseudo)
        loss = loss + method.pseudo_weight * pseudo
    opt_g.zero_grad(set_to_none=True)
    opt_f.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    opt_f.step()
    return float(loss.detach())


def step_b(
    model: BiClassifier, opt_f: torch.optim.Optimizer, batch: Batch, method: Method
) -> float:
    """Step B: F1, F2 keep the source loss low and make their target predictions disagree."""
    s1, s2, t1, t2 = _forward(model, batch)
    loss = F.cross_entropy(s1, batch.ys) + F.cross_entropy(s2, batch.ys)
    loss = loss - classifier_discrepancy(t1, t2)
    if method.entropy_weight:
        loss = loss + method.entropy_weight * _entropy(t1, t2)
    opt_f.zero_grad(set_to_none=True)
    loss.backward()
    opt_f.step()
    return float(loss.detach())


def step_c(
    model: BiClassifier, opt_g: torch.optim.Optimizer, batch: Batch, method: Method
) -> float:
    """Step C (one of ``num_k``): G makes the classifiers agree on the target batch and, with
    pseudo-labels, aligns the source and target gradients of both classifiers (L_GD).

    Only ``opt_g`` steps: F1 and F2 receive gradients here but are not moved.
    """
    s1, s2, t1, t2 = _forward(model, batch)
    loss = classifier_discrepancy(t1, t2)
    if method.entropy_weight:
        loss = loss + method.entropy_weight * _entropy(t1, t2)
    if method.gd_weight and batch.pseudo is not None:
        gd = 0.5 * (
            classifier_gradient_discrepancy(
                model.f1, F.cross_entropy(s1, batch.ys), weighted_cross_entropy(t1, batch.pseudo)
            )
            + classifier_gradient_discrepancy(
                model.f2, F.cross_entropy(s2, batch.ys), weighted_cross_entropy(t2, batch.pseudo)
            )
        )
        loss = loss + method.gd_weight * gd
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return float(loss.detach())


def iteration(
    model: BiClassifier,
    opt_g: torch.optim.Optimizer,
    opt_f: torch.optim.Optimizer,
    batch: Batch,
    method: Method,
) -> None:
    """One training iteration of ``method``: step A, then (adversarial) B and ``num_k`` × C."""
    model.train()
    step_a(model, opt_g, opt_f, batch, method)
    if method.adversarial:
        step_b(model, opt_f, batch, method)
        for _ in range(method.num_k):
            step_c(model, opt_g, batch, method)


@torch.no_grad()
def pseudo_labels_of(model: BiClassifier, target: Tensor) -> Tensor:
    """:func:`~implementations.cgdm.pseudo_labels.cluster_pseudo_labels` of all target inputs
    ``(N, ...)`` with the model in evaluation mode; ``(N,)``."""
    feats = features(model.generator, target)  # (N, D)
    return cluster_pseudo_labels(feats, predict(model, target))


@dataclass
class Result:
    """Target accuracy (%) of argmax(F1 + F2) after training, and what led to it."""

    accuracy: float
    #: accuracy (%) of each pseudo-label refresh against the (hidden) target labels
    pseudo_accuracy: list[float] = field(default_factory=list)
    iterations: int = 0
    seconds: float = 0.0


def _cycle(n: int, gen: torch.Generator):
    """Target indices: seeded permutations of range(n), one after another."""
    while True:
        yield from torch.randperm(n, generator=gen).tolist()


def train(
    model: BiClassifier,
    pair: DomainPair,
    method: Method,
    config: TrainConfig,
    seed: int,
    test: Domain | None = None,
) -> Result:
    """Train ``model`` on ``pair`` with ``method``; score argmax(F1 + F2) on ``test`` (default:
    the target domain itself, the transductive protocol of the feature benchmarks).

    ``config`` gives the optimiser (one for G, one for F1 and F2), learning rate, schedule,
    epochs, batch size and ``min_batch``. The same ``seed`` gives every method the same source
    batches and the same target batches (the caller seeds the initial weights).
    """
    n_s, n_t = len(pair.source.labels), len(pair.target.labels)
    steps = config.steps_per_epoch(n_s)
    if steps == 0:
        raise ValueError(f"{n_s} source samples make no batch of at least {config.min_batch}")
    start = time.perf_counter()
    opt_g = config.optimizer_for(model.generator.parameters())
    opt_f = config.optimizer_for(itertools.chain(model.f1.parameters(), model.f2.parameters()))
    scheds = [config.scheduler_for(o, config.epochs * steps) for o in (opt_g, opt_f)]
    order_gen = torch.Generator().manual_seed(seed)
    target_idx = _cycle(n_t, torch.Generator().manual_seed(seed + 1_000_003))
    xs_all, ys_all, xt_all = pair.source.features, pair.source.labels, pair.target.features
    result = Result(accuracy=float("nan"))
    pseudo: Tensor | None = None
    for epoch in range(config.epochs):
        order = torch.randperm(n_s, generator=order_gen)
        active = method.uses_pseudo_labels and epoch >= method.start_epoch
        for step in range(steps):
            if active and step % method.pseudo_interval == 0:
                pseudo = pseudo_labels_of(model, xt_all)
                hits = (pseudo == pair.target.labels).double().mean()
                result.pseudo_accuracy.append(100.0 * float(hits))
            idx_s = order[step * config.batch_size : (step + 1) * config.batch_size]
            idx_t = torch.tensor([next(target_idx) for _ in range(len(idx_s))])
            batch = Batch(
                xs_all[idx_s], ys_all[idx_s], xt_all[idx_t], pseudo[idx_t] if active else None
            )
            iteration(model, opt_g, opt_f, batch, method)
            for s in scheds:
                s.step()
            result.iterations += 1
    scored = test if test is not None else pair.target
    _, result.accuracy = evaluate(model, TensorData(scored.features, scored.labels))
    result.seconds = time.perf_counter() - start
    return result
