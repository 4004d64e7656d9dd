"""Stored numbers (``results/baselines/<paper>.json``) and the regression check against them.

Baselines are written only by a complete ``--full`` run with ``--save-baseline``, and refused
when they could not serve as a reference: a claim left "not run" for missing data (unless the
user says so), fewer than two seeds, or a value that is not a finite number.

``repro check`` compares the latest run of a paper — of any size — with its full baseline,
like with like:

- an identity claim is compared at every size (the same exact property is checked);
- a numeric or ordering claim is compared only with a run of the baseline's own size: smaller
  runs use a smaller protocol (fewer epochs, fewer samples), so their numbers are reported as
  "not compared" rather than judged against the full run's;
- a number has moved when |new − old| > max(abs_tol, 3 · sqrt(se_old² + se_new²)), se being the
  standard error of each mean (std/√n; for a gap, its own standard error): n-aware, so that a
  run of few seeds is allowed its wider spread. abs_tol is the claim's ``check_tolerance``
  (default: half its reproduction tolerance for numeric claims; the tolerance itself for
  identities);
- a move away from the paper's value is a regression and fails; a move towards it is an
  improvement, listed apart, and fails only with ``--strict``; a verdict that flips while its
  number stays within tolerance is listed, not failed (the claim sits on the edge of its rule);
- an absolute time (``Claim.machine_dependent``: milliseconds on one machine) never fails:
  timings gate only as same-run ratios;
- a value that is NaN or has an infinite standard error, or a claim measured in the baseline
  but not now, fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from repro import stats
from repro.atomic import write_atomic
from repro.claims import Claim, load_paper
from repro.results import dump, load


class BaselineRefused(ValueError):
    """A run that cannot serve as a baseline; the message says why and what to do."""


def baseline_path(results: Path, paper_id: str) -> Path:
    return results / "baselines" / f"{paper_id}.json"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def check_baseline(doc: dict[str, Any], allow_missing: bool = False) -> None:
    """Raise :class:`BaselineRefused` where ``doc`` cannot serve as a baseline."""
    if doc["run"]["size"] != "full":
        raise BaselineRefused("baselines are written only by a --full run")
    seeds = doc["run"].get("seeds")
    if seeds is not None and seeds < 2:
        raise BaselineRefused(
            f"--seeds {seeds}: a baseline needs at least 2 seeds to have a spread to check against"
        )
    missing = [c["id"] for c in doc["claims"] if "data missing" in (c.get("reason") or "")]
    if missing and not allow_missing:
        raise BaselineRefused(
            f"{len(missing)} claim(s) not measured for missing data ({', '.join(missing)}); "
            "fetch the data (repro data fetch) or pass --allow-missing to store a baseline "
            "without them"
        )
    bad = [
        c["id"]
        for c in doc["claims"]
        if c.get("value") is not None and not (_finite(c["value"]) and _finite(c.get("sem") or 0))
    ]
    if bad:
        raise BaselineRefused(f"not finite numbers in {', '.join(bad)}: not a usable baseline")


def save_baseline(results: Path, doc: dict[str, Any], allow_missing: bool = False) -> Path:
    """Store ``doc`` as the paper's baseline, or raise :class:`BaselineRefused`."""
    check_baseline(doc, allow_missing)
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
    #: regression, improvement, lost, invalid, not compared, machine-dependent or verdict flip
    kind: str = "regression"


def _claim(paper_id: str, claim_id: str) -> Claim | None:
    paper = load_paper(paper_id)
    if paper is None:
        return None
    try:
        return paper.claim(claim_id)
    except KeyError:
        return None


def _abs_tol(claim: Claim | None) -> float:
    if claim is None:
        return 0.0
    if claim.check_tolerance is not None:
        return claim.check_tolerance
    if claim.kind in ("numeric", "identity") and claim.tolerance is not None:
        return claim.tolerance / 2 if claim.kind == "numeric" else claim.tolerance
    return 0.0


