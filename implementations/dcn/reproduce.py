"""The paper's experiments at CPU scale, on real digits with random scale and rotation.

- ``table1-digits`` (Tables 1 and 2): a four-layer CNN (:mod:`implementations.dcn.digit_cnn`)
  with its last 0, 1, 2, 3 conv layers deformable, trained (:func:`repro.train.fit`, Adam with a
  cosine decay) on MNIST test digits that were randomly scaled and rotated
  (:func:`repro.data.images.similarity_transform`), tested on other digits of the same kind; the
  paper's gaps become gaps of test accuracy, judged by their Welch 95% interval over seeds. All
  variants of one seed see the same split, the same transformed images and the same batches.
  Table 2: the mean effective dilation of the last deformable layer over the digit, for test
  digits binned by their scale factor (small / medium / large thirds of the scale range).
- ``table4-rfcn`` (Table 4 on the paper's network): R-FCN on ResNet-101
  (:mod:`implementations.dcn.rfcn`), plain and with the deformable parts (3 deformable res5
  layers, deformable PS RoI pooling with class-specific offsets): the exact parameter counts,
  and the forward time per image on one image at a reduced size with a fixed set of RoIs,
  timed by the project's policy (:func:`repro.timing.compare`: fastest call, the two networks
  interleaved in one process; CPU time single-threaded on CPU, synchronised wall time on a GPU
  with ``--device cuda``). Sizes (image, RoIs, rounds × calls per round): quick 64×96, 16,
  1 × 1 (about 10 s of CPU, most of it building the two networks); default 224×320, 300,
  2 × 2 (about 15 s); full 448×640, 300, 3 × 3 (about a minute on one core; the paper's
  600×1000 on a GPU).
- ``table4-digits`` (Table 4 on the digit CNN, labelled rows of their own): parameters and
  inference time per image of the 4-conv digit CNN with 3 of 4 layers deformable against none.
- ``gpu-scale``: the VOC and COCO claims (Tables 1, 3, 5), which need the paper's detection
  and segmentation data and training; reported as not run.

The identity claims need no experiment: the runner measures each from its check
(:mod:`implementations.dcn.identity_checks`, named in ``paper.py``).

Sizes: quick (CI) trains on 600 digits for one epoch with 2 seeds; default on 5,000 digits for
2 epochs with 3 seeds; full on 5,000 digits in two transformed copies for 2 epochs with 5 seeds
(test: the other 5,000 digits, transformed once per seed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from implementations.dcn.digit_cnn import DigitCNN, count_parameters
from implementations.dcn.rfcn import RFCN, parameter_counts
from repro.claims import Measurement
from repro.data.images import load_mnist_test, similarity_transform, split_indices
from repro.experiment import Experiment
from repro.plots import error_note, figure, save, title
from repro.runner import RunContext
from repro.stats import mean_std
from repro.timing import clock_name, compare
from repro.train import TensorData, TrainConfig, fit

SCALE_RANGE = (0.5, 1.4)
MAX_ROTATION = 40.0
#: thirds of the scale range: (name, low, high)
SCALE_BINS = (("small", 0.5, 0.8), ("medium", 0.8, 1.1), ("large", 1.1, 1.4))
VARIANTS = (0, 1, 2, 3)
#: Table 4's claims measured on R-FCN with ResNet-101
RFCN_TABLE4_CLAIMS = (
    "dcn.table4.param-overhead",
    "dcn.table4.param-increase",
    "dcn.table4.params-rfcn",
    "dcn.table4.time-overhead",
)
#: the claims that need VOC / COCO and GPU-scale training (Tables 1, 3 and 5)
GPU_SCALE = (
    "dcn.table1.deeplab-voc",
    "dcn.table5.rfcn-coco",
    "dcn.table5.rpn-coco",
    "dcn.table5.faster-coco",
    "dcn.table5.aligned-inception-resnet",
    "dcn.table3.faster-roi-pool",
    "dcn.table3.faster-both",
    "dcn.table3.rfcn-roi-pool",
    "dcn.table3.rfcn-both",
    "dcn.table3.deeplab-atrous",
)
#: Table 1's claim for the last k layers deformable
DEFORM_LAST = {
    1: "dcn.table1.deform-last-1",
    2: "dcn.table1.deform-last-2",
    3: "dcn.table1.deform-last-3",
}


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

    def train_config(self) -> TrainConfig:
        """Adam, learning rate 2e-3 decayed to zero by a cosine, batches of 64."""
        return TrainConfig(
            epochs=self.epochs, batch_size=64, lr=2e-3, optimizer="adam", eval_every=0
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
    """Train one variant for one seed: its final train and test accuracy and (if deformable)
    the last layer's effective dilation by scale bin."""
    n_deformable, seed, protocol, data_root = job
    start = time.perf_counter()
    digits = load_mnist_test(data_root)
    train_idx, test_idx = split_indices(len(digits.labels), protocol.n_train, seed=seed)
    test_idx = test_idx[: protocol.n_test]
    kw = {"scale_range": SCALE_RANGE, "max_rotation": MAX_ROTATION}
    train_set = similarity_transform(
        digits.images[train_idx],
        digits.labels[train_idx],
        1000 + seed,
        copies=protocol.copies,
        **kw,
    )
    test_set = similarity_transform(
        digits.images[test_idx], digits.labels[test_idx], 2000 + seed, **kw
    )
    torch.manual_seed(seed)
    model = DigitCNN(n_deformable)
    history = fit(
        model,
        TensorData(train_set.images, train_set.labels),
        protocol.train_config(),
        seed,
        test=TensorData(test_set.images, test_set.labels),
    )
    out: dict = {
        "accuracy": history.final_test_acc,
        "train_accuracy": history.final_train_acc,
        "dilation": None,
    }
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


