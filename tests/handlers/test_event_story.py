"""One event from beginning to end, through the real bot: staff create and publish it, members
sign up for balanced seats, the waiting list moves through a claim window, staff move it to
another venue, reminders go out once each across a stop of the bot, staff export, take
attendance and collect feedback; and a second event is cancelled with everyone on it told."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import icalendar
import openpyxl

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from tests.handlers.test_event_reminders import run_job
from tests.handlers.test_events import publish, states
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import tapped

TITLE = "Dialogplattform Köln"
QUESTION = "Bringen Sie eine Begleitperson mit?"
NNBSP = "\u202f"
# The clocked bot starts on Monday 11 January 2027, 08:00 UTC; the event is two weeks later.
STARTS = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
ENDS = datetime(2027, 1, 25, 15, 0, tzinfo=UTC)


async def answer(user: SimUser, text: str) -> BotMessage:
    user.send_text(text)
    return await user.wait_for_message()


async def create_and_publish(staff: SimUser) -> BotMessage:
    """/newevent to the end: the network's default language is German, the staff member reads
    English; 3 seats, of them 1 for each side, and one yes/no question left sensitive."""
    staff.send_text("/newevent")
    step = await tapped(staff, await staff.wait_for_message(), "Dialogue platform")
    step = await answer(staff, TITLE)
    step = await tapped(staff, step, "Skip")  # no description
    step = await answer(staff, "25.01.2027 10:00")
    step = await answer(staff, "16:00")
    step = await tapped(staff, step, "📍 At a venue")
    step = await answer(staff, "Rathaus Köln, Rathausplatz 2")
    step = await tapped(staff, step, "North Rhine-Westphalia")
    step = await tapped(staff, step, "Done")  # everyone may attend
    step = await answer(staff, "3")
    step = await answer(staff, "1 1")
    step = await answer(staff, "2027-01-24 18:00")
    step = await tapped(staff, step, "➕ Add a question")
    step = await tapped(staff, step, "Yes / no")
    step = await answer(staff, QUESTION)
    step = await tapped(staff, step, "🔒 Sensitive")
    step = await tapped(staff, step, "Required")
    step = await tapped(staff, step, "Done")
    staff.tap(step, "Continue to the preview")
    preview = await staff.wait_for_message()
    assert preview.button_labels == ["✅ Publish", "🗑 Discard draft"]
    staff.tap(preview, "✅ Publish")
    done = await staff.wait_for_message()
    assert done.plain == (f"✅ Published: “{TITLE}”. Members who may attend find it under /events.")
    return done


async def details(user: SimUser, title: str = TITLE) -> BotMessage:
    user.skip_messages()
    user.send_text("/events")
    listing = await user.wait_for_message()
    label = next(label for label in listing.button_labels if title in label)
    return await tapped(user, listing, label)


async def sign_up(user: SimUser, bring_someone: str) -> BotMessage:
    """Sign up (or join the waiting list) answering the one question; the bot's answer."""
    shown = await details(user)
    user.tap(shown, next(label for label in shown.button_labels if label[:2] in ("✍️", "⏳ ")))
    question = await user.wait_for_message()
    assert QUESTION in (question.plain or "")
    assert "🔒 Only the network team sees your answer." in (question.plain or "")
    user.tap(question, bring_someone)
    return await user.wait_for_message()


async def staff_card(staff: SimUser, title: str = TITLE) -> BotMessage:
    staff.skip_messages()
    staff.send_text("/start")
    listing = await tapped(staff, await staff.wait_for_message(), "🗓 Manage events")
    return await tapped(staff, listing, next(b for b in listing.button_labels if title in b))


async def restart_at(bot: InProcessBot, moment: datetime) -> None:
    """The bot is down until ``moment``, then starts again and its jobs run."""
    await bot.stop()
    clock = bot.manual_clock()
    clock.advance(moment - clock.now())
    await bot.start()
    await run_job(bot)


async def move_to(bot: InProcessBot, moment: datetime) -> None:
    """The clock moves on while the bot runs; the five-minute job runs then."""
    clock = bot.manual_clock()
    clock.advance(moment - clock.now())
    await run_job(bot)


async def outbox_keys(bot: InProcessBot, prefix: str) -> list[tuple[int, str]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT chat_id, dedup_key FROM outbox WHERE dedup_key LIKE ? ORDER BY id",
        (prefix + "%",),
    )
    return [(r[0], r[1]) for r in rows]


