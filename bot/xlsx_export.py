"""Spreadsheets for staff exports: headers and rows in, the bytes of an .xlsx file out.

Every text cell is written as a string, and one that a spreadsheet program could take for a
formula (or that turns into one when the sheet is saved as CSV) gets a leading apostrophe, as
OWASP recommends against CSV / formula injection: members type names and answers themselves.
Pure and synchronous; callers run it off the event loop (asyncio.to_thread).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CellValue = str | int | float | datetime | None

# A value starting with one of these is read as a formula by some spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_TITLE_MAX = 31
_WIDTH_MIN, _WIDTH_MAX = 10, 50


def neutralise(text: str) -> str:
    """The text as a spreadsheet shows it without ever evaluating it."""
    # Control characters are not allowed in the file format at all (openpyxl refuses them).
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[CellValue]]


def workbook_bytes(
    sheet_title: str, headers: Sequence[str], rows: Sequence[Sequence[CellValue]]
) -> bytes:
    """One sheet: a bold, frozen header row, then the rows. A datetime must be naive (the
    caller picks the timezone: the file format has none); it is shown as date and time."""
    return workbook_of([Sheet(sheet_title, headers, rows)])


def workbook_of(sheets: Sequence[Sheet]) -> bytes:
    """Several sheets, each written as ``workbook_bytes`` writes its one."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    for number, sheet in enumerate(sheets):
        _fill(first if number == 0 else workbook.create_sheet(), sheet, number + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(sheet: Any, content: Sheet, number: int) -> None:
    title = _SHEET_TITLE_FORBIDDEN.sub(" ", content.title).strip()[:_SHEET_TITLE_MAX]
    sheet.title = title or f"Sheet{number}"
    widths = [len(h) for h in content.headers]
    bold = Font(bold=True)
    for column, header in enumerate(content.headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _write(cell, header)
        cell.font = bold
    for row_number, row in enumerate(content.rows, start=2):
        for column, value in enumerate(row, start=1):
            _write(sheet.cell(row=row_number, column=column), value)
            if column <= len(widths):
                shown = len(DATETIME_FORMAT) if isinstance(value, datetime) else len(str(value))
                widths[column - 1] = max(widths[column - 1], 0 if value is None else shown)
    for column, width in enumerate(widths, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(_WIDTH_MAX, max(_WIDTH_MIN, width + 2))
    sheet.freeze_panes = "A2"


def _write(cell: Any, value: CellValue) -> None:
    if isinstance(value, str):
        cell.value = neutralise(value)
        # Pinned as text: openpyxl would otherwise take a leading "=" for a formula.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("spreadsheet datetimes must be naive; convert them first")
        cell.value = value
        cell.number_format = DATETIME_FORMAT
    else:
        cell.value = value
