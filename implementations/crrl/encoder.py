"""The GRU sequence encoder and decoder over flattened skeleton frames.

Shared by CRRL (bidirectional, 2 layers, temporal average pooling) and the SSL taxonomy
(unidirectional, the last valid frame's output); ``implementations.ssl_taxonomy`` imports them
from ``implementations.crrl``. Variable-length sequences run packed
(``torch.nn.utils.rnn.pack_padded_sequence``), so that padding never enters a recurrence.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from implementations.crrl.sequences import split_valid, valid_mask

Pooling = Literal["mean", "last"]


class GRUEncoder(nn.Module):
    """A (bi)directional GRU over frames with a pooled sequence feature.

    Per-frame outputs h_t (N, T, H·dirs) of the packed sequence, then
    ``pooling="mean"``: TAP, z = (1 / L) Σ_{t < L} h_t over the L valid frames (CRRL);
    ``pooling="last"``: z = h_{L−1} (the taxonomy's ``seqlast``).

    ``forward(x)`` takes the batch tensor of :mod:`implementations.crrl.sequences`
    ``(N, T, D + 1)`` and returns z (N, H·dirs), so that the module is a feature extractor for
    :func:`repro.train.linear_probe`; :meth:`encode` takes frames and lengths.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 256,
        num_layers: int = 2,
        bidirectional: bool = True,
        dropout: float = 0.2,
        pooling: Pooling = "mean",
    ) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ValueError(
                "input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size}, {num_layers}"
            )
        if pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last', got {pooling!r}")
        self.input_size = input_size
        self.pooling = pooling
        self.out_size = hidden_size * (2 if bidirectional else 1)
        self.gru = nn.GRU(
            input_size,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )

    def encode(self, frames: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """``frames`` (N, T, D), ``lengths`` (N,) -> outputs (N, T, H·dirs), zero past each
        length, and the pooled feature (N, H·dirs)."""
        if frames.dim() != 3 or frames.shape[2] != self.input_size:
            raise ValueError(
                f"frames must be (N, T, {self.input_size}) (joints × coordinates per frame), "
                f"got {tuple(frames.shape)}"
            )
        packed = pack_padded_sequence(frames, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True)  # (N, max L, H')
        out = nn.functional.pad(out, (0, 0, 0, frames.shape[1] - out.shape[1]))  # (N, T, H')
        if self.pooling == "mean":
            pooled = out.sum(1) / lengths.to(out.dtype)[:, None]
        else:
            pooled = out[torch.arange(len(out), device=out.device), lengths - 1]
        return out, pooled

    def forward(self, x: Tensor) -> Tensor:
        """``(N, T, D + 1)`` batch tensor -> pooled feature (N, H·dirs)."""
        return self.encode(*split_valid(x))[1]


class GRUDecoder(nn.Module):
    """A unidirectional GRU that unrolls one latent vector, repeated at every step, into a
    sequence of frames (``lengths`` steps per sequence).

    ``hidden_size=None``: the GRU's hidden state is the frame itself (CRRL's decoder,
    hidden = input size); otherwise a linear read-out maps the hidden state to frames.
    """

    def __init__(
        self,
        latent_size: int,
        output_size: int,
        num_layers: int = 2,
        hidden_size: int | None = None,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        hidden = output_size if hidden_size is None else hidden_size
        self.gru = nn.GRU(
            latent_size,
            hidden,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.readout = nn.Identity() if hidden_size is None else nn.Linear(hidden, output_size)

    def forward(self, latent: Tensor, lengths: Tensor, frames: int | None = None) -> Tensor:
        """``latent`` (N, H), ``lengths`` (N,) -> frames (N, T, D) with T = ``frames`` (default
        max length), zero past each length."""
        t = int(lengths.max()) if frames is None else frames
        steps = latent[:, None, :].expand(-1, int(lengths.max()), -1)  # (N, max L, H)
        packed = pack_padded_sequence(steps, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True)
        out = self.readout(nn.functional.pad(out, (0, 0, 0, t - out.shape[1])))  # (N, T, D)
        return out * valid_mask(lengths, t)[..., None]
