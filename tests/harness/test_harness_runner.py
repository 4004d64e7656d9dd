"""The runner's contract on the toy paper: identities, declared claims, parallel = serial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repro.atomic import write_atomic
from repro.claims import Measurement
from repro.experiment import Experiment, deviation, measure_identity
from repro.runner import RunContext, run_paper

ROOT = Path(__file__).resolve().parents[2]


def _quiet(**kw) -> RunContext:
    return RunContext(progress=False, log=lambda _msg: None, **kw)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_toy_identity_property(seed):
    """toy.eq1.round-trip: the check the runner measures, on the seeds hypothesis picks."""
    from tests.harness.toy_paper import PAPER

    claim = PAPER.claim("toy.eq1.round-trip")
    assert deviation(claim, seed) <= claim.tolerance


def test_identity_measurement_takes_the_worst_instance(toy):
    claim = toy.claim("toy.eq1.round-trip")
    m = measure_identity(claim, 6)
    assert m.n == 6 and m.value == max(deviation(claim, s) for s in range(6))


def test_identity_with_a_missing_peer_is_not_run(toy):
    def needs_peer(gen):
        """Needs a peer."""
        raise ImportError("No module named 'peerlib'")

    claim = replace(toy.claim("toy.eq1.round-trip"), check=needs_peer)
    m = measure_identity(claim, 3)
    assert m.value is None and "peerlib" in m.note


def test_a_nan_deviation_fails_the_identity(toy):
    claim = replace(toy.claim("toy.eq1.round-trip"), check=lambda gen: float("nan"))
    assert measure_identity(claim, 2).value == float("inf")


def test_parallel_workers_give_the_serial_numbers(toy):
    serial = run_paper(toy, _quiet(size="quick", jobs=1))
    parallel = run_paper(toy, _quiet(size="quick", jobs=2))
    for a, b in zip(serial.results, parallel.results, strict=True):
        va = a.measurement.value if a.measurement else None
        vb = b.measurement.value if b.measurement else None
        assert va == vb, a.claim_id


def test_jobs_run_in_this_process_use_one_torch_thread_and_restore_the_count():
    import torch

    from repro.runner import run_local

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        got: dict[int, int] = {}
        run_local(_threads_of_job, [(0, None), (1, None)], got.__setitem__, 1, "threads")
        assert got == {0: 1, 1: 1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)


def _threads_of_job(_: object) -> int:
    import torch

    return torch.get_num_threads()


def test_an_experiment_measuring_an_undeclared_claim_is_an_error(toy, monkeypatch):
    import tests.harness.toy_paper as module

    def rogue(ctx):
        yield Measurement("toy.table2.needs-data", 1.0, dataset="x")

    monkeypatch.setattr(module, "EXPERIMENTS", (Experiment("rogue", rogue, ("toy.table1.mean",)),))
    with pytest.raises(KeyError, match="does not declare"):
        run_paper(toy, _quiet(size="quick"))


def test_a_claim_no_experiment_measured_is_not_run(toy, monkeypatch):
    import tests.harness.toy_paper as module

    def silent(ctx):
        return iter(())

    monkeypatch.setattr(
        module, "EXPERIMENTS", (Experiment("silent", silent, ("toy.table1.mean",)),)
    )
    run = run_paper(toy, _quiet(size="quick"))
    mean = next(r for r in run.results if r.claim_id == "toy.table1.mean")
    assert mean.judgement.verdict == "not run"


def test_experiment_declarations_are_checked():
    with pytest.raises(ValueError, match="declares no claims"):
        Experiment("empty", lambda ctx: iter(()), ())
    with pytest.raises(ValueError, match="declared twice"):
        Experiment("twice", lambda ctx: iter(()), ("a.b", "a.b"))


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:\tZ") for line in f)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")
def test_workers_exit_when_the_runner_is_killed(tmp_path):
    """SIGKILL of the runner leaves no worker behind (each watches its parent)."""
    files = [tmp_path / "a.pid", tmp_path / "b.pid"]
    script = (
        "from repro.runner import RunContext\n"
        "from tests.harness.toy_paper import record_pid_and_sleep\n"
        f"RunContext(jobs=2, progress=False).map(record_pid_and_sleep, {[str(f) for f in files]})\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not all(f.is_file() and f.read_text() for f in files):
        assert time.monotonic() < deadline and runner.poll() is None, "workers never started"
        time.sleep(0.1)
    workers = [int(f.read_text()) for f in files]
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def test_an_interrupted_write_leaves_no_temporary_file_behind(tmp_path):
    """A temporary file of a writer that no longer exists is removed by the next write; one of
    a live writer is left alone."""
    target = tmp_path / "paper.json"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".paper.json.{dead.stdout.strip()}.tmp"
    stale.write_text("half a table")
    live = tmp_path / f".paper.json.{os.getppid()}.tmp"
    live.write_text("being written")
    write_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert not stale.exists() and live.exists()
    assert not list(tmp_path.glob(f".paper.json.{os.getpid()}.tmp"))


def test_results_carry_no_local_paths(monkeypatch):
    from repro.results import private

    monkeypatch.setenv("REPRO_DATA", "/srv/alice/data")
    monkeypatch.setenv("HOME", "/home/alice")
    text = "missing /srv/alice/data/planetoid/ind.pubmed.allx; looked in /home/alice/.cache/repro"
    assert private(text) == (
        "missing $REPRO_DATA/planetoid/ind.pubmed.allx; looked in ~/.cache/repro"
    )
