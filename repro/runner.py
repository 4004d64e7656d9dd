"""Running a paper's experiments: run sizes, seeds, worker processes and progress bars.

A paper's ``reproduce.run(ctx)`` receives a :class:`RunContext` and yields
:class:`~repro.claims.Measurement` objects. Parallelism belongs here, not to the papers: an
experiment hands ``ctx.map`` a module-level function and its jobs, and the runner spreads them
over single-threaded worker processes (small models run several times faster one thread per
process than two threads in one process on a 2-core machine).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import torch
from tqdm.auto import tqdm

from repro.claims import Judgement, Measurement, Paper, judge
from repro.data import DataError, require
from repro.env import fingerprint
from repro.experiment import measure_identity
from repro.resume import JobStore

Size = Literal["quick", "default", "full"]
T = TypeVar("T")
R = TypeVar("R")

Executor = Literal["local", "ray"]
SIZES: tuple[str, ...] = ("quick", "default", "full")
EXECUTORS: tuple[str, ...] = ("local", "ray")


def _single_thread_worker(parent: int) -> None:
    """Set up a worker: one torch thread, and exit when the runner that started it is gone.

    A runner killed by SIGKILL cannot stop its workers; without this watch they would wait on
    their queue forever.
    """
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


@contextmanager
def single_threaded() -> Iterator[None]:
    """torch on one thread inside the block (the thread count restored after), as in a worker.

    Jobs run in the runner's own process (``--jobs 1``, or an experiment of one job) would
    otherwise use a thread per core, and on a loaded machine those threads spin waiting for
    each other: one CRRL seed (default size, MSR Action3D) took 32 s of wall time on one thread
    and 251 s on two, beside a two-worker run at load 4 on 2 cores.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


@dataclass
class RunContext:
    """What a paper's experiments are told about the run they are part of.

    ``size``: ``quick`` is a CI smoke run (seconds), ``default`` a real but reduced run
    (minutes on 2 cores), ``full`` the paper's protocol. ``seeds`` overrides the size's seed
    count where given. ``jobs`` is the number of worker processes for :meth:`map` (1 runs in
    this process).
    """

    size: Size = "default"
    seeds: int | None = None
    device: str = "cpu"
    data_root: str | None = None
    jobs: int = 1
    progress: bool = True
    command: str = ""
    #: Where experiments may save figures (``results/plots``); None: save none.
    plots_dir: Path | None = None
    log: Callable[[str], None] = field(default=print)
    #: Finished jobs kept on disk (``repro.resume``); None: keep none.
    store: JobStore | None = None
    #: Where :meth:`map` runs jobs: ``local`` processes or ``ray`` tasks.
    executor: Executor = "local"
    #: The Ray cluster to join (``ray.init(address=...)``); None starts or reuses a local one.
    ray_address: str | None = None

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}, got {self.size!r}")
        if self.seeds is not None and self.seeds < 1:
            raise ValueError("seeds must be at least 1")
        if self.jobs < 1:
            raise ValueError("jobs must be at least 1")
        if self.executor not in EXECUTORS:
            raise ValueError(
                f"executor must be one of {', '.join(EXECUTORS)}, got {self.executor!r}"
            )
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError(
                "--device cuda was asked for but torch sees no CUDA device "
                f"(torch {torch.__version__}, CUDA build {torch.version.cuda})"
            )

    def pick(self, quick: T, default: T, full: T) -> T:
        """The value for this run's size."""
        return {"quick": quick, "default": default, "full": full}[self.size]

    def n_seeds(self, quick: int, default: int, full: int) -> int:
        """Seeds for this run: the size's number unless ``--seeds`` overrides it."""
        return self.seeds if self.seeds is not None else self.pick(quick, default, full)

    def map(self, fn: Callable[[T], R], items: Sequence[T], desc: str = "") -> list[R]:
        """``[fn(x) for x in items]`` over ``jobs`` single-threaded workers, with a progress bar.

        ``fn`` must be a module-level function and ``items`` picklable. Results keep the order of
        ``items``. Workers are local processes, or Ray tasks with ``executor="ray"``. With a job
        store (``store``), finished jobs are kept on disk as they come back and found there by a
        rerun. A job that raises is tried once more; a second failure stops the run with an error
        naming the job's item (its seed). Without progress bars (a run logging to a file), a
        line through ``log`` says how many jobs are found done, then how many have finished, at
        most once every ``PROGRESS_EVERY_S`` seconds and at the end.
        """
        bar = tqdm(total=len(items), desc=desc, disable=not self.progress, leave=False)
        out: list[Any] = [None] * len(items)
        keys: list[str] = [""] * len(items)
        todo: list[tuple[int, T]] = []
        for i, x in enumerate(items):
            if self.store is not None:
                keys[i] = self.store.key(fn, x)
                hit, value = self.store.get(keys[i])
                if hit:
                    out[i] = value
                    bar.update()
                    continue
            todo.append((i, x))

        lines = (
            None
            if self.progress or len(items) < 2
            else _ProgressLines(self.log, desc or fn.__name__, len(items), len(items) - len(todo))
        )

        def finished(i: int, value: R) -> None:
            out[i] = value
            if self.store is not None:
                self.store.put(keys[i], value)
            bar.update()
            if lines is not None:
                lines.done()

        try:
            if self.executor == "ray":
                from repro.executors import run_ray

                run_ray(fn, todo, finished, self.device, desc, self.ray_address)
            else:
                run_local(fn, todo, finished, self.jobs, desc, self.device)
        finally:
            bar.close()
        return out


