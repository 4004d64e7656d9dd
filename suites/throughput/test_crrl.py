"""CRRL pretraining throughput: one optimiser step of each objective (SER, CML, the distilled
CRRL student, joint SER + CML) in samples/s, with the achieved GFLOP/s as a fraction of a
float32 matrix-multiply peak measured in the same run (the ``bench`` fixture's limit, both timed by
:func:`repro.timing.best_time`; FLOPs of the step counted by :func:`repro.timing.count_flops`,
GRUs included).

Shapes: the authors' NTU input (150 coordinates per frame, 2×256 Bi-GRU, up to 50 frames after
their preprocessing is not fixed: 50 here) and an MSR Action3D batch as the default run trains
it (60 coordinates, 2×32, 24 frames). With ``--benchmark-disable`` every case runs once on a
batch of two short sequences.
"""

from __future__ import annotations

import pytest
import torch

from implementations.crrl import models, pack_batch
from repro.timing import count_flops

# (id, coordinates per frame, hidden, N, T)
SHAPES = [
    ("ntu-d150-h256-n32-t50", 150, 256, 32, 50),
    ("msr-d60-h32-n32-t24", 60, 32, 32, 24),
]
OBJECTIVES = ("ser", "cml", "crrl", "joint")


def _model(objective: str, d: int, hidden: int) -> torch.nn.Module:
    if objective == "ser":
        return models.reconstructor(d, hidden)
    if objective == "cml":
        return models.motion_learner(d, hidden)
    if objective == "crrl":
        return models.distilled(models.motion_learner(d, hidden), d, hidden)
    return models.joint(d, hidden)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize(("sid", "d", "hidden", "n", "t"), SHAPES, ids=[s[0] for s in SHAPES])
def test_crrl_pretraining_step(bench, benchmark, device, objective, sid, d, hidden, n, t):
    benchmark.group = f"crrl-pretrain-{sid}"
    if benchmark.disabled:
        hidden, n, t = 8, 2, 6
    torch.manual_seed(0)
    model = _model(objective, d, hidden).to(device).train()
    # variable lengths from t/2 to t, as packed sequences
    lengths = torch.linspace(t // 2, t, n).round().long().tolist()
    x = pack_batch([torch.randn(length, d) for length in lengths]).to(device)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x)
        loss.backward()
        opt.step()
        return loss

    flops = count_flops(step)
    loss = bench(
        step, n_samples=n, shape=sid, objective=objective, gflop_per_sample=flops / n / 1e9
    )
    assert torch.isfinite(loss)
