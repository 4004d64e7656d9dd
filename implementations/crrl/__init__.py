"""CRRL (Wang et al., IEEE TIP 2022): the sequence reconstructor, the contrastive motion learner,
the distillation fuser and the fusions it is compared with.

This package's public API also holds the parts the SSL taxonomy (``implementations.ssl_taxonomy``)
builds on — GRU encoder and decoder over packed sequences, MoCo's ``info_nce``, key queue and
momentum update, the latent-similarity and masked reconstruction losses, velocities, and the
linear-evaluation protocol — written once, here.
"""

from implementations.crrl.encoder import GRUDecoder, GRUEncoder
from implementations.crrl.evaluation import (
    Outcome,
    ProbeData,
    ProbeJob,
    Scores,
    SequenceSource,
    Views,
    cross_subject,
    linear_evaluation,
    loss_note,
    perturb,
    prepare,
    probe_jobs,
    reference_note,
    reference_points,
    scale_to_unit,
    summary,
    supervised_ceiling,
    variant_gap,
)
from implementations.crrl.fuser import (
    ConcatFeatures,
    DistilledReconstructor,
    JointObjective,
    distillation_loss,
)
from implementations.crrl.losses import latent_similarity, masked_mse, sequence_sse
from implementations.crrl.moco import KeyQueue, info_nce, momentum_update
from implementations.crrl.motion_learner import ContrastiveMotionLearner, projection_mlp
from implementations.crrl.reconstructor import SequenceReconstructor, reconstruction_targets
from implementations.crrl.sequences import (
    pack_batch,
    reverse_valid,
    split_valid,
    valid_mask,
    velocity,
)

__all__ = [
    "ConcatFeatures",
    "ContrastiveMotionLearner",
    "DistilledReconstructor",
    "GRUDecoder",
    "GRUEncoder",
    "JointObjective",
    "KeyQueue",
    "Outcome",
    "ProbeData",
    "ProbeJob",
    "Scores",
    "SequenceReconstructor",
    "SequenceSource",
    "Views",
    "cross_subject",
    "distillation_loss",
    "info_nce",
    "latent_similarity",
    "linear_evaluation",
    "loss_note",
    "masked_mse",
    "momentum_update",
    "pack_batch",
    "perturb",
    "prepare",
    "probe_jobs",
    "projection_mlp",
    "reconstruction_targets",
    "reference_note",
    "reference_points",
    "reverse_valid",
    "scale_to_unit",
    "sequence_sse",
    "split_valid",
    "summary",
    "supervised_ceiling",
    "valid_mask",
    "variant_gap",
    "velocity",
]
