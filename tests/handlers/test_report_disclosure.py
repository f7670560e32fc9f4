"""Small counts in the network report: shown as "< 3", and no hidden one can be worked out
from the totals printed beside it."""

from __future__ import annotations

from itertools import product

from handlers.report_disclosure import HIDDEN_MARK, SMALL_MARK, protect, protect_list, shown


def test_a_count_on_its_own() -> None:
    assert [shown(n) for n in (0, 1, 2, 3, 40)] == ["0", SMALL_MARK, SMALL_MARK, "3", "40"]


def test_nothing_small_shows_everything() -> None:
    table = protect([[5, 0], [7, 3]])
    assert table.cells == [["5", "0"], ["7", "3"]]
    assert table.row_totals == ["5", "10"]
    assert table.column_totals == ["12", "3"]
    assert table.grand_total == "15"


def test_one_small_cell_hides_the_totals_of_its_row_and_column_and_the_grand_total() -> None:
    table = protect([[5, 1], [7, 3]])
    assert table.cells == [["5", SMALL_MARK], ["7", "3"]]
    assert table.row_totals == [HIDDEN_MARK, "10"]
    assert table.column_totals == ["12", HIDDEN_MARK]
    assert table.grand_total == HIDDEN_MARK


def worked_out(rows: list[list[int]]) -> set[tuple[int, int]]:
    """The hidden cells a reader can compute exactly from what is shown (by brute force over
    every value 0..9 the hidden entries could have)."""
    table = protect(rows)
    height, width = len(rows), len(rows[0])
    shown_grid = [[*table.cells[i], table.row_totals[i]] for i in range(height)]
    shown_grid.append([*table.column_totals, table.grand_total])
    unknown = [
        (i, j)
        for i in range(height)
        for j in range(width)
        if shown_grid[i][j] in (SMALL_MARK, HIDDEN_MARK)
    ]
    solutions: list[tuple[int, ...]] = []
    for guess in product(range(10), repeat=len(unknown)):
        grid = [row[:] for row in rows]
        for (i, j), value in zip(unknown, guess, strict=True):
            grid[i][j] = value
        if any(shown_grid[i][j] == SMALL_MARK and not 0 < grid[i][j] < 3 for i, j in unknown):
            continue
        totals_ok = (
            all(
                shown_grid[i][width] in (SMALL_MARK, HIDDEN_MARK)
                or int(shown_grid[i][width]) == sum(grid[i])
                for i in range(height)
            )
            and all(
                shown_grid[height][j] in (SMALL_MARK, HIDDEN_MARK)
                or int(shown_grid[height][j]) == sum(grid[i][j] for i in range(height))
                for j in range(width)
            )
            and (
                shown_grid[height][width] == HIDDEN_MARK
                or int(shown_grid[height][width]) == sum(map(sum, grid))
            )
        )
        if totals_ok:
            solutions.append(guess)
    return {place for k, place in enumerate(unknown) if len({s[k] for s in solutions}) == 1}


def test_no_hidden_cell_can_be_worked_out() -> None:
    tables = ([[5, 1], [7, 3]], [[1, 4, 6], [2, 5, 0]], [[0, 2], [0, 9]], [[1, 1], [1, 1]],
              [[1, 1, 8], [4, 5, 6]])  # fmt: skip
    for rows in tables:
        assert worked_out(rows) == set(), rows


def test_a_list_hides_its_total_or_a_second_cell_when_the_total_is_printed_elsewhere() -> None:
    assert protect_list([4, 1, 6]) == (["4", SMALL_MARK, "6"], HIDDEN_MARK)
    assert protect_list([4, 1, 6], total_published=True) == ([HIDDEN_MARK, SMALL_MARK, "6"], "11")
    # Two small ones and the total: 1 + 1 = 2 would give both away.
    assert protect_list([1, 1, 9], total_published=True) == (
        [SMALL_MARK, SMALL_MARK, HIDDEN_MARK],
        "11",
    )
    assert protect_list([4, 0, 6]) == (["4", "0", "6"], "10")
    assert protect_list([]) == ([], "0")
