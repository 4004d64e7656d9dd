"""CRRL's models at a chosen width: the constructors the experiments and benchmarks share.

The authors' encoder is a 2-layer bidirectional GRU with 256 hidden units per direction
(512-d TAP feature), dropout 0.2; the SER decoder a 2-layer GRU whose hidden state is the frame.
``hidden`` scales the encoder for CPU runs.
"""

from __future__ import annotations

from implementations.crrl.encoder import GRUDecoder, GRUEncoder
from implementations.crrl.fuser import DistilledReconstructor, JointObjective
from implementations.crrl.motion_learner import ContrastiveMotionLearner, KeyMLP
from implementations.crrl.reconstructor import SequenceReconstructor

LAYERS, DROPOUT = 2, 0.2


def encoder(input_size: int, hidden: int) -> GRUEncoder:
    return GRUEncoder(input_size, hidden, LAYERS, bidirectional=True, dropout=DROPOUT)


def reconstructor(input_size: int, hidden: int) -> SequenceReconstructor:
    enc = encoder(input_size, hidden)
    return SequenceReconstructor(enc, GRUDecoder(enc.out_size, input_size, LAYERS, None, DROPOUT))


def motion_learner(
    input_size: int, hidden: int, key_mlp: KeyMLP = "frozen"
) -> ContrastiveMotionLearner:
    return ContrastiveMotionLearner(encoder(input_size, hidden), key_mlp=key_mlp)


def distilled(
    teacher: ContrastiveMotionLearner, input_size: int, hidden: int
) -> DistilledReconstructor:
    """CRRL's second stage: a fresh SER student distilled from ``teacher``'s query encoder."""
    return DistilledReconstructor(reconstructor(input_size, hidden), teacher.encoder)


def joint(input_size: int, hidden: int, key_mlp: KeyMLP = "frozen") -> JointObjective:
    """SER and CML on one encoder, trained together."""
    ser = reconstructor(input_size, hidden)
    return JointObjective(ser, ContrastiveMotionLearner(ser.encoder, key_mlp=key_mlp))
