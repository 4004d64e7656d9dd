"""Every paper's minibatch training: one seeded loop, evaluation, linear probe and kNN.

A paper gives its model, its data and a :class:`TrainConfig` (optimiser and schedule as data);
:func:`fit` trains and returns a :class:`History` with the train and test loss and accuracy of
every epoch. The same ``seed`` gives the same batches and the same augmentation draws to every
model trained with it, so variants compared on paired seeds see identical data streams:

- the batch order comes from a ``torch.Generator`` seeded with ``seed`` (one permutation per
  epoch);
- the augmentation callable gets a ``numpy.random.Generator`` seeded with ``seed``, used for
  nothing else;
- the caller seeds the weights (``torch.manual_seed(seed)`` before building the model), so that
  two variants can share an initialisation where their parameters agree.

Representation learning is judged by :func:`linear_probe` (a linear classifier trained by
:func:`fit` on frozen features) and :func:`knn_accuracy`; :func:`knn_accuracy` and
:func:`ridge_accuracy` on fixed features are also the floors a trained network must beat.
GCN's full-batch loop is the authors' protocol (early stopping on a validation loss) and stays
in ``implementations/gcn``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

Optimizer = Literal["sgd", "adam", "adamw"]
Schedule = Literal["cosine", "constant"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser, schedule and loop settings of one training run.

    ``schedule="cosine"`` decays the learning rate to zero over all steps
    (``CosineAnnealingLR`` stepped once per batch), after ``warmup_steps`` of linear warm-up
    from ``lr / warmup_steps``. ``momentum`` and ``nesterov`` apply to SGD only.
    ``min_batch`` drops a last batch smaller than it (BatchNorm needs two samples).
    ``eval_every`` evaluates the test set every that many epochs (0: after the last only);
    the last epoch is always evaluated.
    """

    epochs: int
    batch_size: int
    lr: float
    optimizer: Optimizer = "sgd"
    weight_decay: float = 0.0
    momentum: float = 0.9
    nesterov: bool = False
    schedule: Schedule = "cosine"
    warmup_steps: int = 0
    label_smoothing: float = 0.0
    grad_clip: float | None = None
    min_batch: int = 1
    eval_every: int = 1
    eval_batch_size: int = 500

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(
                f"epochs and batch_size must be positive, got {self.epochs}, {self.batch_size}"
            )
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.optimizer not in ("sgd", "adam", "adamw"):
            raise ValueError(f"optimizer must be sgd, adam or adamw, got {self.optimizer!r}")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"schedule must be cosine or constant, got {self.schedule!r}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be positive or None, got {self.grad_clip}")
        if self.min_batch < 1 or self.min_batch > self.batch_size:
            raise ValueError(f"min_batch must be in [1, batch_size], got {self.min_batch}")
        if self.warmup_steps < 0 or self.eval_every < 0:
            raise ValueError("warmup_steps and eval_every must not be negative")

    def steps_per_epoch(self, n: int) -> int:
        """Optimiser steps in an epoch over ``n`` samples (a short last batch is dropped)."""
        full, rest = divmod(n, self.batch_size)
        return full + (rest >= self.min_batch)

    def optimizer_for(self, params: Any) -> torch.optim.Optimizer:
        if self.optimizer == "sgd":
            return torch.optim.SGD(
                params,
                lr=self.lr,
                momentum=self.momentum,
                nesterov=self.nesterov,
                weight_decay=self.weight_decay,
            )
        cls = torch.optim.Adam if self.optimizer == "adam" else torch.optim.AdamW
        return cls(params, lr=self.lr, weight_decay=self.weight_decay)

    def scheduler_for(
        self, opt: torch.optim.Optimizer, total_steps: int
    ) -> torch.optim.lr_scheduler.LRScheduler:
        if self.schedule == "constant":
            main: torch.optim.lr_scheduler.LRScheduler = torch.optim.lr_scheduler.ConstantLR(
                opt, factor=1.0, total_iters=0
            )
        else:
            main = torch.optim.lr_scheduler.CosineAnnealingLR(
                opt, max(1, total_steps - self.warmup_steps)
            )
        if not self.warmup_steps:
            return main
        warm = torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=1.0 / self.warmup_steps, total_iters=self.warmup_steps
        )
        return torch.optim.lr_scheduler.SequentialLR(opt, [warm, main], [self.warmup_steps])