def _digits_run(ctx: RunContext) -> Iterator[Measurement]:
    """Tables 1 and 2 on the transformed digits: every variant on every seed."""
    protocol = _protocol(ctx)
    dataset = protocol.describe()
    jobs = [(k, seed, protocol, ctx.data_root) for seed in range(protocol.seeds) for k in VARIANTS]
    results = ctx.map(_digits_job, jobs, desc="dcn digits")

    def per_variant(key: str) -> dict[int, list[float]]:
        return {
            k: [r[key] for (kk, _, _, _), r in zip(jobs, results, strict=True) if kk == k]
            for k in VARIANTS
        }

    acc, train_acc = per_variant("accuracy"), per_variant("train_accuracy")
    seconds = sum(r["seconds"] for r in results)
    summary = ", ".join(f"{k} deformable: {_fmt(acc[k])}" for k in VARIANTS)
    train_summary = ", ".join(f"{k} deformable: {_fmt(train_acc[k])}" for k in VARIANTS)
    accuracy_note = (
        f"test accuracy (%) over {protocol.seeds} seeds: {summary}; train accuracy (%) over the "
        f"last epoch's batches: {train_summary}"
    )
    for k, claim_id in DEFORM_LAST.items():
        yield Measurement.gap(
            claim_id,
            acc[k],
            acc[0],
            dataset=dataset,
            seconds=seconds,
            device=ctx.device,
            note=accuracy_note,
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


def _timing_job(job: tuple[int, int]) -> dict:
    """Inference time per image of every variant (fastest call, the variants interleaved) and
    the clock that measured it."""
    seed, batch = job
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(batch, 1, 32, 32, generator=gen)
    models = {k: DigitCNN(k).eval() for k in VARIANTS}
    with torch.no_grad():
        best = compare(
            {str(k): (lambda m=model: m(images)) for k, model in models.items()},
            "cpu",
            repeat=5,
            rounds=3,
        )
    return {"per_image": {k: best[str(k)] / batch for k in VARIANTS}, "clock": clock_name("cpu")}


def _digit_overheads(ctx: RunContext) -> Iterator[Measurement]:
    """Table 4's ratios on the digit CNN: parameters and time, 3 deformable layers against none."""
    start = time.perf_counter()
    params = {k: count_parameters(DigitCNN(k)) for k in VARIANTS}
    yield Measurement(
        "dcn.table4.digits-param-overhead",
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
    ratios = [t["per_image"][3] / t["per_image"][0] for t in timings]
    per_image = {k: [1e3 * t["per_image"][k] for t in timings] for k in VARIANTS}
    clocks = ", ".join(sorted({t["clock"] for t in timings}))
    yield Measurement.from_samples(
        "dcn.table4.digits-time-overhead",
        ratios,
        dataset=f"4-conv digit CNN (32×32 input, batch {batch}), 3 deformable layers vs none, "
        f"CPU ({clocks}; fastest of 5 calls × 3 interleaved rounds per sample)",
        seconds=time.perf_counter() - start,
        device=ctx.device,
        note="ms per image: "
        + ", ".join(f"{k} deformable {_fmt(per_image[k], 3)}" for k in VARIANTS)
        + "; pure-PyTorch deformable sampling on CPU, 3 of 4 layers deformable (the paper: "
        "a CUDA kernel, 3 of ~100 layers)",
    )


def _rfcn_sizes(ctx: RunContext) -> tuple[tuple[int, int], int, int, int]:
    """(image height, width), RoIs, rounds and calls per round of the R-FCN timing."""
    if ctx.device.startswith("cuda"):
        return ctx.pick(
            ((224, 320), 300, 2, 3), ((600, 1000), 300, 3, 5), ((600, 1000), 300, 5, 10)
        )
    return ctx.pick(((64, 96), 16, 1, 1), ((224, 320), 300, 2, 2), ((448, 640), 300, 3, 3))


def _rois(size: tuple[int, int], count: int, seed: int) -> Tensor:
    """``count`` boxes of 16 pixels up to half the image, inside the image: ``[count, 5]``."""
    height, width = size
    gen = torch.Generator().manual_seed(seed)
    extent = torch.tensor([width, height], dtype=torch.float32)
    box = 16 + torch.rand(count, 2, generator=gen) * (extent / 2 - 16)
    corner = torch.rand(count, 2, generator=gen) * (extent - box)
    return torch.cat([torch.zeros(count, 1), corner, corner + box], dim=1)


def _rfcn_table4(ctx: RunContext) -> Iterator[Measurement]:
    """Table 4 on R-FCN with ResNet-101: exact parameter counts and the forward-time ratio."""
    try:
        import torchvision.models  # noqa: F401  (the backbone)
    except ImportError as e:
        for claim_id in RFCN_TABLE4_CLAIMS:
            yield Measurement.not_run(
                claim_id, f"peer not installed: {e} (the ResNet-101 backbone; repro[peers])"
            )
        return
    start = time.perf_counter()
    with torch.device("meta"):  # counting needs no weights
        counts = {k: parameter_counts(RFCN(deformable=k)) for k in (False, True)}
    plain, deformable = counts[False], counts[True]
    added = deformable["total"] - plain["total"]
    parts = ", ".join(
        f"{name} {deformable[name] / 1e6:.3f}M"
        for name in ("res5 offsets", "rfcn_cls_offset", "rfcn_bbox_offset")
    )
    plain_parts = ", ".join(
        f"{name} {plain[name] / 1e6:.3f}M" for name in ("resnet-101 to res5", "rpn", "rfcn head")
    )
    count_note = (
        f"plain {plain['total']:,} ({plain_parts}); deformable {deformable['total']:,} "
        f"(+{added:,}: {parts}); offset convs of 2·9 channels per res5 layer, as the paper's "
        "Sec. 2.1 (the released code's 4 deformable groups would add 0.996M there)"
    )
    dataset = "R-FCN, ResNet-101 (torchvision), VOC's 21 classes, 9 anchors, k = 7"
    seconds = time.perf_counter() - start
    yield Measurement(
        "dcn.table4.param-overhead",
        deformable["total"] / plain["total"],
        0.0,
        1,
        dataset=dataset,
        seconds=seconds,
        device=ctx.device,
        note=count_note,
    )
    yield Measurement(
        "dcn.table4.param-increase",
        added / 1e6,
        0.0,
        1,
        dataset=dataset,
        seconds=seconds,
        device=ctx.device,
        note=count_note,
    )
    yield Measurement(
        "dcn.table4.params-rfcn",
        plain["total"] / 1e6,
        0.0,
        1,
        dataset=dataset,
        seconds=seconds,
        device=ctx.device,
        note=f"{count_note}; without the RPN the plain network has "
        f"{(plain['total'] - plain['rpn']) / 1e6:.2f}M: neither count gives the paper's 47.1M",
    )
    size, n_rois, rounds, calls = _rfcn_sizes(ctx)
    torch.manual_seed(0)
    models = {k: RFCN(deformable=k).eval().to(ctx.device) for k in (False, True)}
    images = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(0)).to(ctx.device)
    rois = _rois(size, n_rois, 0).to(ctx.device)
    per_image: dict[bool, list[float]] = {False: [], True: []}
    with torch.no_grad():
        for _ in range(rounds):
            best = compare(
                {str(k): (lambda m=m: m(images, rois)) for k, m in models.items()},
                ctx.device,
                repeat=calls,
                rounds=1,
            )
            for k in models:
                per_image[k].append(best[str(k)])
    ratios = [d / p for d, p in zip(per_image[True], per_image[False], strict=True)]
    yield Measurement.from_samples(
        "dcn.table4.time-overhead",
        ratios,
        dataset=f"{dataset}; one {size[0]}×{size[1]} image, {n_rois} RoIs, "
        f"{ctx.device} ({clock_name(ctx.device)}; per sample the fastest of {calls} call(s), "
        "the two networks interleaved)",
        seconds=time.perf_counter() - start,
        device=ctx.device,
        note="forward seconds per image: plain "
        + _fmt(per_image[False], 3)
        + ", deformable "
        + _fmt(per_image[True], 3)
        + " (the paper: 0.143 → 0.169 s on a K40 at VOC size); the network's forward pass, "
        "without proposal decoding and NMS; deformable parts in pure PyTorch",
    )


def _gpu_scale(ctx: RunContext) -> Iterator[Measurement]:
    """The VOC and COCO claims: not run."""
    reason = (
        "not run: needs PASCAL VOC / COCO images and annotations, which this project does not "
        "hold, and the paper's GPU-scale detection and segmentation training"
    )
    for claim_id in GPU_SCALE:
        yield Measurement.not_run(claim_id, reason)


def _fmt(values: list[float], digits: int = 1) -> str:
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _plot(path: Path, acc: dict, by_bin: dict, protocol: Protocol) -> None:
    fig, axes = figure(1, 2, figsize=(9, 3.4))
    left, right = axes[0]
    bars = error_note("std", protocol.seeds)
    means = [mean_std(acc[k]) for k in VARIANTS]
    left.errorbar(
        VARIANTS,
        [m for m, _ in means],
        yerr=[s for _, s in means],
        marker="o",
        capsize=3,
        label=f"mean; {bars}",
    )
    left.set_xticks(VARIANTS)
    left.set_xlabel("deformable layers (last k of 4)")
    left.set_ylabel("test accuracy (%)")
    left.legend()
    title(left, f"Table 1 on digits ({protocol.seeds} seeds)")
    names = [name for name, _, _ in SCALE_BINS]
    stats = [mean_std(by_bin[name]) for name in names]
    right.bar(names, [m for m, _ in stats], yerr=[s for _, s in stats], capsize=3)
    right.set_xlabel(f"digit scale (mean; {bars})")
    right.set_ylabel("effective dilation (pixels)")
    title(right, "Table 2 on digits: last layer, by digit scale")
    save(fig, path)


EXPERIMENTS = (
    Experiment(
        "table1-digits",
        _digits_run,
        claims=(
            "dcn.table1.deform-last-1",
            "dcn.table1.deform-last-2",
            "dcn.table1.deform-last-3",
            "dcn.table1.saturation",
            "dcn.table2.dilation-grows-with-size",
        ),
        data=("mnist_test",),
    ),
    Experiment(
        "table4-rfcn",
        _rfcn_table4,
        claims=RFCN_TABLE4_CLAIMS,
        # the offset layers add parameters
        quick_bands={"dcn.table4.param-overhead": (1.0, 1.2)},
    ),
    Experiment(
        "table4-digits",
        _digit_overheads,
        claims=("dcn.table4.digits-param-overhead", "dcn.table4.digits-time-overhead"),
        # offset branches add parameters
        quick_bands={"dcn.table4.digits-param-overhead": (1.0, 1.5)},
    ),
    Experiment("gpu-scale", _gpu_scale, claims=GPU_SCALE),
)
