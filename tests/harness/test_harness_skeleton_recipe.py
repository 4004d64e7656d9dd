"""repro.skeleton_recipe: normalisation, seeded augmentation, data for fit, splits and floors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from repro.data.skeleton import load_msr_action3d, load_utkinect
from repro.data.skeleton_layouts import KINECT_V1, Layout, get_layout
from repro.data.skeleton_synthetic import synthetic_actions
from repro.data.skeleton_transforms import body_size, resample
from repro.skeleton_recipe import (
    AugmentedSequences,
    Recipe,
    augment,
    evaluation_data,
    floor_features,
    floors,
    normalize,
    splits,
    train_config,
)
from repro.train import fit

ROOT = KINECT_V1.root


@pytest.fixture(scope="module")
def split():
    return synthetic_actions(n_per_class=4, seed=3).cross_subject()


def _sequence(seed: int, frames: int = 30) -> np.ndarray:
    data = synthetic_actions(n_per_class=1, n_classes=2, seed=seed, frames=(frames, frames))
    return data.sequences[0]


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 1000),
    st.floats(0.2, 5.0),
    st.lists(st.floats(-3, 3), min_size=3, max_size=3),
)
def test_normalize_removes_position_and_body_size(seed, factor, shift):
    seq = _sequence(seed)
    out = normalize(seq, "kinect-v1")
    np.testing.assert_allclose(out[0, ROOT], 0, atol=1e-6)
    assert body_size(out, KINECT_V1.edges) == pytest.approx(1.0, rel=1e-5)
    moved = (seq * factor + np.asarray(shift, np.float32)).astype(np.float32)
    np.testing.assert_allclose(normalize(moved, "kinect-v1"), out, atol=1e-4)


def test_normalize_rejects_a_foreign_shape():
    with pytest.raises(ValueError, match=r"a kinect-v1 sequence must be \(T, 20, 3\)"):
        normalize(np.zeros((5, 25, 3), np.float32), "kinect-v1")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**16))
def test_augment_is_seeded_and_keeps_one_stream_for_every_recipe(seed):
    seq = normalize(_sequence(seed % 50), "kinect-v1")
    full = Recipe(frames=16, mirror=0.5)
    a = augment(seq, full, "kinect-v1", np.random.default_rng(seed))
    assert a.shape == (16, 20, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a, augment(seq, full, "kinect-v1", np.random.default_rng(seed)))
    # a recipe that turns every augmentation off gives the plain clip, and uses up the same
    # draws, so the next sample of a batch sees the same randomness under either recipe
    none = Recipe(frames=16, min_crop=1.0, max_rotation=0.0, scale=0.0, jitter=0.0)
    rng_full, rng_none = np.random.default_rng(seed), np.random.default_rng(seed)
    augment(seq, full, "kinect-v1", rng_full)
    plain = augment(seq, none, "kinect-v1", rng_none)
    np.testing.assert_allclose(plain, resample(seq, 16), atol=1e-6)
    assert rng_full.random() == rng_none.random()


def test_augment_changes_the_clip_within_bounds():
    seq = normalize(_sequence(1), "kinect-v1")
    clips = np.stack(
        [augment(seq, Recipe(frames=16), "kinect-v1", np.random.default_rng(s)) for s in range(8)]
    )
    assert np.abs(clips - clips[0]).max() > 1e-2  # different seeds, different clips
    # rotation about y, scale ≤ 10 %, jitter 0.01: the height of the body stays near 1 body size
    heights = clips[..., 1].max(-1) - clips[..., 1].min(-1)  # (8, 16)
    plain = resample(seq, 16)
    ratio = heights / (plain[..., 1].max(-1) - plain[..., 1].min(-1))
    assert ratio.min() > 0.85 and ratio.max() < 1.15


def test_mirror_needs_a_mirror_map():
    lay = get_layout("kinect-v1")
    bare = Layout("bare", lay.joint_names, lay.edges, lay.center, lay.root)
    seq = normalize(_sequence(0), "kinect-v1")
    with pytest.raises(ValueError, match="needs a layout with a mirror map; bare has none"):
        augment(seq, Recipe(frames=16, mirror=0.5), bare, np.random.default_rng(0))
    # always mirrored: the left hand ends up where the right hand was, on the other side
    m = augment(
        seq,
        Recipe(frames=16, min_crop=1.0, max_rotation=0, scale=0, jitter=0, mirror=1.0),
        "kinect-v1",
        np.random.default_rng(0),
    )
    left, right = lay.joint_names.index("left hand"), lay.joint_names.index("right hand")
    plain = resample(seq, 16)
    np.testing.assert_allclose(m[:, left, 0], -plain[:, right, 0], atol=1e-6)


def test_batches_and_evaluation_tensors(split):
    train, test = split
    source = AugmentedSequences(train, Recipe(frames=16))
    idx = np.array([0, 3, 5])
    a = source.batch(idx, np.random.default_rng(7))
    assert a.shape == (3, 3, 16, 20, 1) and a.dtype == torch.float32
    torch.testing.assert_close(a, source.batch(idx, np.random.default_rng(7)), rtol=0, atol=0)
    assert not torch.equal(a, source.batch(idx, np.random.default_rng(8)))
    assert torch.equal(source.labels, torch.from_numpy(train.labels))
    data = evaluation_data(test, Recipe(frames=16))
    assert data.inputs.shape == (len(test), 3, 16, 20, 1)
    assert data.inputs[:, :, 0, ROOT].abs().max() == 0  # root at the origin in the first frame
    assert torch.equal(data.labels, torch.from_numpy(test.labels))


class _Recorder:
    """A SampleSource that records every batch it hands out."""

    def __init__(self, source: AugmentedSequences) -> None:
        self.source, self.labels, self.seen = source, source.labels, []

    def batch(self, indices, rng):
        x = self.source.batch(indices, rng)
        self.seen.append(x.clone())
        return x


def test_paired_seeds_give_every_model_the_same_batches(split):
    """Two different models trained from one seed see identical batches (DESIGN: paired seeds)."""
    train, test = split
    recipe = Recipe(frames=12)
    runs = []
    for width in (4, 9):
        torch.manual_seed(width)
        model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 12 * 20, width), nn.Linear(width, 6))
        rec = _Recorder(AugmentedSequences(train, recipe))
        history = fit(
            model, rec, train_config(2, len(train)), seed=5, test=evaluation_data(test, recipe)
        )
        runs.append(rec.seen)
        assert [e.train_acc is not None for e in history.epochs] == [True, True]
        assert history.epochs[-1].test_acc is not None
    assert len(runs[0]) == len(runs[1]) > 0
    assert all(torch.equal(x, y) for x, y in zip(*runs, strict=True))


def test_train_config_warms_up_then_decays():
    cfg = train_config(20, 100)  # 7 steps per epoch (6 of 16 and one of 4)
    assert cfg.steps_per_epoch(100) == 7 and cfg.warmup_steps == 35
    assert cfg.nesterov and cfg.label_smoothing == 0.1 and cfg.eval_every == 2
    assert train_config(1, 100).warmup_steps == 0  # a one-epoch run has no room to warm up
    opt = cfg.optimizer_for([nn.Parameter(torch.zeros(1))])
    sched = cfg.scheduler_for(opt, 20 * 7)
    lrs = []
    for _ in range(20 * 7):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    peak = int(np.argmax(lrs))
    assert 34 <= peak <= 36 and lrs[peak] == pytest.approx(0.05)
    assert all(np.diff(lrs[:peak]) > 0) and all(np.diff(lrs[peak:]) <= 1e-12)
    with pytest.raises(ValueError, match="n_train must be at least 2"):
        train_config(5, 1)


def test_splits_and_floors_on_synthetic_data(split):
    data = synthetic_actions(n_per_class=20, seed=1)  # 60 training sequences: enough for ridge
    (only,) = splits(data, "odd-even")
    assert (only.train.subjects % 2 == 1).all() and (only.test.subjects % 2 == 0).all()
    assert len(only.train) + len(only.test) == 120
    feats = floor_features(only.test, Recipe(frames=10))
    assert feats.shape == (len(only.test), 10 * 60 + 9 * 60)
    f = floors(only.train, only.test, Recipe(frames=10))
    assert f.nearest_neighbour > 100 / 6 and f.ridge > 100 / 6  # well above chance (6 classes)
    with pytest.raises(ValueError, match="protocol must be one of odd-even, ten-splits"):
        splits(data, "leave-one-out")
    with pytest.raises(ValueError, match="no subject splits for 'synthetic"):
        splits(data, "ten-splits")


@pytest.mark.parametrize("loader", [load_msr_action3d, load_utkinect])
def test_ten_splits_of_the_real_datasets(dataset, loader):
    root = dataset("skeleton").parent
    data = loader(root)
    ten = splits(data, "ten-splits", root)
    assert len(ten) == 10 and ten[0].name == "split 1"
    for s in ten:
        assert len(s.train) + len(s.test) == len(data)
        assert not set(s.train.subjects) & set(s.test.subjects)


def test_recipe_rejects_bad_values():
    with pytest.raises(ValueError, match="frames must be positive"):
        Recipe(frames=0)
    with pytest.raises(ValueError, match=r"min_crop must be in \(0, 1\]"):
        Recipe(min_crop=1.5)
    with pytest.raises(ValueError, match=r"mirror must be a probability in \[0, 1\]"):
        Recipe(mirror=2.0)
    with pytest.raises(ValueError, match=r"scale must be in \[0, 1\)"):
        Recipe(scale=1.0)
    assert "not the paper's" in Recipe().describe()
