"""The Ray executor (repro.executors): same seeds, same numbers bit for bit as local worker
processes, on a local Ray instance this module starts on 127.0.0.1 with 2 CPUs and shuts down;
a failing job is retried once, then reported with its seed."""

from __future__ import annotations

import pytest

from repro.runner import JobFailed, RunContext, run_paper
from tests.harness import toy_paper

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'repro[ray]'")


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, _node_ip_address="127.0.0.1", include_dashboard=False)
    yield
    ray.shutdown()


def _values(paper, executor: str, jobs: int) -> dict[str, float | None]:
    ctx = RunContext(size="default", progress=False, jobs=jobs, executor=executor)
    return {r.claim_id: r.measurement.value for r in run_paper(paper, ctx).results if r.measurement}


def test_ray_gives_the_local_numbers_bit_for_bit(cluster, toy) -> None:
    local = _values(toy, "local", jobs=2)
    assert _values(toy, "ray", jobs=2) == local
    assert local["toy.table1.mean"] is not None


def test_ray_map_keeps_order_and_moves_on_jobs(cluster) -> None:
    ctx = RunContext(size="quick", progress=False, executor="ray")
    assert ctx.map(toy_paper._job, list(range(8))) == [toy_paper._job(s) for s in range(8)]


def test_ray_failing_job_is_retried_once_then_reported(cluster, monkeypatch, tmp_path) -> None:
    attempts = tmp_path / "attempts"
    monkeypatch.setenv("TOY_FAIL_SEED", "3")
    monkeypatch.setenv("TOY_ATTEMPTS", str(attempts))
    ray.shutdown()  # workers read the environment when they start
    ray.init(num_cpus=2, _node_ip_address="127.0.0.1", include_dashboard=False)
    ctx = RunContext(size="quick", progress=False, executor="ray")
    with pytest.raises(JobFailed, match=r"toy: job 3 failed twice .*planted failure of seed 3"):
        ctx.map(toy_paper._job, [1, 2, 3], desc="toy")
    assert attempts.read_text() == "3\n3\n"  # tried twice, not more
