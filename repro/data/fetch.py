"""Getting the datasets: ``repro data fetch NAME | --all`` and ``repro data verify NAME | --all``.

Every file comes from a public GitHub repository at a pinned commit (its raw URL), the sources
that ``../shared/data/<folder>/README.md`` names, or is made from such a file by a documented,
deterministic conversion (:class:`Derived`). Each is checked against the sha256 recorded in code:
the loaders' tables (:data:`repro.data.planetoid.SHA256`, :data:`repro.data.images.SHA256`, the
skeleton manifest in :mod:`repro.data.skeleton_manifest`, :data:`repro.data.uda.SHA256`).

Writes are atomic: a file is streamed into a temporary file beside its target and hashed on the
way, fsynced, and renamed over the target only when its sha256 matches; the folder is fsynced
after the rename. A corrupt file already in place is therefore replaced only by a verified one
(and stays as it was when the download fails), a verified file is never downloaded again, and a
failed or interrupted download leaves no temporary file behind.

Mirror: ``$REPRO_DATA_MIRROR`` (or ``mirror=``, ``repro data fetch --mirror URL``) is the base URL
of a folder laid out like a data root; each file is then fetched from ``<URL>/<folder>/<path>``
(``<URL>/planetoid/ind.cora.x``), e.g. a copy of a data root served with ``python -m
http.server``. ``file://`` URLs work too. Derived files are still made here from their inputs.
"""

from __future__ import annotations

import http.client
import io
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repro.atomic import write_atomic
from repro.data import (
    DataError,
    data_roots,
    find_dataset,
    images,
    planetoid,
    sha256,
    skeleton,
    skeleton_manifest,
    uda,
)

#: How long one connection may stay silent before the download is abandoned (seconds).
TIMEOUT_S = 60
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """A public GitHub repository at a pinned commit."""

    repo: str
    commit: str

    def url(self, path: str) -> str:
        """The raw download URL of ``path`` in this repository at this commit."""
        return (
            f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/"
            f"{urllib.parse.quote(path)}"
        )


TKIPF_GCN = Source("tkipf/gcn", "39a4089fe72ad9f055ed6fdb9746abdcfebc4d81")
KELAS_MNIST = Source("kelas/mnist", "283b387221ab46655e600cfcc25d843bb14292b9")
NIUERS_LFD = Source(
    "niuers/Learning-From-Data-A-Short-Course", "879a698b960e5867f7c2b11f8938fa89c3d21839"
)
UTKINECT_3 = Source("JeslieHCI/UTKinect_3", "590aede4d94d2f2f90b633bb4cefb5a50bb2996d")
TRANSFERLEARNING = Source(
    "jindongwang/transferlearning", "73cb050b7e8b969b9d0ebb04a9377aa033043eb2"
)
JPDA = Source("chamwen/JPDA", "b056e5eca625fc480aa605242348809f9199d5f8")


@dataclass(frozen=True)
class Download:
    """A file downloaded as it is: ``path`` in the data root, from ``source_path`` in ``source``."""

    path: str
    sha256: str
    source: Source
    source_path: str

    def url(self, mirror: str | None) -> str:
        """Where to get it: the mirror's copy when a mirror is given, else the pinned source."""
        if mirror:
            return f"{mirror.rstrip('/')}/{urllib.parse.quote(self.path)}"
        return self.source.url(self.source_path)


@dataclass(frozen=True)
class Derived:
    """A file made from ``inputs`` (data-root paths of :class:`Download` s of the same dataset).

    ``make`` takes the verified input files and returns the file's bytes; ``how`` says in words
    what it does (for messages).
    """

    path: str
    sha256: str
    inputs: tuple[str, ...]
    make: Callable[[list[Path]], bytes]
    how: str


Entry = Download | Derived


