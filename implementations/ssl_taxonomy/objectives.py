"""The taxonomy's four objectives and their weighted combinations, on one GRU encoder-decoder.

Two axes (Ben Tanfous et al., WACV 2022; the authors' ``modules/moco_td.py``):

- attractive BU: latent similarity 2 − 2 cos(q, z) between a view's embedding and the clean
  sequence's;
- attractive TD: reconstruction of the clean sequence (the auto-encoder, P&C-like);
- contrastive BU: MoCo's InfoNCE over a queue of latent keys (key = the momentum encoder's
  embedding of the other view);
- contrastive TD: InfoNCE whose logits are −(masked MSE)/τ between a view's reconstruction, the
  momentum decoder's reconstruction of the other view, and a queue of past reconstructions;

    L = w_bu_con · L_BU^con + w_td_con · L_TD^con + w_bu_att · L_BU^att + w_td_att · L_TD^att

The shared parts (encoder, decoder, ``info_nce``, key queue, momentum update, losses) come from
``implementations.crrl``'s public API.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.crrl import (
    GRUDecoder,
    GRUEncoder,
    KeyQueue,
    info_nce,
    latent_similarity,
    masked_mse,
    momentum_update,
    split_valid,
)


@dataclass(frozen=True)
class Weights:
    """The weights of the four objectives (the configs' ``weight_bu``, ``weight_td``,
    ``weight_bu_sim``, ``weight_td_sim`` / ``bu_loss_weight``, ``td_loss_weight``,
    ``sim_loss_weight``)."""

    bu_con: float = 0.0
    td_con: float = 0.0
    bu_att: float = 0.0
    td_att: float = 0.0

    def __post_init__(self) -> None:
        values = (self.bu_con, self.td_con, self.bu_att, self.td_att)
        if min(values) < 0 or max(values) == 0:
            raise ValueError(
                f"weights must be non-negative with at least one positive, got {values}"
            )

    def items(self) -> tuple[tuple[str, float], ...]:
        return (
            ("bu_con", self.bu_con),
            ("td_con", self.td_con),
            ("bu_att", self.bu_att),
            ("td_att", self.td_att),
        )


def td_contrast(
    rec_q: Tensor, rec_k: Tensor, queue: Tensor, lengths: Tensor, temperature: float
) -> Tensor:
    """Contrastive TD: InfoNCE whose logits are negative masked reconstruction errors,

        l_0 = −e(x̂_q, x̂_k) / τ,   l_j = −e(x̂_q, n_j) / τ,   L = CE([l_0, l_1 … l_K], 0)

    with e the masked MSE over the query's valid frames
    (:func:`implementations.crrl.losses.masked_mse`). ``rec_q``, ``rec_k`` (N, T, D), ``queue``
    (K, T, D) past reconstructions, ``lengths`` (N,).
    """
    if queue.dim() != 3 or queue.shape[1:] != rec_q.shape[1:]:
        raise ValueError(
            f"queue must be (K, {rec_q.shape[1]}, {rec_q.shape[2]}), got {tuple(queue.shape)}"
        )
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    positive = masked_mse(rec_q, rec_k, lengths, reduce=False)  # (N,)
    negative = masked_mse(rec_q[:, None], queue[None], lengths, reduce=False)  # (N, K)
    logits = -torch.cat([positive[:, None], negative], 1) / temperature  # (N, 1 + K)
    return F.cross_entropy(logits, torch.zeros(len(rec_q), dtype=torch.long, device=rec_q.device))


class TaxonomyModel(nn.Module):
    """One GRU encoder (query side), its momentum copy (key side), an MLP head to the
    ``emb``-dimensional latent space (BU), a GRU decoder from the pooled feature to frames and
    its momentum copy (TD), a latent key queue and a reconstruction queue.

    ``forward(x)`` takes ``(3, N, T, D + 1)`` — the clean batch and two random views of it
    (:class:`implementations.crrl.evaluation.SequenceSource` with views) — and returns the
    weighted loss; in training mode the momentum copies move first and both queues take the
    batch's keys after. Reconstructions are padded to ``max_frames`` so that the reconstruction
    queue holds a fixed shape (the configs' ``maximum_timesteps``).
    """

    def __init__(
        self,
        input_size: int,
        hidden: int,
        emb: int,
        weights: Weights,
        temperature: float,
        bu_queue: int,
        td_queue: int,
        max_frames: int,
        layers: int = 1,
        momentum: float = 0.999,
    ) -> None:
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.weights = weights
        self.temperature = temperature
        self.momentum = momentum
        self.max_frames = max_frames
        self.encoder = GRUEncoder(
            input_size, hidden, layers, bidirectional=False, dropout=0.0, pooling="last"
        )
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, emb))
        self.decoder = GRUDecoder(hidden, input_size, layers, hidden_size=hidden, dropout=0.0)
        self.key_encoder = copy.deepcopy(self.encoder)
        self.key_head = copy.deepcopy(self.head)
        self.key_decoder = copy.deepcopy(self.decoder)
        for module in (self.key_encoder, self.key_head, self.key_decoder):
            for p in module.parameters():
                p.requires_grad_(False)
        self.bu_queue = KeyQueue(bu_queue, emb)
        self.td_queue = KeyQueue(td_queue, max_frames * input_size)

    def losses(self, x: Tensor) -> dict[str, Tensor]:
        """The four objectives of one batch (each computed whatever its weight)."""
        if x.dim() != 4 or x.shape[0] != 3:
            raise ValueError(
                "input must be (3, N, T, D + 1): the clean batch and two views, got "
                f"{tuple(x.shape)}"
            )
        clean, lengths = split_valid(x[0])
        view_q, view_k = split_valid(x[1])[0], split_valid(x[2])[0]
        if clean.shape[1] > self.max_frames:
            raise ValueError(
                f"sequences longer than max_frames = {self.max_frames}: {clean.shape[1]}"
            )
        pad = (0, 0, 0, self.max_frames - clean.shape[1])
        clean = F.pad(clean, pad)  # (N, max_frames, D)
        view_q, view_k = F.pad(view_q, pad), F.pad(view_k, pad)
        feat_q = self.encoder.encode(view_q, lengths)[1]  # (N, H)
        feat_clean = self.encoder.encode(clean, lengths)[1]
        q = F.normalize(self.head(feat_q), dim=1)  # (N, emb)
        z = F.normalize(self.head(feat_clean), dim=1)
        with torch.no_grad():
            if self.training:
                momentum_update(self.key_encoder, self.encoder, self.momentum)
                momentum_update(self.key_head, self.head, self.momentum)
                momentum_update(self.key_decoder, self.decoder, self.momentum)
            feat_k = self.key_encoder.encode(view_k, lengths)[1]
            k = F.normalize(self.key_head(feat_k), dim=1)
            rec_k = self.key_decoder(feat_k, lengths, self.max_frames)  # (N, max_frames, D)
        rec_q = self.decoder(feat_q, lengths, self.max_frames)
        rec_clean = self.decoder(feat_clean, lengths, self.max_frames)
        td_keys = self.td_queue.keys.view(len(self.td_queue.keys), self.max_frames, -1)
        out = {
            "bu_con": info_nce(q, k, self.bu_queue.keys.clone(), self.temperature),
            "td_con": td_contrast(rec_q, rec_k, td_keys.clone(), lengths, self.temperature),
            "bu_att": latent_similarity(q, z),
            "td_att": masked_mse(rec_clean, clean, lengths),
        }
        if self.training:
            self.bu_queue.push(k)
            self.td_queue.push(rec_k.flatten(1))
        return out

    def forward(self, x: Tensor) -> Tensor:
        parts = self.losses(x)
        return sum(w * parts[name] for name, w in self.weights.items() if w)
