"""Reproduction tables (Markdown through pandas/tabulate, CSV) and plots of paper vs ours.

Every table opens with :data:`KEY` (what ±, [a, b], "exact", the verdicts and the confidence
words mean). A row shows its metric with its unit, marked where the paper measured on other
hardware than ours (:func:`metric_cell`), and a gap claim carries, beside its direction verdict,
a reading of its size: where the paper's gap lies against our interval (:func:`gap_size`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from repro import stats
from repro.claims import Paper, Verdict, paper_ids

if TYPE_CHECKING:  # matplotlib is loaded only where a figure is drawn
    from matplotlib.figure import Figure

VERDICT_MARK = {
    "reproduced": "✅ reproduced",
    "not reproduced": "❌ not reproduced",
    "partially": "◐ partially",
    "inconclusive": "❔ inconclusive",
    "not run": "⏸ not run",
}

#: GPUs as papers name the hardware of their timings (in a claim's source or dataset).
PAPER_GPU = re.compile(r"\b(?:[KMPVAH]\d{2,3}|Titan(?: X[Pp]?| V)?|(?:GTX|RTX) ?\d{3,4}(?: Ti)?)\b")

KEY = """\
How to read the tables:

- **paper**: the paper's number. **exact**: the paper states an identity (an equation that \
holds exactly); ours is then the largest deviation found over n random instances.
- **ours**: `m ± s` is our mean over n seeds ± the standard deviation over those seeds (their \
spread, not the error of the mean); `g [a, b]` is a gap, the difference of two of our means \
(signed as in the paper's claim), with [a, b] its 95% interval: *paired*, the t interval of \
the per-seed differences where both sides ran on the same seeds or splits, or *Welch*, for two \
independent samples; a bare number is a single measurement (a count, a ratio) or, for an exact \
claim, the largest deviation.
- **n**: seeds; for a gap, pairs (paired) or seeds per side (Welch); timings: repeats; random \
instances for an exact claim. \
**run**: the size of the run that measured it: `full` is the paper's protocol (the committed \
tables), `default` a reduced run, `quick` a smoke test.
- **metric**: what the number measures, with its unit; `gap:` marks a difference between two \
settings; `V100 vs our CPU` marks a number the paper measured on other hardware than ours: \
only its direction compares, never its size.
- **verdict**: *reproduced*: numeric, |our mean − paper| ≤ the claim's tolerance; exact, the \
largest deviation ≤ the tolerance; gap, the 95% interval lies on the paper's side of zero. \
*not reproduced*: the same rule failed (reported with the numbers, never tuned away). \
*inconclusive*: a gap whose interval straddles zero (the data cannot tell). *partially*: part \
of a compound claim holds. *not run*: data absent or not part of this run's size (the paper's \
table says why). A gap's verdict, marked *(direction)*, judges its sign only.
- **size of the gap** (gaps only): where the paper's gap lies against our 95% interval: \
*inside* (our numbers are consistent with the paper's size; a wide interval says little), \
*above* or *below* (the sizes differ; "our gap larger" or "smaller" where both point the \
paper's way). A reading beside the verdict, not a verdict.
- **confidence** in the paper's number: *confirmed* (read in the paper or its authors' code), \
*secondary* (from a named third-party source), *assumed* (we had to choose).
"""


def fmt(x: float | None, digits: int = 3) -> str:
    """A number for a table: 3 significant digits, small deviations in scientific notation."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.1e}"
    return f"{x:.{digits}g}" if abs(x) < 10**digits else f"{x:.0f}"


def ours_cell(c: dict[str, Any], with_n: bool = True) -> str:
    """Our value as a table cell: mean ± std (n), a gap with its interval, or a deviation;
    ``with_n=False`` leaves n to a column of its own."""
    v = c.get("value")
    if v is None:
        return "—"
    n = f" (n={c['n']})" if with_n else ""
    if c["kind"] == "ordering" and c.get("ci"):
        lo, hi = c["ci"]
        return f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}] {interval(c)}{n}"
    if c["kind"] == "identity":
        return fmt(v)
    if c.get("std") is not None and (c.get("n") or 1) > 1:
        return f"{v:.2f} ± {c['std']:.2f}{n}"
    return fmt(v, 4)


