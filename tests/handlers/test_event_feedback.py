"""Attendees ticked present are asked for feedback once the event has ended: two scores by
button, each given once and only by the member asked; nobody else is asked."""

from __future__ import annotations

from datetime import timedelta

from handlers.event_feedback import FEEDBACK_WITHIN
from sandbox.emulator import Emulator
from tests.handlers.test_event_reminders import advance_to, registration_id
from tests.handlers.test_events import TITLE, publish, sign_up
from tests.support.harness import InProcessBot
from tests.support.members import joined_member
from tests.support.taps import forged, tapped

STALE = "This button no longer works. Send /start to open the menu again."


async def mark_present(bot: InProcessBot, registration: int) -> None:
    async with bot.running.services.db.transaction() as tx:
        await tx.execute("UPDATE registrations SET attended = 1 WHERE id = ?", (registration,))


async def feedback_rows(bot: InProcessBot) -> list[tuple[int, int | None, int | None]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT registration_id, overall, changed_view FROM event_feedback ORDER BY 1"
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def feedback_requests(bot: InProcessBot) -> list[tuple[int, str]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT chat_id, dedup_key FROM outbox WHERE dedup_key LIKE 'event-feedback:%' ORDER BY id"
    )
    return [(r[0], r[1]) for r in rows]


async def test_an_attendee_rates_the_event_once_and_nobody_else_is_asked(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=3)
    event_id = await publish(bot, starts=starts)
    attendee = await joined_member(emulator, bot, 30000, "community")
    absent = await joined_member(emulator, bot, 30001, "police")
    await sign_up(attendee)
    await sign_up(absent)
    registration = await registration_id(bot, event_id, attendee.id)
    await mark_present(bot, registration)
    await advance_to(bot, starts + timedelta(hours=5))  # under way: not yet
    assert await feedback_requests(bot) == []
    attendee.skip_messages()
    await advance_to(bot, starts + timedelta(hours=6))  # ended
    asked = await attendee.wait_for_message(timeout=10)
    assert asked.plain == f"How was {TITLE}?\nTap 1 (poor) to 5 (excellent)."
    assert asked.button_labels == ["1", "2", "3", "4", "5"]
    await advance_to(bot, starts + timedelta(hours=7))
    assert await feedback_requests(bot) == [(attendee.id, f"event-feedback:{registration}")]
    assert await feedback_rows(bot) == [(registration, None, None)]

    # Another member forging a tap on the attendee's registration changes nothing.
    assert (await forged(emulator, absent, asked, f"evfb:o:{registration}:1"))["text"] == STALE
    assert await feedback_rows(bot) == [(registration, None, None)]
    # Nor does the second score before the first, or a score out of range.
    data = f"evfb:v:{registration}:3"
    assert (await forged(emulator, attendee, asked, data))["text"] == STALE
    data = f"evfb:o:{registration}:6"
    assert (await forged(emulator, attendee, asked, data))["text"] == STALE

    second = await tapped(attendee, asked, "4")
    assert second.plain == (
        "Did this event change your view of the other side?\nTap 1 (not at all) to 5 (very much)."
    )
    assert await feedback_rows(bot) == [(registration, 4, None)]
    # The first score once only: an old button does not overwrite it.
    data = f"evfb:o:{registration}:1"
    assert (await forged(emulator, attendee, asked, data))["text"] == STALE
    thanks = await tapped(attendee, second, "5")
    assert thanks.plain == f"Thank you for your feedback on {TITLE}!"
    assert thanks.button_labels == []
    assert await feedback_rows(bot) == [(registration, 4, 5)]
    data = f"evfb:v:{registration}:1"
    assert (await forged(emulator, attendee, asked, data))["text"] == STALE
    assert await feedback_rows(bot) == [(registration, 4, 5)]


async def test_a_tick_entered_more_than_a_week_after_the_event_asks_nobody(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=3)
    event_id = await publish(bot, starts=starts)
    attendee = await joined_member(emulator, bot, 30010, "community")
    await sign_up(attendee)
    ends = starts + timedelta(hours=6)
    await advance_to(bot, ends + FEEDBACK_WITHIN + timedelta(minutes=5))
    await mark_present(bot, await registration_id(bot, event_id, attendee.id))
    await advance_to(bot, ends + FEEDBACK_WITHIN + timedelta(hours=1))
    assert await feedback_requests(bot) == []
    assert await feedback_rows(bot) == []
