"""Attendees ticked present are asked for feedback once the event has ended: two scores by
button, each given once and only by the member asked; nobody else is asked. Then an optional
comment, given once, kept with the member's data and erased with it."""

from __future__ import annotations

import json
from datetime import timedelta

from handlers.event_feedback import FEEDBACK_WITHIN
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from tests.handlers.test_event_reminders import advance_to, registration_id
from tests.handlers.test_events import TITLE, publish, sign_up
from tests.support.harness import InProcessBot
from tests.support.members import joined_member
from tests.support.taps import forged, tapped

STALE = "This button no longer works. Send /start to open the menu again."
ANONYMOUS = "Your answers are shown to the network team without your name."
NO_COMMENT = "No comment"
COMMENT_QUESTION = (
    "Anything you would like to tell the network team? Send it as a message (at most 1000 "
    f"characters), or tap “No comment”.\n{ANONYMOUS}"
)


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
    assert asked.plain == f"How was {TITLE}?\nTap 1 (poor) to 5 (excellent).\n{ANONYMOUS}"
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
    assert thanks.plain == f"Thank you for your feedback on {TITLE}!\n\n{COMMENT_QUESTION}"
    assert thanks.button_labels == [NO_COMMENT]
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


async def comments(bot: InProcessBot) -> dict[int, str | None]:
    rows = await bot.running.services.db.fetchall(
        "SELECT registration_id, comment FROM event_feedback ORDER BY 1"
    )
    return {r[0]: r[1] for r in rows}


async def rated(attendee: SimUser, asked: BotMessage, overall: str, view: str) -> BotMessage:
    """Both scores tapped; returns the thanks, which asks for a comment."""
    second = await tapped(attendee, asked, overall)
    return await tapped(attendee, second, view)


async def test_an_attendee_adds_one_comment_and_wrong_input_is_explained(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=3)
    event_id = await publish(bot, starts=starts)
    attendee = await joined_member(emulator, bot, 42100, "community")
    other = await joined_member(emulator, bot, 42101, "police")
    await sign_up(attendee)
    registration = await registration_id(bot, event_id, attendee.id)
    await mark_present(bot, registration)
    attendee.skip_messages()
    await advance_to(bot, starts + timedelta(hours=6))
    thanks = await rated(attendee, await attendee.wait_for_message(timeout=10), "4", "2")
    assert thanks.button_labels == [NO_COMMENT]

    rule = (
        "Please send your comment as a text message (at most 1000 characters), or tap “No comment”."
    )
    attendee.send_photo()
    assert (await attendee.wait_for_message()).plain == rule
    attendee.send_sticker()
    assert (await attendee.wait_for_message()).plain == rule
    attendee.send_text("x" * 1001)
    assert (await attendee.wait_for_message()).plain == (
        "That is too long: at most 1000 characters, and yours has 1001. Please shorten it, or "
        "tap “No comment”."
    )
    assert await comments(bot) == {registration: None}
    # The question survives a restart.
    await bot.settled()
    await bot.stop()
    await bot.start()
    comment = "  The <b>room</b> was too small & cold.\nOtherwise: great!  "
    attendee.send_text(comment)
    assert (await attendee.wait_for_message()).plain == (
        "Thank you! Your comment is passed on to the network team without your name."
    )
    assert await comments(bot) == {registration: comment.strip()}

    # A second attempt, by text or by the button, changes nothing and says so.
    attendee.send_text("And one more thing.")
    assert (await attendee.wait_for_message()).plain == (
        "Your comment has been passed on already; this message was not added to it. Send "
        "/start to open the menu."
    )
    attendee.tap(thanks, NO_COMMENT)
    await bot.settled()
    assert attendee.callback_answers[-1]["text"] == (
        "Your feedback is complete already; nothing was changed."
    )
    assert thanks.button_labels == []
    data = f"evfb:nc:{registration}"
    assert (await forged(emulator, other, thanks, data))["text"] == STALE
    assert (await forged(emulator, attendee, thanks, "evfb:nc:x"))["text"] == STALE
    assert await comments(bot) == {registration: comment.strip()}
    attendee.send_text("/cancel")
    assert (await attendee.wait_for_message()).plain == (
        "There is nothing to cancel. Send /start to open the menu."
    )

    # The comment is the member's data: in /mydata, and gone with /deleteme.
    attendee.send_text("/mydata")
    await attendee.wait_for_message()
    export = await attendee.wait_for_message()
    assert export.document is not None
    (row,) = json.loads(export.document.content)["event_feedback"]
    assert (row["overall"], row["changed_view"], row["comment"]) == (4, 2, comment.strip())
    attendee.send_text("/deleteme")
    attendee.tap(await attendee.wait_for_message(), "Erase my data")
    await bot.settled()
    assert await comments(bot) == {}


