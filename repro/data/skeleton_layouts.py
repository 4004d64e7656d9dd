"""Skeleton joint layouts as data: joints, bones, the graph centre and the coordinate root.

A :class:`Layout` is what a skeleton graph is built from (``implementations.stgcn.Graph``) and
what the skeleton loaders return their joints in. Its ``mirror`` map pairs each joint with its
left/right counterpart, for the mirror augmentation of :mod:`repro.skeleton_recipe`. Joint
indices are 0-based here even where the source documents them 1-based; the docstring of each
layout says where it comes from.

Layouts:

* ``openpose``: the 18 OpenPose COCO keypoints (2D + confidence) used for Kinetics-skeleton; the
  bones and the centre (joint 1, the neck) are those of the ST-GCN reference code.
* ``ntu-rgb+d``: the 25 Kinect v2 joints of NTU RGB+D; bones and centre (joint 21 in 1-based
  numbering, the spine at the shoulders) as in the ST-GCN reference code, whose hands attach
  hand tip -> thumb -> hand (other code bases attach both to the hand).
* ``kinect-v1``: the 20 Kinect v1 joints in the order of MSR Action3D's ``body_model.mat`` (the
  order both MSR Action3D and, after re-ordering by the loader, UTKinect-Action3D use here),
  with its 19 bones rooted at the hip centre. The graph centre is the shoulder centre (the
  counterpart of NTU's joint 21 and OpenPose's neck).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """A skeleton: ``num_joints`` joints, undirected ``edges`` (0-based pairs), the ``center``
    joint the spatial partition measures distances to, the ``root`` joint that centring
    transforms subtract, and ``mirror``: for each joint, the index of its left/right
    counterpart (itself on the body's midline), or None where the layout has no such map."""

    name: str
    joint_names: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    center: int
    root: int
    mirror: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        v = self.num_joints
        for i, j in self.edges:
            if not (0 <= i < v and 0 <= j < v) or i == j:
                raise ValueError(f"layout {self.name}: edge ({i}, {j}) is not a pair of joints")
        for what, j in (("center", self.center), ("root", self.root)):
            if not 0 <= j < v:
                raise ValueError(f"layout {self.name}: {what} {j} is not a joint index")
        if self.mirror is not None:
            m = self.mirror
            if sorted(m) != list(range(v)) or any(m[m[j]] != j for j in range(v)):
                raise ValueError(
                    f"layout {self.name}: mirror must be a permutation of the {v} joints that "
                    "is its own inverse (left <-> right pairs, midline joints fixed)"
                )

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)


def _swaps(v: int, pairs: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """The mirror map of ``v`` joints that exchanges each (left, right) pair (0-based)."""
    m = list(range(v))
    for a, b in pairs:
        m[a], m[b] = b, a
    return tuple(m)


def _one_based(pairs: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    return tuple((i - 1, j - 1) for i, j in pairs)


OPENPOSE = Layout(
    name="openpose",
    joint_names=(
        "nose",
        "neck",
        "right shoulder",
        "right elbow",
        "right wrist",
        "left shoulder",
        "left elbow",
        "left wrist",
        "right hip",
        "right knee",
        "right ankle",
        "left hip",
        "left knee",
        "left ankle",
        "right eye",
        "left eye",
        "right ear",
        "left ear",
    ),
    edges=(
        (4, 3),
        (3, 2),
        (7, 6),
        (6, 5),
        (13, 12),
        (12, 11),
        (10, 9),
        (9, 8),
        (11, 5),
        (8, 2),
        (5, 1),
        (2, 1),
        (0, 1),
        (15, 0),
        (14, 0),
        (17, 15),
        (16, 14),
    ),
    center=1,
    root=1,
    mirror=_swaps(18, ((2, 5), (3, 6), (4, 7), (8, 11), (9, 12), (10, 13), (14, 15), (16, 17))),
)

NTU_RGBD = Layout(
    name="ntu-rgb+d",
    joint_names=(
        "base of spine",
        "middle of spine",
        "neck",
        "head",
        "left shoulder",
        "left elbow",
        "left wrist",
        "left hand",
        "right shoulder",
        "right elbow",
        "right wrist",
        "right hand",
        "left hip",
        "left knee",
        "left ankle",
        "left foot",
        "right hip",
        "right knee",
        "right ankle",
        "right foot",
        "spine shoulder",
        "left hand tip",
        "left thumb",
        "right hand tip",
        "right thumb",
    ),
    edges=_one_based(
        (
            (1, 2),
            (2, 21),
            (3, 21),
            (4, 3),
            (5, 21),
            (6, 5),
            (7, 6),
            (8, 7),
            (9, 21),
            (10, 9),
            (11, 10),
            (12, 11),
            (13, 1),
            (14, 13),
            (15, 14),
            (16, 15),
            (17, 1),
            (18, 17),
            (19, 18),
            (20, 19),
            (22, 23),
            (23, 8),
            (24, 25),
            (25, 12),
        )
    ),
    center=20,
    root=1,
    mirror=_swaps(
        25,
        (
            (4, 8),
            (5, 9),
            (6, 10),
            (7, 11),
            (12, 16),
            (13, 17),
            (14, 18),
            (15, 19),
            (21, 23),
            (22, 24),
        ),
    ),
)

KINECT_V1 = Layout(
    name="kinect-v1",
    joint_names=(
        "left shoulder",
        "right shoulder",
        "shoulder centre",
        "spine",
        "left hip",
        "right hip",
        "hip centre",
        "left elbow",
        "right elbow",
        "left wrist",
        "right wrist",
        "left hand",
        "right hand",
        "left knee",
        "right knee",
        "left ankle",
        "right ankle",
        "left foot",
        "right foot",
        "head",
    ),
    # body_model.mat "bones" of MSR Action3D, 1-based, a tree rooted at the hip centre (7)
    edges=_one_based(
        (
            (7, 4),
            (4, 3),
            (3, 20),
            (3, 1),
            (3, 2),
            (1, 8),
            (2, 9),
            (8, 10),
            (9, 11),
            (10, 12),
            (11, 13),
            (7, 5),
            (7, 6),
            (5, 14),
            (6, 15),
            (14, 16),
            (15, 17),
            (16, 18),
            (17, 19),
        )
    ),
    center=2,
    root=6,
    mirror=_swaps(20, ((0, 1), (4, 5), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18))),
)

LAYOUTS: dict[str, Layout] = {x.name: x for x in (OPENPOSE, NTU_RGBD, KINECT_V1)}


def get_layout(name: str | Layout) -> Layout:
    """The layout called ``name`` (a :class:`Layout` is returned as it is)."""
    if isinstance(name, Layout):
        return name
    if not isinstance(name, str):
        raise TypeError(f"layout must be a name or a Layout, got {type(name).__name__}")
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(
            f"unknown skeleton layout {name!r}; known layouts: {', '.join(sorted(LAYOUTS))}"
        ) from None
