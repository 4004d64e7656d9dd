"""Results files: ``results/<paper>.json`` (the shape in DESIGN.md) and how they are written.

Files are written atomically (to a temporary file in the same folder, then renamed), so an
interrupted run never leaves a half-written table behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from repro.claims import Claim
from repro.runner import PaperRun, describe_run


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def claim_record(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "statement": claim.statement,
        "kind": claim.kind,
        "metric": claim.metric,
        "paper_value": claim.paper_value,
        "source": claim.source,
        "confidence": claim.confidence,
        "confidence_note": claim.confidence_note,
        "paper_dataset": claim.dataset,
        "rule": claim.rule,
        "test": claim.test,
    }


def run_to_dict(run: PaperRun, command: str) -> dict[str, Any]:
    """The JSON document for one paper's run."""
    env = run.env
    claims = []
    for r in run.results:
        rec = claim_record(run.paper.claim(r.claim_id))
        m = r.measurement
        rec.update(
            {
                "value": None if m is None else m.value,
                "std": None if m is None else m.std,
                "sem": None if m is None else m.sem,
                "n": None if m is None else m.n,
                "ci": None if m is None or m.ci is None else list(m.ci),
                "samples": [] if m is None else m.samples,
                "samples_b": [] if m is None else m.samples_b,
                "dataset": "" if m is None else m.dataset,
                "seconds": None if m is None else m.seconds,
                "device": None if m is None else m.device,
                "verdict": str(r.judgement.verdict),
                "reason": r.judgement.reason,
                "note": "" if m is None else m.note,
            }
        )
        claims.append(rec)
    return {
        "paper": run.paper.id,
        "title": run.paper.title,
        "venue": run.paper.venue,
        "arxiv": run.paper.arxiv,
        "command": command,
        "commit": env["commit"],
        "dirty": env["dirty"],
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "run": describe_run(run.ctx),
        "seconds": run.seconds,
        "env": env,
        "claims": claims,
    }


def load(path: Path) -> dict[str, Any]:
    """Read a results or baseline file, with an error that names the file when it is malformed."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a readable results file ({e})") from e
    if not isinstance(doc, dict) or "claims" not in doc or "paper" not in doc:
        raise ValueError(f"{path}: not a results file (no 'paper' and 'claims' keys)")
    return doc


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False, default=float) + "\n"
