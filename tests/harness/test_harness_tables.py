"""Tables and plots a reader can read, on the toy paper: the key, metric and unit, run size and n,
a gap's size beside its direction verdict, other hardware marked, every plot linked and labelled."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from repro import plots, tables
from repro.claims import Measurement, Paper, judge
from repro.cli import main
from repro.results import run_to_dict
from repro.runner import ClaimResult, PaperRun, RunContext

ENV = {
    "python": "3.11",
    "torch": "2.0",
    "cpu": "test CPU",
    "cores": 2,
    "threads": 1,
    "gpus": [],
    "commit": "0" * 40,
    "dirty": False,
}


def results_doc(paper: Paper, measured: dict[str, Measurement], size: str = "full") -> dict:
    """The results file `repro run` would write for ``paper`` measured as given (the rest not
    run)."""
    results = [
        ClaimResult(c.id, measured.get(c.id), judge(c, measured.get(c.id))) for c in paper.claims
    ]
    run = PaperRun(paper, results, 1.0, RunContext(size=size, progress=False), ENV)
    return run_to_dict(run, f"repro run {paper.id} --{size}")


def gap_paper(toy: Paper, paper_value: float = 5.0, **kw) -> Paper:
    """The toy paper with its gap claim changed (paper's gap, source, metric...)."""
    gap = replace(toy.claim("toy.table1.gap"), paper_value=paper_value, **kw)
    return replace(toy, claims=tuple(gap if c.id == gap.id else c for c in toy.claims))


def gap_measured(lo: float, hi: float, device: str = "cpu") -> dict[str, Measurement]:
    return {
        "toy.table1.gap": Measurement(
            "toy.table1.gap", (lo + hi) / 2, (hi - lo) / 4, 5, ci=(lo, hi), device=device
        )
    }


def summary_row(summary: str, claim_id: str) -> list[str]:
    """The cells of one claim's row in the summary's claims table (escaped pipes kept)."""
    line = next(row for row in summary.splitlines() if f"`{claim_id}`" in row)
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def summary_header(summary: str) -> list[str]:
    line = next(row for row in summary.splitlines() if row.startswith("| paper") and "claim" in row)
    return [cell.strip() for cell in line.split("|")[1:-1]]


def test_summary_and_paper_page_open_with_the_key(toy):
    doc = results_doc(toy, gap_measured(6.0, 8.0))
    summary = tables.summary_markdown([doc], [toy])
    page = tables.paper_markdown(doc)
    for text in (summary, page):
        assert text.index("How to read the tables") < text.index("`toy.table1.gap`")
    key = tables.KEY
    assert "`m ± s` is our mean over n seeds ± the standard deviation over those seeds" in key
    assert "with [a, b] its 95% interval: *paired*" in key and "or *Welch*" in key
    assert "**exact**: the paper states an identity" in key
    for verdict in ("reproduced", "not reproduced", "inconclusive", "partially", "not run"):
        assert f"*{verdict}*" in key, verdict
    for word in ("confirmed", "secondary", "assumed"):
        assert f"*{word}*" in key, word
    assert "*inside*" in key and "*above*" in key and "*below*" in key


@pytest.mark.parametrize(
    ("paper_value", "lo", "hi", "reading"),
    [
        (5.0, 6.0, 8.0, "paper's +5 below our interval (our gap larger)"),
        (5.0, 4.0, 6.0, "paper's +5 inside our interval"),
        (5.0, 1.0, 3.0, "paper's +5 above our interval (our gap smaller)"),
        (-5.0, -8.0, -6.0, "paper's -5 above our interval (our gap larger)"),
        (5.0, -3.0, 1.0, "paper's +5 above our interval"),  # straddles zero: no size word
    ],
)
def test_gap_size_reads_where_the_papers_gap_lies(toy, paper_value, lo, hi, reading):
    doc = results_doc(gap_paper(toy, paper_value), gap_measured(lo, hi))
    gap = next(c for c in doc["claims"] if c["id"] == "toy.table1.gap")
    assert tables.gap_size(gap) == reading
    why = tables.claims_frame(doc).set_index("claim").loc["`toy.table1.gap`", "why"]
    assert why.startswith(gap["reason"] + "; " + reading)
    summary = tables.summary_markdown([doc], [toy])
    row = dict(zip(summary_header(summary), summary_row(summary, gap["id"]), strict=True))
    assert row["size of the gap"] == reading
    assert row["verdict"].endswith(f"{gap['verdict']} (direction)")


def test_gap_size_is_a_reading_not_a_verdict(toy):
    """The paper's +5 below our whole interval [+6, +8]: still reproduced, by direction."""
    doc = results_doc(toy, gap_measured(6.0, 8.0))
    gap = next(c for c in doc["claims"] if c["id"] == "toy.table1.gap")
    assert gap["verdict"] == "reproduced"
    assert tables.verdict_cell(gap) == "✅ reproduced (direction)"


def test_no_gap_size_for_other_claims_or_gaps_not_run(toy):
    doc = results_doc(toy, {})
    assert all(tables.gap_size(c) == "" for c in doc["claims"])


def test_summary_has_metric_run_size_and_n_columns(toy):
    paper = replace(
        toy,
        claims=tuple(
            replace(c, metric="test accuracy (%)") if c.id == "toy.table1.mean" else c
            for c in toy.claims
        ),
    )
    mean = Measurement.from_samples("toy.table1.mean", [9.0, 10.0, 11.0])
    summary = tables.summary_markdown([results_doc(paper, {mean.claim_id: mean}, "quick")], [paper])
    header = summary_header(summary)
    assert {"metric", "n", "run"} <= set(header)
    row = dict(zip(header, summary_row(summary, "toy.table1.mean"), strict=True))
    assert row["metric"] == "test accuracy (%)"
    assert row["n"] == "3" and row["run"] == "quick"
    assert row["ours"] == "10.00 ± 1.00"  # n has its own column
    not_run = dict(zip(header, summary_row(summary, "toy.table2.needs-data"), strict=True))
    assert not_run["n"] == "—" and not_run["ours"] == "—"
    runs = next(r for r in summary.splitlines() if "`repro run toy --quick`" in r)
    assert [c.strip() for c in runs.split("|")[1:4]] == [
        "[toy](toy.md)",
        "quick",
        "`repro run toy --quick`",
    ]


def test_other_hardware_is_marked_and_its_size_not_compared(toy):
    paper = gap_paper(
        toy, -2.5, source="Table 5 (attention time, V100)", metric="attention time (ms)"
    )
    doc = results_doc(paper, gap_measured(-14.6, -13.9))
    gap = next(c for c in doc["claims"] if c["id"] == "toy.table1.gap")
    assert tables.metric_cell(gap) == "gap: attention time (ms), V100 vs our CPU"
    assert tables.gap_size(gap) == (
        "paper's -2.5 above our interval; sizes not comparable (V100 vs our CPU)"
    )
    summary = tables.summary_markdown([doc], [paper])
    row = dict(zip(summary_header(summary), summary_row(summary, gap["id"]), strict=True))
    assert row["metric"] == "gap: attention time (ms), V100 vs our CPU"
    on_gpu = results_doc(paper, gap_measured(-3.0, -2.0, device="cuda:0"))
    gap = next(c for c in on_gpu["claims"] if c["id"] == "toy.table1.gap")
    assert tables.metric_cell(gap).endswith("V100 vs our GPU")
    same = next(c for c in results_doc(toy, {})["claims"] if c["id"] == "toy.table1.gap")
    assert tables.metric_cell(same) == "gap: value"  # the toy paper names no hardware


def test_pipes_in_cells_do_not_split_them(toy):
    paper = replace(
        toy,
        claims=tuple(
            replace(c, metric="max |difference|") if c.kind == "identity" else c for c in toy.claims
        ),
    )
    doc = results_doc(paper, {})
    for text in (tables.summary_markdown([doc], [paper]), tables.paper_markdown(doc)):
        lines = text.splitlines()
        rows = [r for r in lines if "`toy." in r]
        header = next(r for r in lines if re.match(r"\| (paper|claim) +\| (claim|statement)", r))
        cells = len(re.split(r"(?<!\\)\|", header))
        assert rows and all(len(re.split(r"(?<!\\)\|", r)) == cells for r in rows)
        assert "max \\|difference\\|" in text


def test_paper_page_links_every_plot_of_the_paper(toy, tmp_path):
    assert main(["--results", str(tmp_path), "run", "toy", "--quick", "--no-progress"]) == 0
    res = tmp_path / "quick"
    own = (res / "plots" / "toy.png").read_bytes()
    (res / "plots" / "toy_scaling-law.png").write_bytes(own)
    (res / "plots" / "toy_table5.png").write_bytes(own)
    (res / "plots" / "other_figure.png").write_bytes(own)
    assert main(["--results", str(res), "table"]) == 0
    page = (res / "toy.md").read_text()
    assert "![toy: the paper's numbers beside ours](plots/toy.png)" in page
    assert "![toy: scaling law](plots/toy_scaling-law.png)" in page
    assert "![toy: table5](plots/toy_table5.png)" in page
    assert "other_figure" not in page


def test_paper_figure_labels_not_run_claims_and_says_what_its_bars_are(toy):
    measured = {
        "toy.table1.mean": Measurement.from_samples("toy.table1.mean", [9.0, 10.0, 11.0]),
        **gap_measured(4.0, 6.0),
    }
    fig = tables.paper_figure(results_doc(toy, measured))
    labels = {t.get_text(): t.get_color() for ax in fig.axes for t in ax.get_yticklabels()}
    assert "table2.needs-data (not run)" in labels
    assert labels["table2.needs-data (not run)"] == plots.VERDICT_COLOURS["not run"]
    assert "table1.mean" in labels and "table1.gap" in labels  # measured: no label
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert any("bars: ±1 std over seeds" in x for x in xlabels)
    assert any("bars: 95% interval of the gap (Welch, n = 5 per side)" in x for x in xlabels)
    assert all("bars" in x or "not run" in x for x in xlabels)


def test_a_gap_says_whether_its_interval_is_paired_or_welch(toy):
    a, b = [70.0, 80.0, 90.0, 75.0, 85.0], [68.0, 79.0, 87.0, 74.0, 82.0]
    for gap, kind, bars in (
        (Measurement.paired_gap, "paired", "(paired, n = 5 pairs)"),
        (Measurement.gap, "Welch", "(Welch, n = 5 per side)"),
    ):
        doc = results_doc(toy, {"toy.table1.gap": gap("toy.table1.gap", a, b)})
        c = next(c for c in doc["claims"] if c["id"] == "toy.table1.gap")
        assert c["paired"] is (kind == "paired")
        lo, hi = c["ci"]
        assert tables.ours_cell(c) == f"+2.00 [{lo:+.2f}, {hi:+.2f}] {kind} (n=5)"
        xlabels = [ax.get_xlabel() for ax in tables.paper_figure(doc).axes]
        assert any(f"bars: 95% interval of the gap {bars}" in x for x in xlabels)
        # a results file written before the kind was recorded: read from its samples
        c.pop("paired")
        assert tables.interval(c) == kind


def test_paper_figure_panel_with_nothing_measured_says_so(toy):
    fig = tables.paper_figure(results_doc(toy, {}))
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert xlabels and all(x.endswith("not run: the paper's value only") for x in xlabels)


def test_save_fits_titles_and_labels_to_their_panels(tmp_path):
    """A title wrapped before layout would run off its panel once long tick labels narrow it."""
    fig, axes = plots.figure(1, 1, figsize=(6, 3))
    ax = axes[0, 0]
    ax.set_yticks([0, 1], ["a very long tick label naming a claim", "another long tick label"])
    plots.title(ax, "a title that fits the panel before layout but not after it " * 2)
    ax.set_xlabel("an x label quite as long as the title, which must fit its panel as well " * 2)
    plots.save(fig, tmp_path / "fig.png")
    renderer = FigureCanvasAgg(fig).get_renderer()  # save closed the figure's own canvas
    panel = ax.get_window_extent(renderer)
    for text in (ax.title, ax.xaxis.label):
        box = text.get_window_extent(renderer)
        assert box.width <= panel.width + 1.0, text.get_text()
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1


def test_claims_sharing_runs_are_tallied_once(toy):
    mean = toy.claim("toy.table1.mean")
    twin = replace(mean, id="toy.table3.mean", same_runs_as=mean.id)
    paper = replace(toy, claims=(*toy.claims, twin))
    m = Measurement.from_samples(mean.id, [mean.paper_value] * 3)
    doc = results_doc(paper, {mean.id: m, twin.id: replace(m, claim_id=twin.id)})
    assert tables.verdict_counts(doc["claims"]) == tables.verdict_counts(
        [c for c in doc["claims"] if c["id"] != twin.id]
    )
    assert "`toy.table3.mean`" in tables.paper_markdown(doc)  # still shown, counted once


def test_paper_page_links_the_property_tests_and_shows_the_papers_notes(toy):
    doc = results_doc(toy, gap_measured(6.0, 8.0))
    doc["notes"] = "- **choice** = 1. Why: the paper is silent."
    page = tables.paper_markdown(doc)
    test = "tests/harness/test_harness_runner.py::test_toy_identity_property"
    assert f"[{test}](../tests/harness/test_harness_runner.py)" in page
    assert "## Notes\n\n- **choice** = 1. Why: the paper is silent." in page


def test_the_wall_time_says_what_it_covers():
    doc = {"seconds": 100.4, "jobs": {"computed": 7, "reused": 0}}
    assert tables.wall_time(doc) == "wall time 100 s"
    doc["jobs"] = {"computed": 4, "reused": 3}
    assert tables.wall_time(doc).startswith("wall time 100 s for the 4 jobs computed by this")
    assert "their time not included" in tables.wall_time(doc)
    doc["jobs"]["earlier_seconds"] = [3000.0, 500.0]
    assert tables.wall_time(doc).endswith(
        "3 more were computed by 2 earlier, interrupted invocation(s) of the same command, which "
        "ran 3500 s up to their last finished job: 3600 s (1.0 h) in all"
    )
    del doc["jobs"]  # a results file written before the job counts
    assert "does not say whether an interrupted earlier one" in tables.wall_time(doc)


def test_the_summary_counts_each_papers_verdicts(toy):
    doc = results_doc(toy, gap_measured(6.0, 8.0))
    summary = tables.summary_markdown([doc], [toy])
    runs = next(line for line in summary.splitlines() if line.startswith("| [toy](toy.md)"))
    doc_counts = tables.verdict_counts(doc["claims"])
    assert runs.rstrip(" |").endswith(doc_counts) and "reproduced" in doc_counts
    claims = [{"verdict": v} for v in ("not run", "inconclusive", "not run", "reproduced")]
    assert tables.verdict_counts(claims) == "reproduced 1, inconclusive 1, not run 2"
