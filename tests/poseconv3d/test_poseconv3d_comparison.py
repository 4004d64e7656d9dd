"""One seed of the PoseConv3D / ST-GCN comparison, end to end on toy sequences (no data)."""

from __future__ import annotations

import numpy as np
import pytest

from implementations.poseconv3d.comparison import (
    DROPS,
    MODELS,
    NOISES,
    Setting,
    build,
    train_and_test,
)
from repro.data.skeleton import SkeletonSequences

TINY = Setting(4, 8, gcn_frames=12, base_width=1, gcn_width=2, epochs=1)


def _toy(n: int, seed: int) -> SkeletonSequences:
    rng = np.random.default_rng(seed)
    seqs = tuple(
        (rng.normal(0, 0.3, (6 + i, 20, 3)) + np.array([0.0, 0.0, 2.5])).astype(np.float32)
        for i in range(n)
    )
    labels = np.arange(n) % 3
    return SkeletonSequences(
        "toy", "kinect-v1", seqs, labels, np.arange(n) + 1, tuple(map(str, range(n))),
        ("a", "b", "c"),
    )  # fmt: skip


def test_one_seed_trains_every_model_and_tests_every_corruption():
    out = train_and_test(_toy(6, 0), _toy(4, 1), TINY, seed=0)
    assert set(out.clean) == {*MODELS, "joint+limb"}
    assert set(out.drop) == set(out.noise) == {"joint", "stgcn"}
    assert all(len(v) == len(DROPS) for v in out.drop.values())
    assert all(len(v) == len(NOISES) for v in out.noise.values())
    # the first level of each grid is the clean test set
    assert out.drop["joint"][0] == out.noise["joint"][0] == out.clean["joint"]
    assert all(0.0 <= a <= 100.0 for a in out.clean.values())


def test_same_seed_same_numbers():
    a = train_and_test(_toy(6, 0), _toy(4, 1), TINY, seed=3)
    b = train_and_test(_toy(6, 0), _toy(4, 1), TINY, seed=3)
    assert a.clean == b.clean and a.drop == b.drop and a.noise == b.noise


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="model must be one of joint, limb, stgcn"):
        build("tcn", 3, "kinect-v1", TINY)
