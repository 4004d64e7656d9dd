"""ST-GCN throughput: forward and forward+backward samples/s on NTU- and MSR-shaped input,
achieved GFLOP/s against a matrix-multiply peak measured in the same run (the ``bench``
fixture's limit, both by :func:`repro.timing.best_time`), memory, and the einsum aggregation
against its dense-matmul formulation (same run, same inputs).

With ``--benchmark-disable`` (the default test run) every case runs once on a batch of one
and 16 frames, so that the suite stays quick; the figures come from
``pytest suites/ --benchmark-only``. On the CPU the NTU shape runs 4 samples instead of the
paper's 16 per GPU: one forward+backward of 16 holds ~7 GB of activations (0.43 GB a sample,
measured), and with the profiler's and the fixture's copies the process passed 19 GB.
"""

from __future__ import annotations

import pytest
import torch

from implementations.stgcn import STGCN, Graph, aggregate, aggregate_matmul
from repro.timing import autograd_saved_bytes, count_flops

# (id, layout, N, T, M): the paper's NTU RGB+D input and an MSR Action3D clip as trained here
SHAPES = [
    ("ntu-c3-t300-v25-m2", "ntu-rgb+d", 16, 300, 2),
    ("msr-c3-t32-v20-m1", "kinect-v1", 16, 32, 1),
]
#: NTU batch on the CPU (see the module docstring)
CPU_NTU_BATCH = 4


@pytest.mark.parametrize("mode", ["forward", "forward-backward"])
@pytest.mark.parametrize(("sid", "layout", "n", "t", "m"), SHAPES, ids=[s[0] for s in SHAPES])
def test_stgcn_throughput(bench, benchmark, model_step, device, mode, sid, layout, n, t, m):
    benchmark.group = f"stgcn-{mode}"
    if benchmark.disabled:
        n, t = 1, 16
    elif torch.device(device).type == "cpu" and layout == "ntu-rgb+d":
        n = CPU_NTU_BATCH
    torch.manual_seed(0)
    model = STGCN(60, layout, "spatial", edge_importance=True).to(device)
    x = torch.randn(n, 3, t, model.num_joints, m, device=device)
    step = model_step(model, x, mode)

    flops = count_flops(step)
    out = bench(
        step,
        n_samples=n,
        shape=f"{sid}-n{n}",
        gflop_per_sample=flops / n / 1e9,
        saved_activation_bytes=autograd_saved_bytes(lambda: model(x)),
    )
    assert out.shape == (n, 60)


# (id, N·M, K, C, T, V): the aggregation of a 64-channel unit on NTU and MSR shapes
AGG = [
    ("ntu-nm32-k3-c64-t300-v25", 32, 3, 64, 300, 25),
    ("msr-nm16-k3-c16-t32-v20", 16, 3, 16, 32, 20),
]


@pytest.mark.parametrize(("sid", "nm", "k", "c", "t", "v"), AGG, ids=[a[0] for a in AGG])
def test_stgcn_aggregation_einsum_vs_matmul(bench, benchmark, device, sid, nm, k, c, t, v):
    """Σ_k y_k A_k as einsum (ours) vs one dense [NCT, KV] @ [KV, V] product (peer "matmul")."""
    benchmark.group = "stgcn-aggregation"
    if benchmark.disabled:
        nm, t = 1, 16
    layout = {25: "ntu-rgb+d", 20: "kinect-v1"}[v]
    a = Graph(layout, "spatial").tensor().to(device)
    y = torch.randn(nm, k, c, t, v, device=device)
    out = bench(
        lambda: aggregate(y, a),
        n_samples=nm,
        shape=sid,
        peers={"matmul": lambda: aggregate_matmul(y, a)},
    )
    torch.testing.assert_close(out, aggregate_matmul(y, a), atol=1e-4, rtol=1e-4)