async def test_no_comment_and_cancel_close_the_question_and_a_comment_goes_to_the_last_asked(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    starts = bot.manual_clock().now() + timedelta(days=3)
    first_event = await publish(bot, "First meeting", starts=starts)
    second_event = await publish(bot, "Second meeting", starts=starts + timedelta(hours=1))
    attendee = await joined_member(emulator, bot, 42200, "police")
    quiet = await joined_member(emulator, bot, 42201, "community")
    registrations = {}
    for user in (attendee, quiet):
        for event_id, title in ((first_event, "First meeting"), (second_event, "Second meeting")):
            await sign_up(user, title)
            registrations[(user.id, event_id)] = await registration_id(bot, event_id, user.id)
            await mark_present(bot, registrations[(user.id, event_id)])
    first, second = (
        registrations[(attendee.id, first_event)],
        registrations[(attendee.id, second_event)],
    )
    attendee.skip_messages()
    quiet.skip_messages()
    await advance_to(bot, starts + timedelta(hours=7))
    asked_first, asked_second = await attendee.wait_for_messages(2, timeout=10)
    assert "First meeting" in (asked_first.plain or "")

    # Thanks for the first; then the second event's first score: the member moved on, so a
    # text is no comment on the first.
    first_thanks = await rated(attendee, asked_first, "5", "5")
    second_view = await tapped(attendee, asked_second, "3")
    attendee.send_text("Very good")
    assert (await attendee.wait_for_message()).plain.startswith(  # type: ignore[union-attr]
        "I'm not sure what you mean."
    )
    second_thanks = await tapped(attendee, second_view, "1")
    # “No comment” on the first thanks closes that one; the second question stays open.
    thanked = await tapped(attendee, first_thanks, NO_COMMENT)
    assert thanked.plain == "Thank you for your feedback on First meeting!"
    assert thanked.button_labels == []
    attendee.send_text("The second one was too short.")
    assert (await attendee.wait_for_message()).plain == (
        "Thank you! Your comment is passed on to the network team without your name."
    )
    feedback = await comments(bot)
    assert (feedback[first], feedback[second]) == ("", "The second one was too short.")
    assert second_thanks.button_labels == [NO_COMMENT]

    # /cancel while asked: no comment, then; the old button finds it closed.
    asked_quiet = (await quiet.wait_for_messages(2, timeout=10))[0]
    quiet_thanks = await rated(quiet, asked_quiet, "2", "2")
    quiet.send_text("/cancel")
    assert (await quiet.wait_for_message()).plain == (
        "No comment, then. Thank you for your feedback!"
    )
    assert (await comments(bot))[registrations[(quiet.id, first_event)]] == ""
    quiet.send_text("Actually, one thing")
    assert (await quiet.wait_for_message()).plain.startswith(  # type: ignore[union-attr]
        "I'm not sure what you mean."
    )
    quiet.tap(quiet_thanks, NO_COMMENT)
    await bot.settled()
    assert quiet.callback_answers[-1]["text"] == (
        "Your feedback is complete already; nothing was changed."
    )
    assert (await comments(bot))[registrations[(quiet.id, first_event)]] == ""
