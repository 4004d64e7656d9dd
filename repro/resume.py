"""Finished jobs kept on disk, so that a long run killed midway continues where it stopped.

Every job an experiment hands :meth:`repro.runner.RunContext.map` is one call ``fn(item)``
(one seed of one variant, usually). When the run has a :class:`JobStore`, each finished job's
result is written to ``<store>/<paper>/<experiment>/<key>.pkl`` the moment it comes back, and
a rerun of the same command finds it there instead of computing it again. The key is the
SHA-256 of

- the code: the content of every ``.py`` file of the ``repro`` and ``implementations``
  packages (:func:`code_fingerprint`), so an edit, committed or not, never reuses a job
  computed by other code, while the same code elsewhere (another clone, a GPU machine whose
  copy has no git history) finds the jobs it left;
- the run's parameters that decide numbers (size, seeds override, device);
- the job itself: the paper, the experiment, the function's qualified name and the pickled
  item.

Beside a paper's jobs, a ledger per code and run parameters (``<paper>/<key>.time.json``)
records how long each invocation of the command ran, up to its last finished job, so that the
table of a resumed run states the whole wall time, not only its last invocation's.

The files are our own pickles, written by this process's runner in the results folder; they
are read back only from there. The runner deletes a paper's jobs once its tables are written
(a finished run leaves nothing to resume; a rerun recomputes).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from repro.atomic import write_atomic

#: Folder name of the job store inside a run size's results folder (git-ignored).
FOLDER = ".jobs"


@cache
def code_fingerprint() -> str:
    """SHA-256 of every ``.py`` file of ``repro`` and ``implementations`` (paths and bytes)."""
    import implementations
    import repro

    digest = hashlib.sha256()
    for package in (repro, implementations):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class JobStore:
    """Results of finished jobs under ``folder``, keyed by code, run parameters and job.

    ``scope`` (paper id, experiment name) is set by the runner before each experiment;
    ``reused`` and ``computed`` count this run's jobs since :meth:`begin`.
    """

    folder: Path
    run_key: str
    scope: tuple[str, ...] = ()
    reused: int = 0
    computed: int = 0
    _code: str = field(default_factory=code_fingerprint, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)
    _invocation: str = field(default_factory=lambda: f"{os.getpid()}-{time.time_ns()}", repr=False)

    def begin(self) -> None:
        """Start one paper's run: the job counts at zero, this invocation's clock at now."""
        self.reused = self.computed = 0
        self._started = time.monotonic()

    def key(self, fn: Callable[..., Any], item: Any) -> str:
        """The job's key: code, run parameters, scope, function and item."""
        digest = hashlib.sha256()
        for part in (self._code, self.run_key, *self.scope, fn.__module__, fn.__qualname__):
            digest.update(part.encode())
            digest.update(b"\0")
        digest.update(pickle.dumps(item, protocol=4))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder.joinpath(*self.scope, f"{key}.pkl")

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, result)`` for a finished job, ``(False, None)`` otherwise."""
        path = self._path(key)
        if not path.is_file():
            return False, None
        try:
            with open(path, "rb") as f:
                value = pickle.load(f)
        except (EOFError, pickle.UnpicklingError):
            return False, None  # not ours or cut short: compute it again
        self.reused += 1
        return True, value

    def put(self, key: str, value: Any) -> None:
        """Keep a finished job's result (atomically: a kill never leaves half a file)."""
        write_atomic(self._path(key), pickle.dumps(value, protocol=4))
        self.computed += 1
        ledger = self._ledger(self.scope[0])
        times = self._times(ledger)
        times[self._invocation] = time.monotonic() - self._started
        write_atomic(ledger, json.dumps(times).encode())

    def earlier_seconds(self, paper: str) -> list[float]:
        """Wall seconds of each earlier invocation of this command (same code and run
        parameters) that finished jobs of ``paper``, each counted up to its last finished job."""
        times = self._times(self._ledger(paper))
        return [s for inv, s in sorted(times.items()) if inv != self._invocation]

    def _ledger(self, paper: str) -> Path:
        digest = hashlib.sha256(f"{self._code}\0{self.run_key}".encode()).hexdigest()
        return self.folder / paper / f"{digest[:16]}.time.json"

    @staticmethod
    def _times(ledger: Path) -> dict[str, float]:
        try:
            return json.loads(ledger.read_text())
        except (OSError, ValueError):
            return {}  # none yet, or cut short: the time of those invocations is not known

    def clear(self, *scope: str) -> None:
        """Delete the jobs of ``scope`` (e.g. one paper, once its tables are written)."""
        shutil.rmtree(self.folder.joinpath(*scope), ignore_errors=True)
