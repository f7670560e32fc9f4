"""The spreadsheet builder: what members typed never becomes a formula."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from bot.xlsx_export import neutralise, workbook_bytes


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("=1+1", "'=1+1"),
        ("+49 221 123456", "'+49 221 123456"),
        ("-5", "'-5"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"),
        ("\r=1+1", "'\r=1+1"),
        ("Vegetarian = no meat", "Vegetarian = no meat"),
        ("", ""),
        ("bell\x07 and nul\x00 removed", "bell and nul removed"),
    ],
)
def test_text_that_could_be_a_formula_gets_an_apostrophe(typed: str, stored: str) -> None:
    assert neutralise(typed) == stored


def test_the_workbook_has_the_headers_and_values_and_no_formula() -> None:
    registered = datetime(2027, 2, 1, 9, 30)
    content = workbook_bytes(
        "Registrations: [all]",
        ["Name", '=HYPERLINK("x")', "Position", "Registered at", "Attended"],
        [
            ["=1+1", "@SUM(A1:A2)", 3, registered, None],
            ["Ayşe Yılmaz", "-5", None, registered, None],
        ],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Registrations   all"  # characters sheet names may not hold
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [
        ["Name", '\'=HYPERLINK("x")', "Position", "Registered at", "Attended"],
        ["'=1+1", "'@SUM(A1:A2)", 3, registered, None],
        ["Ayşe Yılmaz", "'-5", None, registered, None],
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.freeze_panes == "A2"


def test_an_aware_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        workbook_bytes("Sheet", ["At"], [[datetime(2027, 1, 1, tzinfo=UTC)]])
