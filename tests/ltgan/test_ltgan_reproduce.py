"""The digits experiment's full-size path (the λ and ε sweeps), run at the quick size's scale so
that a bug there shows before the lead's full run."""

from __future__ import annotations

import math

import pytest

from implementations.ltgan import reproduce
from implementations.ltgan.paper import SWEEPS
from repro.data import DataError, require
from repro.runner import RunContext


class _FullAtQuickScale(RunContext):
    """Full size (sweeps on) with the quick size's steps, seeds and sample counts."""

    def pick(self, quick, default, full):
        return quick


def test_full_size_digits_measure_every_sweep_claim_with_paired_seeds():
    try:
        require("mnist_test")
    except DataError as e:
        pytest.skip(f"MNIST test set absent: {e}")
    ctx = _FullAtQuickScale(size="full", seeds=2, progress=False)
    got = {m.claim_id: m for m in reproduce._digits_run(ctx)}
    assert set(got) == {"ltgan.digits.lt-vs-baseline", "ltgan.digits.lt-adds-to-cr", *SWEEPS}
    for cid, m in got.items():
        assert m.value is not None and math.isfinite(m.value), cid
        assert m.n == 2 and len(m.samples) == len(m.samples_b) == 2, cid
        assert "paired over 2 seeds" in m.note and "classifier's accuracy" in m.note, cid
    # each sweep is its own LT setting, compared with the same baseline runs
    baselines = {tuple(got[cid].samples_b) for cid in SWEEPS}
    assert len(baselines) == 1
    assert len({tuple(got[cid].samples) for cid in SWEEPS}) == len(SWEEPS)