def _towards_paper(c: dict[str, Any], old: float, new: float) -> bool:
    """Whether ``new`` is nearer the paper than ``old`` (for a gap: further on its side)."""
    paper = c.get("paper_value")
    if c["kind"] == "identity":
        return abs(new) < abs(old)
    if c["kind"] == "ordering" and paper:
        return math.copysign(1.0, paper) * (new - old) > 0
    if paper is None:
        return False
    return abs(new - paper) < abs(old - paper)


def compare(
    baseline: dict[str, Any], latest: dict[str, Any], strict: bool = False
) -> list[Difference]:
    """Every difference between a baseline and the latest results that a user should see."""
    new_by_id = {c["id"]: c for c in latest["claims"]}
    same_size = baseline["run"]["size"] == latest["run"]["size"]
    diffs = []
    for old in baseline["claims"]:
        new = new_by_id.get(old["id"])
        if old.get("value") is None:
            continue
        if new is None or new.get("value") is None:
            why = (
                "claim missing from latest results"
                if new is None
                else f"not measured in the latest run ({new.get('reason', '')})"
            )
            diffs.append(Difference(old["id"], old["value"], None, None, why, True, "lost"))
            continue
        if not (_finite(new["value"]) and _finite(new.get("sem") or 0.0)):
            diffs.append(
                Difference(
                    old["id"],
                    old["value"],
                    new["value"],
                    None,
                    f"not a finite number (value {new['value']}, se {new.get('sem')})",
                    True,
                    "invalid",
                )
            )
            continue
        if old["kind"] != "identity" and not same_size:
            diffs.append(
                Difference(
                    old["id"],
                    old["value"],
                    new["value"],
                    None,
                    f"not compared: a {latest['run']['size']} run's protocol is not the "
                    f"baseline's {baseline['run']['size']} run's",
                    False,
                    "not compared",
                )
            )
            continue
        claim = _claim(baseline["paper"], old["id"])
        is_moved, threshold = stats.moved(
            old["value"], old.get("sem"), new["value"], new.get("sem"), _abs_tol(claim)
        )
        if not is_moved and old["verdict"] == new["verdict"]:
            continue
        problem = "moved beyond tolerance" if is_moved else "within tolerance"
        if old["verdict"] != new["verdict"]:
            problem += f"; verdict {old['verdict']} → {new['verdict']}"
        if not is_moved:  # a verdict on the edge of its rule flipped with the noise
            kind, fails = "verdict flip", False
        elif claim is not None and claim.machine_dependent:
            kind, fails = "machine-dependent", False
            problem += " (an absolute time: reported, never gating)"
        elif _towards_paper(old, old["value"], new["value"]):
            kind, fails = "improvement", strict
        else:
            kind, fails = "regression", True
        diffs.append(
            Difference(old["id"], old["value"], new["value"], threshold, problem, fails, kind)
        )
    return diffs


def check_paper(
    results: Path, paper_id: str, latest_file: Path, strict: bool = False
) -> tuple[list[Difference], str]:
    """Compare ``latest_file`` with the paper's baseline; a message where either is missing."""
    base_file = baseline_path(results, paper_id)
    if not base_file.is_file():
        return (
            [],
            f"{paper_id}: no baseline at {base_file} (make one: repro run {paper_id} "
            "--full --save-baseline)",
        )
    if not latest_file.is_file():
        return [], f"{paper_id}: no results at {latest_file} (run: repro run {paper_id})"
    return compare(load(base_file), load(latest_file), strict), ""


def describe(doc: dict[str, Any]) -> str:
    """One line on a results document: its size, seeds, commit and date."""
    ns = sorted({c["n"] for c in doc["claims"] if c.get("n") and c["kind"] != "identity"})
    n = f"n = {ns[0]}" if len(ns) == 1 else f"n = {ns[0]}–{ns[-1]}" if ns else "no seeded claims"
    return (
        f"{doc['run']['size']} run ({n}), commit {str(doc.get('commit'))[:10]}, "
        f"{doc.get('date', '?')}: `{doc.get('command', '?')}`"
    )


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
                "kind": d.kind,
                "problem": d.problem,
                "fails": "yes" if d.fails else "no",
            }
            for d in diffs
        ]
    )
    return frame.to_markdown(index=False)