def interval(c: dict[str, Any]) -> str:
    """Which 95% interval a gap's ``ci`` is: "paired" (t interval of per-seed differences) or
    "Welch" (two independent samples).

    Documents written before the results recorded it (no ``paired`` key) are read by
    recomputing the paired interval from the stored samples: it is the paired one when the
    two agree.
    """
    if c.get("paired") is not None:
        return "paired" if c["paired"] else "Welch"
    a, b = c.get("samples") or [], c.get("samples_b") or []
    if len(a) != len(b) or len(a) < 2:
        return "Welch"
    _, lo, hi = stats.paired_ci(a, b)
    stored_lo, stored_hi = c["ci"]
    same = math.isclose(lo, stored_lo, rel_tol=1e-9) and math.isclose(hi, stored_hi, rel_tol=1e-9)
    return "paired" if same else "Welch"


def paper_cell(c: dict[str, Any]) -> str:
    """The paper's value as a table cell: signed for a gap, "exact" for an identity."""
    v = c.get("paper_value")
    if v is None or c["kind"] == "identity":
        return "exact"
    return f"{v:+g}" if c["kind"] == "ordering" else f"{v:g}"


def hardware(c: dict[str, Any]) -> str:
    """The paper's device beside ours ("V100 vs our CPU") where the claim's source or the
    paper's dataset names the GPU the paper measured on; "" where it names none."""
    found = PAPER_GPU.search(f"{c.get('source', '')} {c.get('paper_dataset', '')}")
    if found is None:
        return ""
    ours = "our CPU" if str(c.get("device") or "cpu").startswith("cpu") else "our GPU"
    return f"{found.group(0)} vs {ours}"


def metric_cell(c: dict[str, Any]) -> str:
    """What the number measures, with its unit: ``gap:`` before a difference of two settings,
    and the two devices after it where the paper measured on other hardware than ours."""
    metric = f"gap: {c['metric']}" if c["kind"] == "ordering" else c["metric"]
    hw = hardware(c)
    return f"{metric}, {hw}" if hw else metric


def gap_size(c: dict[str, Any]) -> str:
    """Where the paper's gap lies against our 95% interval ("paper's +1 below our interval (our
    gap larger)"); "" for other claims and gaps not measured. A reading, not a verdict: the
    verdict (:func:`repro.claims.judge`) judges the direction only."""
    if c["kind"] != "ordering" or c.get("value") is None or not c.get("ci"):
        return ""
    p = c["paper_value"]
    lo, hi = c["ci"]
    where = "inside" if lo <= p <= hi else "above" if p > hi else "below"
    reading = f"paper's {p:+g} {where} our interval"
    hw = hardware(c)
    if hw:
        return f"{reading}; sizes not comparable ({hw})"
    if where != "inside" and min(lo * p, hi * p) > 0:  # the whole interval on the paper's side
        larger = (where == "below") == (p > 0)
        reading += f" (our gap {'larger' if larger else 'smaller'})"
    return reading


def verdict_cell(c: dict[str, Any]) -> str:
    """The verdict with its mark; a gap's marked "(direction)", since it judges the sign only."""
    mark = VERDICT_MARK.get(c["verdict"], c["verdict"])
    if c["kind"] == "ordering" and c["verdict"] != "not run":
        return f"{mark} (direction)"
    return mark


def markdown(frame: pd.DataFrame) -> str:
    """``frame`` as a Markdown table, with the pipes inside its cells escaped (``|x|`` in a
    metric would otherwise split a cell)."""
    return frame.map(lambda v: v.replace("|", "\\|") if isinstance(v, str) else v).to_markdown(
        index=False
    )


def _why(c: dict[str, Any]) -> str:
    reason, note = c.get("reason", ""), c.get("note", "")
    parts = [reason, gap_size(c)]
    if note and note not in reason:
        parts.append(note)
    return "; ".join(p for p in parts if p)