async def test_an_event_from_creation_to_feedback_and_another_cancelled(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 31000)
    officer = await joined_member(emulator, bot, 31001, "police", name="Jonas Weber")
    second_officer = await joined_member(emulator, bot, 31002, "police", name="Lea Braun")
    imam = await joined_member(emulator, bot, 31003, "community", name="Ayşe Demir")
    late = await joined_member(emulator, bot, 31004, "community", name="Emre Kaya")
    later = await joined_member(emulator, bot, 31005, "community", name="Fatma Yılmaz")

    # Staff create and publish.
    await create_and_publish(staff)
    row = await services.db.fetchone("SELECT id FROM events WHERE state = 'published'")
    assert row is not None
    event_id = int(row[0])

    # Seats per side: one officer and one community representative get in, the others wait
    # in their own lines (FIFO per quota).
    confirmed = await sign_up(officer, "Yes")
    assert (confirmed.plain or "").startswith(f"✅ You are registered for {TITLE}.")
    calendar = await officer.wait_for_message()
    assert calendar.document is not None
    entry = icalendar.Calendar.from_ical(calendar.document.content).walk("VEVENT")[0]
    assert (entry.decoded("DTSTART"), entry.decoded("DTEND")) == (STARTS, ENDS)
    waiting = await sign_up(second_officer, "No")
    assert (waiting.plain or "").startswith(
        f"⏳ {TITLE} is fully booked. You are on the waiting list: position 1."
    )
    assert (await sign_up(imam, "No")).plain.startswith(f"✅ You are registered for {TITLE}.")
    assert "position 1." in ((await sign_up(late, "Yes")).plain or "")
    assert "position 2." in ((await sign_up(later, "No")).plain or "")
    assert await states(bot, event_id) == {
        officer.id: "confirmed",
        second_officer.id: "waitlisted",
        imam.id: "confirmed",
        late.id: "waitlisted",
        later.id: "waitlisted",
    }

    # The community representative cancels: the first in their line is offered the seat,
    # lets the claim window pass, and the seat moves on to the next, who accepts.
    shown = await details(imam)
    asked = await tapped(imam, shown, "❌ Cancel my registration")
    await tapped(imam, asked, "✖️ Yes, cancel it")
    bot.running.sender.wake()
    offer = await late.wait_for_message(timeout=10)
    assert (offer.plain or "").startswith(f"🎁 A seat has become free at {TITLE}")
    assert (await states(bot, event_id))[second_officer.id] == "waitlisted"  # not their quota
    await move_to(bot, services.clock.now() + timedelta(hours=24, minutes=5))
    expired = await late.wait_for_message(timeout=10)
    assert (expired.plain or "").startswith(
        f"The seat offered to you at {TITLE} was not accepted in time"
    )
    passed_on = await later.wait_for_message(timeout=10)
    assert (passed_on.plain or "").startswith(f"🎁 A seat has become free at {TITLE}")
    accepted = await tapped(later, passed_on, "✅ Accept the seat")
    assert (accepted.plain or "").startswith(
        f"✅ The seat is yours: you are registered for {TITLE}."
    )
    assert (await later.wait_for_message()).document is not None
    assert await states(bot, event_id) == {
        officer.id: "confirmed",
        second_officer.id: "waitlisted",
        imam.id: "cancelled",
        late.id: "cancelled",
        later.id: "confirmed",
    }

    # Staff move it to another venue: the attendees and the waiting are told.
    places = await tapped(staff, await tapped(staff, await staff_card(staff), "✏️ Edit"), "📍 Place")
    asked = await tapped(staff, places, "📍 At a venue")
    confirm = await answer(staff, "Bürgerhaus Kalk, Kalk-Mülheimer Str. 58, Köln")
    assert "3 registrants" in (confirm.plain or "")
    await tapped(staff, confirm, "💾 Save")
    bot.running.sender.wake()
    for user in (officer, later, second_officer):
        told = await user.wait_for_message(timeout=10)
        assert (told.plain or "").startswith(f"🔔 The network team changed {TITLE}:")
        assert "Bürgerhaus Kalk" in (told.plain or "")

    # The bot is down from before the week's reminder until after it: it goes out late, once,
    # and the day's reminder on time; only to the two confirmed attendees.
    await restart_at(bot, STARTS - timedelta(days=7, hours=-3))
    for user in (officer, later):
        week = await user.wait_for_message(timeout=10)
        assert (week.plain or "").startswith(f"⏰ Reminder: you are registered for {TITLE}.")
    await restart_at(bot, STARTS - timedelta(days=1))
    for user in (officer, later):
        day = await user.wait_for_message(timeout=10)
        assert (day.plain or "").startswith(f"⏰ Reminder: you are registered for {TITLE}.")
    await move_to(bot, STARTS - timedelta(hours=1))
    services = bot.running.services  # the restarted bot's
    reminded = await outbox_keys(bot, "event-reminder:")
    assert sorted(chat for chat, _ in reminded) == sorted([officer.id, later.id] * 2)
    assert len({key for _, key in reminded}) == 4  # each reminder exactly once

    # Export: registrations without the sensitive answer unless chosen.
    card = await staff_card(staff)
    choice = await tapped(staff, card, "📊 Export (XLSX)")
    staff.tap(choice, "Without sensitive answers")
    sent = await staff.wait_for_message()
    assert sent.protect_content is True and sent.document is not None
    sheet = openpyxl.load_workbook(io.BytesIO(sent.document.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert QUESTION not in rows[0] and f"{QUESTION} (sensitive)" not in rows[0]
    assert {(r[0], r[3]) for r in rows[1:]} == {
        ("Jonas Weber", "confirmed"),
        ("Fatma Yılmaz", "confirmed"),
        ("Lea Braun", "waiting list"),
    }  # cancelled registrations are not in it

    # Attendance at the door: the officer came, the other attendee did not.
    await move_to(bot, STARTS + timedelta(minutes=30))
    card = await staff_card(staff)
    listing = await tapped(staff, card, "✅ Attendance")
    assert [b for b in listing.button_labels if b[:1] in "☐☑"] == [
        "☐ Fatma Yılmaz",
        "☐ Jonas Weber",
    ]
    listing = await tapped(staff, listing, "☐ Jonas Weber")
    assert "1 of 2 present" in (listing.plain or "")

    # Feedback once the event has ended, from the attendee ticked present only.
    officer.skip_messages()
    later.skip_messages()
    await move_to(bot, ENDS + timedelta(minutes=5))
    asked_for = await officer.wait_for_message(timeout=10)
    assert (asked_for.plain or "").startswith(f"How was {TITLE}?\nTap 1 (poor) to 5 (excellent).")
    second = await tapped(officer, asked_for, "5")
    comment = await tapped(officer, second, "4")
    assert comment.button_labels == ["No comment"]
    officer.send_text("Gutes Gespräch auf Augenhöhe.")
    await officer.wait_for_message()
    feedback = await services.db.fetchall(
        "SELECT overall, changed_view, comment FROM event_feedback"
    )
    assert [tuple(r) for r in feedback] == [(5, 4, "Gutes Gespräch auf Augenhöhe.")]
    assert [chat for chat, _ in await outbox_keys(bot, "event-feedback:")] == [officer.id]

    # A second event is cancelled: the confirmed and the waiting are told, in their language.
    other = await publish(bot, "Workshop Bonn", starts=ENDS + timedelta(days=14), capacity=1)
    for user in (second_officer, imam):
        shown = await details(user, "Workshop Bonn")
        user.tap(shown, next(b for b in shown.button_labels if b[:2] in ("✍️", "⏳ ")))
        if ((await user.wait_for_message()).plain or "").startswith("✅"):
            assert (await user.wait_for_message()).document is not None  # the calendar file
    assert await states(bot, other) == {second_officer.id: "confirmed", imam.id: "waitlisted"}
    card = await staff_card(staff, "Workshop Bonn")
    asked = await tapped(staff, card, "❌ Cancel event")
    done = await tapped(staff, asked, "❌ Yes, cancel it")
    assert (done.plain or "").startswith("❌ “Workshop Bonn” is cancelled.")
    bot.running.sender.wake()
    for user in (second_officer, imam):
        told = await user.wait_for_message(timeout=10)
        assert "Workshop Bonn" in (told.plain or "") and "cancelled" in (told.plain or "")
    assert set((await states(bot, other)).values()) == {"cancelled"}

    staff_id = (await services.members.get_by_telegram_id(staff.id)).id  # type: ignore[union-attr]
    audit = AuditRepository(services.db)
    for action, count in (("event.publish", 1), ("event.edit", 1), ("event.export", 1),
                          ("event.attendance", 1), ("event.cancel", 1)):  # fmt: skip
        entries = await audit.entries(action)
        assert [e.actor_id for e in entries] == [staff_id] * count, action
