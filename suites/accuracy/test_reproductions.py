"""Every registered paper's experiments, run through the same runner as `repro run`.

Default: the quick size into a scratch folder, and what can fail is asserted — every identity
claim measured and reproduced (the runner evaluates its check on seeded instances), every claim
whose data are present measured (a finite value) or "not run" for a stated reason of the run's
size, and each value an experiment bounds with a quick band (``Experiment.quick_bands``) inside
that band.
With ``--full``: the paper's protocol into ``results/``, then ``repro check`` against the stored
baseline must pass.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from repro.claims import registered_papers
from repro.cli import main
from repro.data import DataError, require

PAPERS = [p for p in registered_papers() if p.reproduce is not None]
RESULTS = Path(__file__).resolve().parents[2] / "results"


def _absent_data(paper) -> set[str]:
    """Claims of experiments whose declared data are absent on this machine."""
    absent = set()
    for exp in paper.experiments():
        for name in exp.data:
            try:
                require(name)
            except DataError:
                absent |= set(exp.claims)
    return absent


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.id)
def test_reproduction_runs_and_judges_every_claim(paper, request, tmp_path):
    full = request.config.getoption("--full")
    res = RESULTS if full else tmp_path
    size = ["--full"] if full else ["--quick", "--jobs", "1"]
    assert main(["--results", str(res), "run", paper.id, *size, "--no-progress"]) == 0
    doc = json.loads(((res if full else res / "quick") / f"{paper.id}.json").read_text())
    claims = {c["id"]: c for c in doc["claims"]}
    assert set(claims) == {c.id for c in paper.claims}
    absent = _absent_data(paper)
    for claim in paper.claims:
        c = claims[claim.id]
        if claim.kind == "identity":
            assert c["verdict"] == "reproduced", f"{claim.id}: {c['reason']}"
        elif claim.id in absent:
            assert c["verdict"] == "not run" and "data missing" in c["reason"], claim.id
        elif c["value"] is None:
            assert c["verdict"] == "not run" and c["reason"], claim.id
            assert "data missing" not in c["reason"], f"{claim.id}: data are present here"
        else:
            assert c["dataset"], f"{claim.id} measured without naming its dataset"
            assert math.isfinite(c["value"]), f"{claim.id}: measured value {c['value']}"
    if full:
        assert main(["--results", str(res), "check", paper.id]) == 0
        return
    for exp in paper.experiments():
        for cid, (low, high) in exp.quick_bands.items():
            value = claims[cid]["value"]
            if cid in absent:
                continue
            assert value is not None and low <= value <= high, (
                f"{cid}: quick-run value {value} outside its sanity band [{low}, {high}]"
            )
