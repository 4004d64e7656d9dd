"""SSL-taxonomy pretraining throughput: one optimiser step of each grid cell and combination
(:data:`implementations.ssl_taxonomy.CONFIGS`) in samples/s, with the achieved GFLOP/s as a
fraction of a float32 matrix-multiply peak measured in the same run (the ``bench`` fixture's limit).

Every objective runs the whole model (three encoder passes, two decoder passes, both queues);
the weights only decide which losses reach the gradient, so the cells differ in backward cost.
Shapes: the configs' NTU input (150 coordinates, GRU 512, 50 frames, embedding 128) and an MSR
Action3D batch as the default run trains it (60, 64, 24, 32). With ``--benchmark-disable``
every case runs once on a batch of two short sequences.
"""

from __future__ import annotations

import pytest
import torch

from implementations.crrl import pack_batch
from implementations.ssl_taxonomy import CONFIGS, TaxonomyModel
from repro.timing import count_flops

# (id, coordinates per frame, hidden, embedding, N, T)
SHAPES = [
    ("ntu-d150-h512-e128-n32-t50", 150, 512, 128, 32, 50),
    ("msr-d60-h64-e32-n32-t24", 60, 64, 32, 32, 24),
]


@pytest.mark.parametrize("objective", sorted(CONFIGS))
@pytest.mark.parametrize(
    ("sid", "d", "hidden", "emb", "n", "t"), SHAPES, ids=[s[0] for s in SHAPES]
)
def test_ssl_taxonomy_pretraining_step(
    bench, benchmark, device, objective, sid, d, hidden, emb, n, t
):
    benchmark.group = f"ssl_taxonomy-pretrain-{sid}"
    if benchmark.disabled:
        hidden, emb, n, t = 8, 4, 2, 6
    config = CONFIGS[objective]
    torch.manual_seed(0)
    model = TaxonomyModel(d, hidden, emb, config.weights, config.temperature, 128, 64, t)
    model = model.to(device).train()
    lengths = torch.linspace(t // 2, t, n).round().long().tolist()
    clean = pack_batch([torch.randn(length, d) for length in lengths])
    x = torch.stack([clean, clean + 0.01 * torch.randn_like(clean) * clean[..., -1:], clean]).to(
        device
    )
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)

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
