"""MoCo (He et al. 2020) as CRRL's motion learner and the taxonomy's contrastive objectives use
it: InfoNCE over a positive key and a FIFO queue of past keys, and a momentum key encoder.

Shared by CRRL and the SSL taxonomy (``implementations.ssl_taxonomy`` imports it from
``implementations.crrl``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def info_nce(query: Tensor, key: Tensor, queue: Tensor, temperature: float) -> Tensor:
    """InfoNCE with the positive at logit index 0:

        L = −(1/N) Σ_i log( exp(q_i·k_i / τ) / (exp(q_i·k_i / τ) + Σ_j exp(q_i·n_j / τ)) )

    Args:
        query (Tensor[N, D]): L2-normalised queries.
        key (Tensor[N, D]): L2-normalised positive keys, one per query.
        queue (Tensor[K, D]): L2-normalised negatives (K may be 0).
        temperature: τ > 0.

    Returns:
        the scalar loss: cross-entropy of the logits [q·k, q·n_1 … q·n_K] / τ with target 0.
    """
    if query.dim() != 2 or key.shape != query.shape:
        raise ValueError(
            f"query and key must be (N, D) of one shape, got {tuple(query.shape)}, "
            f"{tuple(key.shape)}"
        )
    if queue.dim() != 2 or queue.shape[1] != query.shape[1]:
        raise ValueError(f"queue must be (K, {query.shape[1]}), got {tuple(queue.shape)}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    positive = (query * key).sum(1, keepdim=True)  # (N, 1)
    negative = query @ queue.T  # (N, K)
    logits = torch.cat([positive, negative], 1) / temperature  # (N, 1 + K)
    return F.cross_entropy(logits, torch.zeros(len(query), dtype=torch.long, device=query.device))


class KeyQueue(nn.Module):
    """A first-in first-out queue of the last ``size`` keys (K, D).

    It starts with random unit vectors (as MoCo does), drawn from ``generator``. :meth:`push`
    writes a batch at the pointer and wraps around, so any batch size works: the reference
    code asserts that K is a multiple of the batch size; here a batch that does not divide K
    simply wraps, and a batch larger than K leaves its last K keys.
    """

    def __init__(self, size: int, dim: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        if size < 1 or dim < 1:
            raise ValueError(f"queue size and key dimension must be positive, got {size}, {dim}")
        self.register_buffer(
            "keys", F.normalize(torch.randn(size, dim, generator=generator), dim=1)
        )
        self.register_buffer("ptr", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def push(self, keys: Tensor) -> None:
        """Enqueue ``keys`` (B, D), dropping the oldest ones."""
        if keys.dim() != 2 or keys.shape[1] != self.keys.shape[1]:
            raise ValueError(f"keys must be (B, {self.keys.shape[1]}), got {tuple(keys.shape)}")
        size = len(self.keys)
        keys = keys.detach()[-size:]
        slots = (int(self.ptr) + torch.arange(len(keys))) % size
        self.keys[slots.to(self.keys.device)] = keys
        self.ptr.fill_((int(self.ptr) + len(keys)) % size)

    def ordered(self) -> Tensor:
        """The keys from the oldest to the newest (K, D)."""
        return torch.roll(self.keys, -int(self.ptr), 0)


@torch.no_grad()
def momentum_update(key_module: nn.Module, query_module: nn.Module, m: float) -> None:
    """θ_k ← m·θ_k + (1 − m)·θ_q for every parameter pair (MoCo's Eq. 2): m = 1 leaves the
    key module unchanged, m = 0 copies the query module."""
    if not 0.0 <= m <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {m}")
    pairs = list(zip(key_module.parameters(), query_module.parameters(), strict=True))
    for pk, pq in pairs:
        if pk.shape != pq.shape:
            raise ValueError(f"key and query parameters differ in shape: {pk.shape} vs {pq.shape}")
        pk.mul_(m).add_(pq.detach(), alpha=1.0 - m)
