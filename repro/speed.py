"""Throughput regression gate: same-run ratios from the suites' pytest-benchmark JSON.

Absolute times move with the machine and its load; what the suites record beside them moves
much less, because both sides are measured in the same run on the same inputs: ``ratio_vs_<peer>``
(ours / the peer; lower is better) and ``fraction_of_<limit>_peak`` (achieved rate / the run's
matmul or copy peak; higher is better). Those are the numbers gated, per machine (CPU model,
thread count, GPUs: a ratio is only compared with one taken on the same kind of machine).

The tolerance is measured, not chosen: a baseline is made from at least
:data:`MIN_RUNS` runs of the suites on one machine, and each ratio's tolerance is twice the
relative range it showed across them (``2 · (max − min) / median``), at least
:data:`MIN_TOLERANCE`. A later run fails the gate where a ratio is worse than the baseline's
median by more than its tolerance.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Fewest suite runs a speed baseline is made from.
MIN_RUNS = 3
#: Smallest relative tolerance of a gated ratio.
MIN_TOLERANCE = 0.10


class SpeedError(RuntimeError):
    """No benchmark runs, too few for a baseline, or no baseline for this machine."""


def machine_key(doc: dict[str, Any]) -> str:
    """The machine a pytest-benchmark run was taken on: CPU model, threads, GPU names."""
    info = doc.get("machine_info", {})
    env = info.get("repro", {})
    cpu = env.get("cpu") or info.get("cpu", {}).get("brand_raw") or info.get("processor", "?")
    gpus = ", ".join(g.get("name", "?") for g in env.get("gpus") or []) or "no GPU"
    return f"{cpu} | {env.get('threads', '?')} threads | {gpus}"


def _lower_is_better(key: str) -> bool | None:
    if key.startswith("ratio_vs_"):
        return True
    if key.startswith("fraction_of_") and key.endswith("_peak"):
        return False
    return None


def ratios(doc: dict[str, Any]) -> dict[str, dict[str, float]]:
    """``{benchmark fullname: {ratio key: value}}`` of one pytest-benchmark JSON document."""
    out: dict[str, dict[str, float]] = {}
    for b in doc.get("benchmarks", []):
        found = {
            k: float(v)
            for k, v in b.get("extra_info", {}).items()
            if _lower_is_better(k) is not None and isinstance(v, (int, float))
        }
        if found:
            out[b["fullname"]] = found
    return out


def read_runs(folder: Path) -> list[dict[str, Any]]:
    """Every pytest-benchmark JSON under ``folder`` (autosaved or ``--benchmark-json``), oldest
    first by their ``datetime``."""
    docs = []
    for path in sorted(folder.rglob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SpeedError(f"{path}: not a pytest-benchmark JSON file ({e})") from e
        if isinstance(doc, dict) and "benchmarks" in doc and "machine_info" in doc:
            doc["_path"] = str(path)
            docs.append(doc)
    return sorted(docs, key=lambda d: d.get("datetime", ""))


def make_baseline(docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per machine: each ratio's median over the runs and its measured tolerance."""
    by_machine: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_machine.setdefault(machine_key(doc), []).append(doc)
    out: dict[str, Any] = {}
    for machine, runs in by_machine.items():
        if len(runs) < MIN_RUNS:
            continue
        values: dict[tuple[str, str], list[float]] = {}
        for doc in runs:
            for name, found in ratios(doc).items():
                for key, v in found.items():
                    values.setdefault((name, key), []).append(v)
        entries: dict[str, dict[str, Any]] = {}
        for (name, key), vs in sorted(values.items()):
            if len(vs) < MIN_RUNS:
                continue
            median = statistics.median(vs)
            spread = (max(vs) - min(vs)) / median if median else float("inf")
            entries.setdefault(name, {})[key] = {
                "median": median,
                "tolerance": max(MIN_TOLERANCE, 2 * spread),
                "runs": len(vs),
            }
        out[machine] = entries
    if not out:
        counts = {m: len(r) for m, r in by_machine.items()}
        raise SpeedError(
            f"a speed baseline needs at least {MIN_RUNS} suite runs on one machine; found "
            f"{counts or 'none'}: run `tox -e bench` {MIN_RUNS} times on a quiet machine first"
        )
    return out


@dataclass(frozen=True)
class SpeedRow:
    benchmark: str
    key: str
    baseline: float
    tolerance: float
    new: float | None
    status: str  # ok | regression | improved | not in this run

    @property
    def failed(self) -> bool:
        return self.status == "regression"


def gate(baseline: dict[str, Any], doc: dict[str, Any]) -> list[SpeedRow]:
    """Compare one run with the baseline of its machine; raise SpeedError where there is none."""
    machine = machine_key(doc)
    if machine not in baseline:
        raise SpeedError(
            f"no speed baseline for this machine ({machine}); known: "
            f"{'; '.join(baseline) or 'none'}. Make one with `repro check --speed --save`"
        )
    new = ratios(doc)
    rows = []
    for name, keys in baseline[machine].items():
        for key, ref in keys.items():
            v = new.get(name, {}).get(key)
            median, tol = ref["median"], ref["tolerance"]
            if v is None:
                status = "not in this run"  # a run of some suites only
            else:
                change = (v - median) / median
                worse = change if _lower_is_better(key) else -change
                status = "regression" if worse > tol else "improved" if worse < -tol else "ok"
            rows.append(SpeedRow(name, key, median, tol, v, status))
    return rows


def markdown(rows: Iterable[SpeedRow]) -> str:
    """The gate's table: one row per gated ratio."""
    lines = [
        "| benchmark | ratio | baseline | tolerance | this run | status |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        new = "—" if r.new is None else f"{r.new:.3g}"
        lines.append(
            f"| {r.benchmark} | {r.key} | {r.baseline:.3g} | ±{100 * r.tolerance:.0f} % "
            f"| {new} | {r.status} |"
        )
    return "\n".join(lines)
