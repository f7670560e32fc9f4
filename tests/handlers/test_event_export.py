"""Staff export an event's registrations as a spreadsheet from the event card: sensitive
answers only when chosen, the file protected from forwarding, every export audited, nothing
members typed ever a formula. Nobody else can export."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from tests.handlers.test_events import TITLE, open_event, publish
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."
STALE = "This button no longer works. Send /start to open the menu again."
EXPORT = "📊 Export (XLSX)"
PLAIN = "Without sensitive answers"
SENSITIVE = "With sensitive answers"
# The clocked bot's default language is German: question headers are in it.
UNIT = {"de": "Welche Dienststelle oder welcher Verein?", "en": "Which unit or association?"}
ACCESS = {"de": "Brauchen Sie einen barrierefreien Zugang?", "en": "Do you need step-free access?"}


async def sign_up_answering(user: SimUser, unit: str, access: str) -> None:
    details = await open_event(user)
    user.tap(
        details, next(label for label in details.button_labels if "✍️" in label or "⏳" in label)
    )
    await user.wait_for_message()  # the first question
    user.send_text(unit)
    user.tap(await user.wait_for_message(), access)
    await user.wait_for_message()  # confirmed or waiting
    user.skip_messages()


async def card_of_event(staff: SimUser) -> BotMessage:
    staff.send_text("/start")
    listing = await tapped(staff, await staff.wait_for_message(), "🗓 Manage events")
    label = next(label for label in listing.button_labels if TITLE in label)
    return await tapped(staff, listing, label)


async def exported(
    staff: SimUser, choice: BotMessage, label: str
) -> tuple[BotMessage, list[list[object]]]:
    staff.tap(choice, label)
    sent = await staff.wait_for_message()
    assert sent.document is not None
    sheet = openpyxl.load_workbook(io.BytesIO(sent.document.content)).active
    return sent, [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_staff_export_registrations_with_and_without_sensitive_answers(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 27000)
    mosque = await services.organisations.add(
        "DITIB Köln", "mosque_association", "DE-NW", services.clock.now(), actor_id=None
    )
    first = await joined_member(emulator, bot, 27001, "community", name="=1+1 Ayşe",
                                organisation_id=mosque.id)  # fmt: skip
    second = await joined_member(emulator, bot, 27002, "police", name="Jonas Weber")
    event_id = await publish(
        bot, capacity=1, questions=[("text", UNIT, None, True), ("yes_no", ACCESS, None, True)]
    )
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE event_questions SET sensitive = 0 WHERE event_id = ? AND position = 1",
            (event_id,),
        )
    await sign_up_answering(first, "@SUM(A1:A9)", "Yes")
    await sign_up_answering(second, "PP Köln", "No")

    card = await card_of_event(staff)
    assert EXPORT in card.button_labels
    choice = await tapped(staff, card, EXPORT)
    assert (choice.plain or "").startswith(
        f"📊 Export the registrations of “{TITLE}” as a spreadsheet."
    )
    assert choice.button_labels == [PLAIN, SENSITIVE, "« Back"]

    sent, rows = await exported(staff, choice, PLAIN)
    assert sent.protect_content is True
    assert sent.document is not None
    assert sent.document.filename == f"event-{event_id}-registrations.xlsx"
    assert sent.caption_plain == f"📊 “{TITLE}”: 2 registrations, without sensitive answers."
    registered = datetime(2027, 1, 11, 9, 0)  # 08:00 UTC on the clocked bot, in Berlin
    assert rows == [
        ["Name", "Role", "Organisation", "State", "Waiting position",
         "Registered at (Europe/Berlin)", UNIT["de"], "Attended"],
        ["'=1+1 Ayşe", "community representative", "DITIB Köln", "confirmed", None,
         registered, "'@SUM(A1:A9)", None],
        ["Jonas Weber", "police contact", None, "waiting list", 1, registered, "PP Köln", None],
    ]  # fmt: skip

    _, rows = await exported(staff, choice, SENSITIVE)
    assert rows[0][6:] == [UNIT["de"], f"{ACCESS['de']} (sensitive)", "Attended"]
    assert [row[6:8] for row in rows[1:]] == [["'@SUM(A1:A9)", "Yes"], ["PP Köln", "No"]]

    staff_id = (await services.members.get_by_telegram_id(staff.id)).id  # type: ignore[union-attr]
    audit = await AuditRepository(services.db).entries("event.export")
    assert [(e.actor_id, e.object_type, e.object_id, e.detail) for e in audit] == [
        (staff_id, "event", event_id, "sensitive=no rows=2"),
        (staff_id, "event", event_id, "sensitive=yes rows=2"),
    ]

    back = await tapped(staff, choice, "« Back")
    assert EXPORT in back.button_labels
    # Forged and outdated export buttons: unknown events, drafts, unknown actions.
    draft_id = await publish(bot, "A draft", state="draft", published_at=None)
    for data in (f"evexp:full:{draft_id}", "evexp:full:999999", f"evexp:zip:{event_id}",
                 "evexp:ask:²", "evexp"):  # fmt: skip
        assert (await forged(emulator, staff, back, data))["text"] == STALE, data
    assert len(await AuditRepository(services.db).entries("event.export")) == 2


async def test_nobody_but_staff_exports(emulator: Emulator, clocked_bot: InProcessBot) -> None:
    bot = clocked_bot
    services = bot.running.services
    member = await joined_member(emulator, bot, 27100, "community")
    event_id = await publish(bot)
    member.send_text("/help")
    own = await member.wait_for_message()
    for data in (f"evexp:ask:{event_id}", f"evexp:plain:{event_id}", f"evexp:full:{event_id}"):
        reply = await forged(emulator, member, own, data)
        assert reply["text"] == STAFF_ONLY and reply["show_alert"] is True, data
    await bot.settled()
    assert all(message.document is None for message in member.messages)
    assert await AuditRepository(services.db).entries("event.export") == []
    denied = await AuditRepository(services.db).entries("access.denied")
    assert [e.detail for e in denied] == ["button=event_export"] * 3
