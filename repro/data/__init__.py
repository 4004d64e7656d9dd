"""Datasets: where to find them, how to check them, and errors that say how to get them.

Data are found by ``--data-root``, then ``$REPRO_DATA``, then ``~/.cache/repro``. Every loader
checks the sha256 of the files it reads against the sums recorded in this package (not against a
file beside the data, which could be changed together with the data) before parsing them.
:mod:`repro.data.fetch` downloads every dataset from its pinned public source
(``repro data fetch NAME | --all``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class DataError(RuntimeError):
    """A dataset file is missing, corrupt or malformed. The message names the file and the fix."""


def data_roots(data_root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Candidate roots, in the order they are searched: an explicit ``data_root`` alone (a
    dataset missing there must not be found silently elsewhere), else ``$REPRO_DATA`` then
    ``~/.cache/repro``."""
    if data_root is not None:
        return [Path(data_root)]
    roots = []
    if os.environ.get("REPRO_DATA"):
        roots.append(Path(os.environ["REPRO_DATA"]))
    roots.append(Path.home() / ".cache" / "repro")
    return roots


def find_dataset(
    name: str,
    data_root: str | os.PathLike[str] | None = None,
    hint: str = "",
) -> Path:
    """The folder ``<root>/<name>`` of the first root that has it.

    An explicit ``data_root`` that does not exist is an error in itself (a typo should not fall
    through to another root silently).
    """
    if data_root is not None and not Path(data_root).is_dir():
        raise DataError(f"--data-root {data_root} is not a directory")
    searched = []
    for root in data_roots(data_root):
        folder = root / name
        searched.append(str(folder))
        if folder.is_dir():
            return folder
    raise DataError(
        f"dataset folder {name!r} not found; looked in: {', '.join(searched)}. "
        f"Pass --data-root DIR or set REPRO_DATA to a folder that holds {name}/. {hint}".strip()
    )


def sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _mismatch(path: Path, size: int, got: str, expected: str, how_to_get: str) -> DataError:
    return DataError(
        f"checksum mismatch for {path} ({size} bytes): sha256 {got}, expected "
        f"{expected}. The file is corrupt, truncated or a different version; "
        f"delete it and obtain it again. {how_to_get}".strip()
    )


def verify_file(path: Path, expected_sha256: str, how_to_get: str = "") -> Path:
    """Check that ``path`` exists and has the expected sha256; raise :class:`DataError` if not."""
    if not path.is_file():
        raise DataError(f"missing file {path}. {how_to_get}".strip())
    got = sha256(path)
    if got != expected_sha256:
        raise _mismatch(path, path.stat().st_size, got, expected_sha256, how_to_get)
    return path


def read_verified(path: Path, expected_sha256: str, how_to_get: str = "") -> bytes:
    """The bytes of ``path``, read once and checked against ``expected_sha256``.

    What is parsed is what was hashed: no second read can see a file changed in between.
    Raises :class:`DataError` for a missing file or a checksum mismatch.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"missing file {path}. {how_to_get}".strip()) from None
    got = hashlib.sha256(data).hexdigest()
    if got != expected_sha256:
        raise _mismatch(path, len(data), got, expected_sha256, how_to_get)
    return data


#: Dataset names an experiment may declare (``Experiment.data``): the function that verifies
#: each (``module:function``) and its leading arguments; ``data_root`` is passed last. Imported
#: lazily: a name costs nothing until a run asks for it.
DATASETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mnist_test": ("repro.data.images:load_mnist_test", ()),
    "usps": ("repro.data.images:load_usps", ("train",)),
    "cora": ("repro.data.planetoid:verify", ("cora",)),
    "citeseer": ("repro.data.planetoid:verify", ("citeseer",)),
    "pubmed": ("repro.data.planetoid:verify", ("pubmed",)),
    "msr_action3d": ("repro.data.skeleton:load_msr_action3d", ()),
    "utkinect": ("repro.data.skeleton:load_utkinect", ()),
    "office_caltech10_surf": ("repro.data.uda:verify_office_caltech", ()),
    "mnist_usps_jda": ("repro.data.uda:load_mnist_usps_jda", ()),
}


def require(name: str, data_root: str | os.PathLike[str] | None = None) -> None:
    """Check that dataset ``name`` (a key of :data:`DATASETS`) is present and intact.

    Raises :class:`DataError` naming the missing or corrupt file and how to obtain it; raises
    ``KeyError`` for a name no loader knows (a typo in an experiment's declaration).
    """
    import importlib

    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    target, args = DATASETS[name]
    module, fn = target.split(":")
    getattr(importlib.import_module(module), fn)(*args, data_root)