def verdict_counts(claims: Iterable[dict[str, Any]]) -> str:
    """``reproduced 18, not reproduced 1, not run 2``: how many claims got each verdict, in the
    order of :class:`repro.claims.Verdict` (so that rows of counts read alike), verdicts no
    claim got left out.

    A claim measured by the same runs as another (``same_runs_as``) is counted once, under the
    other's id.
    """
    counts = Counter(c["verdict"] for c in claims if not c.get("same_runs_as"))
    return ", ".join(f"{v.value} {counts[v.value]}" for v in Verdict if counts[v.value])


def claims_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per claim of a paper's results: the per-paper table."""
    rows = []
    for c in doc["claims"]:
        rows.append(
            {
                "claim": f"`{c['id']}`",
                "statement": c["statement"],
                "paper": f"{paper_cell(c)} ({c['source']}; {c['confidence']})",
                "ours": ours_cell(c),
                "metric": metric_cell(c),
                "data (paper → ours)": f"{c['paper_dataset']} → {c.get('dataset') or '—'}",
                "verdict": verdict_cell(c),
                "why": _why(c),
            }
        )
    return pd.DataFrame(rows)


def run_size(doc: dict[str, Any]) -> str:
    """The size of the run a results file comes from (quick, default, full)."""
    return str((doc.get("run") or {}).get("size") or "—")


def wall_time(doc: dict[str, Any]) -> str:
    """The run's wall time, saying so where it covers only the jobs this invocation computed
    (the rest reused from an interrupted run of the same command), with the whole run's where
    the job store's ledger kept the earlier invocations' times."""
    text = f"wall time {doc['seconds']:.0f} s"
    if "jobs" not in doc:
        return text + (
            " (of its last invocation: this file predates the job counts, so it does not say "
            "whether an interrupted earlier one had computed some of the jobs)"
        )
    jobs = doc["jobs"]
    if not jobs["reused"]:
        return text
    text += f" for the {jobs['computed']} jobs computed by this invocation; {jobs['reused']} more "
    earlier = jobs.get("earlier_seconds")
    if not earlier:  # written before the ledger, or the ledger was lost
        return text + (
            "were reused from an interrupted run of the same command, their time not included"
        )
    total = doc["seconds"] + sum(earlier)
    return text + (
        f"were computed by {len(earlier)} earlier, interrupted invocation(s) of the same command, "
        f"which ran {sum(earlier):.0f} s up to their last finished job: {total:.0f} s "
        f"({total / 3600:.1f} h) in all"
    )


def extra_plots(plots_dir: Path, paper_id: str) -> list[Path]:
    """The paper's own figures that its experiments saved beside the results
    (``plots/<paper>_*.png``), sorted by name."""
    return sorted(plots_dir.glob(f"{paper_id}_*.png"))


def _figures(doc: dict[str, Any], plot: str | None, plots_dir: Path | None) -> list[str]:
    pid = doc["paper"]
    lines = []
    if plot:
        lines += [
            f"![{pid}: the paper's numbers beside ours]({plot})",
            "",
            f"*The paper's numbers (×) beside ours (●), one panel per metric; each panel says "
            f"what its bars are, and claims not run are labelled: [{plot}]({plot}).*",
            "",
        ]
    for path in extra_plots(plots_dir, pid) if plots_dir is not None else []:
        link = f"{plots_dir.name}/{path.name}"
        caption = path.stem[len(pid) + 1 :].replace("_", " ").replace("-", " ")
        lines += [f"![{pid}: {caption}]({link})", "", f"*{pid}: {caption} ([{link}]({link})).*", ""]
    return ["## Figures", "", *lines] if lines else []


