"""Kipf & Welling's experiments at their own scale: Tables 2 and 3 on the real Planetoid data.

Sizes: ``quick`` Cora with the renormalised GCN, 10 seeds (CI); ``default`` Cora and Citeseer,
every Table 3 model, 20 seeds; ``full`` the paper's 100 seeds. Table 2's GCN row is Table 3's
renormalisation row (the paper reports the same numbers), so both claims share one set of runs.
Pubmed needs ``ind.pubmed.allx``; where it is absent its claims are "not run" with that reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from implementations.gcn.karate import plot_karate_embedding
from implementations.gcn.paper import DATASET_NAMES, TABLE3
from implementations.gcn.propagation import (
    chebyshev_polynomials,
    normalized_adjacency,
    renormalized_adjacency,
)
from implementations.gcn.train import fit, prepare
from repro.claims import Measurement
from repro.data import DataError, planetoid
from repro.env import device_name
from repro.runner import RunContext

MODELS = tuple(name for name, _, _ in TABLE3)


#: A run that the early-stopping rule ends this early has barely trained (see _early_note).
EARLY_EPOCHS = 20


def _fit_job(job: tuple[str, str, int, str | None]) -> tuple[float, float, int]:
    dataset, model, seed, data_root = job
    r = fit(prepare(dataset, model, data_root), seed)
    return 100.0 * r.test_acc, r.seconds, r.epochs


def _early_note(acc: list[float], epochs: list[int]) -> str:
    """Say how many runs the authors' early-stopping rule ended almost untrained.

    The rule (stop once the validation loss exceeds the mean of the previous 10, checked from
    epoch 11) sometimes fires at epoch 12 on a noisy start; such runs keep a near-chance
    accuracy and widen the spread. They are part of the protocol, so they stay in the mean.
    """
    early = [a for a, e in zip(acc, epochs, strict=True) if e <= EARLY_EPOCHS]
    if not early:
        return ""
    return (
        f"{len(early)} of {len(acc)} runs early-stopped by epoch {EARLY_EPOCHS} "
        f"(accuracy {min(early):.1f}–{max(early):.1f}%); median of all runs "
        f"{float(np.median(acc)):.2f}"
    )


def _dataset_label(ds: str, n_seeds: int) -> str:
    return f"{DATASET_NAMES[ds]} (Planetoid split), {n_seeds} seeds"


def run(ctx: RunContext) -> Iterator[Measurement]:
    seeds = ctx.n_seeds(quick=10, default=20, full=100)
    datasets = ctx.pick(("cora",), ("cora", "citeseer"), ("cora", "citeseer", "pubmed"))
    models = ctx.pick(("renormalized",), MODELS, MODELS)
    dev = device_name("cpu")

    for ds in ("cora", "citeseer", "pubmed"):
        if ds not in datasets:
            reason = f"{ctx.size} run: {', '.join(DATASET_NAMES[d] for d in datasets)} only"
            yield from _not_run(ds, reason)
            continue
        try:
            planetoid.verify(ds, ctx.data_root)
        except DataError as e:
            yield from _not_run(ds, f"data missing: {e}")
            continue
        acc: dict[str, list[float]] = {}
        secs: dict[str, float] = {}
        notes: dict[str, str] = {}
        for model in models:
            jobs = [(ds, model, seed, ctx.data_root) for seed in range(seeds)]
            out = ctx.map(_fit_job, jobs, desc=f"gcn {ds} {model}")
            acc[model] = [a for a, _, _ in out]
            secs[model] = sum(s for _, s, _ in out)
            notes[model] = _early_note(acc[model], [e for _, _, e in out])
        label = _dataset_label(ds, seeds)
        for model in MODELS:
            if model not in acc:
                yield Measurement.not_run(
                    f"gcn.table3.{model}.{ds}", f"{ctx.size} run: renormalised model only"
                )
                continue
            yield Measurement.from_samples(
                f"gcn.table3.{model}.{ds}",
                acc[model],
                dataset=label,
                seconds=secs[model],
                device=dev,
                note=notes[model],
            )
        table2_note = "same runs as the Table 3 renormalisation row"
        if notes["renormalized"]:
            table2_note += f"; {notes['renormalized']}"
        yield Measurement.from_samples(
            f"gcn.table2.{ds}",
            acc["renormalized"],
            dataset=label,
            seconds=secs["renormalized"],
            device=dev,
            note=table2_note,
        )
        if ds in ("cora", "citeseer"):
            others = {m: np.mean(a) for m, a in acc.items() if m != "renormalized"}
            cid = f"gcn.table3.renormalization-best.{ds}"
            if not others:
                yield Measurement.not_run(cid, f"{ctx.size} run: no other model trained")
            else:
                runner_up = max(others, key=others.get)
                yield Measurement.gap(
                    cid,
                    acc["renormalized"],
                    acc[runner_up],
                    dataset=label,
                    seconds=secs["renormalized"] + secs[runner_up],
                    device=dev,
                    note=f"runner-up by our mean: {runner_up}",
                )

    yield from _identities(ctx)
    if ctx.plots_dir is not None:
        plot_karate_embedding(ctx.plots_dir / "gcn_karate.png")


def _not_run(ds: str, reason: str) -> Iterator[Measurement]:
    yield Measurement.not_run(f"gcn.table2.{ds}", reason)
    for model in MODELS:
        yield Measurement.not_run(f"gcn.table3.{model}.{ds}", reason)
    if ds != "pubmed":
        yield Measurement.not_run(f"gcn.table3.renormalization-best.{ds}", reason)


def _identities(ctx: RunContext) -> Iterator[Measurement]:
    """The exact claims, measured on Cora's real graph (the property tests use random graphs)."""
    try:
        data = planetoid.load("cora", ctx.data_root)
    except DataError as e:
        yield Measurement.not_run("gcn.eq8.spectrum", f"data missing: {e}")
        yield Measurement.not_run("gcn.eq7.chebyshev-first-order", f"data missing: {e}")
        return
    start = time.perf_counter()
    a_hat = renormalized_adjacency(data.adj).toarray().astype(np.float64)
    eig = np.linalg.eigvalsh(a_hat)
    violation = max(abs(eig.max() - 1.0), max(0.0, -1.0 - eig.min()))
    yield Measurement(
        "gcn.eq8.spectrum",
        violation,
        dataset="Cora graph (2708 nodes)",
        seconds=time.perf_counter() - start,
        device="cpu",
        note=f"eigenvalues in [{eig.min():.4f}, {eig.max():.6f}]",
    )

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    x = data.features.toarray()[:, :64].astype(np.float32)
    theta = rng.standard_normal((64, 16)).astype(np.float32)
    t0, t1 = chebyshev_polynomials(data.adj, 1, lambda_max=2.0)
    cheb = t0 @ (x @ theta) + t1 @ (x @ -theta)  # θ'_0 = θ, θ'_1 = −θ
    single = (sp.eye(data.num_nodes) + normalized_adjacency(data.adj)) @ (x @ theta)
    yield Measurement(
        "gcn.eq7.chebyshev-first-order",
        float(np.abs(cheb - single).max()),
        dataset="Cora graph and features",
        seconds=time.perf_counter() - start,
        device="cpu",
    )
