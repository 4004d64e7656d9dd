"""Finished jobs kept on disk (repro.resume): a killed run continues where it stopped, with the
numbers of an uninterrupted run; a changed parameter or code never reuses a job; a failing job
is retried once and then reported with its seed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repro import resume, runner
from repro.resume import JobStore
from repro.runner import JobFailed, RunContext
from tests.harness import toy_paper

ROOT = Path(__file__).resolve().parents[2]
#: Runs the CLI with the toy paper registered, in a process the test can kill.
CLI = (
    "import sys; from repro import claims, data; "
    "claims.REGISTRY['toy'] = 'tests.harness.toy_paper'; "
    "data.DATASETS['toy_data'] = ('tests.harness.toy_paper:require_toy_data', ()); "
    "from repro.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _square(x: int) -> int:
    return x * x


def _store(tmp_path: Path, run_key: str = "full None cpu") -> JobStore:
    store = JobStore(tmp_path / resume.FOLDER, run_key=run_key)
    store.scope = ("toy", "seeded")
    return store


def test_store_round_trip_and_keys(tmp_path: Path) -> None:
    store = _store(tmp_path)
    key = store.key(_square, 3)
    assert store.get(key) == (False, None)
    store.put(key, {"seed": 3, "acc": 0.5})
    assert store.get(key) == (True, {"seed": 3, "acc": 0.5})
    assert (store.reused, store.computed) == (1, 1)
    # every part of the key matters: item, function, scope, run parameters, code
    assert store.key(_square, 4) != key
    assert store.key(toy_paper._job, 3) != key
    other_scope = _store(tmp_path)
    other_scope.scope = ("toy", "with-data")
    assert other_scope.key(_square, 3) != key
    assert _store(tmp_path, run_key="full None cuda").key(_square, 3) != key
    edited = _store(tmp_path)
    edited._code = "another commit"
    assert edited.key(_square, 3) != key
    assert _store(tmp_path).key(_square, 3) == key


def test_ledger_keeps_each_invocations_time(tmp_path: Path) -> None:
    first = _store(tmp_path)
    first.put(first.key(_square, 1), 1)
    first.put(first.key(_square, 2), 4)
    assert first.earlier_seconds("toy") == []  # its own time is not an earlier one
    second = _store(tmp_path)
    [seconds] = second.earlier_seconds("toy")
    assert seconds > 0
    second.put(second.key(_square, 3), 9)
    assert len(_store(tmp_path).earlier_seconds("toy")) == 2
    # another command's invocations (run parameters or code) are not this one's
    assert _store(tmp_path, run_key="full 3 cpu").earlier_seconds("toy") == []
    edited = _store(tmp_path)
    edited._code = "another commit"
    assert edited.earlier_seconds("toy") == []
    first.clear("toy")
    assert _store(tmp_path).earlier_seconds("toy") == []


def test_truncated_job_file_is_computed_again(tmp_path: Path) -> None:
    store = _store(tmp_path)
    key = store.key(_square, 3)
    store.put(key, list(range(100)))
    path = next((tmp_path / resume.FOLDER).rglob("*.pkl"))
    path.write_bytes(path.read_bytes()[:50])
    assert store.get(key) == (False, None)


def test_map_reuses_finished_jobs(tmp_path: Path) -> None:
    store = _store(tmp_path)
    ctx = RunContext(size="quick", progress=False, store=store)
    assert ctx.map(_square, [1, 2, 3]) == [1, 4, 9]
    assert (store.reused, store.computed) == (0, 3)
    path = next(p for p in (tmp_path / resume.FOLDER).rglob("*.pkl"))
    assert ctx.map(_square, [1, 2, 3, 4]) == [1, 4, 9, 16]
    assert (store.reused, store.computed) == (3, 4)
    assert path.is_file()
    store.clear("toy")
    assert not any((tmp_path / resume.FOLDER).rglob("*.pkl"))


def test_a_run_without_bars_logs_its_jobs_found_and_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[str] = []
    ctx = RunContext(size="quick", progress=False, store=_store(tmp_path), log=lines.append)
    ctx.map(_square, [1, 2], desc="squares")
    assert lines == ["squares: 2/2 jobs done in 0 s"]  # only the end within a minute
    lines.clear()
    monkeypatch.setattr(runner, "PROGRESS_EVERY_S", 0.0)
    ctx.map(_square, [1, 2, 3, 4])
    assert lines == [
        "_square: 2/4 jobs found done by an earlier run",
        "_square: 3/4 jobs done in 0 s, about 0 s to go",
        "_square: 4/4 jobs done in 0 s",
    ]
    lines.clear()
    RunContext(progress=True, log=lines.append).map(_square, [1, 2])
    assert lines == []  # the bar shows it


def test_progress_lines_tell_the_time_left_at_this_invocations_pace() -> None:
    lines: list[str] = []
    now = iter([0.0, 600.0, 630.0, 1800.0, 2400.0])  # start, then one reading per finished job
    log = runner._ProgressLines(lines.append, "stgcn msr", 10, 6, clock=lambda: next(now))
    for _ in range(4):
        log.done()
    assert lines == [
        "stgcn msr: 6/10 jobs found done by an earlier run",
        "stgcn msr: 7/10 jobs done in 10 min, about 30 min to go",  # 600 s a job, 3 left
        "stgcn msr: 9/10 jobs done in 30 min, about 10 min to go",  # 8/10 at 630 s: within a minute
        "stgcn msr: 10/10 jobs done in 40 min",
    ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_failing_job_is_retried_once_then_reported_with_its_seed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: int
) -> None:
    attempts = tmp_path / "attempts"
    monkeypatch.setenv("TOY_FAIL_SEED", "2")
    monkeypatch.setenv("TOY_ATTEMPTS", str(attempts))
    ctx = RunContext(size="quick", progress=False, jobs=jobs)
    with pytest.raises(JobFailed, match=r"toy: job 2 failed twice .*planted failure of seed 2"):
        ctx.map(toy_paper._job, [0, 1, 2, 3], desc="toy")
    assert attempts.read_text() == "2\n2\n"  # tried twice, not more


def _cli(results: Path, *extra: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CLI,
            "--results",
            str(results),
            "run",
            "toy",
            "--full",
            "--seeds",
            "6",
            "--jobs",
            "1",
            "--no-progress",
            *extra,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _values(results: Path) -> dict[str, float]:
    doc = json.loads((results / "toy.json").read_text())
    return {c["id"]: c["value"] for c in doc["claims"] if c["value"] is not None}


def test_killed_run_resumes_with_the_same_numbers(tmp_path: Path) -> None:
    """Kill a full run after some of its 6 jobs, rerun the same command: it reuses the finished
    jobs, computes the rest, and writes the numbers of an uninterrupted run."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    done = _cli(whole, env={})
    assert done.wait(timeout=120) == 0, done.stdout.read()
    jobs = cut / resume.FOLDER
    run = _cli(cut, env={"TOY_JOB_SECONDS": "0.5"})
    deadline = time.monotonic() + 60
    while len(list(jobs.rglob("*.pkl"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    kept = len(list(jobs.rglob("*.pkl")))
    assert 2 <= kept < 6 and not (cut / "toy.json").exists()  # tables only when all jobs are in
    again = _cli(cut, env={})
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    assert f"resumed: {kept} jobs reused" in out
    assert _values(cut) == _values(whole)
    # the table's wall time adds the killed invocation's, which ran at least its jobs' sleeps
    jobs_doc = json.loads((cut / "toy.json").read_text())["jobs"]
    assert (jobs_doc["computed"], jobs_doc["reused"]) == (6 - kept, kept)
    [earlier] = jobs_doc["earlier_seconds"]
    assert earlier >= 0.5 * kept
    page = (cut / "toy.md").read_text()
    assert (
        f"for the {6 - kept} jobs computed by this invocation; {kept} more were computed by 1 "
        "earlier, interrupted invocation(s)"
    ) in page
    assert "reused" not in (whole / "toy.md").read_text()
    assert not any(jobs.rglob("*.pkl"))  # a finished run leaves nothing to resume


def test_fresh_discards_an_interrupted_runs_jobs(tmp_path: Path) -> None:
    def plant() -> None:  # a wrong number where seed 0's job of `repro run toy --full` goes
        store = JobStore(tmp_path / resume.FOLDER, run_key="full 6 cpu")
        store.scope = ("toy", "seeded")
        store.put(store.key(toy_paper._job, 0), 1e6)

    plant()
    out, _ = _cli(tmp_path, "--fresh", env={}).communicate(timeout=120)
    assert "resumed" not in out
    assert _values(tmp_path)["toy.table1.mean"] < 100
    plant()
    out, _ = _cli(tmp_path, env={}).communicate(timeout=120)
    assert "resumed: 1 jobs reused" in out
    assert _values(tmp_path)["toy.table1.mean"] > 1e4


def test_cuda_runs_spawn_their_workers() -> None:
    """A CUDA run's workers are spawned (a forked child cannot use its parent's CUDA context);
    the spawn path gives the numbers of the fork path (run here on the CPU)."""
    from repro.runner import run_local

    got: dict[int, float] = {}
    run_local(toy_paper._job, list(enumerate(range(4))), got.__setitem__, 2, "toy", "cuda")
    assert got == {i: toy_paper._job(i) for i in range(4)}