def paper_markdown(
    doc: dict[str, Any], plot: str | None = None, plots_dir: Path | None = None
) -> str:
    """``results/<paper>.md``: the key, the claims table with the command, run size, commit,
    date and environment, then the figures: ``plot`` (the path of :func:`plot_paper`'s figure,
    relative to the results folder) and every ``<paper>_*.png`` the experiments saved in
    ``plots_dir`` (the results folder's ``plots/``)."""
    env = doc["env"]
    gpus = ", ".join(g["name"] for g in env["gpus"]) if env.get("gpus") else "none"
    dirty = " (uncommitted changes)" if doc.get("dirty") else ""
    lines = [
        f"# {doc['title']}",
        "",
        f"Paper id `{doc['paper']}`, {doc['venue']}"
        + (f", arXiv:{doc['arxiv']}" if doc.get("arxiv") else "")
        + ".",
        "",
        f"- Command: `{doc['command']}` (run size `{run_size(doc)}`)",
        f"- Commit: `{doc['commit']}`{dirty}; date {doc['date']}; {wall_time(doc)}",
        f"- Environment: Python {env['python']}, torch {env['torch']}, CPU {env['cpu']} "
        f"({env['cores']} cores, {env['threads']} threads), GPUs: {gpus}"
        + (
            f"; load average {env['load_1min']} at the start"
            if env.get("load_1min") is not None
            else ""
        ),
        "",
        KEY,
        "Here the paper column also gives the number's source and confidence, *ours* ends with "
        "its n, the data column says what the paper used and what we used, and *why* gives the "
        "rule's arithmetic, a gap's size reading and our notes.",
        "",
        markdown(claims_frame(doc)),
        "",
    ]
    lines.append(f"Verdicts: {verdict_counts(doc['claims'])}.")
    tests = [c for c in doc["claims"] if c.get("test")]
    if tests:
        lines += ["", "Property tests of the exact claims:", ""]
        lines += [
            f"- **{c['id']}**: [{c['test']}](../{c['test'].partition('::')[0]})" for c in tests
        ]
    if doc.get("notes"):
        lines += ["", "## Notes", "", doc["notes"]]
    figures = _figures(doc, plot, plots_dir)
    if figures:
        lines += ["", *figures]
    return "\n".join(lines).rstrip("\n") + "\n"


def summary_markdown(docs: Sequence[dict[str, Any]], papers: Sequence[Paper]) -> str:
    """``results/README.md``: the key, the run of each paper with its verdict counts, then one
    row per claim over all papers (metric, run size and n, the verdict and a gap's size);
    unimplemented papers listed."""
    by_id = {d["paper"]: d for d in docs}
    runs, rows = [], []
    for pid in paper_ids():
        doc = by_id.get(pid)
        if doc is None:
            paper = next((p for p in papers if p.id == pid), None)
            status = "no results yet" if paper else "not implemented yet"
            rows.append({"paper": pid, "claim": "—", "verdict": status})
            continue
        dirty = " (uncommitted changes)" if doc.get("dirty") else ""
        runs.append(
            {
                "paper": f"[{pid}]({pid}.md)",
                "run": run_size(doc),
                "command": f"`{doc['command']}`",
                "commit": f"`{str(doc['commit'])[:10]}`{dirty}",
                "date": doc["date"],
                "verdicts": verdict_counts(doc["claims"]),
            }
        )
        for c in doc["claims"]:
            rows.append(
                {
                    "paper": f"[{pid}]({pid}.md)",
                    "claim": f"`{c['id']}`",
                    "metric": metric_cell(c),
                    "paper value": paper_cell(c),
                    "ours": ours_cell(c, with_n=False),
                    "n": "—" if c.get("value") is None else c.get("n"),
                    "run": run_size(doc),
                    "verdict": verdict_cell(c),
                    "size of the gap": gap_size(c),
                    "confidence": c["confidence"],
                }
            )
    columns = [
        "paper",
        "claim",
        "metric",
        "paper value",
        "ours",
        "n",
        "run",
        "verdict",
        "size of the gap",
        "confidence",
    ]
    table = markdown(pd.DataFrame(rows, columns=columns).fillna("—"))
    runs_table = markdown(pd.DataFrame(runs)) if runs else "No paper has results yet."
    return (
        "# Reproduction results\n\n"
        "Generated by `repro table` from the `results/<paper>.json` files; each paper's own "
        "table (linked) has the statement, the data used, the environment, the reason for "
        "each verdict and the figures.\n\n"
        + KEY
        + "\n## Runs\n\n"
        + runs_table
        + "\n\n## Claims\n\n"
        + table
        + "\n\nVerdicts over all claims: "
        + verdict_counts([c for d in docs for c in d["claims"]])
        + ".\n"
    )


