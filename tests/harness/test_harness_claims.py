"""The verdict rules of repro.claims and the statistics behind them."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from repro import stats
from repro.claims import PAPER_IDS, Claim, Measurement, Paper, Verdict, judge, load_paper


def numeric(**kw) -> Claim:
    base = dict(
        id="gcn.table2.cora",
        statement="s",
        source="Table 2",
        metric="acc",
        kind="numeric",
        paper_value=81.5,
        confidence="confirmed",
        dataset="Cora",
        tolerance=1.0,
    )
    base.update(kw)
    return Claim(**base)


def test_numeric_rule():
    c = numeric()
    assert judge(c, Measurement("gcn.table2.cora", 81.0, 0.5, 100)).verdict == Verdict.REPRODUCED
    assert judge(c, Measurement("gcn.table2.cora", 82.5, 0.5, 100)).verdict == Verdict.REPRODUCED
    bad = judge(c, Measurement("gcn.table2.cora", 80.4, 0.5, 100))
    assert bad.verdict == Verdict.NOT_REPRODUCED
    assert "-1.1" in bad.reason


def test_ordering_rule_three_outcomes():
    c = numeric(kind="ordering", paper_value=1.1, tolerance=None, id="swin.table4.shift")
    a = [81.0, 81.2, 81.1, 80.9, 81.3]
    assert judge(c, Measurement.gap(c.id, a, [x - 2 for x in a])).verdict == Verdict.REPRODUCED
    assert judge(c, Measurement.gap(c.id, a, [x + 2 for x in a])).verdict == (
        Verdict.NOT_REPRODUCED
    )
    noisy = Measurement.gap(c.id, [1, 5, 2, 6], [2, 4, 3, 5])
    assert judge(c, noisy).verdict == Verdict.INCONCLUSIVE
    # a claim that the gap is negative is judged on the other side
    neg = numeric(kind="ordering", paper_value=-0.5, tolerance=None, id="swin.table4.neg")
    assert judge(neg, Measurement.gap(c.id, [x - 2 for x in a], a)).verdict == (Verdict.REPRODUCED)


def test_identity_rule_and_not_run():
    c = numeric(
        kind="identity", paper_value=None, tolerance=1e-5, check=lambda g: 0.0, test="t.py::t"
    )
    assert judge(c, Measurement(c.id, 3e-7)).verdict == Verdict.REPRODUCED
    assert judge(c, Measurement(c.id, 3e-3)).verdict == Verdict.NOT_REPRODUCED
    assert judge(c, None).verdict == Verdict.NOT_RUN
    nr = judge(c, Measurement.not_run(c.id, "data missing: ind.pubmed.allx"))
    assert nr.verdict == Verdict.NOT_RUN and "allx" in nr.reason


def test_claim_validation():
    with pytest.raises(ValueError, match="needs a tolerance"):
        numeric(tolerance=None)
    with pytest.raises(ValueError, match="names its check and its test"):
        numeric(kind="identity", tolerance=1e-6, test="tests/x.py::test_x")
    with pytest.raises(ValueError, match="only identity claims have a check"):
        numeric(check=lambda gen: 0.0)
    with pytest.raises(ValueError, match="signed gap"):
        numeric(kind="ordering", paper_value=0.0)
    with pytest.raises(ValueError, match="name its source"):
        numeric(confidence="secondary")
    with pytest.raises(ValueError, match="mark it timed"):
        numeric(machine_dependent=True)
    with pytest.raises(ValueError, match="does not start with its paper id"):
        Paper(
            id="dcn", title="t", authors="a", venue="v", year=2017, arxiv=None, claims=(numeric(),)
        )


def test_same_runs_as_names_another_claim_of_the_paper():
    def paper(*claims: Claim) -> Paper:
        return Paper(
            id="gcn", title="t", authors="a", venue="v", year=2017, arxiv=None, claims=claims
        )

    t3 = numeric(id="gcn.table3.renormalized.cora")
    assert paper(t3, numeric(same_runs_as=t3.id)).claim("gcn.table2.cora").same_runs_as == t3.id
    with pytest.raises(ValueError, match="same_runs_as must name another claim"):
        paper(numeric(same_runs_as="gcn.table3.absent"))
    with pytest.raises(ValueError, match="same_runs_as must name another claim"):
        paper(numeric(same_runs_as="gcn.table2.cora"))
    with pytest.raises(ValueError, match="same_runs_as must name another claim"):
        paper(numeric(same_runs_as=t3.id), replace(t3, same_runs_as="gcn.table2.cora"))


def test_welch_interval_matches_scipy():
    from scipy import stats as sps

    a, b = [1.0, 2.0, 3.5, 4.0, 2.2], [0.5, 1.0, 0.7, 1.9]
    diff, lo, hi = stats.welch_ci(a, b)
    res = sps.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert diff == pytest.approx(sum(a) / 5 - sum(b) / 4)
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    assert stats.welch_ci([1.0], [2.0])[1] == -math.inf


def test_paired_interval_matches_scipy_and_cancels_shared_spread():
    from scipy import stats as sps

    a, b = [71.0, 80.5, 65.2, 90.1, 77.7], [70.1, 79.0, 64.9, 88.8, 76.0]
    diff, lo, hi = stats.paired_ci(a, b)
    ci = sps.ttest_rel(a, b).confidence_interval(0.95)
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    assert diff == pytest.approx(sum(a) / 5 - sum(b) / 5)
    # the seeds' shared spread (65-90) hides the gap from Welch, not from the paired interval
    assert lo > 0 and stats.welch_ci(a, b)[1] < 0
    m = Measurement.paired_gap("x", a, b)
    assert m.ci == pytest.approx((lo, hi)) and m.n == 5 and m.samples_b == b
    assert stats.paired_ci([1.0], [2.0])[1] == -math.inf
    with pytest.raises(ValueError, match="one length"):
        stats.paired_ci([1.0, 2.0], [1.0])


def test_intervals_without_spread_follow_the_exact_tests():
    """Identical differences make the t interval a point; two seeds must not make a gap certain.
    The point stands only where the sign test (pairs) or the rank-sum test (two samples) at its
    most extreme outcome reaches p ≤ 0.05: six pairs (2^-5), four against four (2/70)."""
    for n in range(2, 6):
        assert stats.paired_ci([2.0] * n, [1.0] * n) == (1.0, -math.inf, math.inf)
    assert stats.paired_ci([2.0] * 6, [1.0] * 6) == (1.0, 1.0, 1.0)
    assert stats.paired_ci([3.0] * 9, [3.0] * 9)[1] == -math.inf  # gap exactly 0: no sign
    assert stats.welch_ci([8.0] * 3, [6.0] * 4)[1] == -math.inf  # 2/35 > 0.05
    assert stats.welch_ci([8.0] * 4, [6.0] * 4) == (2.0, 2.0, 2.0)
    m = Measurement.paired_gap("x", [2.0, 2.0], [1.0, 1.0])
    assert m.ci == (-math.inf, math.inf)


def test_moved_rule():
    assert stats.moved(81.4, 0.07, 81.5, 0.07, 0.5) == (False, 0.5)
    moved, threshold = stats.moved(81.4, 0.5, 79.0, 0.5, 0.1)
    assert moved and threshold == pytest.approx(3 * math.sqrt(0.5))


def test_registry_loads_every_implemented_paper():
    papers = [load_paper(pid) for pid in PAPER_IDS]
    assert load_paper("gcn") is not None
    for p in papers:
        if p is not None:
            assert p.claims and all(c.paper == p.id for c in p.claims)
    with pytest.raises(KeyError, match="unknown paper"):
        load_paper("resnet")
