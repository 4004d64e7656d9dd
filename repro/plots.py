"""Every figure's style and saving: one backend, titles that fit, error bars that say what they are.

A paper's ``reproduce.py`` draws on the axes :func:`figure` gives it, marks its error bars with
:func:`error_note` and hands the figure to :func:`save`; it never configures matplotlib itself.
:func:`save` lays the figure out and re-wraps any title or axis label longer than its panel, so
no text runs off the figure or into its neighbour.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")  # files only: no display on the machines that run this

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

DPI = 120
STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
#: colours of verdicts wherever a figure shows them
VERDICT_COLOURS = {
    "reproduced": "tab:green",
    "not reproduced": "tab:red",
    "inconclusive": "tab:orange",
    "partially": "tab:orange",
    "not run": "0.45",
}

Bars = Literal["std", "ci95", "none"]


def figure(
    nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6.0, 4.0), **kw: Any
) -> tuple[Figure, Any]:
    """A figure in the project's style; ``axes`` is always a 2-D array (``squeeze=False``)."""
    plt.rcParams.update(STYLE)  # legends and labels added later keep the style too
    return plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, **kw)


def wrap(text: str, ax: Axes, chars_per_inch: float = 16.0) -> str:
    """``text`` wrapped to the width of ``ax`` so a title never runs off the figure."""
    fig = ax.get_figure()
    width_in = ax.get_position().width * fig.get_figwidth()
    return "\n".join(textwrap.wrap(text, max(20, int(width_in * chars_per_inch))))


def title(ax: Axes, text: str) -> None:
    """Set the panel's title, wrapped to its width (:func:`save` re-wraps it after layout)."""
    ax.set_title(wrap(text, ax), fontsize=STYLE["axes.titlesize"])


def error_note(bars: Bars, n: int | None = None, interval: str = "Welch") -> str:
    """What the error bars of a figure are, for its legend or caption (``n``: seeds; for a gap,
    pairs where ``interval`` is "paired", seeds per side where it is "Welch")."""
    if bars == "std":
        return "bars: ±1 std over seeds" + (f" (n = {n})" if n else "")
    if bars == "ci95":
        count = {"paired": " pairs", "Welch": " per side"}.get(interval, "")
        return f"bars: 95% interval of the gap ({interval}" + (f", n = {n}{count})" if n else ")")
    return "no error bars"


def _rewrap(text: Text, room: float, length: float) -> None:
    """Wrap ``text`` (its lines joined) so that its ``length`` in pixels shrinks to ``room``."""
    lines = text.get_text().split("\n")
    chars = max(10, int(max(map(len, lines)) * room / length))
    text.set_text("\n".join(textwrap.wrap(" ".join(lines), chars)))


def fit_texts(fig: Figure) -> list[Text]:
    """Re-wrap every panel title and x label wider than its panel, and every y label taller than
    it, measured as the figure is now laid out; returns the texts it changed."""
    renderer = fig.canvas.get_renderer()
    changed = []
    for ax in fig.axes:
        panel = ax.get_window_extent(renderer)
        for text, vertical in ((ax.title, False), (ax.xaxis.label, False), (ax.yaxis.label, True)):
            if not text.get_text() or not text.get_visible():
                continue
            extent = text.get_window_extent(renderer)
            length = extent.height if vertical else extent.width
            room = panel.height if vertical else panel.width
            if length > room + 1.0:  # a pixel of slack for rounding
                _rewrap(text, room, length)
                changed.append(text)
    return changed


def save(fig: Figure, path: Path) -> Path:
    """Lay out (titles and labels re-wrapped to their panels as laid out, see
    :func:`fit_texts`), write ``path`` (folders created) and close the figure."""
    fig.tight_layout()
    for _ in range(3):  # wrapping changes heights, and so the layout: settle it
        if not fit_texts(fig):
            break
        fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
