"""Staff cancel a published event (everyone registered or waiting is told, in their language)
and message its confirmed attendees or its waiting list, from the event's card. Nobody else
can."""

from __future__ import annotations

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from tests.handlers.test_events import TITLE, publish, sign_up, states
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."
GERMAN_TITLE = f"{TITLE} (de)"  # tests/handlers/test_events.py `publish` writes both
HEADER = f"Message from the network team about “{TITLE}”:"


async def card(staff: SimUser, title: str = TITLE) -> BotMessage:
    """The staff card of an event, through the menu and the list."""
    staff.skip_messages()
    staff.send_text("/start")
    menu = await staff.wait_for_message()
    listing = await tapped(staff, menu, "🗓 Manage events")
    return await tapped(staff, listing, next(b for b in listing.button_labels if title in b))


async def sign_up_directly(bot: InProcessBot, user: SimUser, event_id: int) -> None:
    """A sign-up through the repository, for a member whose chat is not in English."""
    services = bot.running.services
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None
    await services.registrations.sign_up(event_id, member.id, "general", services.clock.now())


async def outbox_chats(bot: InProcessBot) -> list[int]:
    rows = await bot.running.services.db.fetchall("SELECT chat_id FROM outbox ORDER BY id")
    return [r[0] for r in rows]


async def test_staff_cancel_an_event_and_everyone_registered_or_waiting_is_told(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 26000)
    leaver = await joined_member(emulator, bot, 26001, "community")
    attendee = await joined_member(emulator, bot, 26002, "community")
    german = await joined_member(emulator, bot, 26003, "community", language="de")
    offered = await joined_member(emulator, bot, 26004, "community")
    waiting = await joined_member(emulator, bot, 26005, "police")
    event_id = await publish(bot, capacity=3)
    await sign_up(leaver)
    await sign_up(attendee)
    await sign_up_directly(bot, german, event_id)
    await sign_up(offered)
    await sign_up(waiting)
    # The first leaves: the seat is offered to the first in line.
    leaver.skip_messages()
    leaver.send_text("/events")
    listing = await leaver.wait_for_message()
    details = await tapped(leaver, listing, next(b for b in listing.button_labels if TITLE in b))
    asked = await tapped(leaver, details, "❌ Cancel my registration")
    await tapped(leaver, asked, "✖️ Yes, cancel it")
    assert await states(bot, event_id) == {
        leaver.id: "cancelled",
        attendee.id: "confirmed",
        german.id: "confirmed",
        offered.id: "offered",
        waiting.id: "waitlisted",
    }
    bot.running.sender.wake()
    offer = await offered.wait_for_message(timeout=10)
    assert (offer.plain or "").startswith("🎁 A seat has become free")
    await bot.settled()
    told_before = len(await outbox_chats(bot))

    shown = await card(staff)
    assert shown.button_labels[-3:] == ["✉️ Message registrants", "❌ Cancel event", "« Events"]
    asked = await tapped(staff, shown, "❌ Cancel event")
    assert asked.plain == (
        f"Cancel “{TITLE}”?\nEveryone registered is told, each in their language (confirmed: "
        "2, waiting: 1, offered a seat: 1). This cannot be undone."
    )
    assert asked.button_labels == ["❌ Yes, cancel it", "« Back"]
    back = await tapped(staff, asked, "« Back")  # to the card: nothing happened
    assert (await services.events.get(event_id)).state == "published"  # type: ignore[union-attr]
    asked = await tapped(staff, back, "❌ Cancel event")
    done = await tapped(staff, asked, "❌ Yes, cancel it")
    assert done.plain == f"❌ “{TITLE}” is cancelled.\n4 members are being told."
    assert done.button_labels == ["« Events"]

    row = await services.db.fetchone(
        "SELECT state, cancelled_at FROM events WHERE id = ?", (event_id,)
    )
    assert row is not None and row["state"] == "cancelled" and row["cancelled_at"] is not None
    assert set((await states(bot, event_id)).values()) == {"cancelled"}
    cancelled_at = await services.db.fetchall(
        "SELECT cancelled_at FROM registrations WHERE event_id = ? AND member_id <> ?",
        (event_id, (await services.members.get_by_telegram_id(leaver.id)).id),  # type: ignore[union-attr]
    )
    assert {r[0] for r in cancelled_at} == {row["cancelled_at"]}
    entries = await AuditRepository(services.db).entries("event.cancel")
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    assert [(e.actor_id, e.object_type, e.object_id, e.detail) for e in entries] == [
        (staff_row.id, "event", event_id, "confirmed=2 waiting=1 offered=1")
    ]

    bot.running.sender.wake()
    for user in (attendee, offered, waiting):
        told = await user.wait_for_message(timeout=10)
        assert (told.plain or "").startswith(
            f"❌ {TITLE} on Wednesday, February 10, 2027, 10:00\u202fAM was cancelled by the "
            "network team."
        ), told.plain
    told = await german.wait_for_message(timeout=10)
    assert GERMAN_TITLE in (told.plain or "")
    assert "Wednesday" not in (told.plain or "")
    assert len(await outbox_chats(bot)) == told_before + 4  # the one who left is not told

    # A second tap, and an old card's button: nothing changes.
    again = await forged(emulator, staff, done, f"evman:cancelok:{event_id}")
    assert again["text"] == "This event was cancelled already."
    again = await forged(emulator, staff, done, f"evman:msg:{event_id}")
    assert again["text"] == "This event was cancelled already."
    assert len(await AuditRepository(services.db).entries("event.cancel")) == 1
    assert len(await outbox_chats(bot)) == told_before + 4
    cancelled_card = await card(staff)
    assert "State: cancelled" in (cancelled_card.plain or "")
    assert "❌ Cancel event" not in cancelled_card.button_labels

    # Members' old buttons say so.
    offered.skip_messages()
    offered.send_text("/help")
    own = await offered.wait_for_message()
    for data in (f"events:show:{event_id}", f"events:signup:{event_id}",
                 f"events:accept:{event_id}"):  # fmt: skip
        answer = await forged(emulator, offered, own, data)
        assert answer["text"] == "This event has been cancelled.", data
    offered.skip_messages()
    offered.send_text("/events")
    assert TITLE not in ((await offered.wait_for_message()).plain or "")


