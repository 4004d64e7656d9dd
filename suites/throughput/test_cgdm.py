"""CGDM: one training iteration of each method, and what L_GD's double backward costs.

An iteration is step A, and for the adversarial methods step B and 4 × step C, on a batch of 32
source and 32 target samples: Office-Caltech-sized feature vectors (800-d, MLP generator) and
28×28 digits (CNN generator). ``ratio_vs_mcd`` (this method / MCD, same run, interleaved by the
project's timing policy) is the overhead over the bi-classifier baseline; for CGDM it is what
the gradient discrepancy's double backward costs.
"""

from __future__ import annotations

import pytest
import torch

from implementations.cgdm import (
    METHODS,
    Batch,
    BiClassifier,
    Classifier,
    DigitGenerator,
    FeatureGenerator,
)
from implementations.cgdm.bi_classifier import iteration
from repro.train import TrainConfig

INPUTS = {"office-800d": (800,), "digits-28x28": (1, 28, 28)}


def _setup(kind: str, method: str, device: str):
    torch.manual_seed(0)
    shape = INPUTS[kind]
    gen = FeatureGenerator(shape[0]) if kind == "office-800d" else DigitGenerator()
    model = BiClassifier(gen, Classifier(256, 10), Classifier(256, 10)).to(device)
    batch = Batch(
        torch.randn(32, *shape, device=device),
        torch.randint(0, 10, (32,), device=device),
        torch.randn(32, *shape, device=device),
        torch.randint(0, 10, (32,), device=device),
    )
    config = TrainConfig(epochs=1, batch_size=32, lr=1e-4, optimizer="adam")
    opt_g = config.optimizer_for(model.generator.parameters())
    opt_f = config.optimizer_for([*model.f1.parameters(), *model.f2.parameters()])
    return lambda: iteration(model, opt_g, opt_f, batch, METHODS[method])


@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize("method", [m for m in METHODS if m != "mcd"])
@pytest.mark.benchmark(group="cgdm-iteration")
def test_cgdm_iteration(bench, device, kind, method):
    bench(
        _setup(kind, method, device),
        n_samples=64,
        peers={"mcd": _setup(kind, "mcd", device)},
        shape=f"{kind}-b32+32-{method}",
    )
