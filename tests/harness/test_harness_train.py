"""repro.train: the seeded loop, its history, evaluation, the linear probe, kNN and ridge."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from repro.train import (
    TensorData,
    TrainConfig,
    evaluate,
    fit,
    knn_accuracy,
    linear_probe,
    model_loss,
    ridge_accuracy,
)


def blobs(n: int, seed: int, dim: int = 8, classes: int = 3, spread: float = 0.3) -> TensorData:
    """Gaussian blobs around fixed class centres: linearly separable with small spread."""
    centres = torch.randn(classes, dim, generator=torch.Generator().manual_seed(1234)) * 3
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, classes, (n,), generator=gen)
    return TensorData(centres[labels] + spread * torch.randn(n, dim, generator=gen), labels)


def mlp(seed: int, dim: int = 8, classes: int = 3) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(dim, 16), nn.ReLU(), nn.Linear(16, classes))


CFG = TrainConfig(epochs=5, batch_size=16, lr=0.05, optimizer="sgd", momentum=0.9)


def test_fit_learns_a_separable_problem_and_records_every_epoch():
    history = fit(mlp(0), blobs(300, 0), CFG, seed=0, test=blobs(200, 1))
    assert [e.epoch for e in history.epochs] == [1, 2, 3, 4, 5]
    assert all(e.test_acc is not None and e.test_loss is not None for e in history.epochs)
    assert history.final_test_acc > 95.0 and history.final_train_acc > 95.0
    assert history.epochs[-1].train_loss < history.epochs[0].train_loss


def test_same_seed_same_history_other_seed_other_batches():
    a = fit(mlp(0), blobs(100, 0), CFG, seed=3, test=blobs(50, 1))
    b = fit(mlp(0), blobs(100, 0), CFG, seed=3, test=blobs(50, 1))
    c = fit(mlp(0), blobs(100, 0), CFG, seed=4, test=blobs(50, 1))

    def without_time(h):
        return [{k: v for k, v in e.items() if k != "seconds"} for e in h.to_dict()]

    assert without_time(a) == without_time(b)
    assert [e.train_loss for e in a.epochs] != [e.train_loss for e in c.epochs]


def test_augmentation_draws_from_the_seeded_stream():
    seen: list[float] = []

    def augment(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        shift = float(rng.normal())
        seen.append(shift)
        return x + 0.01 * shift

    data = blobs(64, 0)
    data = TensorData(data.inputs, data.labels, augment)
    fit(mlp(0), data, TrainConfig(epochs=1, batch_size=16, lr=0.01), seed=7)
    expected = np.random.default_rng(7).normal(size=4).tolist()
    assert seen == expected


def test_cosine_schedule_reaches_zero_after_warmup():
    model = mlp(0)
    cfg = TrainConfig(epochs=2, batch_size=10, lr=0.1, warmup_steps=5)
    history = fit(model, blobs(100, 0), cfg, seed=0)
    assert history.epochs[0].lr == pytest.approx(0.1 / 5)  # first step of the warm-up
    opt = cfg.optimizer_for(mlp(0).parameters())
    sched = cfg.scheduler_for(opt, 20)
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.02) and lrs[5] == pytest.approx(0.1)
    assert all(a < b for a, b in itertools.pairwise(lrs[:6]))  # linear warm-up
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    assert all(a >= b for a, b in itertools.pairwise(lrs[5:]))


def test_min_batch_drops_the_short_last_batch():
    cfg = TrainConfig(epochs=1, batch_size=16, lr=0.01, min_batch=2)
    assert cfg.steps_per_epoch(33) == 2 and cfg.steps_per_epoch(34) == 3
    assert TrainConfig(epochs=1, batch_size=16, lr=0.01).steps_per_epoch(33) == 3


def test_gradient_clipping_bounds_the_update():
    model = nn.Linear(8, 3)
    before = [p.detach().clone() for p in model.parameters()]
    big = TensorData(1e4 * torch.randn(16, 8), torch.zeros(16, dtype=torch.long))
    cfg = TrainConfig(
        epochs=1, batch_size=16, lr=1.0, momentum=0.0, grad_clip=0.5, schedule="constant"
    )
    fit(model, big, cfg, seed=0)
    step = torch.cat(
        [(p.detach() - b).flatten() for p, b in zip(model.parameters(), before, strict=True)]
    )
    assert float(step.norm()) == pytest.approx(0.5, rel=1e-4)


def test_label_smoothing_changes_the_loss():
    data = blobs(64, 0)
    plain = fit(mlp(0), data, TrainConfig(epochs=1, batch_size=64, lr=1e-9), seed=0)
    smooth = fit(
        mlp(0), data, TrainConfig(epochs=1, batch_size=64, lr=1e-9, label_smoothing=0.3), seed=0
    )
    assert plain.epochs[0].train_loss != pytest.approx(smooth.epochs[0].train_loss)


def test_evaluate_matches_a_direct_computation():
    model, data = mlp(0), blobs(50, 2)
    loss, acc = evaluate(model, data, batch_size=7)
    with torch.no_grad():
        logits = model(data.inputs)
    assert loss == pytest.approx(float(nn.functional.cross_entropy(logits, data.labels)), rel=1e-5)
    assert acc == pytest.approx(100.0 * float((logits.argmax(1) == data.labels).float().mean()))


def test_linear_probe_keeps_the_encoder_frozen_and_separates_blobs():
    encoder = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
    torch.manual_seed(0)
    frozen = [p.detach().clone() for p in encoder.parameters()]
    probe = linear_probe(encoder, blobs(300, 0), blobs(200, 1), CFG, seed=0)
    assert probe.final_test_acc > 90.0
    assert all(torch.equal(p, f) for p, f in zip(encoder.parameters(), frozen, strict=True))


def _knn_reference(a, ya, b, k, metric):
    """Plain loops: distances, the k nearest, the majority label (ties: nearest first)."""
    pred = []
    for q in b:
        if metric == "cosine":
            d = [-float(q @ x / (q.norm() * x.norm())) for x in a]
        else:
            d = [float((q - x).norm()) for x in a]
        nearest = sorted(range(len(a)), key=lambda i: d[i])[:k]
        votes: dict[int, int] = {}
        for i in nearest:
            votes[int(ya[i])] = votes.get(int(ya[i]), 0) + 1
        best = max(votes.values())
        pred.append(next(int(ya[i]) for i in nearest if votes[int(ya[i])] == best))
    return pred


@pytest.mark.parametrize("k", [1, 3, 4])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_knn_matches_a_loop_reference(k, metric):
    gen = torch.Generator().manual_seed(k)
    a, b = torch.randn(40, 5, generator=gen), torch.randn(25, 5, generator=gen)
    ya, yb = torch.randint(0, 3, (40,), generator=gen), torch.randint(0, 3, (25,), generator=gen)
    ref = _knn_reference(a.double(), ya, b.double(), k, metric)
    expected = 100.0 * sum(p == int(y) for p, y in zip(ref, yb, strict=True)) / len(yb)
    assert knn_accuracy(a, ya, b, yb, k=k, metric=metric, chunk=7) == pytest.approx(expected)


def _ridge_predict(a, ya, b, alpha, classes):
    """Primal ridge with an intercept: centre, solve (XᵀX + αI) W = XᵀY, predict the argmax."""
    y = 2.0 * torch.nn.functional.one_hot(ya, classes).double() - 1.0
    mx, my = a.mean(0), y.mean(0)
    xc = a - mx
    w = torch.linalg.solve(
        xc.T @ xc + alpha * torch.eye(a.shape[1], dtype=a.dtype), xc.T @ (y - my)
    )
    return ((b - mx) @ w + my).argmax(1)


@pytest.mark.parametrize(("n", "dim"), [(30, 5), (20, 40), (9, 3), (12, 30)])
def test_ridge_matches_a_primal_solve_and_a_leave_one_out_loop(n, dim):
    gen = torch.Generator().manual_seed(dim)
    a, b = torch.randn(n, dim, generator=gen), torch.randn(25, dim, generator=gen)
    ya, yb = torch.randint(0, 3, (n,), generator=gen), torch.randint(0, 3, (25,), generator=gen)
    a[ya == 1] += 0.8  # some signal, so that the penalty matters
    a, b = a.double(), b.double()
    alphas = (0.01, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0)
    loo = []
    for alpha in alphas:
        hits = 0
        for i in range(n):
            keep = torch.arange(n) != i
            hits += int(_ridge_predict(a[keep], ya[keep], a[i : i + 1], alpha, 3)[0] == ya[i])
        loo.append(hits)
    alpha = alphas[loo.index(max(loo))]  # the first of the best
    expected = 100.0 * float((_ridge_predict(a, ya, b, alpha, 3) == yb).double().mean())
    acc, chosen = ridge_accuracy(a, ya, b, yb, alphas)
    assert chosen == alpha
    assert acc == pytest.approx(expected)


def test_bad_arguments_raise_with_the_constraint():
    with pytest.raises(ValueError, match="epochs and batch_size must be positive"):
        TrainConfig(epochs=0, batch_size=1, lr=0.1)
    with pytest.raises(ValueError, match="optimizer must be"):
        TrainConfig(epochs=1, batch_size=1, lr=0.1, optimizer="lamb")
    with pytest.raises(ValueError, match="min_batch must be"):
        TrainConfig(epochs=1, batch_size=4, lr=0.1, min_batch=5)
    with pytest.raises(ValueError, match="one label per input"):
        TensorData(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="int64"):
        TensorData(torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="no batch of at least"):
        fit(mlp(0), blobs(1, 0), TrainConfig(epochs=1, batch_size=4, lr=0.1, min_batch=2), 0)
    with pytest.raises(ValueError, match="k must be in"):
        knn_accuracy(
            torch.zeros(2, 3),
            torch.zeros(2, dtype=torch.long),
            torch.zeros(1, 3),
            torch.zeros(1, dtype=torch.long),
            k=3,
        )
    with pytest.raises(ValueError, match="alphas must be a non-empty tuple of positive"):
        ridge_accuracy(
            torch.zeros(2, 3),
            torch.zeros(2, dtype=torch.long),
            torch.zeros(1, 3),
            torch.zeros(1, dtype=torch.long),
            alphas=(0.0,),
        )


class _OwnObjective(nn.Module):
    """A model whose output is its own loss: the squared distance of a parameter to the batch."""

    def __init__(self) -> None:
        super().__init__()
        self.centre = nn.Parameter(torch.zeros(8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.centre).pow(2).sum(1).mean()


def test_fit_trains_a_model_that_returns_its_own_loss():
    """Self-supervised pretraining through the one loop: ``loss_fn=model_loss``, labels unused,
    train accuracy NaN."""
    data = blobs(200, 0)
    model = _OwnObjective()
    history = fit(model, data, CFG, seed=0, loss_fn=model_loss)
    assert history.epochs[-1].train_loss < history.epochs[0].train_loss
    assert all(np.isnan(e.train_acc) for e in history.epochs)
    torch.testing.assert_close(model.centre.detach(), data.inputs.mean(0), atol=0.3, rtol=0)
