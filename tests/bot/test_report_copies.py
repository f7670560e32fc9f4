"""The network report's copy for staff: when a check-in round's summary goes to the team,
every active staff member also gets the report of the last complete quarter (message, two
charts, workbook) in their language, once, whatever restarts happen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import ManualClock
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from storage.db import Database
from tests.storage.test_network_report import NOW, seed
from tests.support.harness import InProcessBot, eventually
from tests.support.members import staff_member

HEADINGS = ("📊 Network report", "📊 Netzwerkbericht")


def copies(user: SimUser) -> list[str]:
    """The report messages a staff member got: the text's first lines, then the files."""
    found = []
    for message in user.messages:
        if (message.plain or "").startswith(HEADINGS):
            found.append("\n".join((message.plain or "").splitlines()[:2]))
        elif message.photo is not None:
            found.append("photo")
        elif message.document is not None and message.document.filename == "network-report.xlsx":
            found.append("workbook")
    return found


async def test_staff_get_the_last_quarters_report_with_the_rounds_summary_once(
    emulator: Emulator, db_path: Path
) -> None:
    db = await Database.open(db_path)
    try:
        seeded = await seed(db)  # two rounds, both past their close on NOW
    finally:
        await db.close()
    clock = ManualClock(NOW)
    bot = await InProcessBot(emulator, db_path, clock).start()
    try:
        english = await staff_member(emulator, bot, 56500)
        german = await staff_member(emulator, bot, 56501, language="de")
        # The check-in job runs at the next minute: it closes both rounds and sends their
        # summaries; the report copy follows.
        clock.advance(timedelta(minutes=1))

        async def arrived() -> bool:
            return len(copies(english)) == 4 and len(copies(german)) == 4

        await eventually(arrived, 20, "the report copies")
    finally:
        await bot.stop()
    # Both rounds' summaries went at once: the same quarter's report, once.
    assert copies(english) == [
        "📊 Network report\nLast quarter: Oct 1, 2026 – Dec 31, 2026",
        "photo",
        "photo",
        "workbook",
    ]
    assert copies(german)[0].startswith("📊 Netzwerkbericht")
    rows = await Database.open(db_path)
    try:
        sent = await rows.fetchall("SELECT report_sent_at IS NOT NULL FROM checkin_rounds")
        assert [r[0] for r in sent] == [1, 1]
    finally:
        await rows.close()
    assert seeded.rounds

    # A restart sends nothing again.
    bot = await InProcessBot(emulator, db_path, clock).start()
    try:
        clock.advance(timedelta(minutes=1))
        await bot.settled()
        await bot.running.copies.send_due()
    finally:
        await bot.stop()
    assert len(copies(english)) == 4 and len(copies(german)) == 4
