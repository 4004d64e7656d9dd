"""What a paper's ``reproduce.py`` declares, and how the runner measures identity claims.

A paper's experiments are data: each :class:`Experiment` names the claims it measures and the
datasets it needs. The runner (:func:`repro.runner.run_paper`) checks the datasets first; where
one is absent, exactly that experiment's claims become "not run" with the loader's message
(which file, how to get it), and every other experiment still runs. A claim judged on real data
never falls back to synthetic data: a synthetic experiment is a claim of its own.

Identity claims need no experiment: each names its check function (``Claim.check``), which
:func:`measure_identity` evaluates on seeded random instances in every run size, and which the
claim's property test calls on the instances hypothesis picks (:func:`deviation`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch

from repro.claims import Claim, Measurement


@dataclass(frozen=True)
class Experiment:
    """One experiment of a paper.

    ``run(ctx)`` yields a :class:`Measurement` for each claim in ``claims`` (a claim it cannot
    measure in this run size it yields as ``Measurement.not_run`` with the reason); ``data``
    lists the dataset names (keys of :data:`repro.data.DATASETS`) it reads. ``quick_bands``
    gives, for some claims, the coarse range a quick run's value must fall in (a trained model
    above chance, a parameter ratio of the right order): the accuracy suite asserts it, so that
    a quick run that computes nonsense fails CI. Bands are sanity checks, not the claim's
    tolerance, and bound only values the machine's load cannot move (accuracies, counts,
    parameters): a claim marked ``timed`` (a time, or a ratio or exponent of times) gets none,
    since the suite makes no timing assertions (a quick fit of GCN's epoch-time exponent read
    2.24 at load 4 on 2 cores); the registry test enforces it.
    """

    name: str
    run: Callable[..., Iterable[Measurement]]
    claims: tuple[str, ...]
    data: tuple[str, ...] = ()
    quick_bands: dict[str, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.claims:
            raise ValueError(f"experiment {self.name}: declares no claims")
        if len(set(self.claims)) != len(self.claims):
            raise ValueError(f"experiment {self.name}: a claim is declared twice")
        for cid, (low, high) in self.quick_bands.items():
            if cid not in self.claims or not low < high:
                raise ValueError(
                    f"experiment {self.name}: band {cid} {(low, high)} must be a (low < high) "
                    "range for one of its own claims"
                )


def instance_generator(seed: int) -> torch.Generator:
    """The generator a check draws its random instance from."""
    return torch.Generator().manual_seed(seed)


def deviation(claim: Claim, seed: int) -> float:
    """The largest deviation ``claim.check`` finds on the instance of ``seed``."""
    if claim.check is None:
        raise ValueError(f"claim {claim.id} has no check function")
    return float(claim.check(instance_generator(seed)))


def describe_check(claim: Claim) -> str:
    """The instances a check draws: the first line of its docstring."""
    doc = (claim.check.__doc__ or "").strip() if claim.check else ""
    return doc.splitlines()[0].rstrip(".") if doc else "random instances"


def measure_identity(claim: Claim, n: int, device: str = "cpu") -> Measurement:
    """The largest deviation of ``claim.check`` over the instances of seeds 0 … n − 1.

    A check whose peer library is absent raises ``ImportError``: the claim is "not run" with
    the name of the missing package. A NaN deviation counts as infinitely far from the claim.
    """
    start = time.perf_counter()
    try:
        worst = 0.0
        for seed in range(n):
            dev = deviation(claim, seed)
            worst = math.inf if math.isnan(dev) else max(worst, dev)
    except ImportError as e:
        return Measurement.not_run(claim.id, f"peer not installed: {e}")
    return Measurement(
        claim.id,
        worst,
        n=n,
        dataset=f"{n} seeded instances: {describe_check(claim)}",
        seconds=time.perf_counter() - start,
        device=device,
    )
