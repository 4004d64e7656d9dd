"""PoseConv3D's experiments at CPU scale.

- The architecture: parameters and multiply-adds of the full-width SlowOnly-R50 of the paper
  (:func:`run_architecture`), counted, not trained.
- The paper's main results on NTU RGB+D, Kinetics-400 and FineGYM: "not run", their data are
  not available here (:func:`run_main_results`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import torch

from implementations.poseconv3d.paper import MAIN_RESULTS
from implementations.poseconv3d.slowonly import SlowOnly3D
from implementations.swin import count_macs, count_params
from repro.claims import Measurement
from repro.experiment import Experiment
from repro.runner import RunContext

#: The paper's NTU-60 model: 17 COCO keypoints, 60 classes, a 48 × 56 × 56 training clip.
NTU_JOINTS, NTU_CLASSES, NTU_CLIP = 17, 60, (48, 56, 56)


def run_architecture(ctx: RunContext) -> Iterator[Measurement]:
    """Parameters and multiply-adds of SlowOnly-R50 as configured in pyskl for NTU-60."""
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = SlowOnly3D(NTU_CLASSES, NTU_JOINTS, base_width=32).eval()
    with torch.no_grad():
        macs = count_macs(model, torch.zeros(1, NTU_JOINTS, *NTU_CLIP))
    seconds = time.perf_counter() - start
    what = (
        f"SlowOnly3D(base 32, stages 4-6-3, {NTU_JOINTS} joint channels, {NTU_CLASSES} classes), "
        f"input {NTU_JOINTS}×{'×'.join(map(str, NTU_CLIP))}"
    )
    yield Measurement(
        "poseconv3d.sec4.params", count_params(model) / 1e6, dataset=what, seconds=seconds
    )
    yield Measurement(
        "poseconv3d.sec4.gflops",
        macs / 1e9,
        dataset=what,
        seconds=seconds,
        note="Conv3d and Linear multiply-adds (torch.utils.flop_counter, halved)",
    )


def run_main_results(ctx: RunContext) -> Iterator[Measurement]:
    """The paper's main results: not run (no NTU RGB+D, Kinetics or FineGYM poses here)."""
    for key, dataset, *_ in MAIN_RESULTS:
        yield Measurement.not_run(
            f"poseconv3d.sec4.main-{key}",
            f"{dataset} is not available in this project (the HRNet 2D pose annotations are "
            "distributed by pyskl as multi-GB pickles; not fetched): not run",
        )


EXPERIMENTS = (
    Experiment(
        "architecture: parameters and multiply-adds",
        run_architecture,
        ("poseconv3d.sec4.params", "poseconv3d.sec4.gflops"),
        quick_bands={"poseconv3d.sec4.params": (1.0, 4.0)},
    ),
    Experiment(
        "main results on the paper's datasets",
        run_main_results,
        tuple(f"poseconv3d.sec4.main-{key}" for key, *_ in MAIN_RESULTS),
    ),
)
