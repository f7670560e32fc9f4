"""Confirmed attendees are reminded 7 days and 1 day before an event, each reminder once, also
after downtime; nobody else is."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.event_manage import cancel_notice
from sandbox.emulator import Emulator
from storage.timefmt import to_db
from tests.handlers.test_events import LINK, TITLE, publish, sign_up, states
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import tapped

DETAILS = "🔎 Details"


async def reminders(bot: InProcessBot) -> list[tuple[int, str]]:
    """(chat id, dedup key without the start it reminds of) of every reminder queued so far."""
    rows = await bot.running.services.db.fetchall(
        "SELECT chat_id, dedup_key FROM outbox WHERE dedup_key LIKE 'event-reminder:%' ORDER BY id"
    )
    return [(r[0], r[1].partition("@")[0]) for r in rows]


async def registration_id(bot: InProcessBot, event_id: int, user_id: int) -> int:
    row = await bot.running.services.db.fetchone(
        "SELECT registrations.id FROM registrations JOIN members ON members.id = member_id"
        " WHERE event_id = ? AND telegram_user_id = ?",
        (event_id, user_id),
    )
    assert row is not None
    return int(row[0])


async def run_job(bot: InProcessBot) -> None:
    await bot.running.scheduler.tick()
    bot.running.sender.wake()


async def advance_to(bot: InProcessBot, moment: datetime) -> None:
    """Move the clock to ``moment`` and run the job then, and a few times more after it."""
    clock = bot.manual_clock()
    assert moment >= clock.now()
    clock.advance(moment - clock.now())
    for _ in range(3):
        await run_job(bot)
        clock.advance(timedelta(minutes=5))


async def test_a_confirmed_attendee_is_reminded_a_week_and_a_day_before_once_each(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=10, hours=1)
    event_id = await publish(bot, starts=starts, capacity=1)
    attendee = await joined_member(emulator, bot, 29000, "community")
    waiting = await joined_member(emulator, bot, 29001, "community")
    await sign_up(attendee)
    await sign_up(waiting)
    assert await states(bot, event_id) == {attendee.id: "confirmed", waiting.id: "waitlisted"}
    registration = await registration_id(bot, event_id, attendee.id)
    await advance_to(bot, starts - timedelta(days=7, minutes=30))
    assert await reminders(bot) == []  # not yet
    await advance_to(bot, starts - timedelta(days=7))
    week = await attendee.wait_for_message(timeout=10)
    assert week.plain == (
        f"⏰ Reminder: you are registered for {TITLE}.\n\n"
        "🕒 Thursday, January 21, 2027, 10:00\u202fAM – 4:00\u202fPM\n"
        "📍 Rathaus Köln, Rathausplatz 2\n\n"
        "If you cannot come, please cancel under /events so someone else gets your seat."
    )
    assert week.button_labels == [DETAILS]
    assert await reminders(bot) == [(attendee.id, f"event-reminder:{registration}:7")]
    await advance_to(bot, starts - timedelta(days=1))
    day = await attendee.wait_for_message(timeout=10)
    assert day.plain == week.plain
    await advance_to(bot, starts - timedelta(hours=1))
    assert await reminders(bot) == [
        (attendee.id, f"event-reminder:{registration}:7"),
        (attendee.id, f"event-reminder:{registration}:1"),
    ]  # once each, and nothing for the member on the waiting list
    details = await tapped(attendee, day, DETAILS)
    assert (details.plain or "").startswith(TITLE)
    assert "✅ You are registered." in (details.plain or "")


async def test_after_downtime_only_the_latest_reminder_is_sent(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=8)
    event_id = await publish(bot, starts=starts, online_url=LINK)
    attendee = await joined_member(emulator, bot, 29010, "police")
    await sign_up(attendee)
    registration = await registration_id(bot, event_id, attendee.id)
    # The bot was down from 8 days to 12 hours before the start: the job runs once then.
    await advance_to(bot, starts - timedelta(hours=12))
    reminder = await attendee.wait_for_message(timeout=10)
    assert f"💻 Online: {LINK}" in (reminder.plain or "")
    assert await reminders(bot) == [(attendee.id, f"event-reminder:{registration}:1")]
    await advance_to(bot, starts + timedelta(minutes=5))  # begun: nothing late
    assert await reminders(bot) == [(attendee.id, f"event-reminder:{registration}:1")]


async def test_a_cancelled_event_sends_no_reminders(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    starts = bot.manual_clock().now() + timedelta(days=10)
    event_id = await publish(bot, starts=starts)
    attendee = await joined_member(emulator, bot, 29020, "community")
    staff = await staff_member(emulator, bot, 29021)
    await sign_up(attendee)
    actor = await services.members.get_by_telegram_id(staff.id)
    assert actor is not None
    cancelled = await services.registrations.cancel_event(
        event_id, actor.id, services.clock.now(), cancel_notice(services.catalogs)
    )
    assert cancelled.done
    await advance_to(bot, starts - timedelta(days=7))
    await advance_to(bot, starts - timedelta(days=1))
    assert await reminders(bot) == []


async def test_a_member_who_signs_up_three_days_before_gets_only_the_last_reminder(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=10)
    event_id = await publish(
        bot, starts=starts, registration_deadline=to_db(starts - timedelta(hours=12))
    )
    early = await joined_member(emulator, bot, 29030, "community")
    late = await joined_member(emulator, bot, 29031, "community")
    await sign_up(early)
    await advance_to(bot, starts - timedelta(days=3))
    await sign_up(late)
    await advance_to(bot, starts - timedelta(days=2))
    early_id = await registration_id(bot, event_id, early.id)
    late_id = await registration_id(bot, event_id, late.id)
    assert await reminders(bot) == [(early.id, f"event-reminder:{early_id}:7")]
    await advance_to(bot, starts - timedelta(days=1))
    assert await reminders(bot) == [
        (early.id, f"event-reminder:{early_id}:7"),
        (early.id, f"event-reminder:{early_id}:1"),
        (late.id, f"event-reminder:{late_id}:1"),
    ]
    assert (await late.wait_for_message(timeout=10)).plain is not None


async def test_an_event_moved_to_a_later_date_is_reminded_of_again(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    starts = bot.manual_clock().now() + timedelta(days=8)
    event_id = await publish(bot, starts=starts)
    attendee = await joined_member(emulator, bot, 29040, "community")
    await sign_up(attendee)
    registration = await registration_id(bot, event_id, attendee.id)
    await advance_to(bot, starts - timedelta(days=7))
    assert (await attendee.wait_for_message(timeout=10)).plain.startswith("⏰ Reminder")
    moved = starts + timedelta(days=14)
    async with services.db.transaction() as tx:  # as a saved edit of the time leaves it
        await tx.execute(
            "UPDATE events SET starts_at = ?, ends_at = ?, revision = revision + 1 WHERE id = ?",
            (to_db(moved), to_db(moved + timedelta(hours=6)), event_id),
        )
    await advance_to(bot, starts - timedelta(days=1))  # the old date: nothing
    assert await reminders(bot) == [(attendee.id, f"event-reminder:{registration}:7")]
    await advance_to(bot, moved - timedelta(days=7))
    again = await attendee.wait_for_message(timeout=10)
    assert "Tuesday, February 2, 2027" in (again.plain or "")
    assert await reminders(bot) == [(attendee.id, f"event-reminder:{registration}:7")] * 2