async def test_staff_message_the_waiting_list_or_the_confirmed_attendees(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 26100)
    attendee = await joined_member(emulator, bot, 26101, "community")
    waiting = await joined_member(emulator, bot, 26102, "police")
    german = await joined_member(emulator, bot, 26103, "community", language="de")
    event_id = await publish(bot, capacity=1)
    await sign_up(attendee)
    await sign_up(waiting)
    await sign_up_directly(bot, german, event_id)
    await bot.settled()

    shown = await card(staff)
    choice = await tapped(staff, shown, "✉️ Message registrants")
    assert choice.plain == f"Message about “{TITLE}”\nWho should receive it?"
    assert choice.button_labels == ["✅ Confirmed (1)", "⏳ Waiting list (2)", "« Back"]
    asked = await tapped(staff, choice, "⏳ Waiting list (2)")
    assert asked.plain == (
        f"Please send the message for the waiting list of “{TITLE}” (at most 3000 "
        "characters), or /cancel to stop."
    )
    staff.send_sticker()
    rule = "Please send the message as text (at most 3000 characters), or /cancel to stop."
    assert (await staff.wait_for_message()).plain == rule
    staff.send_text("x" * 3001)
    assert (await staff.wait_for_message()).plain == (
        "This message has 3001 characters; please keep it to at most 3000, or /cancel to stop."
    )
    text = "Please bring <b>your ID</b> & a pen.\nSee you!"
    staff.send_text(text)
    preview = await staff.wait_for_message()
    assert preview.plain == (
        "Preview · to 2 members (the waiting list)\n"
        "Each recipient sees the first line in their own language.\n\n"
        f"{HEADER}\n\n{text}"
    )
    assert preview.button_labels == ["📤 Send", "✖️ Don't send"]
    staff.tap(preview, "📤 Send")
    sent = await staff.wait_for_message()
    assert sent.plain == "📤 The message is on its way to 2 members."

    bot.running.sender.wake()
    got = await waiting.wait_for_message(timeout=10)
    assert got.plain == f"{HEADER}\n\n{text}"  # shown as typed, never interpreted
    got = await german.wait_for_message(timeout=10)
    assert GERMAN_TITLE in (got.plain or "") and (got.plain or "").endswith(text)
    entries = await AuditRepository(services.db).entries("event.message")
    assert [(e.object_id, e.detail) for e in entries] == [
        (event_id, "audience=waiting recipients=2")
    ]
    assert await outbox_chats(bot) == [waiting.id, german.id]
    # Sent once: the button again does nothing.
    again = await forged(emulator, staff, preview, f"evman:send:{event_id}")
    assert again["text"] == "This message was sent already, or dropped."

    # To the confirmed attendees; the first attempt is cancelled, the second dropped.
    shown = await card(staff)
    choice = await tapped(staff, shown, "✉️ Message registrants")
    await tapped(staff, choice, "✅ Confirmed (1)")
    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == "Cancelled. No message was sent."
    staff.send_text("Not a message any more")
    assert "Not a message" not in ((await staff.wait_for_message()).plain or "")
    shown = await card(staff)
    choice = await tapped(staff, shown, "✉️ Message registrants")
    asked = await tapped(staff, choice, "✅ Confirmed (1)")
    assert "for the confirmed attendees of" in (asked.plain or "")
    staff.send_text("Doors open at 9.")
    preview = await staff.wait_for_message()
    staff.tap(preview, "✖️ Don't send")
    assert (await staff.wait_for_message()).plain == "Not sent. The message is dropped."
    shown = await card(staff)
    choice = await tapped(staff, shown, "✉️ Message registrants")
    await tapped(staff, choice, "✅ Confirmed (1)")
    staff.send_text("Doors open at 9.")
    preview = await staff.wait_for_message()
    assert preview.plain is not None and preview.plain.startswith("Preview · to 1 member (")
    staff.tap(preview, "📤 Send")
    assert (await staff.wait_for_message()).plain == "📤 The message is on its way to 1 member."
    bot.running.sender.wake()
    assert (await attendee.wait_for_message(timeout=10)).plain == f"{HEADER}\n\nDoors open at 9."
    assert await outbox_chats(bot) == [waiting.id, german.id, attendee.id]
    details = [e.detail for e in await AuditRepository(services.db).entries("event.message")]
    assert details == ["audience=waiting recipients=2", "audience=confirmed recipients=1"]
    assert await services.db.fetchall("SELECT * FROM event_message_drafts") == []


