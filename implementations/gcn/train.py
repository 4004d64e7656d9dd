"""Training a GCN the way Kipf & Welling's code does (tkipf/gcn), one seed at a time.

Semantics (Sec. 5.1 and the authors' ``train.py``): Adam, lr 0.01; at most 200 epochs;
loss = mean cross-entropy over the labelled training nodes + 5e-4 · ΣW²/2 over the *first*
layer's weights only; dropout 0.5 on the sparse input and on the hidden layer; early stopping
when epoch > 10 and the validation loss (which includes the L2 term) exceeds the mean of the
previous 10 validation losses; test accuracy at the final weights (not the best epoch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from implementations.gcn.layers import Supports, supports_for
from implementations.gcn.model import GCN
from implementations.gcn.propagation import row_normalize, to_torch_sparse
from repro.data import planetoid


@dataclass(frozen=True)
class HyperParams:
    hidden: int = 16
    dropout: float = 0.5
    lr: float = 0.01
    weight_decay: float = 5e-4
    epochs: int = 200
    early_stopping: int = 10


@dataclass(frozen=True)
class Graph:
    """A dataset ready for training: row-normalised sparse features and one model's supports."""

    name: str
    features: torch.Tensor  # (N, C) sparse COO
    supports: Supports
    labels: torch.Tensor  # (N,)
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    num_classes: int


@dataclass(frozen=True)
class FitResult:
    test_acc: float
    val_acc: float
    epochs: int
    seconds: float


@lru_cache(maxsize=16)
def prepare(dataset: str, propagation: str, data_root: str | None = None) -> Graph:
    """Load a Planetoid dataset and build a Table 3 model's supports (cached per process)."""
    data = planetoid.load(dataset, data_root)
    return Graph(
        name=dataset,
        features=to_torch_sparse(row_normalize(data.features)),
        supports=supports_for(propagation, data.adj),
        labels=torch.from_numpy(data.labels),
        train=torch.from_numpy(data.train),
        val=torch.from_numpy(data.val),
        test=torch.from_numpy(data.test),
        num_classes=data.num_classes,
    )


def _loss(model: GCN, logits: torch.Tensor, g: Graph, idx: torch.Tensor, wd: float) -> torch.Tensor:
    return F.cross_entropy(logits[idx], g.labels[idx]) + wd * model.first_layer_l2()


def _accuracy(logits: torch.Tensor, g: Graph, idx: torch.Tensor) -> float:
    return (logits[idx].argmax(1) == g.labels[idx]).float().mean().item()


def fit(g: Graph, seed: int, hp: HyperParams = HyperParams()) -> FitResult:
    """Train one model from seed ``seed``; return test accuracy at the final weights."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    supports = g.supports
    model = GCN(g.features.shape[1], hp.hidden, g.num_classes, len(supports), hp.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=hp.lr)
    val_losses: list[float] = []
    epoch = 0
    for epoch in range(hp.epochs):
        model.train()
        opt.zero_grad()
        loss = _loss(model, model(g.features, supports), g, g.train, hp.weight_decay)
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            val_losses.append(
                _loss(model, model(g.features, supports), g, g.val, hp.weight_decay).item()
            )
        window = hp.early_stopping
        if epoch > window and val_losses[-1] > np.mean(val_losses[-(window + 1) : -1]):
            break
    model.eval()
    with torch.no_grad():
        logits = model(g.features, supports)
    return FitResult(
        test_acc=_accuracy(logits, g, g.test),
        val_acc=_accuracy(logits, g, g.val),
        epochs=epoch + 1,
        seconds=time.perf_counter() - start,
    )
