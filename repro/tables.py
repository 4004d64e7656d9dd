"""Reproduction tables (Markdown through pandas/tabulate, CSV) and plots of paper vs ours."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from repro.claims import Paper, paper_ids

VERDICT_MARK = {
    "reproduced": "✅ reproduced",
    "not reproduced": "❌ not reproduced",
    "partially": "◐ partially",
    "inconclusive": "❔ inconclusive",
    "not run": "⏸ not run",
}


def fmt(x: float | None, digits: int = 3) -> str:
    """A number for a table: 3 significant digits, small deviations in scientific notation."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.1e}"
    return f"{x:.{digits}g}" if abs(x) < 10**digits else f"{x:.0f}"


def ours_cell(c: dict[str, Any]) -> str:
    """Our value as a table cell: mean ± std (n), a gap with its interval, or a deviation."""
    v = c.get("value")
    if v is None:
        return "—"
    if c["kind"] == "ordering" and c.get("ci"):
        lo, hi = c["ci"]
        return f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}] (n={c['n']})"
    if c["kind"] == "identity":
        return fmt(v)
    if c.get("std") is not None and (c.get("n") or 1) > 1:
        return f"{v:.2f} ± {c['std']:.2f} (n={c['n']})"
    return fmt(v, 4)


def paper_cell(c: dict[str, Any]) -> str:
    v = c.get("paper_value")
    if v is None or c["kind"] == "identity":
        return "exact"
    return f"{v:+g}" if c["kind"] == "ordering" else f"{v:g}"


def _why(c: dict[str, Any]) -> str:
    reason, note = c.get("reason", ""), c.get("note", "")
    return reason if not note or note in reason else f"{reason}; {note}"


