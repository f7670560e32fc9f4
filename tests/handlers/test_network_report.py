"""/report: staff ask for the network report of a period and get a message, two charts and
a workbook with the figures; small counts are hidden; nobody else gets it."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from bot.clock import ManualClock
from sandbox.emulator import Emulator
from storage.db import Database
from tests.storage.test_network_report import NOW, seed
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged

STAFF_ONLY = "This is only for the network team."
FORUM = "Dialogforum <Berlin> & Co"


async def test_staff_get_message_charts_and_workbook_for_this_year(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 56000)
    for n in range(4):
        await joined_member(emulator, bot, 56001 + n, "community")
    await joined_member(emulator, bot, 56010, "police")

    staff.send_text("/report")
    choice = await staff.wait_for_message()
    assert (choice.plain or "").startswith("📊 Network report")
    assert choice.button_labels == ["This quarter", "Last quarter", "This year", "Other period…"]
    staff.skip_messages()
    staff.tap(choice, "This year")
    text, trend, regions, workbook = await staff.wait_for_messages(4, timeout=30)
    plain = text.plain or ""
    assert plain.startswith("📊 Network report\nThis year: Jan 1, 2027 – Dec 31, 2027")
    # One staff member, four community representatives, one police contact: 1 hides the
    # staff count and the total that would give it away.
    assert (
        "Active: – (4 community representatives, < 3 police contacts, < 3 in the network team)"
        in plain
    )
    assert "No event was held in the period." in plain
    assert trend.method == "sendPhoto" and regions.method == "sendPhoto"
    assert trend.photo is not None and trend.photo.content.startswith(b"\x89PNG")
    assert workbook.document is not None
    assert (workbook.document.filename or "").endswith(".xlsx")
    book = load_workbook(io.BytesIO(workbook.document.content))
    assert book.sheetnames == ["Members", "Events", "Introductions", "Check-ins", "Trend"]
    rows = [[c.value for c in row] for row in book["Members"].iter_rows()]
    assert rows[0][:5] == [
        "Region",
        "community representative: active",
        "police contact: active",
        "member of the network team: active",
        "Total: active",
    ]
    audit = await bot.running.services.db.fetchall(
        "SELECT action, detail FROM audit_log WHERE action = 'report.create'"
    )
    assert [tuple(r) for r in audit] == [("report.create", "year 2027-01-01..2027-12-31")]


async def test_another_period_by_dates_and_wrong_dates_get_one_sentence(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 56100)
    choice_wrong = [
        ("/report 1.1.2026", "Please give two dates, for example /report 1.1.2026 30.6.2026."),
        (
            "/report 31.2.2026 1.3.2026",
            "Please give two dates, for example /report 1.1.2026 30.6.2026.",
        ),
        ("/report 1.6.2026 1.1.2026", "The last day comes before the first. Please swap them."),
        ("/report 1.1.2030 2.1.2030", "The period has not begun yet."),
        ("/report 1.1.2000 1.1.2026", "A report covers at most five years."),
    ]
    for command, answer in choice_wrong:
        staff.send_text(command)
        assert (await staff.wait_for_message()).plain == answer, command
    staff.send_text("/report 2026-10-01 31.12.2026")
    text = await staff.wait_for_message(timeout=30)
    assert (text.plain or "").startswith(
        "📊 Network report\nChosen period: Oct 1, 2026 – Dec 31, 2026"
    )
    await staff.wait_for_messages(3, timeout=30)


async def test_nobody_but_staff_gets_a_report(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 56200)
    member = await joined_member(emulator, bot, 56201, "police")
    member.send_text("/report")
    assert (await member.wait_for_message()).plain == STAFF_ONLY
    staff.send_text("/report")
    choice = await staff.wait_for_message()
    answer = await forged(emulator, member, choice, "nr:year")
    assert answer["text"] == STAFF_ONLY
    await bot.settled()
    assert not [m for m in member.messages if m.document is not None]
    denied = await bot.running.services.db.fetchall(
        "SELECT count(*) FROM audit_log WHERE action = 'access.denied'"
    )
    assert denied[0][0] == 2
    assert not await bot.running.services.db.fetchall(
        "SELECT 1 FROM audit_log WHERE action = 'report.create'"
    )


async def test_the_quarter_of_a_known_data_set_with_every_small_count_hidden(
    emulator: Emulator, db_path: Path
) -> None:
    db = await Database.open(db_path)
    try:
        await seed(db)  # the data set whose every figure tests/storage checks
        # A title as staff may type it: shown as typed, not read as HTML.
        await db.write_one(
            "UPDATE event_texts SET title = ? WHERE title = 'Dialogforum Berlin'", (FORUM,)
        )
    finally:
        await db.close()
    bot = await InProcessBot(emulator, db_path, ManualClock(NOW)).start()
    try:
        staff = await staff_member(emulator, bot, 56300)
        staff.send_text("/report")
        choice = await staff.wait_for_message()
        staff.skip_messages()
        staff.tap(choice, "This quarter")
        text, _, _, workbook = await staff.wait_for_messages(4, timeout=30)
    finally:
        await bot.stop()
    lines = (text.plain or "").splitlines()
    assert lines[1] == "This quarter: Jan 1, 2027 – Mar 31, 2027"
    expected = [
        # 4 community, 2 police, 2 staff (the one asking is new in the quarter, too).
        "Active: – (4 community representatives, < 3 police contacts, < 3 in the network team)",
        "New in the period: 5 · applications waiting: < 3 · unreachable: < 3",
        "Held: 3 · confirmed registrations: 8 (3 police, 4 community)",
        "Attendance where it was taken: 83%",
        # One answer on each side: the averages would be theirs.
        f"{FORUM}: “changed my view of the other side” (1–5): police not shown, "
        "community not shown",
        "Requested: < 3 · introduced: – · declined: 0 · no answer in time: 0 · passed to the "
        "team: 0",
        "Median time to acceptance: not shown",
        "Round of Jan 11, 2027: < 3 of 3 projects answered (not shown) · obstacles named: < 3 "
        "· support asked for: < 3 (< 3 followed up)",
    ]
    for line in expected:
        assert line in lines, (line, lines)

    assert workbook.document is not None
    book = load_workbook(io.BytesIO(workbook.document.content))
    events = [[c.value for c in row] for row in book["Events"].iter_rows()]
    assert [row[0] for row in events] == [
        "Event",
        "Neujahr",
        FORUM,
        "Vortrag",
        "Total",
    ]
    assert events[2][2:8] == ["Berlin", 6, "< 3", 3, 5, 4]
    assert events[3][3:6] == ["< 3", "< 3", "< 3"]
    assert events[4][3:6] == [8, "–", "–"]  # the column totals would give the small ones away
    members = {row[0].value: [c.value for c in row] for row in book["Members"].iter_rows()}
    # Berlin: 3 active community representatives; Lower Saxony: 2 police contacts.
    assert members["Berlin"][1] == 3 and members["Lower Saxony"][2] == "< 3"
    trend = [[c.value for c in row] for row in book["Trend"].iter_rows()]
    assert trend[-1] == ["Q1 2027", 8, 3, "< 3", "< 3", 67]
    assert len(trend) == 1 + 8
