"""A seeded synthetic skeleton-action generator: the embedded default when no data is present.

Every sequence starts from one rest pose of the layout (bones of fixed length, pointing down the
tree from the root joint) and moves a class-specific group of joints along a sinusoid. Classes
come in pairs that move the same joints and differ only in speed (one cycle vs. three cycles
per sequence), so a model must use time as well as pose. Lengths, phases, amplitudes, a global
rotation and coordinate noise vary per sequence. Results on it are labelled synthetic.
"""

from __future__ import annotations

import numpy as np

from repro.data.skeleton import SkeletonSequences
from repro.data.skeleton_layouts import get_layout


def rest_pose(layout: str) -> np.ndarray:
    """(V, 3) joint positions: the root at the origin, each bone 0.2 long, children spread in
    a fan below or above their parent (a fixed, layout-determined pose)."""
    lay = get_layout(layout)
    v = lay.num_joints
    nbrs: list[list[int]] = [[] for _ in range(v)]
    for i, j in lay.edges:
        nbrs[i].append(j)
        nbrs[j].append(i)
    pos = np.full((v, 3), np.nan)
    pos[lay.root] = 0.0
    order, parent = [lay.root], {lay.root: -1}
    for node in order:
        kids = [k for k in nbrs[node] if k not in parent]
        for n, k in enumerate(kids):
            parent[k] = node
            order.append(k)
            angle = np.pi * (n + 1) / (len(kids) + 1)
            up = 1.0 if k % 2 else -1.0
            pos[k] = pos[node] + 0.2 * np.array([np.cos(angle), up * np.sin(angle), 0.1 * n])
    return np.nan_to_num(pos).astype(np.float32)  # joints unreachable from the root stay at 0


def synthetic_actions(
    n_per_class: int = 20,
    n_classes: int = 6,
    layout: str = "kinect-v1",
    frames: tuple[int, int] = (24, 48),
    n_subjects: int = 10,
    noise: float = 0.01,
    seed: int = 0,
) -> SkeletonSequences:
    """``n_classes * n_per_class`` sequences of ``(T, V, 3)``, T drawn from ``frames``.

    Class ``2g`` and ``2g + 1`` move joint group ``g`` (every ``n_classes // 2``-th joint,
    offset g) at 1 and 3 cycles per sequence. Subjects are assigned round-robin so that
    ``cross_subject()`` splits every class.
    """
    if n_classes < 2 or n_classes % 2:
        raise ValueError(f"n_classes must be an even number >= 2, got {n_classes}")
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    if not 1 <= frames[0] <= frames[1]:
        raise ValueError(f"frames must be (low, high) with 1 <= low <= high, got {frames}")
    lay = get_layout(layout)
    rng = np.random.default_rng(seed)
    base = rest_pose(lay.name)
    groups = n_classes // 2
    seqs, labels, subjects, names = [], [], [], []
    for c in range(n_classes):
        g, cycles = c // 2, 1 + 2 * (c % 2)
        moving = np.arange(lay.num_joints) % groups == g
        for i in range(n_per_class):
            t = int(rng.integers(frames[0], frames[1] + 1))
            phase = rng.uniform(0, 2 * np.pi)
            amp = rng.uniform(0.1, 0.2)
            time = np.linspace(0, 2 * np.pi * cycles, t)[:, None] + phase  # (T, 1)
            seq = np.repeat(base[None], t, axis=0)  # (T, V, 3)
            seq[:, moving, 0] += amp * np.sin(time)
            seq[:, moving, 1] += amp * np.cos(time)
            yaw = rng.uniform(-np.pi / 6, np.pi / 6)
            rot = np.array(
                [[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]]
            )
            seq = seq @ rot.T + noise * rng.standard_normal(seq.shape)
            seqs.append(seq.astype(np.float32))
            labels.append(c)
            subjects.append(1 + i % n_subjects)
            names.append(f"synthetic_c{c:02d}_{i:03d}")
    return SkeletonSequences(
        f"synthetic skeleton actions ({lay.name}, {n_classes} classes, seed {seed})",
        lay.name,
        tuple(seqs),
        np.array(labels, dtype=np.int64),
        np.array(subjects, dtype=np.int64),
        tuple(names),
        tuple(f"group {c // 2} x{1 + 2 * (c % 2)}" for c in range(n_classes)),
        synthetic=True,
    )
