"""One seed of the comparison: PoseConv3D (joint, limb) and ST-GCN trained on the same clips.

:func:`train_and_test` trains three models from one seed on one split — PoseConv3D on joint
volumes, PoseConv3D on limb volumes and the ST-GCN of :mod:`implementations.stgcn` on the
(x, y) coordinates of the same projected sequences — with :func:`repro.train.fit`, the
same optimiser and the same seed (hence the same batch order, and for the two PoseConv3D models
the same sampled frames and flips). Each model is then tested on the clean test clips and under
every test-time corruption of the robustness grid (dropped keypoints, coordinate noise); the
joint + limb late fusion averages the two PoseConv3D models' softmax scores.

The optimiser is the shared skeleton recipe's (:func:`repro.skeleton_recipe.train_config`: SGD
with Nesterov momentum, warm-up, cosine decay, label smoothing) for all three models; the
dropout is the paper's 0.5 before PoseConv3D's classifier and the recipe's
(:data:`repro.skeleton_recipe.DROPOUT`) inside ST-GCN. The input pipeline is PoseConv3D's
(uniform sampling, subject-centred crop, flip; :mod:`implementations.poseconv3d.clips`) for both
models, on the recipe's splits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from implementations.poseconv3d.clips import ClipSpec, Corruption, PoseClips
from implementations.poseconv3d.slowonly import SlowOnly3D
from implementations.stgcn import STGCN, scaled_widths
from repro.data.skeleton import SkeletonSequences
from repro.data.skeleton_layouts import get_layout
from repro.skeleton_recipe import DROPOUT, train_config
from repro.train import fit, predict

#: Test-time corruptions: keypoints dropped with probability p, and coordinate noise (standard
#: deviation as a fraction of the subject box).
DROPS: tuple[float, ...] = (0.0, 1 / 16, 1 / 8, 1 / 4)
NOISES: tuple[float, ...] = (0.0, 0.02, 0.04, 0.08)
MODELS: tuple[str, ...] = ("joint", "limb", "stgcn")


@dataclass(frozen=True)
class Setting:
    """Sizes of one comparison: the volume's frames and side, the GCN's frames, the widths
    (SlowOnly base width, ST-GCN first-unit width) and the epochs."""

    volume_frames: int = 16
    size: int = 32
    sigma: float = 0.6
    gcn_frames: int = 48
    base_width: int = 8
    gcn_width: int = 16
    epochs: int = 40
    crop: bool = True

    def describe(self) -> str:
        b, g = self.base_width, self.gcn_width
        return (
            f"PoseConv3D: {self.volume_frames} frames × {self.size}² heatmaps, σ={self.sigma:g}, "
            f"SlowOnly 4-6-3 base width {b} (paper 32); ST-GCN: {self.gcn_frames} frames, "
            f"widths {g}-{2 * g}-{4 * g} (paper 64-128-256); {self.epochs} epochs, same seed"
        )


@dataclass
class Outcome:
    """One seed: test accuracies (%) of each model and of the fusion (``clean``); of the joint
    model and ST-GCN under each corruption of :data:`DROPS` and :data:`NOISES`; the last
    epoch's training accuracies; seconds."""

    clean: dict[str, float]
    drop: dict[str, list[float]]
    noise: dict[str, list[float]]
    train_acc: dict[str, float]
    seconds: float


def build(model: str, num_classes: int, layout: str, setting: Setting) -> nn.Module:
    """A freshly initialised model of the comparison (the caller seeds torch)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    if model == "stgcn":
        return STGCN(
            num_classes,
            layout,
            "spatial",
            in_channels=2,  # x, y: see clips.coordinates
            edge_importance=True,
            widths=scaled_widths(setting.gcn_width),
            dropout=DROPOUT,
        )
    lay = get_layout(layout)
    channels = len(lay.edges) if model == "limb" else lay.num_joints
    return SlowOnly3D(num_classes, channels, setting.base_width, dropout=0.5)


def clips_for(model: str, data: SkeletonSequences, setting: Setting) -> PoseClips:
    if model == "stgcn":
        return PoseClips(data, ClipSpec(setting.gcn_frames, setting.size), kind="coordinates")
    spec = ClipSpec(
        setting.volume_frames, setting.size, setting.sigma, limbs=model == "limb", crop=setting.crop
    )
    return PoseClips(data, spec, kind="volume")


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return 100.0 * float((logits.argmax(1) == labels).float().mean())


def train_joint(
    train: SkeletonSequences, test: SkeletonSequences, setting: Setting, seed: int
) -> float:
    """Test accuracy (%) of PoseConv3D on joint volumes trained from ``seed`` (the ablations)."""
    torch.manual_seed(seed)
    model = build("joint", len(train.classes), train.layout, setting)
    fit(
        model,
        clips_for("joint", train, setting),
        train_config(setting.epochs, len(train), eval_every=0),
        seed,
    )
    logits = predict(model, clips_for("joint", test, setting).evaluation())
    return accuracy(logits, torch.from_numpy(test.labels))


def train_and_test(
    train: SkeletonSequences, test: SkeletonSequences, setting: Setting, seed: int
) -> Outcome:
    """Train joint, limb and ST-GCN from ``seed``; test them clean and corrupted."""
    start = time.perf_counter()
    labels = torch.from_numpy(test.labels)
    clean, drop, noise, train_acc = {}, {}, {}, {}
    probs = {}
    for name in MODELS:
        torch.manual_seed(seed)
        model = build(name, len(train.classes), train.layout, setting)
        config = train_config(setting.epochs, len(train), eval_every=0)
        history = fit(model, clips_for(name, train, setting), config, seed)
        train_acc[name] = history.final_train_acc
        test_clips = clips_for(name, test, setting)
        logits = predict(model, test_clips.evaluation())
        probs[name] = logits.softmax(1)
        clean[name] = accuracy(logits, labels)
        if name == "limb":
            continue  # the robustness grid compares the joint model with ST-GCN
        drop[name] = [
            accuracy(predict(model, test_clips.evaluation(Corruption(drop=p), seed)), labels)
            for p in DROPS
        ]
        noise[name] = [
            accuracy(predict(model, test_clips.evaluation(Corruption(noise=s), seed)), labels)
            for s in NOISES
        ]
    clean["joint+limb"] = accuracy(probs["joint"] + probs["limb"], labels)
    return Outcome(clean, drop, noise, train_acc, time.perf_counter() - start)
