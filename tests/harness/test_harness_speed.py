"""The throughput regression gate (repro/speed.py, `repro check --speed`): a baseline made from
three real runs of the GCN inference suite passes a fourth run of the same code and fails a run
with a planted twenty-fold slowdown of our forward pass; it never gates absolute times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from repro import speed
from repro.cli import main
from repro.data import DataError, find_dataset

ROOT = Path(__file__).resolve().parents[2]
SUITE = "suites/throughput/test_gcn.py::test_gcn_inference"


def _bench(out: Path, *plugin: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            SUITE,
            "--benchmark-only",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--benchmark-json={out}",
            *plugin,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        find_dataset("planetoid")
    except DataError as e:
        pytest.skip(f"real dataset 'planetoid' absent (the GCN suite times Cora): {e}")
    root = tmp_path_factory.mktemp("speed")
    for i in range(speed.MIN_RUNS):
        _bench(root / "base" / f"{i}.json")
    _bench(root / "slow" / "slow.json", "-p", "tests.harness.slowdown_plugin")
    return root


def test_gate_passes_the_same_code_and_fails_a_planted_slowdown(runs: Path) -> None:
    base = runs / "base"
    assert (
        main(["--results", str(runs), "check", "--speed", "--save", "--benchmarks", str(base)]) == 0
    )
    stored = json.loads((runs / "baselines" / "speed.json").read_text())
    ((_machine, entries),) = stored.items()
    ref = entries[SUITE]["ratio_vs_pyg"]
    assert ref["runs"] == speed.MIN_RUNS and ref["tolerance"] >= speed.MIN_TOLERANCE
    assert "fraction_of_copy_peak" in entries[SUITE]
    assert main(["--results", str(runs), "check", "--speed", "--benchmarks", str(base)]) == 0
    slow = json.loads((runs / "slow" / "slow.json").read_text())
    rows = {r.key: r for r in speed.gate(stored, slow)}
    assert rows["ratio_vs_pyg"].status == "regression"
    assert rows["ratio_vs_pyg"].new > 2 * ref["median"]
    assert (
        main(["--results", str(runs), "check", "--speed", "--benchmarks", str(runs / "slow")]) == 1
    )


def test_gate_refuses_too_few_runs_and_unknown_machines(runs: Path, tmp_path: Path) -> None:
    one = json.loads((runs / "base" / "0.json").read_text())
    with pytest.raises(speed.SpeedError, match="at least 3 suite runs"):
        speed.make_baseline([one])
    with pytest.raises(speed.SpeedError, match="no speed baseline for this machine"):
        speed.gate({"another machine": {}}, one)
    assert main(["--results", str(tmp_path), "check", "--speed"]) == 2  # no benchmark JSON
    assert main(["--results", str(tmp_path), "check", "--speed", "gcn"]) == 2