def usps_npz(inputs: list[Path]) -> bytes:
    """``usps_16x16.npz`` from ``usps.h5`` (reads it with h5py).

    ``x_train`` (7291, 16, 16) and ``x_test`` (2007, 16, 16) are the ``{train,test}/data`` rows
    reshaped, float32 as stored; ``y_train``, ``y_test`` the ``target`` vectors as int64; written
    with ``numpy.savez_compressed`` in the order x_train, y_train, x_test, y_test. The result is
    byte-for-byte deterministic: numpy gives every zip entry the fixed date 1980-01-01.
    """
    (h5,) = inputs
    try:
        import h5py
    except ImportError:
        raise DataError(
            f"{h5.parent / 'usps_16x16.npz'} is converted from {h5} (downloaded and verified), "
            "which needs h5py, not installed here: run `python -m pip install h5py`, then "
            "`repro data fetch usps` again"
        ) from None
    arrays = {}
    with h5py.File(h5, "r") as f:
        for split in ("train", "test"):
            arrays[f"x_{split}"] = np.asarray(f[split]["data"], dtype=np.float32).reshape(
                -1, 16, 16
            )  # (N, 256) -> (N, 16, 16)
            arrays[f"y_{split}"] = np.asarray(f[split]["target"]).astype(np.int64)
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")})
    return buf.getvalue()


def skeleton_manifest_bytes(inputs: list[Path]) -> bytes:
    """``skeleton/MANIFEST.sha256``: the text recorded in :mod:`repro.data.skeleton_manifest`."""
    return skeleton_manifest.TEXT.encode("ascii")


def _skeleton_source_path(path: str) -> str:
    """Where a file of the skeleton folder lies in JeslieHCI/UTKinect_3 (``data/``)."""
    moved = {
        "msr_action3d/meta/files_used_in_cvpr12_paper.txt": (
            "data/MSRAction3D/real_world_coordinates/files_used_in_cvpr12_paper.txt"
        ),
        "utkinect_action3d/meta/frame_indices.mat": "data/UTKinect/joints/frame_indices.mat",
    }
    folders = {
        "msr_action3d/skeleton3D": "data/MSRAction3D/real_world_coordinates",
        "msr_action3d/meta": "data/MSRAction3D",
        "utkinect_action3d/joints": "data/UTKinect/joints",
        "utkinect_action3d/meta": "data/UTKinect",
    }
    folder, _, name = path.rpartition("/")
    return moved.get(path) or f"{folders[folder]}/{name}"


def _skeleton(subfolder: str) -> tuple[Entry, ...]:
    manifest = Derived(
        f"skeleton/{skeleton.MANIFEST}",
        skeleton.MANIFEST_SHA256,
        (),
        skeleton_manifest_bytes,
        "the manifest recorded in repro/data/skeleton_manifest.py",
    )
    files = []
    for line in skeleton_manifest.TEXT.splitlines():
        digest, _, path = line.partition("  ")
        if path.startswith(subfolder + "/"):
            files.append(
                Download(f"skeleton/{path}", digest, UTKINECT_3, _skeleton_source_path(path))
            )
    return (manifest, *files)


def _planetoid(name: str) -> tuple[Entry, ...]:
    return tuple(
        Download(f"planetoid/{f}", planetoid.SHA256[f], TKIPF_GCN, f"gcn/data/{f}")
        for f in (f"ind.{name}.{part}" for part in planetoid.PARTS)
    )


def _mnist(*paths: str) -> tuple[Download, ...]:
    return tuple(
        Download(f"images/{p}", images.SHA256[p], KELAS_MNIST, p.rpartition("/")[2]) for p in paths
    )


