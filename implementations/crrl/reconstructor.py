"""CRRL's Sequence Reconstructor (SER): a GRU encoder-decoder that reconstructs the coordinate
sequence forwards from the first step's output and backwards from the last step's output."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.crrl.encoder import GRUDecoder, GRUEncoder
from implementations.crrl.losses import sequence_sse
from implementations.crrl.sequences import reverse_valid, split_valid


def reconstruction_targets(frames: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """The two targets of SER: the sequence itself and its time reversal over valid frames
    (N, T, D) each."""
    return frames, reverse_valid(frames, lengths)


class SequenceReconstructor(nn.Module):
    """SER (authors' ``--reconstruct`` mode): with encoder outputs h_t (N, T, H),

        x̂^fwd = Dec(h_0 repeated L times),   x̂^rev = Dec(h_{L−1} repeated L times),
        L_SER = L_rec(x̂^fwd, x) + L_rec(x̂^rev, reverse(x))

    with L_rec CRRL's per-sequence SSE / length (:func:`~implementations.crrl.losses.sequence_sse`).
    One decoder serves both directions, as in the authors' code. ``forward(x)`` takes the
    ``(N, T, D + 1)`` batch tensor and returns L_SER.
    """

    def __init__(self, encoder: GRUEncoder, decoder: GRUDecoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def loss_and_feature(self, frames: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """L_SER and the encoder's pooled feature (N, H) of the same pass."""
        out, pooled = self.encoder.encode(frames, lengths)  # (N, T, H), (N, H)
        first = out[:, 0]
        last = out[torch.arange(len(out), device=out.device), lengths - 1]
        forward_target, reverse_target = reconstruction_targets(frames, lengths)
        t = frames.shape[1]
        loss = sequence_sse(self.decoder(first, lengths, t), forward_target, lengths)
        loss = loss + sequence_sse(self.decoder(last, lengths, t), reverse_target, lengths)
        return loss, pooled

    def forward(self, x: Tensor) -> Tensor:
        return self.loss_and_feature(*split_valid(x))[0]
