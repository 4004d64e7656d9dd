"""The packed GRU encoder and decoder (claim crrl.sec3.packed-padded), SER's loss by hand."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.crrl import (
    GRUDecoder,
    GRUEncoder,
    SequenceReconstructor,
    pack_batch,
    sequence_sse,
)
from implementations.crrl.paper import PAPER
from repro.experiment import deviation


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_crrl_sec3_packed_and_padded_agree_on_valid_frames(seed):
    """crrl.sec3.packed-padded: packed outputs equal each sequence run alone (and the padded
    batch, unidirectional) on valid frames; pooling reads valid frames only."""
    claim = PAPER.claim("crrl.sec3.packed-padded")
    assert deviation(claim, seed) <= claim.tolerance


def test_sequence_sse_by_hand():
    """Lengths 2 and 1, D = 1: ((1 + 4) / 2 + 9 / 1) / 2 = 5.75; the padded 100 is ignored."""
    pred = torch.tensor([[[1.0], [2.0]], [[3.0], [100.0]]])
    target = torch.zeros(2, 2, 1)
    assert float(sequence_sse(pred, target, torch.tensor([2, 1]))) == pytest.approx(5.75)


@torch.no_grad()
def test_reconstructor_decodes_forward_from_the_first_and_backward_from_the_last_output():
    """SER's loss equals the two SSE terms computed from h_0 and h_{L−1} directly."""
    torch.manual_seed(0)
    enc = GRUEncoder(3, 4, 1, bidirectional=True, dropout=0.0)
    dec = GRUDecoder(8, 3, 1, dropout=0.0)
    ser = SequenceReconstructor(enc, dec).eval()
    seqs = [torch.randn(t, 3) for t in (4, 2)]
    expected = 0.0
    with torch.no_grad():
        loss = float(ser(pack_batch(seqs)))
    for s in seqs:
        out, _ = enc.gru(s[None])  # (1, L, 8)
        one = torch.tensor([len(s)])
        fwd = dec(out[:, 0], one)
        rev = dec(out[:, -1], one)
        expected += float(sequence_sse(fwd, s[None], one) + sequence_sse(rev, s.flip(0)[None], one))
    assert loss == pytest.approx(expected / 2, rel=1e-5)


def test_encoder_bad_arguments_raise_with_the_constraint():
    with pytest.raises(ValueError, match="must be positive"):
        GRUEncoder(0, 4)
    with pytest.raises(ValueError, match="pooling must be"):
        GRUEncoder(3, 4, pooling="max")
    with pytest.raises(ValueError, match=r"frames must be \(N, T, 3\)"):
        GRUEncoder(3, 4)(pack_batch([torch.randn(2, 5)]))


def test_single_frame_and_all_zero_sequences_encode_to_finite_features():
    """Documented behaviour: one frame is a valid sequence for the encoder and SER (only the
    velocity needs two); all-zero coordinates give finite features and losses."""
    torch.manual_seed(0)
    ser = SequenceReconstructor(GRUEncoder(3, 4), GRUDecoder(8, 3))
    x = pack_batch([torch.randn(1, 3), torch.zeros(5, 3)])
    assert torch.isfinite(ser.encoder(x)).all() and torch.isfinite(ser(x))