def paper_figure(doc: dict[str, Any]) -> Figure | None:
    """Paper's numbers beside ours, one panel per metric; identity claims are left to the table.

    Error bars: ±1 std over seeds for a numeric claim, the 95% interval for a gap, paired or
    Welch (:func:`interval`; each panel's x label says which, or that a panel has none); a
    claim not run in this run is labelled "not run" in its row (grey), where only the paper's
    value is drawn. None when the paper has nothing numeric to show.
    """
    from repro import plots

    claims = [
        c for c in doc["claims"] if c["kind"] != "identity" and c.get("paper_value") is not None
    ]
    if not claims:
        return None
    metrics = list(dict.fromkeys(metric_cell(c) for c in claims))
    rows = [sum(metric_cell(c) == m for c in claims) for m in metrics]
    fig, axes = plots.figure(
        len(metrics),
        1,
        figsize=(8, 0.35 * len(claims) + 1.3 * len(metrics)),
        gridspec_kw={"height_ratios": [r + 1.5 for r in rows]},  # panel height ∝ its claims
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        group = [c for c in claims if metric_cell(c) == metric]
        ys = list(range(len(group)))
        ax.scatter(
            [c["paper_value"] for c in group], ys, marker="x", color="k", label="paper", zorder=3
        )
        for y, c in zip(ys, group, strict=True):
            if c.get("value") is None:
                continue
            if c["kind"] == "ordering" and c.get("ci"):
                lo, hi = c["ci"]
                err = [[c["value"] - lo], [hi - c["value"]]]
            else:
                err = [[c.get("std") or 0.0], [c.get("std") or 0.0]]
            colour = plots.VERDICT_COLOURS.get(c["verdict"], "tab:orange")
            ax.errorbar([c["value"]], [y], xerr=err, fmt="o", color=colour, capsize=3)
        if group[0]["kind"] == "ordering":
            ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_yticks(ys, [_label(c) for c in group], fontsize=8)
        for tick, c in zip(ax.get_yticklabels(), group, strict=True):
            if c.get("value") is None:
                tick.set_color(plots.VERDICT_COLOURS["not run"])
        ax.set_xlabel(f"{metric} — {_bars(group)}")
    plots.title(
        axes[0, 0],
        f"{doc['paper']}: paper (×) vs ours (●: green reproduced, red not reproduced, "
        "orange inconclusive or partial); exact identities are in the table",
    )
    return fig


def _label(c: dict[str, Any]) -> str:
    """A claim's row in its paper's figure: its id without the paper, "not run" where we have
    no number (only the paper's × is drawn)."""
    label = c["id"].split(".", 1)[1]
    return label if c.get("value") is not None else f"{label} (not run)"


def _bars(group: Sequence[dict[str, Any]]) -> str:
    """What the error bars of one panel are, with n where every claim in it has the same."""
    from repro import plots

    measured = [c for c in group if c.get("value") is not None]
    if not measured:
        return "not run: the paper's value only"
    ns = {c.get("n") for c in measured}
    n = ns.pop() if len(ns) == 1 else None
    if group[0]["kind"] == "ordering":
        kinds = {interval(c) for c in measured if c.get("ci")}
        return plots.error_note("ci95", n, kinds.pop() if len(kinds) == 1 else "paired or Welch")
    if not any(c.get("std") and (c.get("n") or 1) > 1 for c in measured):
        return plots.error_note("none") + ": single measurements"
    return plots.error_note("std", n)


def plot_paper(doc: dict[str, Any], path: Path) -> Path | None:
    """:func:`paper_figure` saved to ``path``; None (and no file) when there is nothing to show."""
    from repro import plots

    fig = paper_figure(doc)
    return None if fig is None else plots.save(fig, path)


def claims_csv(docs: Sequence[dict[str, Any]]) -> str:
    """Every claim of every paper as one CSV (for spreadsheets and scripts)."""
    cols = [
        "id",
        "kind",
        "metric",
        "paper_value",
        "source",
        "confidence",
        "value",
        "std",
        "n",
        "dataset",
        "verdict",
    ]
    frame = (
        pd.concat([pd.DataFrame(d["claims"])[cols].assign(command=d["command"]) for d in docs])
        if docs
        else pd.DataFrame(columns=[*cols, "command"])
    )
    frame["n"] = frame["n"].astype("Int64")  # counts, not floats, where claims were not run
    return frame.to_csv(index=False)
