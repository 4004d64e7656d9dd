"""Ray as the executor behind :meth:`repro.runner.RunContext.map` (``repro run --executor ray``).

Each job becomes one Ray task asking for one CPU (and one GPU when the run's device is CUDA),
run single-threaded like a local worker process, so the same seeds give the same numbers bit
for bit under both executors. A task that raises is retried once by Ray
(``max_retries=1, retry_exceptions=True``); a second failure stops the run with an error naming
the job's item. Ray is an optional extra: ``pip install 'repro[ray]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch

from repro.runner import JobFailed, failure_message

T = TypeVar("T")
R = TypeVar("R")


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ImportError(
            "--executor ray needs Ray: pip install 'repro[ray]' (or pip install ray)"
        ) from e
    return ray


def connect(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Join the Ray cluster at ``address``, or start a local one (``num_cpus`` workers) where
    none is running. True when this call started or joined it (the caller shuts it down)."""
    ray = _ray()
    if ray.is_initialized():
        return False
    ray.init(
        address=address,
        num_cpus=None if address else num_cpus,
        include_dashboard=False,
        log_to_driver=False,
    )
    return True


def shutdown() -> None:
    """Leave the Ray cluster (stops a local one this process started)."""
    _ray().shutdown()


def _single_threaded(fn: Callable[[T], R], x: T) -> R:
    torch.set_num_threads(1)
    return fn(x)


def run_ray(
    fn: Callable[[T], R],
    todo: Sequence[tuple[int, T]],
    finished: Callable[[int, R], None],
    device: str,
    desc: str,
    address: str | None = None,
) -> None:
    """Run ``fn`` on each ``(index, item)`` as Ray tasks; ``finished(index, result)`` as each
    ends (the progress bar moves with them)."""
    ray = _ray()
    connect(address)
    task = ray.remote(_single_threaded).options(
        num_cpus=1,
        num_gpus=1 if device.startswith("cuda") else 0,
        max_retries=1,
        retry_exceptions=True,
    )
    refs = {task.remote(fn, x): (i, x) for i, x in todo}
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        for ref in ready:
            i, x = refs[ref]
            try:
                value = ray.get(ref)
            except ray.exceptions.RayError as e:
                cause = getattr(e, "cause", None) or e  # the job's own exception
                raise JobFailed(failure_message(fn, x, desc, cause)) from e
            finished(i, value)