class SampleSource(Protocol):
    """Training data whose batches are built on demand (variable-length sequences, crops).

    ``labels`` (N,) int64; ``batch(indices, rng)`` the model input for those samples, drawing
    any augmentation from ``rng``.
    """

    labels: Tensor

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> Tensor: ...


@dataclass(frozen=True)
class TensorData:
    """Inputs (N, ...) and labels (N,) held in memory, with an optional augmentation.

    ``augment(x, rng)`` maps a batch of inputs to augmented inputs, drawing from ``rng``.
    """

    inputs: Tensor
    labels: Tensor
    augment: Callable[[Tensor, np.random.Generator], Tensor] | None = None

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise ValueError(
                f"{len(self.inputs)} inputs but {len(self.labels)} labels: one label per input"
            )
        if self.labels.dtype != torch.int64 or self.labels.dim() != 1:
            raise ValueError(
                "labels must be a 1-D int64 tensor, got "
                f"{self.labels.dtype} {tuple(self.labels.shape)}"
            )

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> Tensor:
        x = self.inputs[torch.from_numpy(indices)]
        return x if self.augment is None else self.augment(x, rng)


@dataclass
class EpochRecord:
    """One epoch: running train loss / accuracy over its batches, test figures where evaluated."""

    epoch: int
    lr: float
    train_loss: float
    train_acc: float
    test_loss: float | None = None
    test_acc: float | None = None
    seconds: float = 0.0


@dataclass
class History:
    """What :func:`fit` saw, epoch by epoch (accuracies in percent)."""

    epochs: list[EpochRecord] = field(default_factory=list)

    @property
    def final_test_acc(self) -> float:
        """Test accuracy after the last epoch (no model selection on the test set)."""
        acc = self.epochs[-1].test_acc if self.epochs else None
        if acc is None:
            raise ValueError("no test set was evaluated")
        return acc

    @property
    def final_train_acc(self) -> float:
        return self.epochs[-1].train_acc

    @property
    def loss_span(self) -> tuple[float, float]:
        """(first, last) epoch's mean training loss: whether an objective trained at all."""
        return self.epochs[0].train_loss, self.epochs[-1].train_loss

    def to_dict(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.epochs]


