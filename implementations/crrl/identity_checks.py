"""The check functions of CRRL's identity claims (and of the parts it shares with the SSL
taxonomy): one seeded random instance → largest deviation.

The runner evaluates each check on the instances of seeds 0 … n − 1 and the property tests in
``tests/crrl`` on the seeds hypothesis picks (:func:`repro.experiment.deviation`). Weights are
initialised inside ``torch.random.fork_rng`` from a seed drawn from the instance's generator.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from implementations.crrl.encoder import GRUEncoder
from implementations.crrl.fuser import distillation_loss
from implementations.crrl.moco import KeyQueue, info_nce, momentum_update
from implementations.crrl.reconstructor import reconstruction_targets
from implementations.crrl.sequences import pack_batch, split_valid, valid_mask, velocity


def _integer(gen: torch.Generator, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return int(torch.randint(low, high + 1, (), generator=gen))


def _unit(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return F.normalize(torch.randn(*shape, generator=gen, dtype=torch.float64), dim=-1)


def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().double() - b.detach().double()).abs().max()) if a.numel() else 0.0


def _sequences(gen: torch.Generator, low: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """1–6 random sequences of ``low``–12 frames and 1–9 coordinates: frames (N, T, D), lengths."""
    n, d = _integer(gen, 1, 6), _integer(gen, 1, 9)
    seqs = [torch.randn(_integer(gen, low, 12), d, generator=gen) for _ in range(n)]
    return split_valid(pack_batch(seqs))


def info_nce_cross_entropy(gen: torch.Generator) -> float:
    """Unit queries, keys and a queue (N 1–8, D 2–16, K 0–32), τ in [0.05, 1], in float64.

    crrl.sec3.info-nce: InfoNCE equals the cross-entropy of [q·k, q·queue] / τ with the target
    at index 0 (computed here from log-sum-exp), and it falls as the positive similarity rises
    (q moved towards k). Returns |difference| plus any rise of the loss.
    """
    n, d, k = _integer(gen, 1, 8), _integer(gen, 2, 16), _integer(gen, 0, 32)
    tau = 0.05 + 0.95 * float(torch.rand((), generator=gen))
    q, key, queue = _unit(gen, n, d), _unit(gen, n, d), _unit(gen, k, d)
    logits = torch.cat([(q * key).sum(1, keepdim=True), q @ queue.T], 1) / tau  # (N, 1 + K)
    reference = (torch.logsumexp(logits, 1) - logits[:, 0]).mean()
    deviation = _max_abs(info_nce(q, key, queue, tau), reference)
    nearer_key = F.normalize(key + 0.5 * q, dim=1)  # q·k' > q·k, the negatives q·queue unchanged
    rise = float(info_nce(q, nearer_key, queue, tau) - info_nce(q, key, queue, tau))
    return deviation + max(rise, 0.0)


def queue_fifo(gen: torch.Generator) -> float:
    """A queue of K = 1–20 keys (D 1–6) fed 1–8 batches of 1–25 keys (sizes that need not
    divide K).

    crrl.sec3.queue-fifo: after every push the queue, read oldest to newest, holds the last K
    keys pushed (the initial random keys where fewer were pushed). Returns the largest
    |difference|.
    """
    size, d = _integer(gen, 1, 20), _integer(gen, 1, 6)
    queue = KeyQueue(size, d, generator=gen)
    history = list(queue.ordered())
    worst = 0.0
    for _ in range(_integer(gen, 1, 8)):
        keys = torch.randn(_integer(gen, 1, 25), d, generator=gen)
        queue.push(keys)
        history.extend(keys)
        worst = max(worst, _max_abs(queue.ordered(), torch.stack(history[-size:])))
    return worst


def momentum_extremes(gen: torch.Generator) -> float:
    """Two GRU encoders of random width (D 1–8, hidden 1–8, 1–2 layers, uni/bidirectional).

    crrl.sec3.momentum: the momentum update with m = 1 leaves the key encoder unchanged and
    with m = 0 makes it a copy of the query encoder. Returns the largest |difference|.
    """
    d, h, layers = _integer(gen, 1, 8), _integer(gen, 1, 8), _integer(gen, 1, 2)
    bi = bool(_integer(gen, 0, 1))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_integer(gen, 0, 2**31 - 1))
        key, query = (GRUEncoder(d, h, layers, bi) for _ in range(2))
    before = [p.clone() for p in key.parameters()]
    momentum_update(key, query, 1.0)
    worst = max(_max_abs(p, b) for p, b in zip(key.parameters(), before, strict=True))
    momentum_update(key, query, 0.0)
    pairs = zip(key.parameters(), query.parameters(), strict=True)
    return max(worst, *(_max_abs(pk, pq) for pk, pq in pairs))


def distillation_zero(gen: torch.Generator) -> float:
    """Random features (N 1–16, D 1–64), some all-zero rows.

    crrl.sec3.distillation-zero: the distillation loss is 0 when the student's features equal
    the teacher's, and positive when they differ. Returns the loss at equality plus any
    non-positive loss for a perturbed student.
    """
    n, d = _integer(gen, 1, 16), _integer(gen, 1, 64)
    teacher = torch.randn(n, d, generator=gen) * (torch.rand(n, 1, generator=gen) > 0.2)
    same = float(distillation_loss(teacher.clone(), teacher))
    moved = float(distillation_loss(teacher + 1e-2 * torch.randn(n, d, generator=gen), teacher))
    return abs(same) + (1.0 if moved <= 0 else 0.0)


def reverse_palindrome(gen: torch.Generator) -> float:
    """1–6 palindromic sequences (a random half mirrored, odd or even length) padded together.

    crrl.sec3.reverse-palindrome: the time-reversed reconstruction target of a palindrome equals
    the forward target on valid frames, and the padding stays zero. Returns the largest
    |difference|.
    """
    seqs = []
    for _ in range(_integer(gen, 1, 6)):
        half = torch.randn(_integer(gen, 1, 8), 4, generator=gen)
        tail = half.flip(0)[_integer(gen, 0, 1) :]
        seqs.append(torch.cat([half, tail]))
    frames, lengths = split_valid(pack_batch(seqs))
    forward, reverse = reconstruction_targets(frames, lengths)
    return _max_abs(forward, reverse)


def velocity_constant(gen: torch.Generator) -> float:
    """1–6 sequences of 2–12 copies of one random frame each; and random sequences against
    their cumulative sum.

    crrl.sec3.velocity: the velocity of a constant sequence is 0, and in general v_t =
    x_{t+1} − x_t on valid steps (the velocities of the prefix sums of v are v) with zero
    padding. Returns the largest |difference|.
    """
    n, d = _integer(gen, 1, 6), _integer(gen, 1, 9)
    const = [torch.randn(1, d, generator=gen).repeat(_integer(gen, 2, 12), 1) for _ in range(n)]
    v, _ = velocity(*split_valid(pack_batch(const)))
    worst = float(v.abs().max())
    steps = [torch.randn(_integer(gen, 1, 11), d, generator=gen) for _ in range(n)]
    seqs = [torch.cat([torch.zeros(1, d), s.cumsum(0)]) for s in steps]  # x_0 = 0, x_t = Σ v
    v, lv = velocity(*split_valid(pack_batch(seqs)))
    for i, s in enumerate(steps):
        worst = max(worst, _max_abs(v[i, : len(s)], s), float(v[i, len(s) :].abs().sum()))
        worst = max(worst, float(abs(int(lv[i]) - len(s))))
    return worst


def packed_padded(gen: torch.Generator) -> float:
    """A GRU encoder (D 1–8, hidden 1–8, 1–2 layers, uni/bidirectional, eval mode) and 1–6
    sequences of 1–12 frames.

    crrl.sec3.packed-padded: on valid frames, the packed batch gives the outputs of each
    sequence run alone, and for a unidirectional GRU those of the zero-padded batch run
    without packing; outputs past each length are zero and the pooled feature is the mean (or
    last) of the valid outputs. Returns the largest |difference|.
    """
    d, h, layers = _integer(gen, 1, 8), _integer(gen, 1, 8), _integer(gen, 1, 2)
    bi = bool(_integer(gen, 0, 1))
    pooling = ("mean", "last")[_integer(gen, 0, 1)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_integer(gen, 0, 2**31 - 1))
        enc = GRUEncoder(d, h, layers, bi, dropout=0.0, pooling=pooling).eval()
    n = _integer(gen, 1, 6)
    seqs = [torch.randn(_integer(gen, 1, 12), d, generator=gen) for _ in range(n)]
    frames, lengths = split_valid(pack_batch(seqs))
    with torch.no_grad():
        out, pooled = enc.encode(frames, lengths)
        padded, _ = enc.gru(frames)  # (N, T, H') the padded batch, no packing
        worst = float((out * ~valid_mask(lengths, out.shape[1])[..., None]).abs().max())
        for i, s in enumerate(seqs):
            alone, _ = enc.gru(s[None])  # (1, L, H')
            worst = max(worst, _max_abs(out[i, : len(s)], alone[0]))
            expected = alone[0].mean(0) if pooling == "mean" else alone[0, -1]
            worst = max(worst, _max_abs(pooled[i], expected))
            if not bi:
                worst = max(worst, _max_abs(out[i, : len(s)], padded[i, : len(s)]))
    return worst if math.isfinite(worst) else math.inf