#: Every dataset that can be fetched: its files, inputs before what is made from them.
FILES: dict[str, tuple[Entry, ...]] = {
    **{name: _planetoid(name) for name in planetoid.DATASETS},
    "mnist_test": _mnist(
        "mnist_test/t10k-images-idx3-ubyte.gz", "mnist_test/t10k-labels-idx1-ubyte.gz"
    ),
    "usps": (
        Download("images/usps/usps.h5", images.SHA256["usps/usps.h5"], NIUERS_LFD, "data/usps.h5"),
        Derived(
            "images/usps/usps_16x16.npz",
            images.SHA256["usps/usps_16x16.npz"],
            ("images/usps/usps.h5",),
            usps_npz,
            "usps.h5 converted with repro.data.fetch.usps_npz (h5py and numpy)",
        ),
    ),
    "msr_action3d": _skeleton("msr_action3d"),
    "utkinect": _skeleton("utkinect_action3d"),
    "office_caltech10_surf": tuple(
        Download(f"uda/{p}", s, TRANSFERLEARNING, f"code/BDA/data/{p.rpartition('/')[2]}")
        for p, s in uda.SHA256.items()
        if p.startswith("office_caltech10_surf/")
    ),
    "mnist_usps_jda": (
        Download(
            "uda/mnist_usps_jda/MNIST_vs_USPS.mat",
            uda.SHA256["mnist_usps_jda/MNIST_vs_USPS.mat"],
            JPDA,
            "data/MNIST_vs_USPS.mat",
        ),
    ),
}

#: The folders of the data root, each a name for all of its datasets.
GROUPS: dict[str, tuple[str, ...]] = {
    "planetoid": planetoid.DATASETS,
    "images": ("mnist_test", "usps"),
    "skeleton": ("msr_action3d", "utkinect"),
    "uda": ("office_caltech10_surf", "mnist_usps_jda"),
}


def resolve(names: Iterable[str]) -> list[str]:
    """Dataset names (keys of :data:`FILES`) for dataset or folder names, in order, once each.

    Raises ``ValueError`` naming an unknown name and listing the known ones.
    """
    out: list[str] = []
    for name in names:
        if name in FILES:
            expanded: tuple[str, ...] = (name,)
        elif name in GROUPS:
            expanded = GROUPS[name]
        else:
            raise ValueError(
                f"unknown dataset {name!r}; datasets: {', '.join(FILES)}; "
                f"folders: {', '.join(GROUPS)}"
            )
        out += [n for n in expanded if n not in out]
    return out


def write_verified(target: Path, chunks: Iterable[bytes], expected: str, origin: str) -> None:
    """Write ``chunks`` to ``target`` atomically, only if their sha256 is ``expected``.

    On a mismatch or any error ``target`` is left as it was (:func:`repro.atomic.write_atomic`);
    ``origin`` (a URL, or what the file was made from) is named in the error.
    """

    def matches(got: str, size: int) -> None:
        if got != expected:
            raise DataError(
                f"checksum mismatch for {target.name} from {origin} ({size} bytes): sha256 {got}, "
                f"expected {expected}; nothing was written to {target}"
            )

    try:
        write_atomic(target, chunks, check=matches)
    except OSError as e:
        raise DataError(
            f"cannot write {target}: {e}. Pass --data-root DIR (or set REPRO_DATA) to a "
            "writable folder"
        ) from e


def _download_chunks(response: http.client.HTTPResponse, url: str) -> Iterator[bytes]:
    try:
        yield from iter(lambda: response.read(_CHUNK), b"")
    except (OSError, http.client.HTTPException) as e:
        raise DataError(f"download from {url} broke off: {e}") from e


