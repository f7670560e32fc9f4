"""Members and events: the list and details, signing up with questions, the calendar file,
seats per side and the waiting list, cancelling, freed seats offered and passed on, and every
way a sign-up is refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.timefmt import to_db
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

# The clocked bot starts on Monday 11 January 2027, 08:00 UTC.
START = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 in Berlin
TITLE = "Dialogue platform Cologne"
LINK = "https://meet.example.org/kosizu-dialogue"
SIGN_UP = "✍️ Sign up"
WAITLIST = "⏳ Join the waiting list"
ACCEPT = "✅ Accept the seat"
STALE = "This button no longer works. Send /start to open the menu again."

Question = tuple[str, dict[str, str], list[dict[str, str]] | None, bool]  # kind, prompt, …


async def publish(
    bot: InProcessBot,
    title: str = TITLE,
    *,
    starts: datetime = START,
    questions: Sequence[Question] = (),
    **columns: Any,
) -> int:
    """A published event, written directly (staff publish through their own conversation)."""
    services = bot.running.services
    now = to_db(services.clock.now())
    values: dict[str, Any] = {
        "state": "published",
        "starts_at": to_db(starts),
        "ends_at": to_db(starts + timedelta(hours=6)),
        "venue": None if "online_url" in columns else "Rathaus Köln, Rathausplatz 2",
        "region": "DE-NW",
        "capacity": 10,
        "registration_deadline": to_db(starts - timedelta(days=2)),
        "created_at": now,
        "updated_at": now,
        "published_at": now,
        **columns,
    }
    async with services.db.transaction() as tx:
        event_id = await tx.insert(
            f"INSERT INTO events ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
        assert event_id is not None
        await tx.executemany(
            "INSERT INTO event_texts (event_id, language, title, description) VALUES (?, ?, ?, ?)",
            [
                (event_id, "de", f"{title} (de)", "Beschreibung"),
                (event_id, "en", title, "Police & mosque associations on safety <together>."),
            ],
        )
        for position, (kind, prompt, options, required) in enumerate(questions, start=1):
            await tx.execute(
                "INSERT INTO event_questions (event_id, position, kind, prompt, options, required)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event_id,
                    position,
                    kind,
                    json.dumps(prompt),
                    json.dumps(options) if options else None,
                    int(required),
                ),
            )
    return event_id


async def open_event(user: SimUser, title: str = TITLE) -> BotMessage:
    """/events, then the event's button: the details, edited into the list's message."""
    user.skip_messages()
    user.send_text("/events")
    listing = await user.wait_for_message()
    label = next(label for label in listing.button_labels if title in label)
    return await tapped(user, listing, label)


async def sign_up(user: SimUser, title: str = TITLE) -> BotMessage:
    """Sign up for an event without questions; returns the bot's answer (a confirmation is
    followed by the calendar file)."""
    details = await open_event(user, title)
    user.tap(details, SIGN_UP if SIGN_UP in details.button_labels else WAITLIST)
    answer = await user.wait_for_message()
    if (answer.plain or "").startswith("✅"):
        calendar = await user.wait_for_message()
        assert calendar.document is not None
    return answer


async def states(bot: InProcessBot, event_id: int) -> dict[int, str]:
    """Telegram user id → registration state."""
    rows = await bot.running.services.db.fetchall(
        "SELECT telegram_user_id, registrations.state FROM registrations"
        " JOIN members ON members.id = member_id WHERE event_id = ?",
        (event_id,),
    )
    return {r[0]: r[1] for r in rows}


async def test_members_see_upcoming_events_in_pages_and_their_details(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    user = await joined_member(emulator, bot, 25000, "community")
    for n in range(6):
        await publish(bot, f"Workshop {n + 1}", starts=START + timedelta(days=n))
    await publish(bot, "For police only", for_community=0)
    await publish(bot, "A draft", state="draft", published_at=None)
    await publish(bot, "Called off", state="cancelled", cancelled_at=to_db(START))
    await publish(bot, "Over", starts=START - timedelta(days=40))
    user.send_text("/start")
    menu = await user.wait_for_message()
    assert menu.button_labels[:2] == ["👤 My profile", "📅 Events"]
    listing = await tapped(user, menu, "📅 Events")
    text = listing.plain or ""
    assert "Upcoming events" in text and "page 1 of 2" in text
    assert "1. Workshop 1" in text and "5. Workshop 5" in text and "Workshop 6" not in text
    assert "🕒 Wednesday, February 10, 2027, 10:00\u202fAM" in text
    assert "🗺 North Rhine-Westphalia" in text and "🎟 10 seats free for you" in text
    for hidden in ("For police only", "A draft", "Called off", "Over"):
        assert hidden not in text
    assert listing.button_labels[-3:] == ["Next »", "🎟 My registrations", "« Main menu"]
    second = await tapped(user, listing, "Next »")
    assert "6. Workshop 6" in (second.plain or "") and "page 2 of 2" in (second.plain or "")
    details = await tapped(user, second, "6. Workshop 6")
    text = details.plain or ""
    assert text.startswith("Workshop 6\nPolice & mosque associations on safety <together>.")
    assert "🕒 Monday, February 15, 2027, 10:00\u202fAM – 4:00\u202fPM" in text
    assert "📍 Rathaus Köln, Rathausplatz 2" in text
    assert "⏰ Registration until Saturday, February 13, 2027, 10:00\u202fAM" in text
    assert details.button_labels == [SIGN_UP, "« All events", "🎟 My registrations", "« Main menu"]
    mine = await tapped(user, details, "🎟 My registrations")
    assert "You are not registered for any upcoming event." in (mine.plain or "")


async def test_signing_up_asks_the_questions_and_confirms_with_a_calendar_file(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    user = await joined_member(emulator, bot, 25010, "police")
    diet = [{"de": "Vegetarisch", "en": "Vegetarian"}, {"de": "Alles", "en": "Anything"}]
    event_id = await publish(
        bot,
        online_url=LINK,
        questions=[
            (
                "text",
                {"de": "Wie heißt Ihre Dienststelle?", "en": "Which unit are you with?"},
                None,
                True,
            ),
            ("choice", {"de": "Essen?", "en": "Which meal?"}, diet, True),
            ("yes_no", {"de": "Barrierefrei?", "en": "Do you need step-free access?"}, None, True),
            ("text", {"de": "Anmerkungen?", "en": "Anything else?"}, None, False),
        ],
    )
    details = await open_event(user)
    assert "💻 Online – the link is sent to confirmed attendees" in (details.plain or "")
    assert LINK not in (details.plain or "")
    user.tap(details, SIGN_UP)
    first = await user.wait_for_message()
    assert "question 1 of 4" in (first.plain or "") and "Which unit are you with?" in first.plain
    assert "🔒 Only the network team sees your answer." in first.plain
    user.send_photo()
    assert (await user.wait_for_message()).plain == "Please send your answer as a text message."
    user.send_text("x" * 1001)
    too_long = await user.wait_for_message()
    assert (too_long.plain or "").startswith("That is too long: please answer in at most 1000")
    user.send_text("  PP Köln, KK 3  ")
    meal = await user.wait_for_message()
    assert "Which meal?" in (meal.plain or "") and meal.button_labels == ["Vegetarian", "Anything"]
    user.send_text("vegetarian")
    assert (await user.wait_for_message()).plain == "Please answer with one of the buttons."
    meal_again = await user.wait_for_message()
    user.tap(meal_again, "Vegetarian")
    access = await user.wait_for_message()
    assert "Your answer: Vegetarian" in (meal_again.plain or "")
    assert meal_again.buttons == []
    # The first copy of the question, answered meanwhile.
    answer = await forged(emulator, user, meal, meal.buttons[1][0].callback_data or "")
    assert answer["text"] == "This question has been answered already."
    user.tap(access, "Yes")
    optional = await user.wait_for_message()
    assert "This question is optional." in (optional.plain or "")
    user.tap(optional, "Skip")
    confirmation = await user.wait_for_message()
    text = confirmation.plain or ""
    assert text.startswith(f"✅ You are registered for {TITLE}.")
    assert f"💻 Online: {LINK}" in text
    calendar = await user.wait_for_message()
    assert calendar.document is not None
    assert calendar.document.filename == f"kosizu-event-{event_id}.ics"
    entry = icalendar.Calendar.from_ical(calendar.document.content).walk("VEVENT")[0]
    assert entry["UID"] == f"event-{event_id}@kosizu"
    assert entry.decoded("DTSTART") == START
    assert entry.decoded("DTEND") == START + timedelta(hours=6)
    assert str(entry["SUMMARY"]) == TITLE
    assert str(entry["LOCATION"]) == LINK
    answers = await services.db.fetchall(
        "SELECT event_questions.position, answer FROM registration_answers"
        " JOIN event_questions ON event_questions.id = question_id ORDER BY position"
    )
    assert [tuple(r) for r in answers] == [
        (1, "PP Köln, KK 3"),
        (2, "Vegetarisch"),  # in the default language, as staff wrote it
        (3, "yes"),
        (4, ""),  # skipped
    ]
    assert await states(bot, event_id) == {user.id: "confirmed"}
    details = await open_event(user)
    assert (
        f"💻 Online: {LINK}" in (details.plain or "") and "✅ You are registered." in details.plain
    )


async def test_stopping_half_way_deletes_the_answers_and_signing_up_again_starts_afresh(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    user = await joined_member(emulator, bot, 25020, "community")
    event_id = await publish(
        bot,
        questions=[
            ("yes_no", {"en": "Will you bring someone?"}, None, True),
            ("text", {"en": "Their name?"}, None, True),
        ],
    )
    details = await open_event(user)
    user.tap(details, SIGN_UP)
    user.tap(await user.wait_for_message(), "No")
    await user.wait_for_message()  # the second question
    user.send_sticker()
    assert (await user.wait_for_message()).plain == "Please send your answer as a text message."
    user.send_text("/cancel")
    assert (await user.wait_for_message()).plain == (
        "Signing up stopped. The answers you gave were deleted."
    )
    assert await states(bot, event_id) == {}
    db = bot.running.services.db
    assert await db.fetchall("SELECT * FROM registration_answers") == []
    user.send_text("Someone")  # no question is open any more
    assert "I'm not sure what you mean." in ((await user.wait_for_message()).plain or "")
    user.tap(details, SIGN_UP)
    assert "question 1 of 2" in ((await user.wait_for_message()).plain or "")


async def test_a_full_police_quota_waitlists_police_while_community_is_still_confirmed(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    event_id = await publish(bot, capacity=4, police_seats=1, community_seats=2, online_url=LINK)
    first = await joined_member(emulator, bot, 25030, "police")
    second = await joined_member(emulator, bot, 25031, "police")
    third = await joined_member(emulator, bot, 25032, "police")
    community = await joined_member(emulator, bot, 25033, "community")
    assert (await sign_up(first)).plain.startswith(f"✅ You are registered for {TITLE}.")
    details = await open_event(second)
    assert "🎟 Fully booked – you can join the waiting list" in (details.plain or "")
    second.tap(details, WAITLIST)
    waiting = await second.wait_for_message()
    assert (waiting.plain or "").startswith(
        f"⏳ {TITLE} is fully booked. You are on the waiting list: position 1."
    )
    assert "you have 24 hours to accept it" in waiting.plain
    assert LINK not in waiting.plain  # the link is for confirmed attendees only
    waiting_details = await open_event(second)
    assert LINK not in (waiting_details.plain or "")
    assert "💻 Online – the link is sent to confirmed attendees" in (waiting_details.plain or "")
    assert "position 2." in ((await sign_up(third)).plain or "")
    listing_text = (await open_event(community)).plain or ""
    assert "🎟 2 seats free for you" in listing_text
    assert (await sign_up(community)).plain.startswith("✅ You are registered")
    assert await states(bot, event_id) == {
        first.id: "confirmed",
        second.id: "waitlisted",
        third.id: "waitlisted",
        community.id: "confirmed",
    }
    third.skip_messages()
    third.send_text("/events")
    assert "⏳ You are on the waiting list: position 2." in (
        (await third.wait_for_message()).plain or ""
    )


async def test_a_cancelled_seat_is_offered_to_the_first_in_line_who_accepts_it(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    event_id = await publish(bot, capacity=1)
    holder = await joined_member(emulator, bot, 25040, "community")
    next_in_line = await joined_member(emulator, bot, 25041, "community")
    last = await joined_member(emulator, bot, 25042, "police")
    await sign_up(holder)
    await sign_up(next_in_line)
    await sign_up(last)
    holder.skip_messages()
    details = await open_event(holder)
    asked = await tapped(holder, details, "❌ Cancel my registration")
    assert (asked.plain or "").startswith(f"Cancel your registration for {TITLE}?")
    assert "Your seat goes to the next person on the waiting list." in asked.plain
    done = await tapped(holder, asked, "✖️ Yes, cancel it")
    assert (done.plain or "").startswith(f"Your registration for {TITLE} is cancelled.")
    assert SIGN_UP not in done.button_labels  # the seat is offered, not free
    bot.running.sender.wake()
    offer = await next_in_line.wait_for_message(timeout=10)
    assert (offer.plain or "").startswith(f"🎁 A seat has become free at {TITLE}")
    assert "It is yours if you accept it by Tuesday, January 12, 2027, 9:00\u202fAM" in offer.plain
    assert offer.button_labels == [ACCEPT, "✖️ Decline the seat"]
    assert await states(bot, event_id) == {
        holder.id: "cancelled",
        next_in_line.id: "offered",
        last.id: "waitlisted",
    }
    last.skip_messages()
    last.send_text("/events")
    assert "position 1." in ((await last.wait_for_message()).plain or "")
    accepted = await tapped(next_in_line, offer, ACCEPT)
    assert (accepted.plain or "").startswith(
        f"✅ The seat is yours: you are registered for {TITLE}."
    )
    calendar = await next_in_line.wait_for_message()
    assert calendar.document is not None
    entry = icalendar.Calendar.from_ical(calendar.document.content).walk("VEVENT")[0]
    assert str(entry["LOCATION"]) == "Rathaus Köln, Rathausplatz 2"
    assert (await states(bot, event_id))[next_in_line.id] == "confirmed"
    answer = await forged(emulator, next_in_line, accepted, f"events:accept:{event_id}")
    assert answer["text"] == "You have this seat already."


async def test_an_offer_not_accepted_in_time_passes_to_the_next_in_line(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    event_id = await publish(bot, capacity=1)
    holder = await joined_member(emulator, bot, 25050, "community")
    slow = await joined_member(emulator, bot, 25051, "community")
    quick = await joined_member(emulator, bot, 25052, "community")
    for user in (holder, slow, quick):
        await sign_up(user)
    details = await open_event(holder)
    await tapped(
        holder, await tapped(holder, details, "❌ Cancel my registration"), "✖️ Yes, cancel it"
    )
    bot.running.sender.wake()
    offer = await slow.wait_for_message(timeout=10)
    clock.advance(timedelta(hours=24, seconds=30))
    answer = await forged(emulator, slow, offer, f"events:accept:{event_id}")
    assert answer["text"] == (
        "Sorry, this offer expired on Tuesday, January 12, 2027, 9:00\u202fAM; the seat goes to "
        "the next person on the waiting list."
    )
    await bot.running.scheduler.tick()
    bot.running.sender.wake()
    told = await slow.wait_for_message(timeout=10)
    assert (told.plain or "").startswith(
        f"The seat offered to you at {TITLE} was not accepted in time"
    )
    assert "You can sign up again under /events until Monday, February 8, 2027" in told.plain
    passed_on = await quick.wait_for_message(timeout=10)
    assert (passed_on.plain or "").startswith(f"🎁 A seat has become free at {TITLE}")
    assert await states(bot, event_id) == {
        holder.id: "cancelled",
        slow.id: "cancelled",
        quick.id: "offered",
    }
    await bot.running.scheduler.tick()  # nothing more to pass on
    await tapped(quick, passed_on, ACCEPT)
    assert (await states(bot, event_id))[quick.id] == "confirmed"


async def test_a_double_tap_gives_one_registration(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    event_id = await publish(bot)
    user = await joined_member(emulator, bot, 25060, "community")
    details = await open_event(user)
    user.tap(details, SIGN_UP)
    user.tap(details, SIGN_UP)
    await bot.settled()
    await emulator.wait_until(lambda: len(user.callback_answers) >= 2)
    confirmations = [
        m for m in user.messages if (m.plain or "").startswith("✅ You are registered")
    ]
    assert len(confirmations) == 1
    assert user.callback_answers[-1]["text"] == (
        "You have signed up for this event already.\n✅ You are registered."
    )
    assert await states(bot, event_id) == {user.id: "confirmed"}


async def test_sign_ups_are_refused_clearly_when_they_cannot_be(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    now = services.clock.now()
    user = await joined_member(emulator, bot, 25070, "community")
    closed = await publish(bot, "Closed", registration_deadline=to_db(now - timedelta(hours=1)))
    begun = await publish(
        bot, "Begun", starts=now - timedelta(hours=1), registration_deadline=to_db(now)
    )
    police_only = await publish(bot, "Police only", for_community=0)
    called_off = await publish(bot, "Called off", state="cancelled", cancelled_at=to_db(now))
    draft = await publish(bot, "Draft", state="draft", published_at=None)
    open_one = await publish(bot, "Open")
    user.send_text("/events")
    listing = await user.wait_for_message()
    assert "Registration is closed." in (listing.plain or "")
    details = await open_event(user, "Closed")
    assert details.button_labels == ["« All events", "🎟 My registrations", "« Main menu"]
    cases = {
        f"events:signup:{closed}": "Registration for this event closed on Monday, January 11, "
        "2027, 8:00\u202fAM.",
        f"events:signup:{begun}": "This event has already begun, so signing up is no longer "
        "possible.",
        f"events:signup:{police_only}": "This event is not open to members with your role "
        "(community representative).",
        f"events:show:{police_only}": "This event is not open to members with your role "
        "(community representative).",
        f"events:signup:{called_off}": "This event has been cancelled.",
        f"events:show:{called_off}": "This event has been cancelled.",
        f"events:signup:{draft}": STALE,
        "events:signup:999": STALE,
        "events:signup:²": STALE,
        f"events:signup:{open_one}:x": STALE,
        "events:show:1e3": STALE,
        "events:list:-1": STALE,
        f"events:ans:{open_one}:1:y": "This sign-up is no longer open. Tap “Sign up” on the "
        "event to begin again.",
        f"events:accept:{open_one}": "There is no seat offered to you for this event (any more).",
        f"events:cancelok:{open_one}": "You are not registered for this event.",
        f"events:ics:{open_one}": "The calendar file is for confirmed attendees.",
    }
    for data, expected in cases.items():
        assert (await forged(emulator, user, details, data))["text"] == expected, data
    assert await services.db.fetchall("SELECT * FROM registrations") == []
    newcomer = emulator.user(25071, language_code="en")
    newcomer.send_text("/events")
    assert ((await newcomer.wait_for_message()).plain or "").startswith(
        "Events are for members of the network."
    )
    answer = await forged(emulator, newcomer, details, f"events:signup:{open_one}")
    assert str(answer["text"]).startswith("Events are for members of the network.")
    assert await services.db.fetchall("SELECT * FROM registrations") == []


async def test_a_waiting_member_cancels_and_my_registrations_lists_what_is_left(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 25080)
    first = await publish(bot, "First", capacity=1)
    await publish(bot, "Second", starts=START + timedelta(days=1))
    member = await joined_member(emulator, bot, 25081, "community")
    await sign_up(member, "First")
    assert "position 1." in ((await sign_up(staff, "First")).plain or "")
    await sign_up(staff, "Second")
    staff.skip_messages()
    staff.send_text("/events")
    listing = await staff.wait_for_message()
    mine = await tapped(staff, listing, "🎟 My registrations")
    text = mine.plain or ""
    assert "1. First" in text and "⏳ You are on the waiting list: position 1." in text
    assert "2. Second" in text and "✅ You are registered." in text
    details = await tapped(staff, mine, "1. First")
    asked = await tapped(staff, details, "❌ Cancel my registration")
    assert "You leave the waiting list." in (asked.plain or "")
    await tapped(staff, asked, "✖️ Yes, cancel it")
    assert (await states(bot, first))[staff.id] == "cancelled"
    again = await tapped(staff, details, "🎟 My registrations")
    assert "First" not in (again.plain or "") and "1. Second" in (again.plain or "")
    # Cancelling frees no seat here: nobody is offered anything.
    assert await bot.running.services.db.fetchall("SELECT * FROM outbox") == []


async def test_thirty_members_tapping_at_once_for_ten_seats(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    event_id = await publish(bot, capacity=10)
    users = [await joined_member(emulator, bot, 25100 + n, "community") for n in range(30)]
    details = await asyncio.gather(*(open_event(user) for user in users))
    for user, message in zip(users, details, strict=True):
        user.tap(message, SIGN_UP)
    answers = await asyncio.gather(*(user.wait_for_message(timeout=20) for user in users))
    confirmed = [a for a in answers if (a.plain or "").startswith("✅ You are registered")]
    waiting = [a for a in answers if "You are on the waiting list" in (a.plain or "")]
    assert len(confirmed) == 10 and len(waiting) == 20
    told = sorted(int((a.plain or "").split("position ")[1].split(".")[0]) for a in waiting)
    assert told == list(range(1, 21))
    counted = list((await states(bot, event_id)).values())
    assert counted.count("confirmed") == 10 and counted.count("waitlisted") == 20


async def test_mydata_shows_registrations_and_deleteme_erases_them(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    await publish(bot, questions=[("text", {"en": "Dietary needs?"}, None, True)])
    user = await joined_member(emulator, bot, 25090, "community")
    details = await open_event(user)
    user.tap(details, SIGN_UP)
    await user.wait_for_message()
    user.send_text("Halal, please")
    await user.wait_for_message()  # confirmed
    await user.wait_for_message()  # the calendar file
    user.send_text("/mydata")
    await user.wait_for_message()
    data = json.loads((await user.wait_for_message()).document.content)  # type: ignore[union-attr]
    assert [r["state"] for r in data["registrations"]] == ["confirmed"]
    assert [r["answer"] for r in data["registration_answers"]] == ["Halal, please"]
    user.send_text("/deleteme")
    user.tap(await user.wait_for_message(), "Erase my data")
    await bot.settled()
    assert await services.db.fetchall("SELECT * FROM registrations") == []
    assert await services.db.fetchall("SELECT * FROM registration_answers") == []


async def test_the_longest_event_still_fits_one_message(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    """A 200-character emoji title, a 2000-character emoji description and a 500-character
    venue: Telegram counts emoji twice, so the description is cut short to fit."""
    bot = clocked_bot
    event_id = await publish(bot, "🕌" * 195, venue="Straße " * 70)  # "(de)" is added
    async with bot.running.services.db.transaction() as tx:
        await tx.execute(
            "UPDATE event_texts SET description = ? WHERE event_id = ? AND language = 'en'",
            ("🤝" * 2000, event_id),
        )
    user = await joined_member(emulator, bot, 25900, "community")
    details = await open_event(user, "🕌" * 20)
    assert details.plain is not None
    assert len(details.plain.encode("utf-16-le")) // 2 <= 4096
    assert "🤝…" in details.plain
    assert "🕒 " in details.plain  # nothing after the description was lost


async def test_a_suspended_members_seat_goes_to_the_first_in_line(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    services = bot.running.services
    event_id = await publish(bot, capacity=1)
    staff = await staff_member(emulator, bot, 25090)
    holder = await joined_member(emulator, bot, 25091, "community")
    waiting = await joined_member(emulator, bot, 25092, "community")
    await sign_up(holder)
    await sign_up(waiting)
    staff_row = await services.members.get_by_telegram_id(staff.id)
    holder_row = await services.members.get_by_telegram_id(holder.id)
    assert staff_row is not None and holder_row is not None
    assert await services.members.suspend(
        holder_row.id, services.clock.now(), actor_id=staff_row.id, notice="suspended"
    )
    assert await states(bot, event_id) == {holder.id: "cancelled", waiting.id: "waitlisted"}
    clock.advance(timedelta(minutes=5))
    await bot.running.scheduler.tick()  # the events job offers open seats to those waiting
    bot.running.sender.wake()
    offer = await waiting.wait_for_message(timeout=10)
    assert (offer.plain or "").startswith(f"🎁 A seat has become free at {TITLE}")
    assert (await states(bot, event_id))[waiting.id] == "offered"
