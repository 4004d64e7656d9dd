"""Papers, their claims, our measurements of them, and the verdict that joins the two.

A :class:`Claim` is declared once, in ``implementations/<paper>/paper.py``, with the paper's
number and how far that number can be trusted. ``reproduce.py`` returns :class:`Measurement`
objects; :func:`judge` turns a claim and its measurement into a :class:`Verdict` by the rule the
claim states. The registry maps paper ids to their ``paper`` modules without importing any paper
until it is asked for.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, Literal

import torch

from repro import stats

Kind = Literal["identity", "numeric", "ordering"]
Confidence = Literal["confirmed", "secondary", "assumed"]

#: The ten papers, in the order of DESIGN.md; ``implementations.<id>.paper`` holds each one.
PAPER_IDS: tuple[str, ...] = (
    "dcn",
    "gcn",
    "stgcn",
    "crrl",
    "ssl_taxonomy",
    "cgdm",
    "poseconv3d",
    "mixmim",
    "swin",
    "ltgan",
)

#: paper id -> the module holding its ``PAPER``. Tests register a toy paper here to exercise the
#: harness without any real paper or data.
REGISTRY: dict[str, str] = {pid: f"implementations.{pid}.paper" for pid in PAPER_IDS}


def paper_ids() -> tuple[str, ...]:
    """Every registered paper id, in registration order (DESIGN.md's order for the ten)."""
    return tuple(REGISTRY)


class Verdict(str, Enum):
    REPRODUCED = "reproduced"
    NOT_REPRODUCED = "not reproduced"
    PARTIALLY = "partially"
    INCONCLUSIVE = "inconclusive"
    NOT_RUN = "not run"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Claim:
    """One thing a paper says, with the rule that decides whether we reproduced it.

    kind ``numeric``: our mean over seeds is compared with ``paper_value``; reproduced when
    ``|mean - paper_value| <= tolerance``.
    kind ``ordering``: the measurement's value is a difference of two means (ours), with its
    95% interval; reproduced when the interval lies on the side that ``paper_value`` (the
    paper's difference) lies on, not reproduced when it lies on the other, inconclusive when it
    straddles zero. ``margin`` (default 0) moves the line the interval must clear.
    kind ``identity``: an exact property; the measurement's value is the largest deviation
    found, reproduced when it is ``<= tolerance``. ``check`` is the one function that measures
    it (``torch.Generator`` -> largest deviation on one seeded random instance): the runner
    calls it on seeded instances in every run, and the property test named by ``test`` calls
    it on the instances hypothesis picks.
    """

    id: str
    statement: str
    source: str
    metric: str
    kind: Kind
    paper_value: float | None
    confidence: Confidence
    dataset: str
    tolerance: float | None = None
    margin: float = 0.0
    test: str | None = None
    confidence_note: str = ""
    #: For ``repro check``: a number may move by this much between runs without being flagged
    #: (added to the 3-standard-error rule). Defaults to ``tolerance / 2`` for numeric claims.
    check_tolerance: float | None = None
    #: The value is computed from wall-clock times (a time, or a ratio, difference or fitted
    #: exponent of times): the machine's load moves it, so no quick band may bound it
    #: (``Experiment.quick_bands``) and no test asserts on it.
    timed: bool = False
    #: The value is an absolute time on the machine that ran it (milliseconds): ``repro check``
    #: reports its moves but never fails on them (timings gate only as same-run ratios).
    machine_dependent: bool = False
    #: The id of another claim of the same paper that the same runs measure (a paper printing
    #: one set of numbers in two tables): verdict tallies count the pair once, under that id.
    same_runs_as: str | None = None
    check: Callable[[torch.Generator], float] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in ("identity", "numeric", "ordering"):
            raise ValueError(f"claim {self.id}: kind must be identity, numeric or ordering")
        if self.confidence not in ("confirmed", "secondary", "assumed"):
            raise ValueError(f"claim {self.id}: confidence must be confirmed, secondary or assumed")
        if self.kind in ("numeric", "identity") and self.tolerance is None:
            raise ValueError(f"claim {self.id}: a {self.kind} claim needs a tolerance")
        if self.kind == "ordering" and self.paper_value in (None, 0):
            raise ValueError(f"claim {self.id}: an ordering claim needs the paper's signed gap")
        if self.kind == "identity" and (self.check is None or self.test is None):
            raise ValueError(f"claim {self.id}: an identity claim names its check and its test")
        if self.kind != "identity" and self.check is not None:
            raise ValueError(f"claim {self.id}: only identity claims have a check function")
        if self.machine_dependent and not self.timed:
            raise ValueError(f"claim {self.id}: a machine-dependent value is a time: mark it timed")
        if self.confidence == "secondary" and not self.confidence_note:
            raise ValueError(f"claim {self.id}: a secondary number must name its source")

    @classmethod
    def identity(
        cls,
        id: str,
        statement: str,
        metric: str,
        check: Callable[[torch.Generator], float],
        test: str,
        *,
        source: str,
        tolerance: float = 0.0,
        dataset: str = "seeded random instances",
        confidence: Confidence = "confirmed",
        confidence_note: str = "",
    ) -> Claim:
        """An exact property: ``check`` measures the largest deviation on one seeded random
        instance, ``test`` names the property test that calls it; reproduced when the
        deviation is ``<= tolerance`` (0: bit for bit)."""
        return cls(
            id=id,
            statement=statement,
            source=source,
            metric=metric,
            kind="identity",
            paper_value=None,
            confidence=confidence,
            dataset=dataset,
            tolerance=tolerance,
            test=test,
            confidence_note=confidence_note,
            check=check,
        )

    @property
    def paper(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def rule(self) -> str:
        """The reproduction rule in words, for tables."""
        if self.kind == "numeric":
            return f"|mean − paper| ≤ {self.tolerance:g}"
        if self.kind == "identity":
            return f"max deviation ≤ {self.tolerance:g}"
        side = ">" if (self.paper_value or 0) > 0 else "<"
        return f"95% CI of gap {side} {self.margin:g}"


@dataclass
class Measurement:
    """What we measured for one claim.

    ``value`` is the mean over ``n`` seeds (numeric), the gap of two means (ordering) or the
    largest deviation (identity); ``samples`` the per-seed values where there are seeds;
    ``ci`` the 95% interval of an ordering gap, ``paired`` whether that interval is the paired
    t interval of per-seed differences (:meth:`paired_gap`) rather than Welch's (:meth:`gap`).
    A measurement with ``value=None`` records a claim that could not be run, with ``note``
    saying why.
    """

    claim_id: str
    value: float | None
    std: float | None = None
    n: int = 1
    dataset: str = ""
    seconds: float = 0.0
    device: str = "cpu"
    samples: list[float] = field(default_factory=list)
    #: For a gap: the per-seed values of the second side (``samples`` holds the first).
    samples_b: list[float] = field(default_factory=list)
    ci: tuple[float, float] | None = None
    paired: bool = False
    note: str = ""

    @classmethod
    def from_samples(cls, claim_id: str, samples: Sequence[float], **kw: Any) -> Measurement:
        """Mean and sample standard deviation of per-seed values."""
        mean, std = stats.mean_std(samples)
        return cls(claim_id, mean, std, len(samples), samples=[float(s) for s in samples], **kw)

    @classmethod
    def gap(cls, claim_id: str, a: Sequence[float], b: Sequence[float], **kw: Any) -> Measurement:
        """The difference mean(a) − mean(b) with its Welch 95% interval."""
        diff, lo, hi = stats.welch_ci(a, b)
        se = stats.welch_se(a, b)
        return cls(
            claim_id,
            diff,
            se,
            min(len(a), len(b)),
            ci=(lo, hi),
            samples=[float(x) for x in a],
            samples_b=[float(x) for x in b],
            **kw,
        )

    @classmethod
    def paired_gap(
        cls, claim_id: str, a: Sequence[float], b: Sequence[float], **kw: Any
    ) -> Measurement:
        """mean(a − b) over paired seeds or splits, with the t interval of the differences
        (:func:`repro.stats.paired_ci`); ``std`` is the standard error of that mean."""
        diff, lo, hi = stats.paired_ci(a, b)
        return cls(
            claim_id,
            diff,
            stats.sem([x - y for x, y in zip(a, b, strict=True)]),
            len(a),
            ci=(lo, hi),
            paired=True,
            samples=[float(x) for x in a],
            samples_b=[float(x) for x in b],
            **kw,
        )

    @classmethod
    def not_run(cls, claim_id: str, reason: str, dataset: str = "") -> Measurement:
        return cls(claim_id, None, dataset=dataset, note=reason)

    @property
    def sem(self) -> float | None:
        """Standard error of ``value`` (the std of a gap is already its standard error)."""
        if self.std is None:
            return None
        if self.ci is not None:
            return self.std
        return self.std / math.sqrt(max(self.n, 1))


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str


def judge(claim: Claim, m: Measurement | None) -> Judgement:
    """Apply the claim's rule to our measurement."""
    if m is None:
        return Judgement(Verdict.NOT_RUN, "no measurement in this run")
    if m.value is None or (isinstance(m.value, float) and math.isnan(m.value)):
        return Judgement(Verdict.NOT_RUN, m.note or "not run")
    if claim.kind == "numeric":
        assert claim.tolerance is not None and claim.paper_value is not None
        delta = m.value - claim.paper_value
        ok = abs(delta) <= claim.tolerance
        return Judgement(
            Verdict.REPRODUCED if ok else Verdict.NOT_REPRODUCED,
            f"ours − paper = {delta:+.3g} ({'within' if ok else 'outside'} ±{claim.tolerance:g})",
        )
    if claim.kind == "identity":
        assert claim.tolerance is not None
        ok = abs(m.value) <= claim.tolerance
        return Judgement(
            Verdict.REPRODUCED if ok else Verdict.NOT_REPRODUCED,
            f"max deviation {abs(m.value):.2g} {'≤' if ok else '>'} {claim.tolerance:g}",
        )
    assert claim.paper_value is not None
    if m.ci is None:
        return Judgement(Verdict.NOT_RUN, "ordering claim measured without an interval")
    lo, hi = m.ci
    sign = 1.0 if claim.paper_value > 0 else -1.0
    # flip so that the paper's side is positive
    lo_s, hi_s = sorted((sign * lo, sign * hi))
    interval = f"gap {m.value:+.3g}, 95% CI [{lo:+.3g}, {hi:+.3g}]"
    if lo_s > claim.margin:
        return Judgement(Verdict.REPRODUCED, f"{interval} lies on the paper's side")
    if hi_s < claim.margin:
        return Judgement(Verdict.NOT_REPRODUCED, f"{interval} lies on the other side")
    return Judgement(Verdict.INCONCLUSIVE, f"{interval} straddles {claim.margin:g}")


@dataclass(frozen=True)
class Paper:
    """A paper: its metadata, its claims, and where its experiments live."""

    id: str
    title: str
    authors: str
    venue: str
    year: int
    arxiv: str | None
    claims: tuple[Claim, ...]
    url: str = ""
    #: Module whose ``EXPERIMENTS`` (a tuple of :class:`repro.experiment.Experiment`) measure the
    #: numeric and ordering claims; None where no experiment exists yet.
    reproduce: str | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        ids = [c.id for c in self.claims]
        if len(set(ids)) != len(ids):
            raise ValueError(f"paper {self.id}: duplicate claim ids")
        for cid in ids:
            if not cid.startswith(self.id + "."):
                raise ValueError(f"claim {cid} does not start with its paper id {self.id!r}")
        by_id = {c.id: c for c in self.claims}
        for c in self.claims:
            if c.same_runs_as is None:
                continue
            other = by_id.get(c.same_runs_as)
            if other is None or other.same_runs_as is not None or other is c:
                raise ValueError(
                    f"claim {c.id}: same_runs_as must name another claim of paper {self.id} "
                    f"that names none itself, got {c.same_runs_as!r}"
                )

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(f"paper {self.id} has no claim {claim_id!r}")

    def experiments(self) -> tuple[Any, ...]:
        """The ``EXPERIMENTS`` of the ``reproduce`` module (empty where there is none)."""
        if self.reproduce is None:
            return ()
        return tuple(importlib.import_module(self.reproduce).EXPERIMENTS)

    def identities(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if c.kind == "identity")

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "claims"}


def load_paper(paper_id: str) -> Paper | None:
    """The paper's ``PAPER``, or None where its module (``implementations/<id>/paper.py``) does
    not exist yet."""
    if paper_id not in REGISTRY:
        raise KeyError(f"unknown paper {paper_id!r}; known: {', '.join(REGISTRY)}")
    name = REGISTRY[paper_id]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name is not None and name.startswith(e.name):
            return None
        raise
    return module.PAPER


def registered_papers() -> list[Paper]:
    """Every paper that has a ``paper.py``, in registration order."""
    return [p for p in (load_paper(pid) for pid in paper_ids()) if p is not None]