def _download(entry: Download, target: Path, mirror: str | None) -> None:
    url = entry.url(mirror)
    try:
        response = urllib.request.urlopen(url, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as e:
        raise DataError(f"cannot download {entry.path}: HTTP {e.code} {e.reason} for {url}") from e
    except urllib.error.URLError as e:
        raise DataError(f"cannot download {entry.path}: {e.reason} ({url})") from e
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise DataError(f"cannot download {entry.path}: {e} ({url})") from e
    with response:
        write_verified(target, _download_chunks(response, url), entry.sha256, url)


def _intact(path: Path, expected: str) -> bool:
    return path.is_file() and sha256(path) == expected


def fetch(
    names: Iterable[str],
    data_root: str | os.PathLike[str] | None = None,
    mirror: str | None = None,
    report: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Download (or make) every file of the named datasets into the data root and verify it.

    ``names`` are dataset or folder names (:func:`resolve`); the root is ``data_root``, else
    ``$REPRO_DATA``, else ``~/.cache/repro`` (created if absent). ``mirror`` defaults to
    ``$REPRO_DATA_MIRROR``; without one, files come from their pinned public sources. Files
    present and intact are kept as they are; the input of a derived file is fetched only when
    the derived file must be made. ``report`` is called with one line per file written.

    Returns ``{data-root path: what happened}`` with ``present``, ``downloaded``, ``made`` or
    ``replaced`` (a corrupt file replaced by a verified one). Raises :class:`DataError` (one
    line: the file, the URL, the cause) at the first file that cannot be got; files verified
    before it stay.
    """
    root = Path(data_root) if data_root is not None else data_roots()[0]
    if mirror is None:
        mirror = os.environ.get("REPRO_DATA_MIRROR") or None
    done: dict[str, str] = {}

    def ensure(entry: Entry, by_path: dict[str, Entry]) -> Path:
        target = root / entry.path
        if entry.path in done or _intact(target, entry.sha256):
            done.setdefault(entry.path, "present")
            return target
        was_there = target.exists()
        if isinstance(entry, Download):
            _download(entry, target, mirror)
            what = "downloaded"
        else:
            inputs = [ensure(by_path[p], by_path) for p in entry.inputs]
            origin = f"{', '.join(entry.inputs)} ({entry.how})"
            write_verified(target, [entry.make(inputs)], entry.sha256, origin)
            what = "made"
        done[entry.path] = "replaced" if was_there else what
        if report is not None:
            verb = "replaced corrupt" if was_there else what
            report(f"{verb} {entry.path} ({target.stat().st_size:,} bytes, sha256 verified)")
        return target

    for name in resolve(names):
        entries = FILES[name]
        by_path = {e.path: e for e in entries}
        for entry in _final(entries):
            ensure(entry, by_path)
    return done


def _final(entries: tuple[Entry, ...]) -> list[Entry]:
    """The entries a loader reads: all but the inputs of derived files."""
    inputs = {p for e in entries if isinstance(e, Derived) for p in e.inputs}
    return [e for e in entries if e.path not in inputs]


def verify(
    names: Iterable[str], data_root: str | os.PathLike[str] | None = None
) -> list[tuple[str, str | None]]:
    """Check every file the named datasets' loaders read: ``[(path, problem or None), ...]``.

    Each dataset folder is looked up as the loaders do (``data_root``, ``$REPRO_DATA``,
    ``~/.cache/repro``); an absent folder is one entry (``"skeleton/"``) with the reason. The
    inputs of derived files (``usps.h5``) are not checked: no loader reads them.
    """
    results: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    folders: dict[str, Path | DataError] = {}
    for name in resolve(names):
        for entry in _final(FILES[name]):
            if entry.path in seen:
                continue
            seen.add(entry.path)
            top, _, rel = entry.path.partition("/")
            if top not in folders:
                try:
                    folders[top] = find_dataset(top, data_root)
                except DataError as e:
                    folders[top] = e
                    results.append((f"{top}/", str(e)))
            folder = folders[top]
            if isinstance(folder, DataError):
                continue
            path = folder / rel
            if not path.is_file():
                results.append((entry.path, f"missing ({path})"))
                continue
            got = sha256(path)
            problem = None
            if got != entry.sha256:
                problem = (
                    f"checksum mismatch ({path}, {path.stat().st_size} bytes): sha256 {got}, "
                    f"expected {entry.sha256}"
                )
            results.append((entry.path, problem))
    return results
