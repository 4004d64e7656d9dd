"""MixMIM pretraining throughput: one step (forward + backward) of MixMIM and of the [MASK]
baseline, samples/s and the fraction of a same-run matmul peak.

* ``mixmim-pretrain-<config>``: a pretraining step of MixMIM on ``mixmim_digits`` (batch 64 of
  32² digits) or ``mixmim_b`` (224², batch 8 on a GPU, 1 on the CPU), with the [MASK]-token
  baseline of the same backbone and decoder as its peer: ``ratio_vs_mask_token`` is the
  same-run cost ratio of the paper's efficiency claim per step (= per epoch: both take the same
  steps), measured by :func:`repro.timing.compare`.
* ``step_flops`` counts the step's matrix products, convolutions and attention (forward and
  backward, :func:`repro.timing.count_flops`) for both models; the ``bench`` fixture adds the
  achieved GFLOP/s and its ``fraction_of_matmul_peak`` (a float32 matmul timed in the same run
  by the same policy).

With ``--benchmark-disable`` (the default test run) each case runs once on the digits model with
a batch of 4, and the MixMIM-B case is skipped on the CPU.
"""

from __future__ import annotations

import pytest
import torch

from implementations.mixmim import DECODERS, MaskTokenMIM, MixMIM, mixmim_swin
from implementations.mixmim.digits import pretraining_step
from repro.timing import count_flops

CASES = {"digits": ("mixmim_digits", 64, 64), "b224": ("mixmim_b", 8, 1)}  # batch: GPU, CPU


@pytest.mark.parametrize("case", list(CASES))
def test_mixmim_pretraining_step(bench, benchmark, device, case: str) -> None:
    name, gpu_batch, cpu_batch = CASES[case]
    benchmark.group = f"mixmim-pretrain-{case}"
    if benchmark.disabled:
        if case != "digits" and not device.startswith("cuda"):
            pytest.skip("MixMIM-B on the CPU: only with --benchmark-only")
        batch = 4
    else:
        batch = gpu_batch if device.startswith("cuda") else cpu_batch
    models = {}
    for kind, cls in (("mixmim", MixMIM), ("mask_token", MaskTokenMIM)):
        torch.manual_seed(0)
        models[kind] = cls(mixmim_swin(name), DECODERS[name], 0.5, seed=0).to(device)
    swin = models["mixmim"].encoder.swin
    size, chans = models["mixmim"].encoder.size, swin.patch_embed.proj.in_channels
    x = torch.randn(batch, chans, size, size, device=device)
    mixmim, mask_token = (
        pretraining_step(models["mixmim"], x),
        pretraining_step(models["mask_token"], x),
    )
    shape = f"n{batch}-{chans}x{size}x{size}-{name}"
    bench(mixmim, n_samples=batch, peers={"mask_token": mask_token}, shape=shape)
    info = benchmark.extra_info
    info["step_flops"] = count_flops(mixmim)
    info["mask_token_step_flops"] = count_flops(mask_token)
