"""Staff read an event's feedback from its card once it has ended: counts, averages overall and
per side, and the comments without names, newest first, paged to fit Telegram's limit.
Nobody else can, and an old or forged button shows nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.timefmt import to_db
from tests.handlers.test_event_export import card_of_event
from tests.handlers.test_events import TITLE, publish
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."
STALE = "This button no longer works. Send /start to open the menu again."


async def feedback_given(
    bot: InProcessBot,
    event_id: int,
    telegram_id: int,
    role: str,
    scores: tuple[int | None, int | None],
    comment: str | None = None,
    at: datetime | None = None,
) -> None:
    """An attendee ticked present who was asked for feedback and gave what ``scores`` and
    ``comment`` hold, written directly (the answering itself: tests/handlers/
    test_event_feedback.py)."""
    services = bot.running.services
    now = to_db(services.clock.now())
    async with services.db.transaction() as tx:
        member_id = await tx.insert(
            "INSERT INTO members (telegram_user_id, created_at, last_seen_at, role, status,"
            " display_name) VALUES (?, ?, ?, ?, 'active', ?)",
            (telegram_id, now, now, role, f"Secret Name {telegram_id}"),
        )
        registration_id = await tx.insert(
            "INSERT INTO registrations (event_id, member_id, seat, state, created_at,"
            " confirmed_at, attended) VALUES (?, ?, 'general', 'confirmed', ?, ?, 1)",
            (event_id, member_id, now, now),
        )
        await tx.execute(
            "INSERT INTO event_feedback (registration_id, member_id, event_id, overall,"
            " changed_view, comment, asked_at, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (registration_id, member_id, event_id, *scores, comment, now,
             None if scores[0] is None else to_db(at or services.clock.now())),
        )  # fmt: skip


async def past_card(staff: SimUser, title: str = TITLE) -> BotMessage:
    """The card of an event that has ended, through the staff menu's list of past events."""
    staff.send_text("/start")
    listing = await tapped(staff, await staff.wait_for_message(), "🗓 Manage events")
    past = await tapped(staff, listing, "🗂 Past events")
    label = next(label for label in past.button_labels if title in label)
    return await tapped(staff, past, label)


