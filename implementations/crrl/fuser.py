"""CRRL's Information Fuser (INF) by knowledge distillation, and the fusions it is compared with
(feature concatenation, joint multi-task training)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.crrl.encoder import GRUEncoder
from implementations.crrl.motion_learner import ContrastiveMotionLearner, projection_mlp
from implementations.crrl.reconstructor import SequenceReconstructor
from implementations.crrl.sequences import split_valid

#: λ_ts of the authors' code
DISTILLATION_WEIGHT = 0.1


def distillation_loss(student: Tensor, teacher: Tensor) -> Tensor:
    """L_KD = (1/N) Σ_i ||s_i − t_i||² (the code's ``MSELoss(reduction='sum') / batch``);
    ``student``, ``teacher`` (N, D)."""
    if student.dim() != 2 or student.shape != teacher.shape:
        raise ValueError(
            f"student and teacher features must be (N, D) of one shape, got "
            f"{tuple(student.shape)}, {tuple(teacher.shape)}"
        )
    return (student - teacher).square().sum() / len(student)


class DistilledReconstructor(nn.Module):
    """INF (authors' ``--teacher_student`` mode, the second of two stages): a fresh SER student
    learns by reconstruction while a 2-layer MLP on its TAP feature is pulled to the TAP feature
    of a frozen, pretrained CML query encoder (the teacher):

        L_CRRL = L_SER + λ · L_KD(g(f_s(x)), f_t(x)),   λ = 0.1
    """

    def __init__(
        self,
        student: SequenceReconstructor,
        teacher: GRUEncoder,
        weight: float = DISTILLATION_WEIGHT,
    ) -> None:
        super().__init__()
        if student.encoder.out_size != teacher.out_size:
            raise ValueError(
                f"student and teacher features differ in width: {student.encoder.out_size} vs "
                f"{teacher.out_size}"
            )
        self.student = student
        self.head = projection_mlp(teacher.out_size)
        self.teacher = teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.weight = weight

    def train(self, mode: bool = True) -> DistilledReconstructor:
        super().train(mode)
        self.teacher.eval()  # frozen: no dropout in the teacher
        return self

    def forward(self, x: Tensor) -> Tensor:
        frames, lengths = split_valid(x)
        loss, pooled = self.student.loss_and_feature(frames, lengths)
        with torch.no_grad():
            target = self.teacher.encode(frames, lengths)[1]
        return loss + self.weight * distillation_loss(self.head(pooled), target)


class JointObjective(nn.Module):
    """Fusion by multi-task training: one encoder trained by L_SER + L_CML at once (the CML's
    query encoder is SER's encoder)."""

    def __init__(
        self, reconstructor: SequenceReconstructor, learner: ContrastiveMotionLearner
    ) -> None:
        super().__init__()
        if learner.encoder is not reconstructor.encoder:
            raise ValueError("joint training needs the CML built on SER's own encoder")
        self.reconstructor = reconstructor
        self.learner = learner

    def forward(self, x: Tensor) -> Tensor:
        frames, lengths = split_valid(x)
        return (
            self.reconstructor.loss_and_feature(frames, lengths)[0]
            + self.learner.loss_and_feature(frames, lengths)[0]
        )


class ConcatFeatures(nn.Module):
    """Fusion by feature concatenation: [f_SER(x), f_CML(x)] (N, H_a + H_b) from two separately
    pretrained encoders, for linear evaluation."""

    def __init__(self, first: GRUEncoder, second: GRUEncoder) -> None:
        super().__init__()
        self.first = first
        self.second = second

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.first(x), self.second(x)], 1)
