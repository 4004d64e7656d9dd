"""The stgcn experiments' sizes and the paper values they are judged against."""

from __future__ import annotations

import math

import pytest

from implementations.stgcn.network import PAPER_STRIDES
from implementations.stgcn.paper import PAPER
from implementations.stgcn.reproduce import KEY_VARIANTS, scale
from repro.runner import RunContext


@pytest.mark.parametrize("size", ["default", "full"])
def test_clips_leave_the_temporal_kernel_after_the_strides(size):
    s = scale(RunContext(size=size, progress=False))
    frames = s.frames
    for stride in PAPER_STRIDES:
        frames = math.ceil(frames / stride)
    assert frames >= 9, f"{s.frames} frames leave {frames} for a temporal kernel of 9"


def test_full_size_has_the_seeds_and_splits_the_comparisons_need():
    s = scale(RunContext(size="full", progress=False))
    assert s.key_seeds >= 10 and s.other_seeds >= 5 and s.splits == 10
    assert set(KEY_VARIANTS) == {"spatial+M", "tcn"}
    assert 64 in s.curve_widths and s.width < 64  # the width curve reaches the paper's width
    assert scale(RunContext(size="full", seeds=3, progress=False)).other_seeds == 3


def test_paper_values_of_table1_and_the_not_run_rows():
    gap = {c.id: c.paper_value for c in PAPER.claims}
    assert gap["stgcn.table1.distance-vs-uniform-msr"] == pytest.approx(9.8)
    assert gap["stgcn.table1.local-vs-uniform-utk"] == pytest.approx(2.7)
    assert gap["stgcn.table1.distance-vs-tied-msr"] == pytest.approx(5.2)
    assert gap["stgcn.table1.tied-vs-uniform-msr"] == pytest.approx(4.6)
    assert gap["stgcn.table2.kinetics-top1"] == 30.7 and gap["stgcn.table2.kinetics-top5"] == 52.8
    assert gap["stgcn.table3.ntu-xsub"] == 81.5 and gap["stgcn.table3.ntu-xview"] == 88.3
    assert "Eq. 9" in PAPER.claim("stgcn.eq9.symmetric-normalization").source


def test_learning_curve_figure(tmp_path):
    from implementations.stgcn.reproduce import Outcome, plot_curves
    from repro.skeleton_recipe import Floors

    def run(offset: float) -> Outcome:
        curve = tuple((e, 10.0 * e + offset, 8.0 * e if e % 2 == 0 else None) for e in (1, 2, 3, 4))
        return Outcome(32.0, 40.0 + offset, 1.0, curve)

    runs = {"spatial+M": [run(0.0), run(2.0)], "tcn": [run(1.0), run(3.0)]}
    path = plot_curves(tmp_path / "stgcn_learning-curves-msr.png", "msr", runs, Floors(60, 62, 10))
    assert path.exists() and path.stat().st_size > 1000