def claims_frame(doc: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for c in doc["claims"]:
        rows.append(
            {
                "claim": f"`{c['id']}`",
                "statement": c["statement"],
                "paper": f"{paper_cell(c)} ({c['source']}; {c['confidence']})",
                "ours": ours_cell(c),
                "metric": c["metric"],
                "data (paper → ours)": f"{c['paper_dataset']} → {c.get('dataset') or '—'}",
                "verdict": VERDICT_MARK.get(c["verdict"], c["verdict"]),
                "why": _why(c),
            }
        )
    return pd.DataFrame(rows)


def paper_markdown(doc: dict[str, Any], plot: str | None = None) -> str:
    """``results/<paper>.md``: the claims table with the command, commit, date and environment."""
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
        f"- Command: `{doc['command']}`",
        f"- Commit: `{doc['commit']}`{dirty}; date {doc['date']}; wall time {doc['seconds']:.0f} s",
        f"- Environment: Python {env['python']}, torch {env['torch']}, CPU {env['cpu']} "
        f"({env['cores']} cores, {env['threads']} threads), GPUs: {gpus}"
        + (
            f"; load average {env['load_1min']} at the start"
            if env.get("load_1min") is not None
            else ""
        ),
        "",
        "Paper values carry their source and how sure we are of them (confirmed from the paper "
        "or its authors' code / secondary / assumed). *Ours* is mean ± std over n seeds, an "
        "ordering gap with its 95% Welch interval, or the largest deviation of an exact "
        "identity. The data column says what the paper used and what we used.",
        "",
        claims_frame(doc).to_markdown(index=False),
        "",
    ]
    counts = pd.Series([c["verdict"] for c in doc["claims"]]).value_counts()
    lines.append("Verdicts: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
    if plot:
        lines += ["", f"![paper vs ours]({plot})"]
    return "\n".join(lines) + "\n"


def summary_markdown(docs: Sequence[dict[str, Any]], papers: Sequence[Paper]) -> str:
    """``results/README.md``: one row per claim over all papers; unimplemented papers listed."""
    by_id = {d["paper"]: d for d in docs}
    rows = []
    for pid in paper_ids():
        doc = by_id.get(pid)
        if doc is None:
            paper = next((p for p in papers if p.id == pid), None)
            status = "no results yet" if paper else "not implemented yet"
            rows.append(
                {
                    "paper": pid,
                    "claim": "—",
                    "paper value": "—",
                    "ours": "—",
                    "verdict": status,
                    "confidence": "—",
                    "command": "—",
                }
            )
            continue
        for c in doc["claims"]:
            rows.append(
                {
                    "paper": f"[{pid}]({pid}.md)",
                    "claim": f"`{c['id']}`",
                    "paper value": paper_cell(c),
                    "ours": ours_cell(c),
                    "verdict": VERDICT_MARK.get(c["verdict"], c["verdict"]),
                    "confidence": c["confidence"],
                    "command": f"`{doc['command']}`",
                }
            )
    table = pd.DataFrame(rows).to_markdown(index=False)
    verdicts = pd.Series([c["verdict"] for d in docs for c in d["claims"]]).value_counts()
    return (
        "# Reproduction results\n\n"
        "Generated by `repro table` from the `results/<paper>.json` files; each paper's own "
        "table (linked) has the statement, the data used, the environment and the reason for "
        "each verdict.\n\n"
        + table
        + "\n\nVerdicts over all claims: "
        + ", ".join(f"{k} {v}" for k, v in verdicts.items())
        + ".\n"
    )


def plot_paper(doc: dict[str, Any], path: Path) -> Path | None:
    """Paper's numbers beside ours, one panel per metric; identity claims are left to the table.

    Error bars: ±1 std over seeds for a numeric claim, the 95% Welch interval for a gap (each
    panel's x label says which); a claim not run in this run is written as such at the paper's
    value. Returns None when the paper has nothing numeric to show.
    """
    from repro import plots

    claims = [
        c for c in doc["claims"] if c["kind"] != "identity" and c.get("paper_value") is not None
    ]
    if not claims:
        return None

    def panel(c: dict[str, Any]) -> str:
        return c["metric"] if c["kind"] == "numeric" else f"gap: {c['metric']}"

    metrics = list(dict.fromkeys(panel(c) for c in claims))
    rows = [sum(panel(c) == m for c in claims) for m in metrics]
    fig, axes = plots.figure(
        len(metrics),
        1,
        figsize=(8, 0.35 * len(claims) + 1.3 * len(metrics)),
        gridspec_kw={"height_ratios": [r + 1.5 for r in rows]},  # panel height ∝ its claims
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        group = [c for c in claims if panel(c) == metric]
        ys = list(range(len(group)))
        ax.scatter(
            [c["paper_value"] for c in group], ys, marker="x", color="k", label="paper", zorder=3
        )
        for y, c in zip(ys, group, strict=True):
            if c.get("value") is None:
                ax.annotate(
                    "not run",
                    (c["paper_value"], y),
                    xytext=(6, -3),
                    textcoords="offset points",
                    fontsize=7,
                    color="0.4",
                )
                continue
            if c["kind"] == "ordering" and c.get("ci"):
                lo, hi = c["ci"]
                err = [[c["value"] - lo], [hi - c["value"]]]
            else:
                err = [[c.get("std") or 0.0], [c.get("std") or 0.0]]
            colour = plots.VERDICT_COLOURS.get(c["verdict"], "tab:orange")
            ax.errorbar([c["value"]], [y], xerr=err, fmt="o", color=colour, capsize=3)
        if metric.startswith("gap"):
            ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_yticks(ys, [c["id"].split(".", 1)[1] for c in group], fontsize=8)
        bars = plots.error_note("ci95" if metric.startswith("gap") else "std")
        ax.set_xlabel(f"{metric} ({bars})")
    plots.title(
        axes[0, 0],
        f"{doc['paper']}: paper (×) vs ours (●: green reproduced, red not reproduced, "
        "orange inconclusive or partial)",
    )
    return plots.save(fig, path)


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