async def test_staff_read_counts_averages_per_side_and_anonymous_comments(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    clock = bot.manual_clock()
    starts = clock.now() + timedelta(days=3)
    event_id = await publish(bot, starts=starts)
    staff = await staff_member(emulator, bot, 42300)
    member = await joined_member(emulator, bot, 42301, "police")
    card = await card_of_event(staff)
    assert not any(label.startswith("📊 Feedback") for label in card.button_labels)

    clock.advance(timedelta(days=3, hours=7))  # the event has ended
    t0 = clock.now()
    await feedback_given(bot, event_id, 42310, "police", (4, 3), "Gut <organisiert> & pünktlich",
                         at=t0 + timedelta(minutes=1))  # fmt: skip
    await feedback_given(bot, event_id, 42311, "police", (5, None))
    await feedback_given(bot, event_id, 42312, "community", (5, 5), "")  # “No comment”
    await feedback_given(bot, event_id, 42313, "community", (4, 4), "Mehr Zeit für Fragen",
                         at=t0 + timedelta(minutes=2))  # fmt: skip
    await feedback_given(bot, event_id, 42314, "community", (2, 1))
    await feedback_given(bot, event_id, 42315, "staff", (3, 2))
    await feedback_given(bot, event_id, 42316, "community", (None, None))  # asked, no answer

    card = await past_card(staff)
    assert "📊 Feedback (6)" in card.button_labels
    report = await tapped(staff, card, "📊 Feedback (6)")
    assert report.plain == (
        f"📊 Feedback · “{TITLE}”\n"
        "Asked: 7 · answered: 6\n"
        "The answers are anonymous: no names are shown.\n\n"
        "How was it? 1 (poor) to 5 (excellent)\n"
        "Everyone: 3.8 (6 answers)\n"
        "community representatives: 3.7 (3 answers)\n"
        "police contacts: not shown, so that nobody can be recognised\n"
        "network team: not shown, so that nobody can be recognised\n\n"
        "Did it change their view of the other side? 1 (not at all) to 5 (very much)\n"
        "Everyone: 3.0 (5 answers)\n"
        "community representatives: 3.3 (3 answers)\n"
        "police contacts: not shown, so that nobody can be recognised\n"
        "network team: not shown, so that nobody can be recognised\n\n"
        "2 comments, newest first:\n\n"
        "💬 Mehr Zeit für Fragen\n\n"
        "💬 Gut <organisiert> & pünktlich"
    )
    assert "Secret Name" not in (report.plain or "")
    assert report.button_labels == ["« Back"]
    card = await tapped(staff, report, "« Back")
    assert "📊 Feedback (6)" in card.button_labels

    # Old and forged buttons: unknown events, pages that are no number, an event that has
    # not ended or has no answers.
    upcoming = await publish(bot, "Still to come", starts=clock.now() + timedelta(days=2))
    silent = await publish(bot, "Nobody answered", starts=clock.now() - timedelta(days=1))
    for data in ("evfbs:999999:0", f"evfbs:{event_id}:x", f"evfbs:{event_id}",
                 f"evfbs:{upcoming}:0", f"evfbs:{silent}:0", "evfbs"):  # fmt: skip
        assert (await forged(emulator, staff, card, data))["text"] == STALE, data
    silent_card = await past_card(staff, "Nobody answered")
    assert not any(label.startswith("📊 Feedback") for label in silent_card.button_labels)
    # A page past the end (comments erased since) shows the last page.
    staff.tap_data(card.message_id, f"evfbs:{event_id}:7")
    assert (await staff.wait_for_edit(card)).plain == report.plain

    # Nobody but staff: refused in words and audited.
    member.send_text("/help")
    own = await member.wait_for_message()
    answer = await forged(emulator, member, own, f"evfbs:{event_id}:0")
    assert (answer["text"], answer["show_alert"]) == (STAFF_ONLY, True)
    denied = await AuditRepository(services.db).entries("access.denied")
    assert [e.detail for e in denied] == ["button=event_feedback_report"]


async def test_many_long_comments_are_paged_each_page_one_message(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    clock = bot.manual_clock()
    event_id = await publish(bot, starts=clock.now() + timedelta(days=1))
    staff = await staff_member(emulator, bot, 42400)
    clock.advance(timedelta(days=2))
    texts = [f"{n:02} " + "🙂 wide & <escaped> " * 50 for n in range(12)]
    for n, text in enumerate(texts):
        await feedback_given(bot, event_id, 42410 + n, "community", (4, 4), text.strip(),
                             at=clock.now() + timedelta(minutes=n))  # fmt: skip
    card = await past_card(staff)
    page = await tapped(staff, card, "📊 Feedback (12)")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        text = page.plain or ""
        assert len(text.encode("utf-16-le")) // 2 <= 4096
        assert f"page {pages} of " in text
        seen += [line[2:5] for line in text.split("\n") if line.startswith("💬 ")]
        if "Next »" not in page.button_labels:
            break
        page = await tapped(staff, page, "Next »")
    assert pages > 1 and f"page {pages} of {pages}" in (page.plain or "")
    assert seen == [f"{n:02} " for n in range(11, -1, -1)]  # newest first, each once
    assert page.button_labels == ["« Previous", "« Back"]
    previous = await tapped(staff, page, "« Previous")  # the same message, edited
    assert f"page {pages - 1} of {pages}" in (previous.plain or "")


async def test_one_small_side_hides_everyones_average_too(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    clock = bot.manual_clock()
    event_id = await publish(bot, starts=clock.now() + timedelta(days=1))
    staff = await staff_member(emulator, bot, 42400)
    clock.advance(timedelta(days=1, hours=7))
    for n, score in enumerate((5, 4, 3)):
        await feedback_given(bot, event_id, 42410 + n, "community", (score, score))
    await feedback_given(bot, event_id, 42420, "police", (1, 1))  # alone on their side
    card = await past_card(staff)
    report = await tapped(staff, card, "📊 Feedback (4)")
    lines = (report.plain or "").splitlines()
    # Everyone's 3.25 next to community's 4.0 would give away the one police score.
    assert lines[4:8] == [
        "How was it? 1 (poor) to 5 (excellent)",
        "Everyone: not shown, so that nobody can be recognised",
        "community representatives: 4.0 (3 answers)",
        "police contacts: not shown, so that nobody can be recognised",
    ]
