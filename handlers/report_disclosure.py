"""Hiding small counts in the network report, so that nobody can be singled out.

A count of 1 or 2 is shown as "< 3" (0 is shown: it says nothing about anyone). Hiding it is
not enough where totals are printed: a row total minus the other cells gives the hidden one
back, and even two hidden cells summing to 2 must both be 1. So every total whose line holds
a hidden entry is hidden as well (shown as "–"): a row's total, a column's total, and the
grand total when any of those is hidden. No sum that involves a hidden count is printed.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL = 3
SMALL_MARK = "< 3"
HIDDEN_MARK = "–"


def shown(count: int) -> str:
    """One count on its own (no total it could be worked out from)."""
    return SMALL_MARK if 0 < count < SMALL else str(count)


@dataclass(frozen=True)
class Protected:
    """A table of counts with its totals, as it may be shown: text for every entry."""

    cells: list[list[str]]
    row_totals: list[str]
    column_totals: list[str]
    grand_total: str


def protect(rows: list[list[int]]) -> Protected:
    """The table ``rows`` (every row the same length) with row, column and grand totals."""
    height = len(rows)
    width = len(rows[0]) if rows else 0
    # The full grid: cells, a totals column on the right, a totals row at the bottom.
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(row[j] for row in rows) for j in range(width)] + [sum(map(sum, rows))])
    small = {(i, j) for i in range(height) for j in range(width) if 0 < rows[i][j] < SMALL}
    hidden = set(small)
    hidden |= {(i, width) for i in range(height) if any((i, j) in small for j in range(width))}
    hidden |= {(height, j) for j in range(width) if any((i, j) in small for i in range(height))}
    if any(
        place in hidden
        for place in [*((i, width) for i in range(height)), *((height, j) for j in range(width))]
    ):
        hidden.add((height, width))

    def text(i: int, j: int) -> str:
        if (i, j) in small:
            return SMALL_MARK
        return HIDDEN_MARK if (i, j) in hidden else str(grid[i][j])

    return Protected(
        cells=[[text(i, j) for j in range(width)] for i in range(height)],
        row_totals=[text(i, width) for i in range(height)],
        column_totals=[text(height, j) for j in range(width)],
        grand_total=text(height, width),
    )


def protect_list(values: list[int], *, total_published: bool = False) -> tuple[list[str], str]:
    """Counts of one kind (requests by region, say) and their total. When the total is shown
    elsewhere anyway (``total_published``), the smallest other count is hidden too, so the
    hidden ones have no known sum."""
    small = {i for i, value in enumerate(values) if 0 < value < SMALL}
    hidden = set(small)
    if small and total_published:
        others = [i for i in range(len(values)) if i not in small]
        if others:
            hidden.add(min(others, key=lambda i: values[i]))
    cells = [
        SMALL_MARK if i in small else HIDDEN_MARK if i in hidden else str(value)
        for i, value in enumerate(values)
    ]
    total_hidden = bool(small) and not total_published
    return cells, HIDDEN_MARK if total_hidden else str(sum(values))
