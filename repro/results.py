"""Results files: ``results/<paper>.json`` (the shape in DESIGN.md), read and checked.

They are written with :func:`repro.atomic.write_atomic`, so an interrupted run never leaves a
half-written table behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from repro.claims import Claim
from repro.runner import PaperRun, describe_run


def private(text: str) -> str:
    """``text`` with this machine's data and home folders replaced by their names
    (``$REPRO_DATA``, ``~``): committed results must not carry a developer's paths."""
    roots = []
    if os.environ.get("REPRO_DATA"):
        roots.append((os.path.abspath(os.environ["REPRO_DATA"]).rstrip("/"), "$REPRO_DATA"))
    roots.append((os.path.expanduser("~").rstrip("/"), "~"))
    for path, name in roots:
        if path and path != "/":
            text = text.replace(path, name)
    return text


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
        "same_runs_as": claim.same_runs_as,
    }


def run_to_dict(
    run: PaperRun,
    command: str,
    reused: int = 0,
    computed: int = 0,
    earlier: Sequence[float] = (),
) -> dict[str, Any]:
    """The JSON document for one paper's run.

    ``reused`` and ``computed`` count its jobs taken from an interrupted run of the same
    command and run now: ``seconds`` is this invocation's wall time, which covers the computed
    ones only; ``earlier`` holds the wall seconds of each interrupted invocation that computed
    the reused ones (up to its last finished job).
    """
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
                "paired": None if m is None or m.ci is None else m.paired,
                "samples": [] if m is None else m.samples,
                "samples_b": [] if m is None else m.samples_b,
                "dataset": "" if m is None else private(m.dataset),
                "seconds": None if m is None else m.seconds,
                "device": None if m is None else m.device,
                "verdict": str(r.judgement.verdict),
                "reason": private(r.judgement.reason),
                "note": "" if m is None else private(m.note),
            }
        )
        claims.append(rec)
    return {
        "paper": run.paper.id,
        "title": run.paper.title,
        "venue": run.paper.venue,
        "arxiv": run.paper.arxiv,
        "notes": run.paper.notes,
        "command": command,
        "commit": env["commit"],
        "dirty": env["dirty"],
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "run": describe_run(run.ctx),
        "seconds": run.seconds,
        "jobs": {"computed": computed, "reused": reused, "earlier_seconds": list(earlier)},
        "env": env,
        "claims": claims,
    }


class ResultsError(ValueError):
    """A results or baseline file that cannot be read; the message names the file."""


#: keys every claim record must have for tables and checks to read it
CLAIM_KEYS = ("id", "kind", "value", "verdict")


def load(path: Path) -> dict[str, Any]:
    """Read a results or baseline file; :class:`ResultsError` names the file when it is not one.

    Empty, truncated, non-UTF-8 and wrong-schema files are all refused with the reason.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResultsError(f"{path}: not a readable results file ({e})") from e
    if not isinstance(doc, dict) or not {"paper", "claims", "run"} <= set(doc):
        raise ResultsError(f"{path}: not a results file (no 'paper', 'run' and 'claims' keys)")
    claims = doc["claims"]
    if not isinstance(claims, list) or not all(
        isinstance(c, dict) and all(k in c for k in CLAIM_KEYS) for c in claims
    ):
        raise ResultsError(
            f"{path}: malformed claims (each needs {', '.join(CLAIM_KEYS)}); rerun the paper"
        )
    if not isinstance(doc["run"], dict) or "size" not in doc["run"]:
        raise ResultsError(f"{path}: no run size recorded; rerun the paper")
    return doc


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False, default=float) + "\n"
