"""A toy paper registered only by the harness tests: every path of the runner, no data, seconds.

Claims: an identity with its check (a float64 round trip), a numeric claim and an ordering claim
measured by an experiment with no data, and a numeric claim whose experiment needs the toy
dataset ``toy_data`` (present only when ``$TOY_DATA`` names an existing file).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import numpy as np
import torch

from repro.claims import Claim, Measurement, Paper
from repro.data import DataError
from repro.experiment import Experiment
from repro.runner import RunContext


def round_trip(gen: torch.Generator) -> float:
    """A random float64 vector through exp and log (the identity log(exp(x)) = x)."""
    x = torch.randn(64, generator=gen, dtype=torch.float64)
    return float((torch.log(torch.exp(x)) - x).abs().max())


def require_toy_data(data_root: str | None = None) -> None:
    path = os.environ.get("TOY_DATA", "")
    if not path or not os.path.isfile(path):
        raise DataError(f"toy data file {path or '$TOY_DATA'} not found; set TOY_DATA to a file")


def _job(seed: int) -> float:
    """One seeded draw; ``$TOY_JOB_SECONDS`` makes each job that slow (the resume test kills a
    run between jobs); ``$TOY_FAIL_SEED`` makes that seed's job raise, adding a line to
    ``$TOY_ATTEMPTS`` each time (the retry tests)."""
    time.sleep(float(os.environ.get("TOY_JOB_SECONDS", "0")))
    if os.environ.get("TOY_FAIL_SEED") == str(seed):
        with open(os.environ["TOY_ATTEMPTS"], "a") as f:
            f.write(f"{seed}\n")
        raise ValueError(f"planted failure of seed {seed}")
    return float(np.random.default_rng(seed).normal(10.0, 1.0))


def _seeded(ctx: RunContext) -> Iterator[Measurement]:
    n = ctx.n_seeds(3, 5, 8)
    a = ctx.map(_job, list(range(n)), desc="toy")
    yield Measurement.from_samples("toy.table1.mean", a, dataset="normal(10, 1) draws")
    yield Measurement.gap("toy.table1.gap", [x + 5.0 for x in a], a, dataset="shifted draws")


def _with_data(ctx: RunContext) -> Iterator[Measurement]:
    yield Measurement.from_samples("toy.table2.needs-data", [1.0, 1.0], dataset="toy file")


PAPER = Paper(
    id="toy",
    title="A Toy Paper",
    authors="Nobody",
    venue="Tests 2026",
    year=2026,
    arxiv=None,
    reproduce=__name__,
    claims=(
        Claim(
            id="toy.eq1.round-trip",
            statement="log(exp(x)) = x",
            source="Eq. (1)",
            metric="max |difference|",
            kind="identity",
            paper_value=0.0,
            confidence="confirmed",
            dataset="random vectors",
            tolerance=1e-12,
            check=round_trip,
            test="tests/harness/test_harness_runner.py::test_toy_identity_property",
        ),
        Claim(
            id="toy.table1.mean",
            statement="the mean is 10",
            source="Table 1",
            metric="value",
            kind="numeric",
            paper_value=10.0,
            confidence="confirmed",
            dataset="draws",
            tolerance=2.0,
        ),
        Claim(
            id="toy.table1.gap",
            statement="a beats b by 5",
            source="Table 1",
            metric="value",
            kind="ordering",
            paper_value=5.0,
            confidence="assumed",
            dataset="draws",
        ),
        Claim(
            id="toy.table2.needs-data",
            statement="the toy file holds ones",
            source="Table 2",
            metric="value",
            kind="numeric",
            paper_value=1.0,
            confidence="confirmed",
            dataset="toy file",
            tolerance=0.1,
        ),
    ),
)

EXPERIMENTS = (
    Experiment("seeded", _seeded, claims=("toy.table1.mean", "toy.table1.gap")),
    Experiment("with-data", _with_data, claims=("toy.table2.needs-data",), data=("toy_data",)),
)


def record_pid_and_sleep(path: str) -> None:
    """A job for the worker-cleanup test: write this worker's pid, then wait a minute."""
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
