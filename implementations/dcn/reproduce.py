"""The paper's experiments at CPU scale, on real digits with random scale and rotation.

- Table 1: a four-layer CNN (:mod:`implementations.dcn.digit_cnn`) with its last 0, 1, 2, 3 conv
  layers deformable, trained on MNIST test digits that were randomly scaled and rotated
  (:mod:`implementations.dcn.transformed_digits`), tested on other digits of the same kind; the
  paper's gaps become gaps of test accuracy, judged by their Welch 95% interval over seeds. All
  variants of one seed see the same split, the same transformed images and the same batches.
- Table 2: the mean effective dilation of the last deformable layer over the digit, for test
  digits binned by their scale factor (small / medium / large thirds of the scale range).
- Table 4: parameters and inference time per image of the deformable network against the plain
  one (3 deformable layers against none), the time measured in one process, interleaved.
- Identity claims: the largest deviation found on seeded random instances
  (:mod:`implementations.dcn.identity_checks`; the property tests in ``tests/dcn`` search far
  more configurations).

Sizes: quick (CI) trains on 600 digits for one epoch with 2 seeds; default on 5,000 digits for
2 epochs with 3 seeds; full on 5,000 digits in two transformed copies for 2 epochs with 5 seeds
(test: the other 5,000 digits, transformed once per seed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from implementations.dcn.digit_cnn import DigitCNN, count_parameters, predict, train
from implementations.dcn.identity_checks import CHECKS
from implementations.dcn.transformed_digits import transform_digits
from repro.claims import Measurement
from repro.data import DataError
from repro.data.images import load_mnist_test, split_indices
from repro.runner import RunContext
from repro.stats import mean_std
from repro.timing import time_call

SCALE_RANGE = (0.5, 1.4)
MAX_ROTATION = 40.0
#: thirds of the scale range: (name, low, high)
SCALE_BINS = (("small", 0.5, 0.8), ("medium", 0.8, 1.1), ("large", 1.1, 1.4))
VARIANTS = (0, 1, 2, 3)


@dataclass(frozen=True)
class Protocol:
    n_train: int
    copies: int
    n_test: int
    epochs: int
    seeds: int

    def describe(self) -> str:
        train = f"{self.n_train} digits" + (f" × {self.copies} copies" if self.copies > 1 else "")
        return (
            f"MNIST test set split {self.n_train}/{self.n_test} per seed, random scale "
            f"{SCALE_RANGE[0]}–{SCALE_RANGE[1]} and rotation ±{MAX_ROTATION:g}° on a 32×32 "
            f"canvas; train {train}, {self.epochs} epoch(s); 4-conv CNN"
        )


def _protocol(ctx: RunContext) -> Protocol:
    return Protocol(
        n_train=ctx.pick(600, 5000, 5000),
        copies=ctx.pick(1, 1, 2),
        n_test=ctx.pick(500, 5000, 5000),
        epochs=ctx.pick(1, 2, 2),
        seeds=ctx.n_seeds(2, 3, 5),
    )


def _digits_job(job: tuple[int, int, Protocol, str | None]) -> dict:
    """Train one variant for one seed; its test accuracy and (if deformable) dilation by bin."""
    n_deformable, seed, protocol, data_root = job
    start = time.perf_counter()
    digits = load_mnist_test(data_root)
    train_idx, test_idx = split_indices(len(digits.labels), protocol.n_train, seed=seed)
    test_idx = test_idx[: protocol.n_test]
    kw = {"scale_range": SCALE_RANGE, "max_rotation": MAX_ROTATION}
    train_set = transform_digits(
        digits.images[train_idx],
        digits.labels[train_idx],
        1000 + seed,
        copies=protocol.copies,
        **kw,
    )
    test_set = transform_digits(digits.images[test_idx], digits.labels[test_idx], 2000 + seed, **kw)
    torch.manual_seed(seed)
    model = DigitCNN(n_deformable)
    train(model, train_set.images, train_set.labels, protocol.epochs, seed=seed)
    correct = predict(model, test_set.images) == test_set.labels
    out: dict = {"accuracy": 100.0 * float(correct.float().mean()), "dilation": None}
    if n_deformable:
        model.eval()
        dil = torch.cat(
            [
                model.last_layer_dilation(test_set.images[i : i + 500])
                for i in range(0, len(test_set.labels), 500)
            ]
        )
        out["dilation"] = {
            name: float(dil[(test_set.scales >= lo) & (test_set.scales < hi)].mean())
            for name, lo, hi in SCALE_BINS
        }
    out["seconds"] = time.perf_counter() - start
    return out


def _timing_job(job: tuple[int, int]) -> dict:
    """Inference time per image of every variant, timed interleaved in this process."""
    seed, batch = job
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(batch, 1, 32, 32, generator=gen)
    models = {k: DigitCNN(k).eval() for k in VARIANTS}
    times: dict[int, list[float]] = {k: [] for k in VARIANTS}
    with torch.no_grad():
        for _ in range(3):
            for k, model in models.items():
                times[k].append(time_call(lambda m=model: m(images), repeat=5) / len(images))
    return {k: float(np.median(v)) for k, v in times.items()}


def run(ctx: RunContext) -> Iterator[Measurement]:
    yield from _identities(ctx)
    protocol = _protocol(ctx)
    dataset = protocol.describe()
    try:
        load_mnist_test(ctx.data_root)
    except DataError as e:
        for cid in (
            "dcn.table1.deform-last-1",
            "dcn.table1.deform-last-2",
            "dcn.table1.deform-last-3",
            "dcn.table1.saturation",
            "dcn.table2.dilation-grows-with-size",
        ):
            yield Measurement.not_run(cid, f"data missing: {e}")
    else:
        yield from _digit_experiments(ctx, protocol, dataset)
    yield from _overheads(ctx)
    reason = "needs the paper's VOC / COCO detection and segmentation setup (GPU-scale)"
    yield Measurement.not_run("dcn.table1.deeplab-voc", reason)
    yield Measurement.not_run("dcn.table5.rfcn-coco", reason)


def _digit_experiments(ctx: RunContext, protocol: Protocol, dataset: str) -> Iterator[Measurement]:
    jobs = [(k, seed, protocol, ctx.data_root) for seed in range(protocol.seeds) for k in VARIANTS]
    results = ctx.map(_digits_job, jobs, desc="dcn digits")
    acc = {
        k: [r["accuracy"] for (kk, _, _, _), r in zip(jobs, results, strict=True) if kk == k]
        for k in VARIANTS
    }
    seconds = sum(r["seconds"] for r in results)
    summary = ", ".join(f"{k} deformable: {_fmt(acc[k])}" for k in VARIANTS)
    for k in (1, 2, 3):
        yield Measurement.gap(
            f"dcn.table1.deform-last-{k}",
            acc[k],
            acc[0],
            dataset=dataset,
            seconds=seconds,
            device=ctx.device,
            note=f"test accuracy (%) over {protocol.seeds} seeds: {summary}",
        )
    third = [a - b for a, b in zip(acc[3], acc[2], strict=True)]
    first = [a - b for a, b in zip(acc[1], acc[0], strict=True)]
    yield Measurement.gap(
        "dcn.table1.saturation",
        third,
        first,
        dataset=dataset,
        seconds=seconds,
        device=ctx.device,
        note=f"per-seed gain of layer 3: {_fmt(third)}; of layer 1: {_fmt(first)} (points)",
    )
    dil = [r["dilation"] for (k, _, _, _), r in zip(jobs, results, strict=True) if k == 3]
    by_bin = {name: [d[name] for d in dil] for name, _, _ in SCALE_BINS}
    yield Measurement.gap(
        "dcn.table2.dilation-grows-with-size",
        by_bin["large"],
        by_bin["small"],
        dataset=dataset + "; last layer of the 3-deformable-layer CNN, positions on the digit",
        seconds=seconds,
        device=ctx.device,
        note="mean effective dilation (input pixels of the last layer) by scale: "
        + ", ".join(f"{name} ({lo}–{hi}) {_fmt(by_bin[name], 2)}" for name, lo, hi in SCALE_BINS),
    )
    if ctx.plots_dir is not None:
        _plot(ctx.plots_dir / "dcn_digits.png", acc, by_bin, protocol)


def _overheads(ctx: RunContext) -> Iterator[Measurement]:
    start = time.perf_counter()
    params = {k: count_parameters(DigitCNN(k)) for k in VARIANTS}
    yield Measurement(
        "dcn.table4.param-overhead",
        params[3] / params[0],
        0.0,
        1,
        dataset="4-conv digit CNN (32×32 input), 3 deformable layers vs none",
        device=ctx.device,
        note="parameters: "
        + ", ".join(f"{k} deformable {params[k]:,}" for k in VARIANTS)
        + "; a 3×3 layer's offset branch adds 18/C_out of its weights (C_out = 32–64 here, "
        "512 in ResNet-101's res5)",
    )
    repeats, batch = ctx.pick(2, 3, 6), ctx.pick(32, 128, 128)
    timings = ctx.map(_timing_job, [(r, batch) for r in range(repeats)], desc="dcn timing")
    ratios = [t[3] / t[0] for t in timings]
    per_image = {k: [1e3 * t[k] for t in timings] for k in VARIANTS}
    yield Measurement.from_samples(
        "dcn.table4.time-overhead",
        ratios,
        dataset=f"4-conv digit CNN (32×32 input, batch {batch}), 3 deformable layers vs none, CPU, "
        "1 thread per process",
        seconds=time.perf_counter() - start,
        device=ctx.device,
        note="ms per image: "
        + ", ".join(f"{k} deformable {_fmt(per_image[k], 3)}" for k in VARIANTS)
        + "; pure-PyTorch deformable sampling on CPU, 3 of 4 layers deformable (the paper: "
        "a CUDA kernel, 3 of ~100 layers)",
    )


def _identities(ctx: RunContext) -> Iterator[Measurement]:
    """Largest deviations of the exact claims on seeded random instances, for the tables."""
    n = ctx.pick(2, 10, 20)
    for claim_id, (check, instances) in CHECKS.items():
        start = time.perf_counter()
        gen = torch.Generator().manual_seed(0)
        worst = max(check(gen) for _ in range(n))
        if math.isnan(worst):
            yield Measurement.not_run(claim_id, "torchvision (the peer) is not installed")
            continue
        yield Measurement(
            claim_id,
            worst,
            n=n,
            dataset=f"{n} random instances: {instances}",
            seconds=time.perf_counter() - start,
            device="cpu",
        )


def _fmt(values: list[float], digits: int = 1) -> str:
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _plot(path, acc: dict, by_bin: dict, protocol: Protocol) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    means = [mean_std(acc[k]) for k in VARIANTS]
    left.errorbar(
        VARIANTS, [m for m, _ in means], yerr=[s for _, s in means], marker="o", capsize=3
    )
    left.set_xticks(VARIANTS)
    left.set_xlabel("deformable layers (last k of 4)")
    left.set_ylabel("test accuracy (%)")
    left.set_title(f"Table 1 on digits ({protocol.seeds} seeds)")
    names = [name for name, _, _ in SCALE_BINS]
    stats = [mean_std(by_bin[name]) for name in names]
    right.bar(names, [m for m, _ in stats], yerr=[s for _, s in stats], capsize=3)
    right.set_ylabel("effective dilation (pixels)")
    right.set_title("Table 2 on digits: last layer, by digit scale")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
