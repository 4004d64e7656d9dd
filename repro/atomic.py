"""Files written so that a reader sees the old version or the new one, never a part.

Results tables and downloaded datasets both go through :func:`write_atomic`: the bytes go to
``.<name>.<pid>.tmp`` beside the target, are flushed to disk (fsync), optionally checked, then
renamed over the target, and the folder is synced so that the rename survives a crash. A
temporary file left by a writer that was killed (its process no longer exists) is removed by
the next write of the same target.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path


def write_atomic(
    path: Path,
    data: str | bytes | Iterable[bytes],
    check: Callable[[str, int], None] | None = None,
) -> None:
    """Write ``data`` (text, bytes or chunks of bytes) to ``path`` atomically.

    ``check(sha256_hex, size)`` is called on the written bytes before the rename; if it raises,
    the temporary file is removed and ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    chunks = (
        [data.encode("utf-8")]
        if isinstance(data, str)
        else [data]
        if isinstance(data, bytes)
        else data
    )
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        digest, size = hashlib.sha256(), 0
        with open(tmp, "wb") as f:
            for chunk in chunks:
                digest.update(chunk)
                f.write(chunk)
                size += len(chunk)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(digest.hexdigest(), size)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _remove_stale_temporaries(path: Path) -> None:
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
