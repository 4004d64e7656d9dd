"""Stored numbers (``results/baselines/<paper>.json``) and the regression check against them.

Baselines are written only by a complete ``--full`` run with ``--save-baseline``; ``repro check``
compares the latest ``results/<paper>.json`` with them. A number has moved when

    |new − old| > max(abs_tol, 3 · sqrt(se_old² + se_new²))

where se is the standard error of each mean (std/√n; for a gap, its own standard error) and
abs_tol is the claim's ``check_tolerance`` (default: half its reproduction tolerance for
numeric claims; for identity claims the tolerance itself). A claim measured in the baseline but
not now, or a verdict that changed, is reported too; moved numbers and lost measurements fail
the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from repro import stats
from repro.claims import load_paper
from repro.results import dump, load, write_atomic


def baseline_path(results: Path, paper_id: str) -> Path:
    return results / "baselines" / f"{paper_id}.json"


def save_baseline(results: Path, doc: dict[str, Any]) -> Path:
    if doc["run"]["size"] != "full":
        raise ValueError("baselines are written only by a --full run")
    path = baseline_path(results, doc["paper"])
    write_atomic(path, dump(doc))
    return path


@dataclass
class Difference:
    claim: str
    old: float | None
    new: float | None
    threshold: float | None
    problem: str
    fails: bool


def _abs_tol(paper_id: str, claim_id: str) -> float:
    paper = load_paper(paper_id)
    if paper is None:
        return 0.0
    try:
        claim = paper.claim(claim_id)
    except KeyError:
        return 0.0
    if claim.check_tolerance is not None:
        return claim.check_tolerance
    if claim.kind == "numeric" and claim.tolerance is not None:
        return claim.tolerance / 2
    if claim.kind == "identity" and claim.tolerance is not None:
        return claim.tolerance
    return 0.0


def compare(baseline: dict[str, Any], latest: dict[str, Any]) -> list[Difference]:
    """Every difference between a baseline and the latest results that a user should see."""
    new_by_id = {c["id"]: c for c in latest["claims"]}
    diffs = []
    for old in baseline["claims"]:
        new = new_by_id.get(old["id"])
        if old.get("value") is None:
            continue
        if new is None or new.get("value") is None:
            why = (
                "claim missing from latest results"
                if new is None
                else (f"not measured in the latest run ({new.get('reason', '')})")
            )
            diffs.append(Difference(old["id"], old["value"], None, None, why, True))
            continue
        tol = _abs_tol(baseline["paper"], old["id"])
        is_moved, threshold = stats.moved(
            old["value"], old.get("sem"), new["value"], new.get("sem"), tol
        )
        if is_moved:
            diffs.append(
                Difference(
                    old["id"], old["value"], new["value"], threshold, "moved beyond tolerance", True
                )
            )
        if old["verdict"] != new["verdict"]:
            diffs.append(
                Difference(
                    old["id"],
                    old["value"],
                    new["value"],
                    threshold,
                    f"verdict {old['verdict']} → {new['verdict']}",
                    is_moved,
                )
            )
    return diffs


def check_paper(results: Path, paper_id: str) -> tuple[list[Difference], str]:
    """Compare ``results/<paper>.json`` with its baseline; a message where either is missing."""
    base_file = baseline_path(results, paper_id)
    latest_file = results / f"{paper_id}.json"
    if not base_file.is_file():
        return (
            [],
            f"{paper_id}: no baseline at {base_file} (make one: repro run {paper_id} "
            "--full --save-baseline)",
        )
    if not latest_file.is_file():
        return [], f"{paper_id}: no results at {latest_file} (run: repro run {paper_id})"
    diffs = compare(load(base_file), load(latest_file))
    return diffs, ""


def diff_table(diffs: list[Difference]) -> str:
    def cell(x: float | None) -> str:
        return "—" if x is None else f"{x:.4g}"

    frame = pd.DataFrame(
        [
            {
                "claim": d.claim,
                "baseline": cell(d.old),
                "latest": cell(d.new),
                "Δ": cell(None if d.old is None or d.new is None else d.new - d.old),
                "allowed |Δ|": cell(d.threshold),
                "problem": d.problem,
                "fails": "yes" if d.fails else "no",
            }
            for d in diffs
        ]
    )
    return frame.to_markdown(index=False)
