"""The check functions of the taxonomy's identity claims: one seeded random instance → largest
deviation (evaluated by the runner on seeds 0 … n − 1 and by ``tests/ssl_taxonomy`` on the
seeds hypothesis picks)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from implementations.crrl import info_nce, latent_similarity, masked_mse, pack_batch
from implementations.ssl_taxonomy.objectives import TaxonomyModel, Weights, td_contrast


def _integer(gen: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (), generator=gen))


def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().double() - b.detach().double()).abs().max())


def td_contrast_is_info_nce(gen: torch.Generator) -> float:
    """Full-length reconstructions (N 1–6, T 1–8, D 1–5) and a queue (K 0–12), each of unit
    norm over its T·D entries, τ in [0.05, 1], float64.

    ssl_taxonomy.sec3.td-contrast: for unit-norm reconstructions, e = ||a − b||² / (T·D) =
    (2 − 2 a·b) / (T·D), so contrastive TD equals InfoNCE at temperature τ·T·D / 2 with the
    positive at index 0. Returns |difference|.
    """
    n, t, d, k = _integer(gen, 1, 6), _integer(gen, 1, 8), _integer(gen, 1, 5), _integer(gen, 0, 12)
    tau = 0.05 + 0.95 * float(torch.rand((), generator=gen))

    def unit(m: int) -> torch.Tensor:
        return F.normalize(torch.randn(m, t * d, generator=gen, dtype=torch.float64), dim=1)

    q, key, queue = unit(n), unit(n), unit(k)
    lengths = torch.full((n,), t)
    td = td_contrast(q.view(n, t, d), key.view(n, t, d), queue.view(k, t, d), lengths, tau)
    return _max_abs(td, info_nce(q, key, queue, tau * t * d / 2))


def latent_similarity_is_distance(gen: torch.Generator) -> float:
    """Random vectors (N 1–8, D 1–16) and random positive scales.

    ssl_taxonomy.sec3.latent-similarity: 2 − 2 cos(q, z) equals the squared distance of the
    unit vectors ||q̂ − ẑ||², is unchanged by positive scaling, and is 0 for z = c·q. Returns
    the largest |difference|.
    """
    n, d = _integer(gen, 1, 8), _integer(gen, 1, 16)
    q = torch.randn(n, d, generator=gen, dtype=torch.float64)
    z = torch.randn(n, d, generator=gen, dtype=torch.float64)
    scale = torch.rand(n, 1, generator=gen, dtype=torch.float64) * 10 + 0.1
    distance = (F.normalize(q, dim=1) - F.normalize(z, dim=1)).square().sum(1).mean()
    return max(
        _max_abs(latent_similarity(q, z), distance),
        _max_abs(latent_similarity(scale * q, z), latent_similarity(q, z)),
        abs(float(latent_similarity(q, scale * q))),
    )


def masked_mse_ignores_padding(gen: torch.Generator) -> float:
    """1–6 sequences of 1–10 frames (D 1–6) padded together; predictions with random garbage
    past each length.

    ssl_taxonomy.sec3.masked-reconstruction: the masked error equals a loop over each
    sequence's valid frames ((1/L) Σ_t mean_d (x̂ − x)², averaged over sequences) and ignores
    whatever lies in the padding. Returns the largest |difference|.
    """
    n, d = _integer(gen, 1, 6), _integer(gen, 1, 6)
    lens = [_integer(gen, 1, 10) for _ in range(n)]
    target = [torch.randn(length, d, generator=gen) for length in lens]
    pred = [torch.randn(length, d, generator=gen) for length in lens]
    x_t, x_p = pack_batch(target), pack_batch(pred)
    lengths = x_t[..., -1].sum(1).long()
    noisy = x_p[..., :-1] + torch.randn(x_p[..., :-1].shape, generator=gen) * (x_p[..., -1:] == 0)
    reference = torch.stack(
        [(p - t).square().mean() for p, t in zip(pred, target, strict=True)]
    ).mean()
    return max(
        _max_abs(masked_mse(x_p[..., :-1], x_t[..., :-1], lengths), reference),
        _max_abs(masked_mse(noisy, x_t[..., :-1], lengths), reference),
    )


def weighted_sum(gen: torch.Generator) -> float:
    """A small taxonomy model (D 3, hidden 8, emb 4, queues 4 and 3) in evaluation mode, a
    batch of 2–5 sequences of 2–6 frames with two noisy views, random non-negative weights.

    ssl_taxonomy.sec3.grid: the combined loss is the weighted sum of the four cells' losses
    computed in a second, separate pass, and evaluation mode leaves the queues unchanged.
    Returns the largest |difference|.
    """
    w = torch.rand(4, generator=gen).tolist()
    n = _integer(gen, 2, 5)
    seqs = [torch.randn(_integer(gen, 2, 6), 3, generator=gen) for _ in range(n)]
    clean = pack_batch(seqs)
    views = [clean.clone(), clean.clone()]
    for v in views:
        v[..., :-1] += 0.1 * torch.randn(v[..., :-1].shape, generator=gen) * v[..., -1:]
    x = torch.stack([clean, *views])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_integer(gen, 0, 2**31 - 1))
        model = TaxonomyModel(3, 8, 4, Weights(*w), 0.2, 4, 3, max_frames=6).eval()
    queues = (model.bu_queue.keys.clone(), model.td_queue.keys.clone())
    with torch.no_grad():
        total = model(x)
        parts = model.losses(x)  # a second pass: equal only if the first changed no state
        cells = sum(
            wi * parts[name] for wi, (name, _) in zip(w, model.weights.items(), strict=True)
        )
    unchanged = max(
        _max_abs(model.bu_queue.keys, queues[0]), _max_abs(model.td_queue.keys, queues[1])
    )
    return max(_max_abs(total, cells), unchanged)