#: Seconds between two progress lines of a run without progress bars.
PROGRESS_EVERY_S = 60.0


class _ProgressLines:
    """The progress bar's count as log lines, with the time the rest takes at this invocation's
    pace so far: ``desc: 12/61 jobs done in 31 min, about 2.1 h to go``."""

    def __init__(
        self,
        log: Callable[[str], None],
        desc: str,
        total: int,
        found: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.desc, self.total, self.found = log, desc, total, found
        self.count, self.clock = found, clock
        self.start = self.last = clock()
        if found:
            log(f"{desc}: {found}/{total} jobs found done by an earlier run")

    def done(self) -> None:
        self.count += 1
        now = self.clock()
        if self.count < self.total and now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        took = now - self.start
        line = f"{self.desc}: {self.count}/{self.total} jobs done in {_duration(took)}"
        if self.count < self.total:
            left = took / (self.count - self.found) * (self.total - self.count)
            line += f", about {_duration(left)} to go"
        self.log(line)


def _duration(seconds: float) -> str:
    """``42 s``, ``17 min``, ``2.1 h``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def run_local(
    fn: Callable[[T], R],
    todo: Sequence[tuple[int, T]],
    finished: Callable[[int, R], None],
    jobs: int,
    desc: str,
    device: str = "cpu",
) -> None:
    """Run ``fn`` on each ``(index, item)`` in this process (``jobs`` = 1 or a single job) or
    over ``jobs`` worker processes; ``finished(index, result)`` as each ends. Every job runs on
    one torch thread, in this process too (:func:`single_threaded`).

    Workers of a CUDA run are spawned, not forked: a forked child cannot use the CUDA context
    its parent already initialised ("CUDA error: initialization error").
    """
    if jobs == 1 or len(todo) <= 1:
        with single_threaded():
            for i, x in todo:
                try:
                    value = fn(x)
                except Exception:
                    value = _second_try(fn, x, desc)
                finished(i, value)
        return
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(todo)),
        initializer=_single_thread_worker,
        initargs=(os.getpid(),),
        mp_context=multiprocessing.get_context("spawn" if device.startswith("cuda") else None),
    ) as pool:
        futures = {pool.submit(fn, x): (i, x) for i, x in todo}
        for f in as_completed(futures):
            i, x = futures[f]
            try:
                value = f.result()
            except Exception:
                try:
                    value = pool.submit(fn, x).result()
                except Exception as e:
                    raise JobFailed(failure_message(fn, x, desc, e)) from e
            finished(i, value)


class JobFailed(RuntimeError):
    """A job raised twice (its first failure is retried once)."""


def failure_message(fn: Callable[..., Any], x: Any, desc: str, e: BaseException) -> str:
    """What a job that failed twice is reported as: the experiment, the item (seed), the error."""
    return (
        f"{desc or fn.__qualname__}: job {x!r} failed twice "
        f"({fn.__module__}.{fn.__qualname__}): {type(e).__name__}: {e}"
    )


def _second_try(fn: Callable[[T], R], x: T, desc: str) -> R:
    try:
        return fn(x)
    except Exception as e:
        raise JobFailed(failure_message(fn, x, desc, e)) from e


def default_jobs() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@dataclass
class ClaimResult:
    claim_id: str
    measurement: Measurement | None
    judgement: Judgement


@dataclass
class PaperRun:
    paper: Paper
    results: list[ClaimResult]
    seconds: float
    ctx: RunContext
    #: The environment fingerprint taken when the run started (the commit that ran).
    env: dict[str, Any]


def run_paper(paper: Paper, ctx: RunContext) -> PaperRun:
    """Measure every identity claim, run every experiment whose data are present, judge all.

    An experiment whose declared dataset is absent (or whose loader fails on a bad file) leaves
    exactly its claims "not run", with the loader's message; the other experiments still run.
    A claim no experiment measured is "not run" with the reason.
    """
    env = fingerprint()
    start = time.perf_counter()
    known = {c.id for c in paper.claims}
    measured: dict[str, Measurement] = {}
    n_instances = ctx.pick(3, 10, 20)
    for claim in paper.identities():
        measured[claim.id] = measure_identity(claim, n_instances)
    experiments = paper.experiments()
    for exp in experiments:
        unknown = set(exp.claims) - known
        if unknown:
            raise KeyError(f"{paper.id}: experiment {exp.name} declares unknown {sorted(unknown)}")
        if ctx.store is not None:
            ctx.store.scope = (paper.id, exp.name)
        try:
            for name in exp.data:
                require(name, ctx.data_root)
            for m in _iter_measurements(exp.run(ctx)):
                if m.claim_id not in exp.claims:
                    raise KeyError(
                        f"{paper.id}: experiment {exp.name} measured {m.claim_id!r}, "
                        f"which it does not declare"
                    )
                measured[m.claim_id] = m
        except DataError as e:
            ctx.log(f"{paper.id}: {exp.name}: not run, data missing: {e}")
            for cid in exp.claims:
                measured.setdefault(cid, Measurement.not_run(cid, f"data missing: {e}"))
    results = []
    for claim in paper.claims:
        m = measured.get(claim.id)
        j = judge(claim, m)
        if m is None and not experiments:
            j = Judgement(j.verdict, "no experiment implemented yet")
        results.append(ClaimResult(claim.id, m, j))
    return PaperRun(paper, results, time.perf_counter() - start, ctx, env)


def _iter_measurements(it: Iterable[Measurement]) -> Iterator[Measurement]:
    for m in it:
        if not isinstance(m, Measurement):
            raise TypeError(f"reproduce.run must yield Measurement objects, got {type(m)!r}")
        yield m


def results_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Where results go: the given path, ``$REPRO_RESULTS``, or ``./results``."""
    return Path(path or os.environ.get("REPRO_RESULTS") or "results")


def size_dir(results: Path, size: str) -> Path:
    """The folder of a run size: full runs write the committed tables in ``results/`` itself;
    quick and default runs write under ``results/quick/`` and ``results/default/`` (git-ignored),
    so a user's run never changes the committed record."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    return results if size == "full" else results / size


def describe_run(ctx: RunContext) -> dict[str, Any]:
    return {"size": ctx.size, "seeds": ctx.seeds, "device": ctx.device, "jobs": ctx.jobs}
