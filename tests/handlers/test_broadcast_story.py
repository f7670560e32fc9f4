"""One broadcast from beginning to end through the chat, with four-eyes approval: staff
compose it in German and English, see the preview, send it; a second staff member approves;
every member gets their language's version (a member who blocked the bot is found out and
reported), the author watches one progress message and gets the report and its CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, staff_member
from tests.support.taps import tapped


async def next_with(user: SimUser, fragment: str) -> BotMessage:
    while True:
        message = await user.wait_for_message(10)
        if fragment in (message.plain or ""):
            return message


async def test_compose_approve_send_progress_and_report(emulator: Emulator, db_path: Path) -> None:
    bot = await InProcessBot(emulator, db_path, KOSIZU_BROADCAST_APPROVAL="1").start()
    try:
        author = await staff_member(emulator, bot, 53000)
        second = await staff_member(emulator, bot, 53001)
        english = await joined_member(emulator, bot, 53002, "community", name="Amira")
        german = await joined_member(emulator, bot, 53003, "police", name="Jonas", language="de")
        turkish = await joined_member(emulator, bot, 53004, "community", language="tr")
        gone = await joined_member(emulator, bot, 53005, "community", name="Blocked Bea")
        gone.block_bot(notify=False)  # the bot finds out only when it writes

        # Composing: German with formatting, then English; the audience is the members.
        author.send_text("/broadcast")
        await next_with(author, "Send the announcement in German")
        author.send_message(
            {
                "text": "Einladung zum Jahreskolloquium",
                "entities": [{"type": "bold", "offset": 0, "length": 9}],
            }
        )
        versions = await next_with(author, "Saved the German version.")
        await tapped(author, versions, "➕ English")
        author.send_text("Invitation to the annual colloquium")
        versions = await next_with(author, "Saved the English version.")
        audience = await tapped(author, versions, "Continue »")
        audience = await tapped(author, audience, "community representatives")
        audience = await tapped(author, audience, "police contacts")
        assert "Everyone matching: 4 members" in (audience.plain or "")
        # Turkish has no version: the German one goes to that member once confirmed.
        fallback = await tapped(author, audience, "Continue »")
        assert "German" in (fallback.plain or "")
        author.tap(fallback, "✅ Send the German version to them")
        preview_de = await next_with(author, "Einladung zum Jahreskolloquium")
        assert preview_de.text == "<b>Einladung</b> zum Jahreskolloquium"
        await next_with(author, "Invitation to the annual colloquium")
        summary = await next_with(author, "Recipients: 4 members")
        waiting = await tapped(author, summary, "📤 Send now")
        assert "must approve this broadcast before it is sent" in (waiting.plain or "")
        for member in (english, german, turkish):
            assert [m for m in member.messages if "olloquium" in (m.plain or "")] == []

        # The second staff member sees the preview and approves.
        request = await next_with(second, "Approval needed")
        second.tap(request, "✅ Approve broadcast")
        await next_with(author, "approved your broadcast")

        # Progress, then the report with the member who blocked the bot in its CSV.
        async def reported() -> bool:
            return any((m.plain or "").startswith("📊 Report of") for m in author.messages)

        await eventually(reported, 20, "the report")
        report = next(m for m in author.messages if (m.plain or "").startswith("📊 Report of"))
        assert "✅ Delivered: 3" in (report.plain or "")
        assert "🚫 Blocked the bot or deleted their account: 1" in (report.plain or "")
        progress = [m for m in author.messages if (m.plain or "").startswith("📣 Broadcast #")]
        assert len(progress) == 1 and "4 / 4" in (progress[0].plain or "")
        await eventually(lambda: _has_document(author), 10, "the CSV of who was not reached")
        document = next(m.document for m in author.messages if m.document is not None)
        assert document is not None
        rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
        assert any("Blocked Bea" in row for row in rows[1:])

        assert [m.plain for m in english.messages if "olloquium" in (m.plain or "")] == [
            "Invitation to the annual colloquium"
        ]
        for member in (german, turkish):
            assert [m.plain for m in member.messages if "olloquium" in (m.plain or "")] == [
                "Einladung zum Jahreskolloquium"
            ]
        actions = await bot.running.services.db.fetchall(
            "SELECT action FROM audit_log WHERE object_type = 'broadcast' ORDER BY id"
        )
        assert [a["action"] for a in actions] == [
            "broadcast.submit",
            "broadcast.approve",
            "broadcast.queue",
            "broadcast.sent",
        ]
    finally:
        await bot.stop()


async def _has_document(user: SimUser) -> bool:
    return any(m.document is not None for m in user.messages)
