"""The shared skeleton pipeline: layouts, the two real datasets, transforms, synthetic data."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from repro.data import DataError
from repro.data.skeleton import (
    load_msr_action3d,
    load_subject_splits,
    load_utkinect,
    parse_msr_file,
    parse_utk_joints,
    parse_utk_labels,
)
from repro.data.skeleton_layouts import LAYOUTS, Layout, get_layout
from repro.data.skeleton_synthetic import synthetic_actions
from repro.data.skeleton_transforms import (
    body_size,
    center,
    jitter,
    mirror,
    pad,
    random_crop,
    random_rotation,
    random_scale,
    resample,
    rotate,
    stack,
)

# ---------------------------------------------------------------- layouts


@pytest.mark.parametrize(("name", "v"), [("openpose", 18), ("ntu-rgb+d", 25), ("kinect-v1", 20)])
def test_layouts_are_trees(name, v):
    lay = get_layout(name)
    assert lay.num_joints == v and len(lay.edges) == v - 1
    seen, todo = {lay.center}, [lay.center]
    while todo:
        j = todo.pop()
        for a, b in lay.edges:
            for x, y in ((a, b), (b, a)):
                if x == j and y not in seen:
                    seen.add(y)
                    todo.append(y)
    assert len(seen) == v, "the skeleton is not connected"


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_mirror_map_swaps_left_and_right_and_keeps_the_bones(name):
    lay = get_layout(name)
    assert lay.mirror is not None
    for j, k in enumerate(lay.mirror):
        swapped = lay.joint_names[j].replace("left", "#").replace("right", "left")
        assert lay.joint_names[k] == swapped.replace("#", "right")
    edges = {frozenset(e) for e in lay.edges}
    assert {frozenset((lay.mirror[a], lay.mirror[b])) for a, b in lay.edges} == edges


def test_mirror_map_must_be_an_involution():
    lay = get_layout("kinect-v1")
    with pytest.raises(ValueError, match=r"mirror must be a permutation .* its own inverse"):
        Layout(
            lay.name,
            lay.joint_names,
            lay.edges,
            lay.center,
            lay.root,
            (1, 2, 0, *range(3, 20)),
        )


def test_unknown_layout():
    with pytest.raises(ValueError, match=r"unknown skeleton layout 'coco'.*kinect-v1"):
        get_layout("coco")


# ---------------------------------------------------------------- real data


def _bone_lengths(data):
    lay = get_layout(data.layout)
    e = np.array(lay.edges)
    return np.concatenate(
        [np.linalg.norm(s[:, e[:, 0]] - s[:, e[:, 1]], axis=-1) for s in data.sequences]
    )  # (sum T, E)


def test_msr_action3d(dataset):
    data = load_msr_action3d(dataset("skeleton").parent)
    assert len(data) == 557 and data.layout == "kinect-v1" and len(data.classes) == 20
    assert all(s.shape[1:] == (20, 3) and s.dtype == np.float32 for s in data.sequences)
    train, test = data.cross_subject()
    assert (len(train), len(test)) == (284, 273)
    assert set(np.unique(train.subjects)) == {1, 3, 5, 7, 9}
    assert np.bincount(data.labels).min() >= 19  # action 15 has the fewest
    assert "a13_s09_e02" not in data.names  # the all-zero file is not in the clean list
    # the body_model bones are bones: short, nearly rigid over time
    bones = _bone_lengths(data)
    assert np.median(bones, axis=0).max() < 0.7  # thighs are the longest, ~0.55 m


def test_utkinect(dataset):
    data = load_utkinect(dataset("skeleton").parent)
    assert len(data) == 199 and len(data.classes) == 10
    train, test = data.cross_subject()
    assert (len(train), len(test)) == (100, 99)
    assert "s10_e02_carry" not in data.names
    assert min(len(s) for s in data.sequences) >= 5
    # after re-ordering into kinect-v1, the layout's bones are short in UTKinect too; a wrong
    # joint order would join joints across the body
    assert np.median(_bone_lengths(data), axis=0).max() < 0.7


@pytest.mark.parametrize("loader", [load_msr_action3d, load_utkinect])
def test_ten_subject_splits(dataset, loader):
    root = dataset("skeleton").parent
    data = loader(root)
    splits = load_subject_splits(data.name, root)
    assert len(splits) == 10 and len(set(splits)) == 10
    for tr, te in splits:
        assert len(tr) == len(te) == 5 and set(tr) | set(te) == set(range(1, 11))
        train, test = data.split_subjects(tr, te)
        assert len(train) + len(test) == len(data)
        assert set(train.subjects) == set(tr) and set(test.subjects) == set(te)
    with pytest.raises(ValueError, match=r"train and test subjects overlap: \[3\]"):
        data.split_subjects((1, 3), (3, 4))
    with pytest.raises(ValueError, match="no subject splits for 'NTU'"):
        load_subject_splits("NTU", root)


def test_checksum_mismatch_names_the_file(dataset, tmp_path):
    src = dataset("skeleton")
    root = tmp_path / "skeleton"
    (root / "msr_action3d" / "meta").mkdir(parents=True)
    shutil.copy(src / "MANIFEST.sha256", root)
    shutil.copy(
        src / "msr_action3d/meta/files_used_in_cvpr12_paper.txt", root / "msr_action3d/meta"
    )
    with (root / "msr_action3d/meta/files_used_in_cvpr12_paper.txt").open("a") as f:
        f.write("\n")
    with pytest.raises(DataError, match=r"checksum mismatch for .*files_used_in_cvpr12_paper"):
        load_msr_action3d(tmp_path)
    (root / "MANIFEST.sha256").write_text("0" * 64 + "  x\n")
    with pytest.raises(DataError, match=r"checksum mismatch for .*MANIFEST.sha256"):
        load_msr_action3d(tmp_path)


def test_missing_dataset(tmp_path, monkeypatch):
    monkeypatch.delenv("REPRO_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(DataError, match=r"dataset folder 'skeleton' not found"):
        load_utkinect(tmp_path)


def test_parse_msr_errors(tmp_path):
    good = np.tile([0.1, 0.2, 2.5, 1.0], (40, 1))
    path = tmp_path / "a.txt"
    np.savetxt(path, good)
    assert parse_msr_file(path).shape == (2, 20, 3)
    bad = good.copy()
    bad[23, 1] = np.nan
    np.savetxt(path, bad)
    with pytest.raises(DataError, match=r"a.txt: non-finite coordinate in row 24"):
        parse_msr_file(path)
    np.savetxt(path, good[:39])
    with pytest.raises(DataError, match=r"expected 20\*T rows of 4 columns"):
        parse_msr_file(path)
    path.write_text("1 2 x 4\n")
    with pytest.raises(DataError, match="not a table of numbers"):
        parse_msr_file(path)


def test_parse_utk_duplicates_keep_first(tmp_path):
    rows = np.zeros((4, 61))
    rows[:, 0] = [10, 11, 11, 12]
    rows[:, 1:] = np.arange(4)[:, None]  # row i holds the value i everywhere
    path = tmp_path / "joints_s01_e01.txt"
    np.savetxt(path, rows)
    frames, joints = parse_utk_joints(path)
    assert frames.tolist() == [10, 11, 12]
    assert joints[:, 0, 0].tolist() == [0, 1, 3]  # frame 11 keeps its first row
    rows[2, 5] = np.nan
    np.savetxt(path, rows)
    with pytest.raises(DataError, match="non-finite value in row 3"):
        parse_utk_joints(path)


def test_parse_utk_labels(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("s01_e01\nwalk: 1 5\ncarry:  NaN NaN\n")
    got = parse_utk_labels(path)
    assert got["s01_e01"][0] == ("walk", 1.0, 5.0) and np.isnan(got["s01_e01"][1][1])
    path.write_text("s01_e01\nfly: 1 5\n")
    with pytest.raises(DataError, match=r"labels.txt:2: expected"):
        parse_utk_labels(path)


# ---------------------------------------------------------------- transforms

seqs = st.tuples(st.integers(1, 30), st.integers(1, 6)).flatmap(
    lambda s: arrays(np.float32, (s[0], s[1], 3), elements=st.floats(-2, 2, width=32))
)


@settings(max_examples=40, deadline=None)
@given(seqs, st.integers(1, 50))
def test_resample_keeps_endpoints_and_length(seq, length):
    out = resample(seq, length)
    assert out.shape == (length, *seq.shape[1:])
    np.testing.assert_allclose(out[0], seq[0], atol=1e-6)
    if length > 1:
        np.testing.assert_allclose(out[-1], seq[-1], atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(seqs, st.integers(1, 50), st.sampled_from(["zero", "loop"]))
def test_pad(seq, length, mode):
    out = pad(seq, length, mode)
    assert out.shape == (length, *seq.shape[1:])
    k = min(length, len(seq))
    np.testing.assert_array_equal(out[:k], seq[:k])


@settings(max_examples=40, deadline=None)
@given(seqs, st.booleans())
def test_center_zeroes_root(seq, per_frame):
    out = center(seq, 0, per_frame)
    frames = out[:, 0] if per_frame else out[:1, 0]
    np.testing.assert_allclose(frames, 0, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(seqs, st.floats(-np.pi, np.pi), st.integers(0, 2))
def test_rotation_preserves_distances(seq, angle, axis):
    out = rotate(seq, angle, axis)
    d0 = np.linalg.norm(seq[:, :, None] - seq[:, None], axis=-1)
    d1 = np.linalg.norm(out[:, :, None] - out[:, None], axis=-1)
    np.testing.assert_allclose(d1, d0, atol=1e-4)
    np.testing.assert_allclose(out[..., axis], seq[..., axis], atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(seqs, st.integers(0, 2**16))
def test_random_transforms_are_seeded(seq, seed):
    a = random_rotation(
        random_crop(seq, 9, np.random.default_rng(seed)), np.random.default_rng(seed)
    )
    b = random_rotation(
        random_crop(seq, 9, np.random.default_rng(seed)), np.random.default_rng(seed)
    )
    np.testing.assert_array_equal(a, b)
    assert a.shape == (9, *seq.shape[1:])


@settings(max_examples=30, deadline=None)
@given(seqs, st.floats(0.1, 10.0))
def test_body_size_is_the_mean_bone_length_and_scales(seq, factor):
    edges = tuple((j, j + 1) for j in range(seq.shape[1] - 1)) or ((0, 0),)
    loops = [np.linalg.norm(seq[t, i] - seq[t, j]) for t in range(len(seq)) for i, j in edges]
    assert body_size(seq, edges) == pytest.approx(np.mean(loops), rel=1e-5, abs=1e-6)
    assert body_size(seq * factor, edges) == pytest.approx(
        factor * body_size(seq, edges), rel=1e-4, abs=1e-5
    )


@settings(max_examples=30, deadline=None)
@given(seqs)
def test_mirror_is_an_involution_that_flips_x(seq):
    v = seq.shape[1]
    m = tuple(range(v))[::-1]  # a valid involution: reversal
    out = mirror(seq, m)
    np.testing.assert_array_equal(mirror(out, m), seq)
    np.testing.assert_array_equal(out[:, :, 0], -seq[:, m, 0])
    np.testing.assert_array_equal(out[:, :, 1:], seq[:, m, 1:])


def test_mirror_of_a_real_layout_swaps_sides():
    lay = get_layout("kinect-v1")
    pose = np.zeros((1, 20, 3), np.float32)
    pose[0, :, 0] = [1.0 if "left" in n else -1.0 if "right" in n else 0.0 for n in lay.joint_names]
    out = mirror(pose, lay.mirror)  # left joints at x = +1 stay at +1 after the swap and flip
    np.testing.assert_array_equal(out, pose)
    with pytest.raises(ValueError, match="mirror_map must be a permutation of the 20 joints"):
        mirror(pose, (0,) * 20)


@settings(max_examples=30, deadline=None)
@given(seqs, st.integers(0, 2**16), st.floats(0.0, 0.5))
def test_scale_and_jitter_are_bounded_and_seeded(seq, seed, amount):
    out = random_scale(seq, np.random.default_rng(seed), amount)
    np.testing.assert_array_equal(out, random_scale(seq, np.random.default_rng(seed), amount))
    ratio = np.abs(out) / np.maximum(np.abs(seq), 1e-3)
    assert (ratio[np.abs(seq) > 1e-3] <= 1 + amount + 1e-5).all()
    # one factor per axis
    big = np.abs(seq) > 1e-2
    for c in range(3):
        r = (out[..., c] / np.where(big[..., c], seq[..., c], 1.0))[big[..., c]]
        if r.size:
            assert r.max() - r.min() < 1e-4
    noisy = jitter(seq, np.random.default_rng(seed), 0.0)
    np.testing.assert_array_equal(noisy, seq)
    with pytest.raises(ValueError, match=r"amount must be in \[0, 1\)"):
        random_scale(seq, np.random.default_rng(0), 1.5)


def test_scale_draws_one_factor_per_axis():
    factors = random_scale(np.ones((1, 1, 3), np.float32), np.random.default_rng(0), 0.3)[0, 0]
    assert len(set(factors.tolist())) == 3 and (np.abs(factors - 1) <= 0.3).all()


def test_jitter_has_the_asked_spread():
    seq = np.zeros((200, 20, 3), np.float32)
    out = jitter(seq, np.random.default_rng(0), 0.05)
    assert out.dtype == np.float32 and abs(out.std() - 0.05) < 0.002


def test_stack_convention_and_errors():
    x = stack([np.zeros((5, 20, 3), np.float32), np.ones((5, 20, 3), np.float32)])
    assert x.shape == (2, 3, 5, 20, 1) and x[1].min() == 1  # (N, C, T, V, M)
    with pytest.raises(ValueError, match="resample or pad them first"):
        stack([np.zeros((5, 20, 3)), np.zeros((6, 20, 3))])
    with pytest.raises(ValueError, match="at least one frame"):
        resample(np.zeros((0, 20, 3)), 8)
    with pytest.raises(ValueError, match=r"must be a \(T, V, C\) array"):
        center(np.zeros((5, 20)), 0)
    with pytest.raises(ValueError, match="mode must be 'zero' or 'loop'"):
        pad(np.zeros((5, 20, 3)), 8, "reflect")


# ---------------------------------------------------------------- synthetic


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_synthetic_is_seeded_and_labelled(layout):
    a = synthetic_actions(n_per_class=3, layout=layout, seed=5)
    b = synthetic_actions(n_per_class=3, layout=layout, seed=5)
    assert a.synthetic and "synthetic" in a.name
    assert all(np.array_equal(x, y) for x, y in zip(a.sequences, b.sequences, strict=True))
    assert a.sequences[0].shape[1:] == (get_layout(layout).num_joints, 3)
    train, test = a.cross_subject()
    assert set(train.labels) == set(test.labels) == set(range(6))


def test_synthetic_bad_arguments():
    with pytest.raises(ValueError, match="n_classes must be an even number"):
        synthetic_actions(n_classes=3)