async def test_a_message_written_for_an_event_cancelled_meanwhile_is_not_sent(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 26200)
    attendee = await joined_member(emulator, bot, 26201, "community")
    event_id = await publish(bot)
    await sign_up(attendee)
    shown = await card(staff)
    choice = await tapped(staff, shown, "✉️ Message registrants")
    await tapped(staff, choice, "✅ Confirmed (1)")
    staff.send_text("See you there")
    preview = await staff.wait_for_message()
    # Cancelled from another card meanwhile.
    asked = await tapped(staff, await card(staff), "❌ Cancel event")
    await tapped(staff, asked, "❌ Yes, cancel it")
    answer = await forged(emulator, staff, preview, f"evman:send:{event_id}")
    assert answer["text"] == "This event was cancelled or is over, so the message was not sent."
    await bot.settled()
    assert (
        await bot.running.services.db.fetchall(
            "SELECT * FROM audit_log WHERE action = 'event.message'"
        )
        == []
    )


async def test_nobody_but_staff_cancels_or_messages(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    police = await joined_member(emulator, bot, 26300, "police")
    event_id = await publish(bot)
    await sign_up(police)
    police.send_text("/help")
    own = await police.wait_for_message()
    denied_before = len(await AuditRepository(services.db).entries("access.denied"))
    forgeries = (
        f"evman:cancel:{event_id}",
        f"evman:cancelok:{event_id}",
        f"evman:msg:{event_id}",
        f"evman:to:{event_id}:confirmed",
        f"evman:send:{event_id}",
        f"evman:drop:{event_id}",
    )
    for data in forgeries:
        answer = await forged(emulator, police, own, data)
        assert answer["text"] == STAFF_ONLY, data
        assert answer["show_alert"] is True
    await bot.settled()
    event = await services.events.get(event_id)
    assert event is not None and event.state == "published"
    assert await states(bot, event_id) == {police.id: "confirmed"}
    denied = await AuditRepository(services.db).entries("access.denied")
    assert len(denied) - denied_before == len(forgeries)
    assert await services.db.fetchall("SELECT * FROM event_message_drafts") == []
