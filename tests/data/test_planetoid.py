"""The Planetoid loader on the real files: counts, the Citeseer quirk, and bad input."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import shutil
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from repro.data import DataError, planetoid


@pytest.fixture(scope="module")
def planetoid_dir(dataset):
    return dataset("planetoid")


def test_cora_counts_and_split(planetoid_dir):
    d = planetoid.load("cora", planetoid_dir.parent)
    assert d.features.shape == (2708, 1433)
    assert d.adj.nnz // 2 == 5278  # undirected, deduplicated
    assert (d.adj != d.adj.T).nnz == 0
    assert d.adj.diagonal().sum() == 0
    assert (len(d.train), len(d.val), len(d.test)) == (140, 500, 1000)
    assert np.bincount(d.labels[d.train]).tolist() == [20] * 7
    assert d.num_classes == 7


def test_citeseer_quirk(planetoid_dir):
    """15 test-range ids have no features or label; they are in no split."""
    d = planetoid.load("citeseer", planetoid_dir.parent)
    assert d.features.shape == (3327, 3703)
    missing = np.flatnonzero(d.labels == -1)
    assert len(missing) == 15
    assert np.asarray(d.features[missing].sum(1)).ravel().tolist() == [0.0] * 15
    for split in (d.train, d.val, d.test):
        assert not np.isin(missing, split).any()
    assert (d.adj.nnz - d.adj.diagonal().sum()) // 2 == 4552


def test_pubmed_missing_allx_names_the_file(planetoid_dir, tmp_path):
    root = tmp_path / "root"
    (root / "planetoid").mkdir(parents=True)
    for part in planetoid.PARTS:
        src = planetoid_dir / f"ind.pubmed.{part}"
        if src.exists():
            os.symlink(src, root / "planetoid" / src.name)
    with pytest.raises(DataError, match=r"ind\.pubmed\.allx.*repro data fetch planetoid"):
        planetoid.load("pubmed", root)


def _copy_cora(planetoid_dir, tmp_path):
    dest = tmp_path / "planetoid"
    dest.mkdir()
    for part in planetoid.PARTS:
        shutil.copy(planetoid_dir / f"ind.cora.{part}", dest)
    return dest


def test_checksum_mismatch_and_truncation(planetoid_dir, tmp_path):
    dest = _copy_cora(planetoid_dir, tmp_path)
    data = (dest / "ind.cora.tx").read_bytes()
    (dest / "ind.cora.tx").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"checksum mismatch for .*ind\.cora\.tx.*obtain it again"):
        planetoid.load("cora", tmp_path)


def test_restricted_unpickler_refuses_foreign_globals():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    payload = pickle.dumps(Evil(), protocol=2)
    with pytest.raises(DataError, match=r"refusing to unpickle global (posix|os)\.system"):
        planetoid.restricted_load(payload, "evil.pkl")
    with pytest.raises(DataError, match="truncated"):
        planetoid.restricted_load(pickle.dumps([1, 2, 3], protocol=2)[:-3], "cut.pkl")


def test_missing_root_and_unknown_name(tmp_path, monkeypatch):
    monkeypatch.delenv("REPRO_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(DataError, match="is not a directory"):
        planetoid.load("cora", tmp_path / "nope")
    with pytest.raises(ValueError, match="unknown Planetoid dataset 'cor'"):
        planetoid.load("cor")
    with pytest.raises(DataError, match=r"dataset folder 'planetoid' not found.*--data-root"):
        planetoid.load("cora", tmp_path)


def test_load_reads_each_file_once(planetoid_dir, tmp_path):
    """The sha256 is computed on the bytes that are unpickled: one open per file, no re-read."""
    dest = _copy_cora(planetoid_dir, tmp_path)
    with _opened_files() as opened:
        planetoid.load("cora", tmp_path)
    cora = sorted(str(dest / f"ind.cora.{part}") for part in planetoid.PARTS)
    assert sorted(p for p in opened if p.startswith(str(dest))) == cora


def test_same_size_same_mtime_change_is_caught(planetoid_dir, tmp_path):
    """No checksum cache keyed by (path, mtime, size): a swapped file of equal size fails."""
    dest = _copy_cora(planetoid_dir, tmp_path)
    planetoid.load("cora", tmp_path)
    path = dest / "ind.cora.ty"
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(data[:-8] + bytes(8))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    with pytest.raises(DataError, match=r"checksum mismatch for .*ind\.cora\.ty"):
        planetoid.load("cora", tmp_path)
    with pytest.raises(DataError, match=r"checksum mismatch for .*ind\.cora\.ty"):
        planetoid.verify("cora", tmp_path)


#: while a test listens, the audit hook appends the path of every opened file to _AUDIT[-1]
_AUDIT: list[list[str]] = []
_HOOKED = False


def _on_audit(event: str, args: tuple) -> None:
    if event == "open" and _AUDIT and isinstance(args[0], (str, os.PathLike)):
        _AUDIT[-1].append(os.fspath(args[0]))


@contextlib.contextmanager
def _opened_files() -> Iterator[list[str]]:
    """Paths opened inside the block (an audit hook cannot be removed: one, idle outside)."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_on_audit)
        _HOOKED = True
    opened: list[str] = []
    _AUDIT.append(opened)
    try:
        yield opened
    finally:
        _AUDIT.remove(opened)


def _toy_planetoid(n: int = 60, classes: int = 3) -> planetoid.Planetoid:
    import scipy.sparse as sp

    labels = np.arange(n) % classes
    labels[[5, 17]] = -1  # unlabelled, as Citeseer's featureless nodes
    train = np.concatenate([np.flatnonzero(labels == c)[:2] for c in range(classes)])
    rest = np.setdiff1d(np.flatnonzero(labels >= 0), train)
    return planetoid.Planetoid(
        name="toy",
        features=sp.csr_matrix((n, 4), dtype=np.float32),
        adj=sp.csr_matrix((n, n), dtype=np.float32),
        labels=labels,
        train=np.sort(train),
        val=rest[:10],
        test=rest[10:30],
    )


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_random_split_keeps_the_standard_sizes(seed):
    """gcn.table2.random-splits.*: per-class training counts, val and test sizes as the standard
    split; disjoint; never an unlabelled node; the same split for the same seed."""
    d = _toy_planetoid()
    r = planetoid.random_split(d, seed)
    assert np.bincount(d.labels[r.train]).tolist() == np.bincount(d.labels[d.train]).tolist()
    assert (len(r.val), len(r.test)) == (len(d.val), len(d.test))
    both = np.concatenate([r.train, r.val, r.test])
    assert len(np.unique(both)) == len(both)
    assert (d.labels[both] >= 0).all()
    again = planetoid.random_split(d, seed)
    assert all(np.array_equal(a, b) for a, b in zip(astuple(r), astuple(again), strict=True))
    assert not np.array_equal(r.test, planetoid.random_split(d, seed + 100).test)


def astuple(d: planetoid.Planetoid) -> tuple[np.ndarray, ...]:
    return d.train, d.val, d.test


def test_random_split_too_few_nodes_says_so():
    d = dataclasses.replace(_toy_planetoid(), test=np.arange(45))
    with pytest.raises(ValueError, match="52 labelled nodes left, need 10 \\+ 45"):
        planetoid.random_split(d, 0)
