"""Real skeleton action datasets: MSR Action3D and UTKinect-Action3D (Kinect v1, 20 joints).

Folder layout under the data root (``skeleton/``, see ``../shared/data/skeleton/README.md``)::

    MANIFEST.sha256                                  sha256 of every data file
    msr_action3d/skeleton3D/aAA_sSS_eEE_skeleton3D.txt   20*T rows of "x y z confidence"
    msr_action3d/meta/files_used_in_cvpr12_paper.txt     the 557 clean sequences
    msr_action3d/meta/tr_te_splits.mat               10 random 5/5 subject splits
    utkinect_action3d/joints/joints_sSS_eEE.txt      rows "frame_id x1 y1 z1 ... x20 y20 z20"
    utkinect_action3d/joints/actionLabel_modified.txt    per recording: "action: first last"
    utkinect_action3d/meta/tr_te_splits.mat          10 random 5/5 subject splits

Integrity: the sha256 of ``MANIFEST.sha256`` is recorded in this module; the manifest is checked
against it, and every file a loader reads is checked against the manifest before it is parsed.

Both loaders return a :class:`SkeletonSequences`: one ``(T_i, V, 3)`` float32 array per
sequence, joints in the ``kinect-v1`` layout (:mod:`repro.data.skeleton_layouts`; UTKinect's
raw Kinect SDK order is re-ordered into it), metres, labels 0-based, subjects 1-based. Models
take the stacked convention ``(N, C, T, V, M)`` that :func:`repro.data.skeleton_transforms.stack`
builds after resampling every sequence to a common length.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from repro.data import DataError, find_dataset, verify_file

MANIFEST = "MANIFEST.sha256"
MANIFEST_SHA256 = "34216d39db169d3a8e40bbae5ab9da86ec74ea7372b7098b73584264f79b5490"

HOW_TO_GET = (
    "Get it with `repro data fetch skeleton` (downloads the data of the public repository "
    "JeslieHCI/UTKinect_3 at commit 590aede4, sha256 verified), or put a byte-for-byte copy "
    "under <data root>/skeleton/ (see ../shared/data/skeleton/README.md)."
)

MSR_ACTIONS: tuple[str, ...] = (
    "high arm wave",
    "horizontal arm wave",
    "hammer",
    "hand catch",
    "forward punch",
    "high throw",
    "draw X",
    "draw tick",
    "draw circle",
    "hand clap",
    "two hand wave",
    "side boxing",
    "bend",
    "forward kick",
    "side kick",
    "jogging",
    "tennis swing",
    "tennis serve",
    "golf swing",
    "pickup & throw",
)
UTK_ACTIONS: tuple[str, ...] = (
    "walk",
    "sitDown",
    "standUp",
    "pickUp",
    "carry",
    "throw",
    "push",
    "pull",
    "waveHands",
    "clapHands",
)
#: Raw UTKinect (Kinect SDK v1 order) joint index for each ``kinect-v1`` joint, 0-based; the
#: re-ordering of Vemulapalli et al.'s code.
UTK_TO_KINECT_V1: tuple[int, ...] = tuple(
    j - 1 for j in (5, 9, 3, 2, 13, 17, 1, 6, 10, 7, 11, 8, 12, 14, 18, 15, 19, 16, 20, 4)
)

_MSR_NAME = re.compile(r"^a(\d\d)_s(\d\d)_e(\d\d)$")


@dataclass(frozen=True)
class SkeletonSequences:
    """Variable-length skeleton sequences with labels.

    ``sequences[i]`` is ``(T_i, V, C)`` float32; ``labels`` (N,) int64 in ``[0, len(classes))``;
    ``subjects`` (N,) int64 (1-based performer ids); ``names`` identify the source of each
    sequence. ``synthetic`` marks generated data, which every table must label as such.
    """

    name: str
    layout: str
    sequences: tuple[np.ndarray, ...]
    labels: np.ndarray
    subjects: np.ndarray
    names: tuple[str, ...]
    classes: tuple[str, ...]
    synthetic: bool = False

    def __post_init__(self) -> None:
        n = len(self.sequences)
        if not (len(self.labels) == len(self.subjects) == len(self.names) == n):
            raise ValueError(
                f"{self.name}: {n} sequences but {len(self.labels)} labels, "
                f"{len(self.subjects)} subjects and {len(self.names)} names"
            )
        for s, nm in zip(self.sequences, self.names, strict=True):
            if s.ndim != 3 or s.shape[0] < 1:
                raise ValueError(f"{self.name}: sequence {nm} has shape {s.shape}, not (T>0, V, C)")

    def __len__(self) -> int:
        return len(self.sequences)

    def subset(self, index: np.ndarray | list[int]) -> SkeletonSequences:
        idx = np.asarray(index, dtype=np.int64)
        return SkeletonSequences(
            self.name,
            self.layout,
            tuple(self.sequences[i] for i in idx),
            self.labels[idx],
            self.subjects[idx],
            tuple(self.names[i] for i in idx),
            self.classes,
            self.synthetic,
        )

    def cross_subject(self) -> tuple[SkeletonSequences, SkeletonSequences]:
        """The standard split: odd subjects train, even subjects test."""
        odd = self.subjects % 2 == 1
        return self.subset(np.flatnonzero(odd)), self.subset(np.flatnonzero(~odd))

    def split_subjects(
        self, train_subjects: Sequence[int], test_subjects: Sequence[int]
    ) -> tuple[SkeletonSequences, SkeletonSequences]:
        """The sequences of ``train_subjects`` and of ``test_subjects`` (disjoint id sets)."""
        tr, te = set(map(int, train_subjects)), set(map(int, test_subjects))
        if tr & te:
            raise ValueError(f"train and test subjects overlap: {sorted(tr & te)}")
        return (
            self.subset(np.flatnonzero(np.isin(self.subjects, sorted(tr)))),
            self.subset(np.flatnonzero(np.isin(self.subjects, sorted(te)))),
        )


def _manifest(folder: Path) -> dict[str, str]:
    path = verify_file(folder / MANIFEST, MANIFEST_SHA256, HOW_TO_GET)
    sums = {}
    for line in path.read_text(encoding="ascii").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest:
            sums[name] = digest
    return sums


def _verified(folder: Path, sums: dict[str, str], name: str) -> Path:
    if name not in sums:
        raise DataError(f"{folder / name} is not listed in {folder / MANIFEST}. {HOW_TO_GET}")
    return verify_file(folder / name, sums[name], HOW_TO_GET)


def parse_msr_file(path: str | os.PathLike[str]) -> np.ndarray:
    """One MSR Action3D ``*_skeleton3D.txt`` file as (T, 20, 3) float32 world coordinates.

    Raises :class:`DataError` when a row does not hold 4 numbers, when the rows are not a
    multiple of 20, or when a coordinate is NaN or infinite (the confidence column is dropped).
    """
    try:
        raw = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise DataError(f"{path}: not a table of numbers ({e})") from e
    if raw.shape[1] != 4 or raw.shape[0] == 0 or raw.shape[0] % 20:
        raise DataError(
            f"{path}: expected 20*T rows of 4 columns (x y z confidence), got {raw.shape}"
        )
    xyz = raw[:, :3]
    if not np.isfinite(xyz).all():
        row = int(np.flatnonzero(~np.isfinite(xyz).all(axis=1))[0])
        raise DataError(f"{path}: non-finite coordinate in row {row + 1}")
    return xyz.reshape(-1, 20, 3).astype(np.float32)  # (20*T, 3) -> (T, 20, 3)


@lru_cache(maxsize=4)
def _load_msr(folder: Path) -> SkeletonSequences:
    sums = _manifest(folder)
    listing = _verified(folder, sums, "msr_action3d/meta/files_used_in_cvpr12_paper.txt")
    names = listing.read_text(encoding="ascii").split()
    seqs, labels, subjects = [], [], []
    for name in names:
        m = _MSR_NAME.match(name)
        if m is None:
            raise DataError(f"{listing}: malformed sequence name {name!r}")
        path = _verified(folder, sums, f"msr_action3d/skeleton3D/{name}_skeleton3D.txt")
        seqs.append(parse_msr_file(path))
        labels.append(int(m.group(1)) - 1)
        subjects.append(int(m.group(2)))
    return SkeletonSequences(
        "MSR Action3D",
        "kinect-v1",
        tuple(seqs),
        np.array(labels, dtype=np.int64),
        np.array(subjects, dtype=np.int64),
        tuple(names),
        MSR_ACTIONS,
    )


def load_msr_action3d(data_root: str | os.PathLike[str] | None = None) -> SkeletonSequences:
    """The 557 clean MSR Action3D sequences (20 actions, 10 subjects), checksums verified.

    ``cross_subject()`` gives the standard odd/even split of 284 train and 273 test sequences.
    """
    return _load_msr(find_dataset("skeleton", data_root, HOW_TO_GET).resolve())


def parse_utk_joints(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """A UTKinect ``joints_sSS_eEE.txt`` file: (frame_ids (F,), joints (F, 20, 3)).

    Frame ids that appear more than once keep their first row, as the dataset's reference
    code does (``np.unique(..., return_index=True)``); the result is sorted by frame id. Joints
    are re-ordered from the raw Kinect SDK order into the ``kinect-v1`` layout. Raises
    :class:`DataError` for rows that are not 61 numbers or for NaN / infinite coordinates.
    """
    try:
        raw = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise DataError(f"{path}: not a table of numbers ({e})") from e
    if raw.shape[1] != 61 or raw.shape[0] == 0:
        raise DataError(f"{path}: expected rows of frame id + 60 coordinates, got {raw.shape}")
    if not np.isfinite(raw).all():
        row = int(np.flatnonzero(~np.isfinite(raw).all(axis=1))[0])
        raise DataError(f"{path}: non-finite value in row {row + 1}")
    frames, first = np.unique(raw[:, 0].astype(np.int64), return_index=True)
    joints = raw[first, 1:].reshape(-1, 20, 3)[:, UTK_TO_KINECT_V1]  # (F, 60) -> (F, 20, 3)
    return frames, joints.astype(np.float32)


def parse_utk_labels(path: str | os.PathLike[str]) -> dict[str, list[tuple[str, float, float]]]:
    """``actionLabel*.txt``: recording ("s01_e01") -> [(action, first frame id, last frame id)].

    Missing ranges are written ``NaN NaN`` in the file and come back as NaN.
    """
    out: dict[str, list[tuple[str, float, float]]] = {}
    current = None
    for lineno, line in enumerate(Path(path).read_text(encoding="ascii").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if re.fullmatch(r"s\d\d_e\d\d", line):
            current = line
            out[current] = []
            continue
        m = re.fullmatch(r"(\w+):\s+(\S+)\s+(\S+)", line)
        if m is None or current is None or m.group(1) not in UTK_ACTIONS:
            raise DataError(f"{path}:{lineno}: expected 'sSS_eEE' or 'action: first last'")
        out[current].append((m.group(1), float(m.group(2)), float(m.group(3))))
    return out


@lru_cache(maxsize=4)
def _load_utk(folder: Path) -> SkeletonSequences:
    sums = _manifest(folder)
    ranges = parse_utk_labels(
        _verified(folder, sums, "utkinect_action3d/joints/actionLabel_modified.txt")
    )
    seqs, labels, subjects, names = [], [], [], []
    for rec, actions in ranges.items():
        frames, joints = parse_utk_joints(
            _verified(folder, sums, f"utkinect_action3d/joints/joints_{rec}.txt")
        )
        for action, first, last in actions:
            if np.isnan(first) or np.isnan(last):
                continue  # s10_e02 carry is missing from the recording
            keep = (frames >= first) & (frames <= last)
            if not keep.any():
                raise DataError(f"{rec} {action}: no frames in [{first:g}, {last:g}]")
            seqs.append(joints[keep])
            labels.append(UTK_ACTIONS.index(action))
            subjects.append(int(rec[1:3]))
            names.append(f"{rec}_{action}")
    return SkeletonSequences(
        "UTKinect-Action3D",
        "kinect-v1",
        tuple(seqs),
        np.array(labels, dtype=np.int64),
        np.array(subjects, dtype=np.int64),
        tuple(names),
        UTK_ACTIONS,
    )


def load_utkinect(data_root: str | os.PathLike[str] | None = None) -> SkeletonSequences:
    """The 199 UTKinect-Action3D action segments (10 actions, 10 subjects), checksums verified.

    Segments follow ``actionLabel_modified.txt`` (frame-id ranges, inclusive); the one missing
    range (s10_e02 carry) is left out. ``cross_subject()`` gives odd/even = 100 / 99.
    """
    return _load_utk(find_dataset("skeleton", data_root, HOW_TO_GET).resolve())


#: The skeleton datasets by the short key the experiments use (``"msr"``, ``"utk"``).
LOADERS: dict[str, Callable[[str | os.PathLike[str] | None], SkeletonSequences]] = {
    "msr": load_msr_action3d,
    "utk": load_utkinect,
}

#: Dataset name (``SkeletonSequences.name``) -> its file of 10 random 5/5 subject splits.
SPLIT_FILES: dict[str, str] = {
    "MSR Action3D": "msr_action3d/meta/tr_te_splits.mat",
    "UTKinect-Action3D": "utkinect_action3d/meta/tr_te_splits.mat",
}

SubjectSplit = tuple[tuple[int, ...], tuple[int, ...]]


def load_subject_splits(
    dataset: str, data_root: str | os.PathLike[str] | None = None
) -> tuple[SubjectSplit, ...]:
    """The 10 random (train subjects, test subjects) splits of Vemulapalli et al. (CVPR 2014).

    ``dataset`` is a loader's dataset name (a key of :data:`SPLIT_FILES`). The file
    ``meta/tr_te_splits.mat`` (MATLAB v5, no code in it) is checked against the manifest and
    parsed by ``scipy.io.loadmat``; each row of ``tr_subjects`` / ``te_subjects`` is one split
    (1-based subject ids). Vemulapalli et al. report the mean test accuracy over these 10.
    """
    import scipy.io

    if dataset not in SPLIT_FILES:
        raise ValueError(f"no subject splits for {dataset!r}; known: {', '.join(SPLIT_FILES)}")
    folder = find_dataset("skeleton", data_root, HOW_TO_GET).resolve()
    path = _verified(folder, _manifest(folder), SPLIT_FILES[dataset])
    mat = scipy.io.loadmat(path)
    tr, te = mat.get("tr_subjects"), mat.get("te_subjects")
    if tr is None or te is None or tr.shape != te.shape or tr.ndim != 2:
        raise DataError(f"{path}: expected tr_subjects and te_subjects matrices of one shape")
    splits = tuple(
        (tuple(int(s) for s in a), tuple(int(s) for s in b)) for a, b in zip(tr, te, strict=True)
    )
    for a, b in splits:
        if set(a) & set(b):
            raise DataError(f"{path}: a split has subjects on both sides: {a} / {b}")
    return splits
