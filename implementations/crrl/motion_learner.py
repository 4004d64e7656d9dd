"""CRRL's Contrastive Motion Learner (CML): MoCo between a coordinate sequence (query) and its
velocity sequence (key, through the momentum copy of the query encoder)."""

from __future__ import annotations

import copy
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.crrl.encoder import GRUEncoder
from implementations.crrl.moco import KeyQueue, info_nce, momentum_update
from implementations.crrl.sequences import split_valid, velocity

#: the authors' code: queue 64, temperature 0.1, momentum 0.999
QUEUE_SIZE, TEMPERATURE, MOMENTUM = 64, 0.1, 0.999
KeyMLP = Literal["frozen", "momentum"]


def projection_mlp(width: int) -> nn.Sequential:
    """The 2-layer MLP head (width-width-width, ReLU) of CML and of the distillation fuser."""
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))


class ContrastiveMotionLearner(nn.Module):
    """CML (authors' ``--contrastive`` mode):

        q = normalise(g_q(f_q(x))),   k = normalise(g_k(f_k(v))),   v_t = x_{t+1} − x_t
        L_CML = InfoNCE(q, k, queue, τ)   (positive at index 0)

    f_k follows f_q by momentum (θ_k ← m θ_k + (1 − m) θ_q, before each key pass), and each
    batch's keys enter the FIFO queue after the loss. ``key_mlp="frozen"`` keeps the key head
    g_k at its random initialisation, as the authors' code does (``update_key_mlp=False``);
    ``"momentum"`` starts it as a copy of g_q and updates it by momentum like f_k (plain MoCo).

    ``encoder`` is the query encoder f_q (a fresh one, or SER's encoder for joint training).

    Seen in our CPU runs: with the frozen random key head, the keys of different sequences are
    nearly parallel from the start (mean pairwise cosine ≈ 0.999 on MSR Action3D at width 32),
    so that the positive ties with the queue and the loss stays at log(1 + K) ≈ 4.17.
    """

    def __init__(
        self,
        encoder: GRUEncoder,
        queue_size: int = QUEUE_SIZE,
        temperature: float = TEMPERATURE,
        momentum: float = MOMENTUM,
        key_mlp: KeyMLP = "frozen",
    ) -> None:
        super().__init__()
        if key_mlp not in ("frozen", "momentum"):
            raise ValueError(f"key_mlp must be 'frozen' or 'momentum', got {key_mlp!r}")
        if not temperature > 0 or not 0.0 <= momentum <= 1.0:
            raise ValueError(
                f"temperature must be positive and momentum in [0, 1], got "
                f"{temperature}, {momentum}"
            )
        width = encoder.out_size
        self.encoder = encoder
        self.head = projection_mlp(width)
        self.key_encoder = copy.deepcopy(encoder)
        self.key_head = copy.deepcopy(self.head) if key_mlp == "momentum" else projection_mlp(width)
        for p in [*self.key_encoder.parameters(), *self.key_head.parameters()]:
            p.requires_grad_(False)
        self.key_mlp = key_mlp
        self.temperature = temperature
        self.momentum = momentum
        self.queue = KeyQueue(queue_size, width)

    def loss_and_feature(self, frames: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """L_CML and the query encoder's pooled feature (N, H) of the same pass; in training
        mode the key encoder moves by momentum first and the keys are enqueued after."""
        _, pooled = self.encoder.encode(frames, lengths)  # (N, H)
        q = F.normalize(self.head(pooled), dim=1)
        with torch.no_grad():
            if self.training:
                momentum_update(self.key_encoder, self.encoder, self.momentum)
                if self.key_mlp == "momentum":
                    momentum_update(self.key_head, self.head, self.momentum)
            _, key_pooled = self.key_encoder.encode(*velocity(frames, lengths))
            k = F.normalize(self.key_head(key_pooled), dim=1)
        loss = info_nce(q, k, self.queue.keys.clone(), self.temperature)
        if self.training:
            self.queue.push(k)
        return loss, pooled

    def forward(self, x: Tensor) -> Tensor:
        return self.loss_and_feature(*split_valid(x))[0]
