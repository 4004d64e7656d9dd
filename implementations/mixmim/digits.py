"""MixMIM at CPU scale: pretraining on unlabelled digits, then linear probe and fine-tuning.

Pretraining images: a part of the MNIST test set and the USPS training digits (resized to 22²),
both centred on a 32² canvas and normalised, labels unused. Evaluation: a few labelled MNIST
digits from the same part train a linear probe on the frozen encoder and fine-tune the whole
encoder; the other half of the MNIST test set, never seen in pretraining, is the test set.
Every initialisation of one seed (MixMIM, the [MASK] baseline, random) starts from the same
weights, sees the same batches, and its pretraining the same masks (paired seeds).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from implementations.mixmim.encoder import mixmim_swin
from implementations.mixmim.mask_token import MaskTokenMIM
from implementations.mixmim.pretraining import DECODERS, MixMIM
from implementations.swin import SwinTransformer
from repro.data.images import digit_tensors, load_mnist_test, load_usps, split_indices
from repro.timing import compare, count_flops
from repro.train import TensorData, TrainConfig, fit, linear_probe, model_loss

CONFIG = "mixmim_digits"
#: How the encoder of a run starts before the labelled stage.
INITS = ("mixmim", "mask_token", "random")
PRETRAINERS: dict[str, type[MixMIM]] = {"mixmim": MixMIM, "mask_token": MaskTokenMIM}
BATCH = 64


@dataclass(frozen=True)
class Protocol:
    """Sizes of one run: pretraining images and epochs, labelled digits, test digits, epochs of
    the linear probe and of fine-tuning."""

    n_mnist: int = 5000
    n_usps: int = 7291
    pretrain_epochs: int = 10
    n_labels: int = 1000
    n_test: int = 5000
    probe_epochs: int = 30
    finetune_epochs: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.n_labels <= self.n_mnist <= 5000 or not 0 < self.n_test <= 5000:
            raise ValueError(
                "need 0 < n_labels <= n_mnist <= 5000 and 0 < n_test <= 5000 (the MNIST test set "
                "is halved into pretraining/labelled digits and held-out test digits)"
            )
        if not 0 <= self.n_usps <= 7291:
            raise ValueError(f"n_usps must be in [0, 7291] (USPS train), got {self.n_usps}")

    def pretrain_config(self) -> TrainConfig:
        """AdamW with warm-up and cosine decay per step, as the authors' script (their betas
        (0.9, 0.95), batch 2048 and exemption of 1-D parameters from weight decay are not
        ours); the last short batch is dropped, so that every batch is even."""
        steps = self.pretrain_epochs * ((self.n_mnist + self.n_usps) // BATCH)
        return TrainConfig(
            self.pretrain_epochs,
            batch_size=BATCH,
            lr=1.5e-3,
            optimizer="adamw",
            weight_decay=0.05,
            warmup_steps=max(1, steps // 10),
            min_batch=BATCH,
            eval_every=0,
        )

    def finetune_config(self) -> TrainConfig:
        return TrainConfig(
            self.finetune_epochs,
            batch_size=BATCH,
            lr=1e-3,
            optimizer="adamw",
            weight_decay=0.05,
            eval_every=0,
        )

    def probe_config(self) -> TrainConfig:
        return TrainConfig(
            self.probe_epochs, batch_size=128, lr=1e-2, optimizer="adam", eval_every=0
        )


@dataclass(frozen=True)
class DigitsRun:
    """One seed of one initialisation; ``finetune=False`` runs the linear probe only."""

    init: str
    seed: int
    protocol: Protocol
    mask_ratio: float = 0.5
    finetune: bool = True
    data_root: str | None = None

    def __post_init__(self) -> None:
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; known: {', '.join(INITS)}")


@dataclass
class DigitsResult:
    """Accuracies in %; the pretraining loss of each epoch (empty for random init)."""

    probe_acc: float
    finetune_acc: float = math.nan
    pretrain_loss: list[float] = field(default_factory=list)


def digits_data(
    protocol: Protocol, data_root: str | None = None
) -> tuple[Tensor, TensorData, TensorData]:
    """(pretraining images (N, 1, 32, 32), labelled digits, held-out test digits)."""
    mnist = load_mnist_test(data_root)
    pool, rest = split_indices(len(mnist.labels), 5000, seed=0)
    order = np.random.default_rng(1).permutation(pool)
    images = digit_tensors(mnist.images, 32, normalize=True)  # (10000, 1, 32, 32)
    labels = torch.from_numpy(mnist.labels)

    def subset(idx: np.ndarray) -> TensorData:
        return TensorData(images[idx], labels[idx])

    pretrain = [images[order[: protocol.n_mnist]]]
    if protocol.n_usps:
        usps = load_usps("train", data_root)
        pick = np.random.default_rng(2).permutation(len(usps.labels))[: protocol.n_usps]
        small = digit_tensors(usps.images[pick], 22, resize=True)[:, 0].numpy()  # (N, 22, 22)
        pretrain.append(digit_tensors(small, 32, normalize=True))
    labelled = subset(order[: protocol.n_labels])
    return torch.cat(pretrain), labelled, subset(rest[: protocol.n_test])


class PooledFeatures(nn.Module):
    """The encoder's pooled last-stage features, the input of the Swin's classifier head."""

    def __init__(self, swin: SwinTransformer) -> None:
        super().__init__()
        self.swin = swin

    def forward(self, x: Tensor) -> Tensor:
        return self.swin.forward_features(x).mean(dim=(1, 2))  # (B, C_last)


def run_digits(run: DigitsRun) -> DigitsResult:
    """Pretrain (unless random), probe, fine-tune (when asked); one seed, one process."""
    p = run.protocol
    pretrain, labelled, test = digits_data(p, run.data_root)
    torch.manual_seed(run.seed)
    swin = mixmim_swin(CONFIG)
    result = DigitsResult(math.nan)
    if run.init != "random":
        model = PRETRAINERS[run.init](swin, DECODERS[CONFIG], run.mask_ratio, run.seed)
        unlabelled = TensorData(pretrain, torch.zeros(len(pretrain), dtype=torch.int64))
        history = fit(model, unlabelled, p.pretrain_config(), run.seed, loss_fn=model_loss)
        result.pretrain_loss = [e.train_loss for e in history.epochs]
    probe = linear_probe(PooledFeatures(swin), labelled, test, p.probe_config(), run.seed)
    result.probe_acc = probe.final_test_acc
    if run.finetune:
        result.finetune_acc = fit(
            swin, labelled, p.finetune_config(), run.seed, test
        ).final_test_acc
    return result


def step_time_ratio(job: tuple[int, str]) -> float:
    """One pretraining step (forward, backward) of MixMIM over the [MASK] baseline on a batch of
    64 digits-sized images: the fastest of interleaved calls (:func:`repro.timing.compare`)."""
    seed, device = job
    steps = {}
    for name, cls in PRETRAINERS.items():
        torch.manual_seed(seed)
        model = cls(mixmim_swin(CONFIG), DECODERS[CONFIG], 0.5, seed).to(device)
        x = torch.randn(BATCH, 1, 32, 32, generator=torch.Generator().manual_seed(seed)).to(device)
        steps[name] = pretraining_step(model, x)
    best = compare(steps, device)
    return best["mixmim"] / best["mask_token"]


def step_flops_ratio(config: str = CONFIG, batch: int = 8) -> float:
    """Counted FLOPs of one pretraining step (forward and backward), MixMIM over the [MASK]
    baseline, for a model of :data:`implementations.mixmim.encoder.CONFIGS` (CPU, random images)."""
    flops = []
    for cls in (MixMIM, MaskTokenMIM):
        torch.manual_seed(0)
        model = cls(mixmim_swin(config), DECODERS[config], 0.5)
        swin = model.encoder.swin
        size = model.encoder.size
        x = torch.randn(batch, swin.patch_embed.proj.in_channels, size, size)
        flops.append(count_flops(pretraining_step(model, x)))
    return flops[0] / flops[1]


def pretraining_step(model: MixMIM, x: Tensor) -> Callable[[], None]:
    """A call that runs one pretraining step's forward and backward on ``x`` (for timing)."""

    def call() -> None:
        model.zero_grad(set_to_none=True)
        model(x).backward()

    return call
