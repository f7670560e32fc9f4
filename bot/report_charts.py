"""The network report's charts as PNG: the trend over the last quarters, and active members
per Bundesland. matplotlib's object API on the Agg backend (no display, no global state), so
it is safe to run in a worker thread: callers use asyncio.to_thread.

Counts of 1 or 2 are drawn as empty bars labelled "< 3", like the tables.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

SMALL = 3
SMALL_MARK = "< 3"
COLOURS = ("#1f5f99", "#d9822b", "#3a8f5c", "#8a4f9e")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # None: nothing to draw (no round opened, say)


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _hidden(value: float | None) -> bool:
    return value is not None and 0 < value < SMALL


def trend_chart(
    title: str, quarters: Sequence[str], counts: Sequence[Series], rate: Series, rate_axis: str
) -> bytes:
    """Counts per quarter as grouped bars; a share (0-1) as a line on a second axis."""
    figure = Figure(figsize=(8, 4.2))
    axes = figure.add_subplot()
    width = 0.8 / max(len(counts), 1)
    for number, series in enumerate(counts):
        places = [q + (number - (len(counts) - 1) / 2) * width for q in range(len(quarters))]
        heights = [0 if v is None or _hidden(v) else v for v in series.values]
        bars = axes.bar(
            places, heights, width, label=series.label, color=COLOURS[number % len(COLOURS)]
        )
        for bar, value in zip(bars, series.values, strict=True):
            if _hidden(value):
                # Upright, so the marks of neighbouring narrow bars do not run together.
                axes.annotate(SMALL_MARK, (bar.get_x() + bar.get_width() / 2, 0), ha="center",
                              va="bottom", fontsize=7, rotation=90)  # fmt: skip
    axes.set_xticks(range(len(quarters)), quarters)
    # Whole numbers from 0, also when every count is 0 (matplotlib would centre the axis on 0).
    tallest = max([v for series in counts for v in series.values if v is not None], default=0)
    axes.set_ylim(0, max(5.0, tallest * 1.15))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    axes.legend(loc="upper left", fontsize=8)
    share = axes.twinx()
    points = [(q, v * 100) for q, v in enumerate(rate.values) if v is not None]
    if points:
        share.plot([q for q, _ in points], [v for _, v in points], marker="o",
                   color=COLOURS[3], label=rate.label)  # fmt: skip
        share.legend(loc="upper right", fontsize=8)
    share.set_ylim(0, 100)
    share.set_ylabel(rate_axis)
    return _png(figure)


def regions_chart(title: str, regions: Sequence[str], stacks: Sequence[Series]) -> bytes:
    """One horizontal bar per region, its parts stacked."""
    figure = Figure(figsize=(8, 0.35 * len(regions) + 1.5))
    axes = figure.add_subplot()
    left = [0.0] * len(regions)
    for number, series in enumerate(stacks):
        widths = [0 if v is None or _hidden(v) else v for v in series.values]
        axes.barh(regions, widths, left=left, label=series.label,
                  color=COLOURS[number % len(COLOURS)])  # fmt: skip
        for row, value in enumerate(series.values):
            if _hidden(value):
                axes.annotate(SMALL_MARK, (left[row], row), xytext=(3, 0), va="center",
                              fontsize=7, textcoords="offset points")  # fmt: skip
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlim(0, max(5.0, max(left, default=0.0) * 1.2))  # room for a last "< 3"
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    if regions:
        axes.legend(loc="best", fontsize=8)
    return _png(figure)