def fit(
    model: nn.Module,
    train: TensorData | SampleSource,
    config: TrainConfig,
    seed: int,
    test: TensorData | None = None,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
) -> History:
    """Train ``model`` on ``train`` with ``config``; return the per-epoch history.

    The model is trained on the device its parameters are on; batches are moved there.
    ``loss_fn(logits, labels)`` defaults to cross-entropy with the config's label smoothing.
    A model that computes its own objective (self-supervised pretraining) returns it as a 0-d
    tensor and is trained with ``loss_fn=model_loss``; its epochs' train accuracy is NaN.
    Raises ``ValueError`` when ``train`` has fewer samples than ``config.min_batch``.
    """
    n = len(train.labels)
    steps_per_epoch = config.steps_per_epoch(n)
    if steps_per_epoch == 0:
        raise ValueError(f"{n} training samples make no batch of at least {config.min_batch}")
    if loss_fn is None:

        def loss_fn(logits: Tensor, labels: Tensor) -> Tensor:
            return F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)

    device = _device_of(model)
    order_gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = config.optimizer_for(model.parameters())
    sched = config.scheduler_for(opt, config.epochs * steps_per_epoch)
    history = History()
    for epoch in range(config.epochs):
        start = time.perf_counter()
        lr = opt.param_groups[0]["lr"]
        model.train()
        order = torch.randperm(n, generator=order_gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for first in range(0, n, config.batch_size):
            idx = order[first : first + config.batch_size]
            if len(idx) < config.min_batch:
                continue
            x = train.batch(idx.numpy(), rng)
            y = train.labels[idx].to(device)
            logits = model(x.to(device))
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            opt.step()
            sched.step()
            loss_sum += float(loss.detach()) * len(idx)
            if logits.ndim:
                correct += int((logits.detach().argmax(1) == y).sum())
            seen += len(idx)
        acc = 100.0 * correct / seen if logits.ndim else math.nan
        record = EpochRecord(epoch + 1, lr, loss_sum / seen, acc)
        last = epoch + 1 == config.epochs
        due = config.eval_every and (epoch + 1) % config.eval_every == 0
        if test is not None and (last or due):
            record.test_loss, record.test_acc = evaluate(
                model, test, config.eval_batch_size, loss_fn
            )
        record.seconds = time.perf_counter() - start
        history.epochs.append(record)
    return history


def model_loss(output: Tensor, labels: Tensor) -> Tensor:
    """The ``loss_fn`` of :func:`fit` for a model whose output is its own loss (labels unused)."""
    return output


def _device_of(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


@torch.no_grad()
def predict(model: nn.Module, inputs: Tensor, batch_size: int = 500) -> Tensor:
    """Logits (N, classes) in evaluation mode, computed ``batch_size`` inputs at a time."""
    model.eval()
    device = _device_of(model)
    return torch.cat(
        [
            model(inputs[i : i + batch_size].to(device)).cpu()
            for i in range(0, len(inputs), batch_size)
        ]
    )


def evaluate(
    model: nn.Module,
    data: TensorData,
    batch_size: int = 500,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
) -> tuple[float, float]:
    """(mean loss, top-1 accuracy in %) of ``model`` on ``data`` (no augmentation)."""
    logits = predict(model, data.inputs, batch_size)
    loss = (loss_fn or F.cross_entropy)(logits, data.labels)
    correct = int((logits.argmax(1) == data.labels).sum())
    return float(loss), 100.0 * correct / len(data.labels)


@torch.no_grad()
def features(encoder: nn.Module, inputs: Tensor, batch_size: int = 500) -> Tensor:
    """The frozen ``encoder``'s outputs (N, D) in evaluation mode, flattened after the batch."""
    encoder.eval()
    device = _device_of(encoder)
    return torch.cat(
        [
            encoder(inputs[i : i + batch_size].to(device)).flatten(1).cpu()
            for i in range(0, len(inputs), batch_size)
        ]
    )


def linear_probe(
    encoder: nn.Module,
    train: TensorData,
    test: TensorData,
    config: TrainConfig,
    seed: int,
    standardize: bool = True,
) -> History:
    """Linear evaluation: a linear classifier trained on the frozen encoder's features.

    The features are computed once (the encoder never trains); with ``standardize`` they are
    centred and scaled by the training features' mean and std. Returns the classifier's history
    (its ``final_test_acc`` is the probe accuracy).
    """
    f_train, f_test = features(encoder, train.inputs), features(encoder, test.inputs)
    if standardize:
        mean, std = f_train.mean(0), f_train.std(0).clamp(min=1e-8)
        f_train, f_test = (f_train - mean) / std, (f_test - mean) / std
    classes = int(max(train.labels.max(), test.labels.max())) + 1
    gen = torch.Generator().manual_seed(seed)
    head = nn.Linear(f_train.shape[1], classes)
    with torch.no_grad():  # nn.Linear's own init, drawn from the probe's seed
        bound = 1.0 / math.sqrt(f_train.shape[1])
        head.weight.uniform_(-bound, bound, generator=gen)
        head.bias.uniform_(-bound, bound, generator=gen)
    return fit(
        head, TensorData(f_train, train.labels), config, seed, TensorData(f_test, test.labels)
    )


def knn_accuracy(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    test_labels: Tensor,
    k: int = 1,
    metric: Literal["cosine", "euclidean"] = "cosine",
    chunk: int = 1024,
) -> float:
    """Top-1 accuracy (%) of a k-nearest-neighbour majority vote over training features.

    ``train_features`` (N, D), ``test_features`` (M, D). Each test point takes the majority
    label of its ``k`` nearest training points (cosine similarity or Euclidean distance); a tied
    vote goes to the label of the nearest neighbour among the tied labels.
    """
    if train_features.dim() != 2 or test_features.dim() != 2:
        raise ValueError("features must be (N, D) matrices")
    if train_features.shape[1] != test_features.shape[1]:
        raise ValueError(
            f"train features have {train_features.shape[1]} dimensions, "
            f"test features {test_features.shape[1]}"
        )
    if not 1 <= k <= len(train_features):
        raise ValueError(f"k must be in [1, {len(train_features)}], got {k}")
    if metric not in ("cosine", "euclidean"):
        raise ValueError(f"metric must be cosine or euclidean, got {metric!r}")
    a, b = train_features.double(), test_features.double()
    if metric == "cosine":
        a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    correct = 0
    for start in range(0, len(b), chunk):
        q = b[start : start + chunk]
        score = q @ a.T if metric == "cosine" else -torch.cdist(q, a)  # (m, N), larger is nearer
        top = score.topk(k, dim=1).indices  # (m, k), nearest first
        neighbour_labels = train_labels[top]  # (m, k)
        counts = F.one_hot(neighbour_labels, classes).sum(1)  # (m, classes)
        tied_best = counts == counts.max(1, keepdim=True).values  # (m, classes)
        # the nearest neighbour whose label is among the most voted decides
        first = tied_best.gather(1, neighbour_labels).int().argmax(1)  # (m,)
        pred = neighbour_labels[torch.arange(len(q)), first]
        correct += int((pred == test_labels[start : start + chunk]).sum())
    return 100.0 * correct / len(b)


def ridge_accuracy(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    test_labels: Tensor,
    alphas: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0),
) -> tuple[float, float]:
    """Top-1 accuracy (%) of a ridge-regression classifier, and the penalty it chose.

    Targets are ±1 one-hot codes; with the features X and targets Y centred on the training
    means (an unpenalised intercept), W = argmin ‖XW − Y‖² + α‖W‖², solved in the dual,
    W = Xᵀ(XXᵀ + αI)⁻¹Y (cheap when there are fewer samples than features). α is picked from
    ``alphas`` by leave-one-out accuracy on the training set alone (the exact leave-one-out
    residuals of ridge, r_i / (1 − h_ii), from one eigendecomposition of XXᵀ); the test set
    is used only for the reported accuracy. ``train_features`` (N, D), ``test_features`` (M, D).
    """
    if train_features.dim() != 2 or test_features.dim() != 2:
        raise ValueError("features must be (N, D) matrices")
    if train_features.shape[1] != test_features.shape[1]:
        raise ValueError(
            f"train features have {train_features.shape[1]} dimensions, "
            f"test features {test_features.shape[1]}"
        )
    if not alphas or min(alphas) <= 0:
        raise ValueError(f"alphas must be a non-empty tuple of positive penalties, got {alphas}")
    x, q = train_features.double(), test_features.double()
    mean = x.mean(0)
    x, q = x - mean, q - mean
    n = len(x)
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    y = 2.0 * F.one_hot(train_labels, classes).double() - 1.0  # (N, classes)
    y_mean = y.mean(0)
    yc = y - y_mean
    s, u = torch.linalg.eigh(x @ x.T)  # XXᵀ = U diag(s) Uᵀ
    s = s.clamp(min=0.0)
    uty = u.T @ yc  # (N, classes)
    best: tuple[int, float, Tensor] | None = None
    for alpha in alphas:
        shrink = s / (s + alpha)  # (N,)
        fitted = u @ (shrink[:, None] * uty)  # H Yc, H = XXᵀ(XXᵀ + αI)⁻¹
        h = (u**2) @ shrink + 1.0 / n  # diag(H), plus the intercept's 1/n
        loo = yc - (yc - fitted) / (1.0 - h)[:, None]
        correct = int(((loo + y_mean).argmax(1) == train_labels).sum())
        if best is None or correct > best[0]:
            best = (correct, alpha, u @ (uty / (s + alpha)[:, None]))  # dual coefficients
    assert best is not None
    _, alpha, dual = best
    pred = (q @ (x.T @ dual) + y_mean).argmax(1)  # (M,)
    return 100.0 * float((pred == test_labels).double().mean()), alpha
