"""Staff change a published event from its card (✏️ Edit): title and description per
language, date and time, place, capacity and registration deadline, each checked like the
draft, kept until saved and confirmed old → new. Registrants are told of a new time or place
in their language, the link only if confirmed; a raised capacity goes to the waiting list at
once. Nobody else can, and old or forged buttons change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.timefmt import to_db
from tests.handlers.test_event_manage import card, outbox_chats, sign_up_directly
from tests.handlers.test_events import START, TITLE, publish, sign_up, states
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

NNBSP = "\u202f"
STAFF_ONLY = "This is only for the network team."
STALE = "This button no longer works. Send /start to open the menu again."
OLD_SPAN = f"Wednesday, February 10, 2027, 10:00{NNBSP}AM – 4:00{NNBSP}PM"
MENU = [
    "Title",
    "Description",
    "🕒 Date and time",
    "📍 Place",
    "🎟 Capacity",
    "⏰ Registration deadline",
    "« Back to the card",
]


async def answer(user: SimUser, text: str) -> BotMessage:
    user.send_text(text)
    return await user.wait_for_message()


async def edit_menu(staff: SimUser, title: str = TITLE) -> BotMessage:
    return await tapped(staff, await card(staff, title), "✏️ Edit")


async def edit_row(bot: InProcessBot, staff: SimUser) -> dict[str, object]:
    """The staff member's unsaved change as stored."""
    services = bot.running.services
    member = await services.members.get_by_telegram_id(staff.id)
    assert member is not None
    row = await services.db.fetchone("SELECT * FROM event_edits WHERE member_id = ?", (member.id,))
    return {} if row is None else dict(row)


async def audit_details(bot: InProcessBot) -> list[str | None]:
    return [e.detail for e in await AuditRepository(bot.running.services.db).entries("event.edit")]


async def test_staff_move_an_event_and_every_registrant_is_told_in_their_language(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41000)
    attendee = await joined_member(emulator, bot, 41001, "community")
    german = await joined_member(emulator, bot, 41002, "community", language="de")
    waiting = await joined_member(emulator, bot, 41003, "police")
    event_id = await publish(bot, capacity=2)
    await sign_up(attendee)
    await sign_up_directly(bot, german, event_id)
    await sign_up(waiting)
    await bot.settled()

    shown = await card(staff)
    assert shown.button_labels[-4:] == [
        "✏️ Edit",
        "✉️ Message registrants",
        "❌ Cancel event",
        "« Events",
    ]
    menu = await tapped(staff, shown, "✏️ Edit")
    assert menu.plain == (
        f"✏️ {TITLE}\nWorkshop · North Rhine-Westphalia\n🕒 {OLD_SPAN}\n"
        "📍 Rathaus Köln, Rathausplatz 2\n"
        "👥 For community representatives, police contacts, network team\n🎟 2 seats\n"
        f"⏰ Registration until Monday, February 8, 2027, 10:00{NNBSP}AM\n"
        "Languages: German, English\n\n"
        "What would you like to change? Registrants are told of a change of time or place."
    )
    assert menu.button_labels == MENU
    asked = await tapped(staff, menu, "🕒 Date and time")
    assert asked.plain == (
        f"✏️ {TITLE}\nIt takes place {OLD_SPAN}. When should it start? Please send the date "
        "and time like 2027-03-14 10:00 or 14.03.2027 10:00 (Europe/Berlin time)."
    )
    assert asked.button_labels == ["« Back"]
    # Wrong answers are refused with the draft's sentences; nothing is kept.
    wrong = {
        "2027-02-30 10:00": "That day or time does not exist. Please check the date and time.",
        "2027-01-01 10:00": "That is not in the future. Please send a later date and time.",
        "x" * 5000: "I could not read that. Please send the date and time like 2027-03-14 "
        "10:00 or 14.03.2027 10:00.",
    }
    for text, said in wrong.items():
        assert (await answer(staff, text)).plain == said
    staff.send_sticker()
    assert (await staff.wait_for_message()).plain == "Please answer with a text message."
    staff.send_photo()
    assert (await staff.wait_for_message()).plain == "Please answer with a text message."
    assert (await edit_row(bot, staff))["starts_at"] is None
    ends = await answer(staff, "20.02.2027 18:00")
    new_start = f"Saturday, February 20, 2027, 6:00{NNBSP}PM"
    assert ends.plain == (
        f"✏️ {TITLE}\nIt starts {new_start}. When does it end? Please send the date and time, "
        "or only the time (like 17:00) when it ends on the same day."
    )
    assert (await answer(staff, "17:00")).plain == (
        f"The end must be after the start ({new_start}). Please send a later time."
    )
    confirm = await answer(staff, "21:30")
    new_span = f"{new_start} – 9:30{NNBSP}PM"
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\n🕒 Date and time:\n{OLD_SPAN}\n→ {new_span}\n"
        f"⏰ Registration until Monday, February 8, 2027, 10:00{NNBSP}AM, as before.\n\n"
        "3 registrants (confirmed, waiting or offered a seat) will be told, each in their "
        "language."
    )
    assert confirm.button_labels == ["💾 Save", "Discard"]
    assert (await services.events.get(event_id)).starts_at == START  # type: ignore[union-attr]
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == f"✅ The change to “{TITLE}” is saved.\n3 registrants are being told."
    assert saved.button_labels == ["✏️ Edit more", "« Back to the card"]
    event = await services.events.get(event_id)
    assert event is not None and event.revision == 1
    assert event.starts_at == datetime(2027, 2, 20, 17, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2027, 2, 20, 20, 30, tzinfo=UTC)
    assert event.registration_deadline == START - timedelta(days=2)
    assert await audit_details(bot) == ["fields=starts_at,ends_at told=3 offered=0"]
    entry = (await AuditRepository(services.db).entries("event.edit"))[0]
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        (await services.members.get_by_telegram_id(staff.id)).id,  # type: ignore[union-attr]
        "event",
        event_id,
    )
    assert await services.db.fetchall("SELECT * FROM event_edits") == []

    bot.running.sender.wake()
    told = await attendee.wait_for_message(timeout=10)
    assert told.plain == (
        f"🔔 The network team changed {TITLE}:\n🕒 New time: {new_span}\n(It was {OLD_SPAN}.)\n"
        "Your registration stands. If you can no longer come, please cancel it under /events "
        "or tell the network team, so that someone else can have your seat."
    )
    assert told.button_labels == ["📅 Calendar file"]
    told = await waiting.wait_for_message(timeout=10)
    assert (told.plain or "").endswith("You are still on the waiting list.")
    assert f"🕒 New time: {new_span}" in (told.plain or "")
    assert told.button_labels == []
    told = await german.wait_for_message(timeout=10)  # in German, as far as translated
    assert "Dialogue platform Cologne (de)" in (told.plain or "")
    assert "Samstag, 20. Februar 2027, 18:00" in (told.plain or "")
    assert await outbox_chats(bot) == [attendee.id, german.id, waiting.id]

    # The calendar button of the notice brings the updated file, which replaces the entry.
    notice = attendee.messages[-1]
    attendee.tap(notice, "📅 Calendar file")
    calendar = await attendee.wait_for_message()
    assert calendar.document is not None
    entry_ics = icalendar.Calendar.from_ical(calendar.document.content).walk("VEVENT")[0]
    assert entry_ics["UID"] == f"event-{event_id}@kosizu"
    assert entry_ics["SEQUENCE"] == 1
    assert entry_ics.decoded("DTSTART") == event.starts_at

    # A second tap of Save, or the button forged again: nothing more happens.
    again = await forged(emulator, staff, confirm, f"evedit:save:{event_id}")
    assert again["text"] == "This change was saved already, or discarded."
    await bot.settled()
    assert len(await outbox_chats(bot)) == 3
    assert len(await audit_details(bot)) == 1
    assert await states(bot, event_id) == {
        attendee.id: "confirmed",
        german.id: "confirmed",
        waiting.id: "waitlisted",
    }


async def test_a_new_place_shows_the_link_only_to_confirmed_attendees(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41100)
    attendee = await joined_member(emulator, bot, 41101, "community")
    waiting = await joined_member(emulator, bot, 41102, "police")
    event_id = await publish(bot, capacity=1)
    await sign_up(attendee)
    await sign_up(waiting)
    await bot.settled()
    link = "https://meet.example.org/kosizu-new"

    places = await tapped(staff, await edit_menu(staff), "📍 Place")
    assert places.plain == (
        f"✏️ {TITLE}\nNow: 📍 Rathaus Köln, Rathausplatz 2\nWhere does it take place?"
    )
    assert places.button_labels == ["📍 At a venue", "💻 Online", "« Back"]
    asked = await tapped(staff, places, "💻 Online")
    assert asked.plain == (
        f"✏️ {TITLE}\nPlease send the link to the online meeting; it must start with https://. "
        "Only confirmed participants will see it."
    )
    assert asked.button_labels == ["📍 At a venue instead", "« Back"]
    wrong = {
        "http://meet.example.org/room": "Only secure links are accepted. Please send the link "
        "that starts with https://.",
        "see you there": "That is not a link. Please send the full address, like "
        "https://meet.example.org/room.",
        "https://meet.example.org/" + "a" * 5000: "That link is too long: at most 500 characters.",
    }
    for text, said in wrong.items():
        assert (await answer(staff, text)).plain == said
    confirm = await answer(staff, link)
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\nPlace:\n📍 Rathaus Köln, Rathausplatz 2\n"
        f"→ 💻 Online: {link}\n\n"
        "2 registrants (confirmed, waiting or offered a seat) will be told, each in their "
        "language."
    )
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == f"✅ The change to “{TITLE}” is saved.\n2 registrants are being told."
    bot.running.sender.wake()
    told = await attendee.wait_for_message(timeout=10)
    assert told.plain == (
        f"🔔 The network team changed {TITLE}:\n💻 Now online: {link}\n"
        "Your registration stands. If you can no longer come, please cancel it under /events "
        "or tell the network team, so that someone else can have your seat."
    )
    told = await waiting.wait_for_message(timeout=10)
    assert told.plain == (
        f"🔔 The network team changed {TITLE}:\n"
        "💻 Now online – the link is sent to confirmed attendees.\n"
        "You are still on the waiting list."
    )
    assert "https://" not in str(told.params)

    # And back to a venue, switching on the way: the calendar entry is replaced again.
    menu = await tapped(staff, saved, "✏️ Edit more")
    asked = await tapped(staff, await tapped(staff, menu, "📍 Place"), "💻 Online")
    asked = await tapped(staff, asked, "📍 At a venue instead")
    assert asked.plain == (
        f"✏️ {TITLE}\nPlease send the address of the venue (3 to 500 characters)."
    )
    assert asked.button_labels == ["💻 Online instead", "« Back"]
    assert (await answer(staff, "ab")).plain == "Please send an address of 3 to 500 characters."
    assert (await answer(staff, "x" * 5000)).plain == (
        "Please send an address of 3 to 500 characters."
    )
    confirm = await answer(staff, "Bürgerhaus Kalk\nKalk-Mülheimer Str. 58, Köln")
    assert "→ 📍 Bürgerhaus Kalk\nKalk-Mülheimer Str. 58, Köln" in (confirm.plain or "")
    await tapped(staff, confirm, "💾 Save")
    bot.running.sender.wake()
    told_waiting = await waiting.wait_for_message(timeout=10)
    assert "📍 New place: Bürgerhaus Kalk\nKalk-Mülheimer Str. 58, Köln" in (
        told_waiting.plain or ""
    )
    told = await attendee.wait_for_message(timeout=10)
    attendee.tap(told, "📅 Calendar file")
    calendar = await attendee.wait_for_message()
    assert calendar.document is not None
    entry = icalendar.Calendar.from_ical(calendar.document.content).walk("VEVENT")[0]
    assert entry["SEQUENCE"] == 2
    assert str(entry["LOCATION"]) == "Bürgerhaus Kalk\nKalk-Mülheimer Str. 58, Köln"
    assert "URL" not in entry
    event = await services.events.get(event_id)
    assert event is not None and (event.venue, event.online_url, event.revision) == (
        "Bürgerhaus Kalk\nKalk-Mülheimer Str. 58, Köln",
        None,
        2,
    )
    assert await audit_details(bot) == [
        "fields=venue,online_url told=2 offered=0",
        "fields=venue,online_url told=2 offered=0",
    ]
    # The waiting member's button is only for attendees (the existing calendar callback).
    answer_to_waiting = await forged(emulator, waiting, told_waiting, f"events:ics:{event_id}")
    assert answer_to_waiting["text"] == "The calendar file is for confirmed attendees."


async def test_capacity_cannot_fall_below_the_seats_taken_and_a_raise_goes_to_the_waiting_list(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41200)
    first = await joined_member(emulator, bot, 41201, "community")
    second = await joined_member(emulator, bot, 41202, "police")
    next_in_line = await joined_member(emulator, bot, 41203, "community")
    after_them = await joined_member(emulator, bot, 41204, "police")
    event_id = await publish(bot, capacity=2)
    for user in (first, second, next_in_line, after_them):
        await sign_up(user)
    await bot.settled()

    asked = await tapped(staff, await edit_menu(staff), "🎟 Capacity")
    assert asked.plain == (
        f"✏️ {TITLE}\nSeats now: 2 · taken (confirmed or offered): 2 · waiting: 2\n"
        "How many seats should it have? Please send a number from 2 to 100000."
    )
    too_low = (
        "2 seats are taken (confirmed or offered), so the event needs at least 2. Please send "
        "a number from 2 to 100000."
    )
    wrong = {
        "1": too_low,
        "0": "An event needs at least one seat. Please send a number from 2 to 100000.",
        "-3": "An event needs at least one seat. Please send a number from 2 to 100000.",
        "many": "Please send the number of seats as a whole number from 2 to 100000.",
        "100001": "That is more than 100000 seats. Please send a number from 2 to 100000.",
        "2": "That is how it is already. Please send something different, or tap “Back”.",
    }
    for text, said in wrong.items():
        assert (await answer(staff, text)).plain == said, text
    assert (await edit_row(bot, staff))["capacity"] is None
    confirm = await answer(staff, "3")
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\n🎟 Seats: 2 → 3\n"
        "2 members are waiting: the new seats are offered at once, first in line first."
    )
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == (
        f"✅ The change to “{TITLE}” is saved.\n1 seat was offered to the waiting list."
    )
    assert await states(bot, event_id) == {
        first.id: "confirmed",
        second.id: "confirmed",
        next_in_line.id: "offered",
        after_them.id: "waitlisted",
    }
    bot.running.sender.wake()
    offer = await next_in_line.wait_for_message(timeout=10)
    assert (offer.plain or "").startswith("🎁 A seat has become free at")
    assert offer.button_labels == ["✅ Accept the seat", "✖️ Decline the seat"]
    assert await outbox_chats(bot) == [next_in_line.id]  # a new capacity tells nobody else
    assert await audit_details(bot) == ["fields=capacity told=0 offered=1"]
    event = await services.events.get(event_id)
    assert event is not None and (event.capacity, event.revision) == (3, 0)

    # Moved to this evening: the offer cannot outlast the new start, and says until when.
    await tapped(staff, await tapped(staff, saved, "✏️ Edit more"), "🕒 Date and time")
    await answer(staff, "2027-01-11 20:00")
    confirm = await answer(staff, "22:00")
    assert "4 registrants (confirmed, waiting or offered a seat) will be told" in (
        confirm.plain or ""
    )
    await tapped(staff, confirm, "💾 Save")
    bot.running.sender.wake()
    told = await next_in_line.wait_for_message(timeout=10)
    assert (told.plain or "").endswith(
        f"The seat offered to you is yours if you accept it by Monday, January 11, 2027, "
        f"8:00{NNBSP}PM."
    )
    assert told.button_labels == ["✅ Accept the seat"]
    row = await services.db.fetchone(
        "SELECT offered_until FROM registrations WHERE state = 'offered'"
    )
    assert row is not None and row[0] == "2027-01-11T19:00:00.000000Z"


async def test_capacity_keeps_the_seats_kept_for_each_side(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 41300)
    team = await staff_member(emulator, bot, 41301)
    event_id = await publish(bot, capacity=10, police_seats=3, community_seats=3)
    await sign_up(team)  # a general seat
    asked = await tapped(staff, await edit_menu(staff), "🎟 Capacity")
    assert asked.plain == (
        f"✏️ {TITLE}\nSeats now: 10 · taken (confirmed or offered): 1 · waiting: 0\n"
        "Kept for police contacts: 3 · for community representatives: 3\n"
        "How many seats should it have? Please send a number from 7 to 100000."
    )
    assert (await answer(staff, "6")).plain == (
        "6 seats are kept for police contacts and community representatives, and 1 other "
        "seat is taken (confirmed or offered), so the event needs at least 7. Please send a "
        "number from 7 to 100000."
    )
    confirm = await answer(staff, "7")
    assert "🎟 Seats: 10 → 7" in (confirm.plain or "")
    back = await tapped(staff, confirm, "Discard")
    assert (back.plain or "").startswith(
        f"The change is discarded; nothing was changed.\n\n✏️ {TITLE}\n"
    )
    assert back.button_labels == MENU
    # Without the team member, 6 would leave no seat outside the quotas for the team.
    services = bot.running.services
    member = await services.members.get_by_telegram_id(team.id)
    assert member is not None
    async with services.db.transaction() as tx:
        await tx.execute("DELETE FROM registrations WHERE member_id = ?", (member.id,))
    await tapped(staff, back, "🎟 Capacity")
    assert (await answer(staff, "6")).plain == (
        "Team members may attend too and take the seats the quotas leave. Please keep at least "
        "one of the 6 seats outside the quotas."
    )
    assert (await edit_row(bot, staff))["capacity"] is None
    event = await services.events.get(event_id)
    assert event is not None and event.capacity == 10


async def test_the_registration_deadline_and_a_start_before_it(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41400)
    attendee = await joined_member(emulator, bot, 41401, "community")
    event_id = await publish(bot)
    await sign_up(attendee)
    await bot.settled()

    asked = await tapped(staff, await edit_menu(staff), "⏰ Registration deadline")
    old = f"Monday, February 8, 2027, 10:00{NNBSP}AM"
    assert asked.plain == (
        f"✏️ {TITLE}\nRegistration is open until {old}. Until when may members sign up or "
        "cancel? Please send a date and time like 2027-03-10 18:00, or tap “Until the start”."
    )
    assert asked.button_labels == ["Until the start", "« Back"]
    wrong = {
        "2027-02-10 10:00": "Sign-up must end before the start (Wednesday, February 10, 2027, "
        f"10:00{NNBSP}AM). Please send an earlier date and time, or tap “Until the start”.",
        "2027-02-11 10:00": "Sign-up must end before the start (Wednesday, February 10, 2027, "
        f"10:00{NNBSP}AM). Please send an earlier date and time, or tap “Until the start”.",
        "2027-01-10 10:00": "That is not in the future. Please send a later date and time.",
        "soon": "I could not read that. Please send the date and time like 2027-03-14 10:00 "
        "or 14.03.2027 10:00.",
        "08.02.2027 10:00": "That is how it is already. Please send something different, or "
        "tap “Back”.",
    }
    for text, said in wrong.items():
        assert (await answer(staff, text)).plain == said, text
    confirm = await answer(staff, "2027-02-09 18:00")
    new = f"Tuesday, February 9, 2027, 6:00{NNBSP}PM"
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\n⏰ Registration until: {old} → {new}"
    )
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == f"✅ The change to “{TITLE}” is saved."
    event = await services.events.get(event_id)
    assert event is not None
    assert event.registration_deadline == datetime(2027, 2, 9, 17, 0, tzinfo=UTC)
    assert event.revision == 0

    # Until the start, then discarded: nothing changes.
    asked = await tapped(
        staff, await tapped(staff, saved, "✏️ Edit more"), "⏰ Registration deadline"
    )
    confirm = await tapped(staff, asked, "Until the start")
    assert (confirm.plain or "").endswith(
        f"⏰ Registration until: {new} → Wednesday, February 10, 2027, 10:00{NNBSP}AM"
    )
    await tapped(staff, confirm, "Discard")
    assert (
        await services.events.get(event_id)
    ).registration_deadline == event.registration_deadline  # type: ignore[union-attr]

    # A start moved before the deadline takes the deadline with it, and says so.
    menu = await edit_menu(staff)
    await tapped(staff, menu, "🕒 Date and time")
    await answer(staff, "2027-01-20 10:00")
    confirm = await answer(staff, "12:00")
    new_start = f"Wednesday, January 20, 2027, 10:00{NNBSP}AM"
    assert (
        "⏰ Registration would end after the new start, so it now ends at the start, "
        f"{new_start} (it was {new})."
    ) in (confirm.plain or "")
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == (
        f"✅ The change to “{TITLE}” is saved.\n1 registrant is being told.\n"
        f"Registration now ends at the new start, {new_start}."
    )
    event = await services.events.get(event_id)
    assert event is not None
    assert event.starts_at == event.registration_deadline == datetime(2027, 1, 20, 9, tzinfo=UTC)
    assert await audit_details(bot) == [
        "fields=registration_deadline told=0 offered=0",
        "fields=starts_at,ends_at,registration_deadline told=1 offered=0",
    ]


async def texts(bot: InProcessBot, event_id: int) -> dict[str, tuple[str, str | None]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT language, title, description FROM event_texts WHERE event_id = ?", (event_id,)
    )
    return {r["language"]: (r["title"], r["description"]) for r in rows}


async def test_titles_and_descriptions_per_language_and_translations_added_or_removed(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot  # German is the network's default language
    staff = await staff_member(emulator, bot, 41500)
    attendee = await joined_member(emulator, bot, 41501, "community")
    event_id = await publish(bot)
    await sign_up(attendee)
    await bot.settled()
    german_title = f"{TITLE} (de)"

    languages = await tapped(staff, await edit_menu(staff), "Title")
    assert languages.plain == (
        f"✏️ {TITLE}\nThe title in which language?\n"
        "✅ marks the languages the event has; members read theirs, else German."
    )
    assert languages.button_labels == ["✅ Deutsch", "✅ English", "Français", "Türkçe",
                                       "العربية", "« Back"]  # fmt: skip
    asked = await tapped(staff, languages, "✅ Deutsch")
    assert asked.plain == (
        f"✏️ {TITLE}\nThe title in German is now: “{german_title}”. Please send the new title "
        "(3 to 200 characters)."
    )
    assert asked.button_labels == ["« Back"]  # the default language's title stays
    rule = "Please send a title of 3 to 200 characters on one line."
    for wrong in ("ab", "x" * 5000, "  \u200b  "):
        assert (await answer(staff, wrong)).plain == rule
    confirm = await answer(staff, "Dialogplattform <Köln>")
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\n"
        f"Title in German: “{german_title}” → “Dialogplattform <Köln>”"
    )
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == f"✅ The change to “{TITLE}” is saved."

    # A new translation: its title, then its description (or none).
    languages = await tapped(staff, await tapped(staff, saved, "✏️ Edit more"), "Title")
    asked = await tapped(staff, languages, "Français")
    assert asked.plain == (
        f"✏️ {TITLE}\nThere is no title in French yet. Please send it (3 to 200 characters); "
        "the description follows."
    )
    asked = await answer(staff, "Plateforme de dialogue")
    assert asked.plain == (
        f"✏️ {TITLE}\nPlease send the description in French (at most 2000 characters)."
    )
    assert asked.button_labels == ["Skip", "« Back"]
    confirm = await tapped(staff, asked, "Skip")
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\nTitle in French (new): “Plateforme de dialogue”"
    )
    saved = await tapped(staff, confirm, "💾 Save")

    # An existing translation can be removed; the change tells no registrant.
    languages = await tapped(staff, await tapped(staff, saved, "✏️ Edit more"), "Title")
    assert languages.button_labels[:3] == ["✅ Deutsch", "✅ English", "✅ Français"]
    asked = await tapped(staff, languages, "✅ English")
    assert asked.button_labels == ["🗑 Remove the translation into English", "« Back"]
    confirm = await tapped(staff, asked, "🗑 Remove the translation into English")
    assert confirm.plain == (
        f"✏️ {TITLE}\nPlease check the change:\n"
        f"The translation into English will be removed: “{TITLE}”."
    )
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == "✅ The change to “Dialogplattform <Köln>” is saved."

    # A description: typed, checked, removed.
    languages = await tapped(staff, await tapped(staff, saved, "✏️ Edit more"), "Description")
    assert languages.plain is not None and "The description in which language?" in languages.plain
    asked = await tapped(staff, languages, "✅ Deutsch")
    assert asked.plain == (
        "✏️ Dialogplattform <Köln>\nPlease send the description in German (at most 2000 "
        "characters).\nNow: Beschreibung"
    )
    assert asked.button_labels == ["🗑 Remove the description", "« Back"]
    assert (await answer(staff, "y" * 5000)).plain == (
        "Please send a description of at most 2000 characters."
    )
    staff.send_sticker()
    assert (await staff.wait_for_message()).plain == "Please answer with a text message."
    confirm = await answer(staff, "Polizei & Moscheen\nan einem Tisch.")
    assert confirm.plain == (
        "✏️ Dialogplattform <Köln>\nPlease check the change:\nDescription in German:\n"
        "Beschreibung\n→\nPolizei & Moscheen\nan einem Tisch."
    )
    await tapped(staff, confirm, "💾 Save")
    assert await texts(bot, event_id) == {
        "de": ("Dialogplattform <Köln>", "Polizei & Moscheen\nan einem Tisch."),
        "fr": ("Plateforme de dialogue", None),
    }
    asked = await tapped(staff, await tapped(staff, await edit_menu(staff, "Dialogplattform"),
                                             "Description"), "✅ Deutsch")  # fmt: skip
    confirm = await tapped(staff, asked, "🗑 Remove the description")
    assert (confirm.plain or "").endswith(
        "Description in German:\nPolizei & Moscheen\nan einem Tisch.\n→\n(no description)"
    )
    await tapped(staff, confirm, "💾 Save")
    assert (await texts(bot, event_id))["de"] == ("Dialogplattform <Köln>", None)
    assert await audit_details(bot) == [
        "fields=title language=de told=0 offered=0",
        "fields=title language=fr told=0 offered=0",
        "fields=remove language=en told=0 offered=0",
        "fields=description language=de told=0 offered=0",
        "fields=description language=de told=0 offered=0",
    ]
    await bot.settled()
    assert await outbox_chats(bot) == []  # texts are no change of time or place
    # The default language's title cannot be removed, even by a forged button.
    asked = await tapped(staff, await tapped(staff, await edit_menu(staff, "Dialogplattform"),
                                             "Title"), "✅ Deutsch")  # fmt: skip
    assert (await forged(emulator, staff, asked, f"evedit:rm:{event_id}"))["text"] == STALE
    assert "de" in await texts(bot, event_id)


async def test_a_restart_or_cancel_loses_nothing_and_edit_continues_at_the_same_question(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 41600)
    event_id = await publish(bot)
    await tapped(staff, await edit_menu(staff), "🕒 Date and time")
    await answer(staff, "2027-02-12 09:00")
    await bot.settled()
    await bot.stop()
    await bot.start()
    services = bot.running.services
    confirm = await answer(staff, "12:00")  # the end, asked before the restart
    assert "→ Friday, February 12, 2027, 9:00" in (confirm.plain or "")
    assert (await answer(staff, "hello")).plain == (
        f"Please tap “💾 Save” or “Discard”.\n\n{confirm.plain}"
    )

    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == (
        "The change is not saved yet; ✏️ Edit on the event's card continues it."
    )
    assert (await answer(staff, "13:00")).plain.startswith(  # type: ignore[union-attr]
        "I'm not sure what you mean."
    )
    await bot.settled()
    await bot.stop()
    await bot.start()
    services = bot.running.services
    again = await edit_menu(staff)  # ✏️ Edit shows the confirmation it stopped at
    assert again.plain == confirm.plain
    await tapped(staff, again, "💾 Save")
    event = await services.events.get(event_id)
    assert event is not None and event.starts_at == datetime(2027, 2, 12, 8, tzinfo=UTC)

    # Halfway through a change, « Back drops it and /cancel has nothing left to keep.
    asked = await tapped(staff, await edit_menu(staff), "🕒 Date and time")
    await answer(staff, "2027-02-13 09:00")
    back = await tapped(staff, asked, "« Back")
    assert back.button_labels == MENU
    assert await edit_row(bot, staff) == {}
    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain.startswith(  # type: ignore[union-attr]
        "There is nothing to cancel."
    )


async def test_an_unsaved_change_to_another_event_is_offered_first(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 41700)
    first = await publish(bot, "First workshop")
    second = await publish(bot, "Second workshop", starts=START + timedelta(days=1))
    await tapped(staff, await edit_menu(staff, "First workshop"), "🎟 Capacity")
    await answer(staff, "12")
    offered = await edit_menu(staff, "Second workshop")
    assert offered.plain == (
        "You have an unsaved change to “First workshop”. Continue it, or discard it and edit "
        "“Second workshop”?"
    )
    assert offered.button_labels == ["▶️ Continue", "🗑 Discard it"]
    resumed = await tapped(staff, offered, "▶️ Continue")
    assert (resumed.plain or "").startswith("✏️ First workshop\nPlease check the change:")
    offered = await edit_menu(staff, "Second workshop")
    menu = await tapped(staff, offered, "🗑 Discard it")
    assert (menu.plain or "").startswith("✏️ Second workshop\n")
    assert await edit_row(bot, staff) == {}
    assert (await forged(emulator, staff, menu, f"evedit:save:{first}"))["text"] == (
        "This change was saved already, or discarded."
    )
    services = bot.running.services
    assert (await services.events.get(first)).capacity == 10  # type: ignore[union-attr]
    assert (await services.events.get(second)).capacity == 10  # type: ignore[union-attr]


async def test_nobody_but_staff_edits_and_old_or_forged_buttons_change_nothing(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41800)
    police = await joined_member(emulator, bot, 41801, "police")
    event_id = await publish(bot)
    await sign_up(police)

    # A non-staff member: every button, forged, is refused and audited.
    police.send_text("/help")
    own = await police.wait_for_message()
    denied_before = len(await AuditRepository(services.db).entries("access.denied"))
    forgeries = [f"evedit:{action}:{event_id}" for action in ("open", "menu", "save", "drop",
                 "keep", "nodesc", "rm", "atstart", "resume", "afresh")]  # fmt: skip
    forgeries += [f"evedit:f:{event_id}:time", f"evedit:lang:{event_id}:title:de",
                  f"evedit:place:{event_id}:online"]  # fmt: skip
    for data in forgeries:
        refused = await forged(emulator, police, own, data)
        assert (refused["text"], refused["show_alert"]) == (STAFF_ONLY, True), data
    await bot.settled()
    denied = await AuditRepository(services.db).entries("access.denied")
    assert [e.detail for e in denied[denied_before:]] == ["button=event_edit"] * len(forgeries)
    assert await services.db.fetchall("SELECT * FROM event_edits") == []
    police.send_text("2027-03-01 10:00")
    assert (await police.wait_for_message()).plain.startswith(  # type: ignore[union-attr]
        "I'm not sure what you mean."
    )

    # Staff with buttons that were never offered, or no longer fit.
    menu = await edit_menu(staff)
    for data in (
        "evedit:open:999999",
        "evedit:open:x",
        f"evedit:open:{event_id}0000000000",
        f"evedit:f:{event_id}:kind",
        f"evedit:lang:{event_id}:title:xx",
        f"evedit:place:{event_id}:moon",
        f"evedit:keep:{event_id}",  # no change is being typed
        f"evedit:atstart:{event_id}",
        f"evedit:resume:{event_id}",
        "evedit",
    ):
        assert (await forged(emulator, staff, menu, data))["text"] == STALE, data
    assert await services.db.fetchall("SELECT * FROM event_edits") == []
    asked = await tapped(staff, menu, "🎟 Capacity")
    assert (await forged(emulator, staff, asked, f"evedit:atstart:{event_id}"))["text"] == STALE
    assert (await forged(emulator, staff, asked, f"evedit:save:{event_id}"))["text"] == (
        "This change was saved already, or discarded."
    )

    # A change typed for an event cancelled meanwhile: nothing is kept or saved.
    await answer(staff, "12")
    cancelled = await card(staff)
    await tapped(staff, await tapped(staff, cancelled, "❌ Cancel event"), "❌ Yes, cancel it")
    staff.send_text("/help")
    await staff.wait_for_message()
    refused = await forged(emulator, staff, asked, f"evedit:save:{event_id}")
    assert refused["text"] == "This event was cancelled already."
    assert await services.db.fetchall("SELECT * FROM event_edits") == []
    assert "✏️ Edit" not in (await card(staff)).button_labels
    assert (await forged(emulator, staff, menu, f"evedit:open:{event_id}"))["text"] == (
        "This event was cancelled already."
    )
    assert await audit_details(bot) == []


async def test_a_started_event_cannot_be_changed_and_suspension_drops_the_unsaved_change(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41900)
    colleague = await staff_member(emulator, bot, 41901)
    soon = services.clock.now() + timedelta(hours=2)
    event_id = await publish(bot, starts=soon, registration_deadline=to_db(soon))
    asked = await tapped(staff, await edit_menu(staff), "📍 Place")
    asked = await tapped(staff, asked, "📍 At a venue")
    bot.manual_clock().advance(timedelta(hours=3))
    assert (await answer(staff, "Bürgerhaus Kalk, Köln")).plain == (
        "This event has begun; it can no longer be changed."
    )
    assert await services.db.fetchall("SELECT * FROM event_edits") == []
    assert "✏️ Edit" not in (await card(staff)).button_labels
    refused = await forged(emulator, staff, asked, f"evedit:open:{event_id}")
    assert refused["text"] == "This event has begun; it can no longer be changed."

    later = await publish(bot, "Later workshop")
    await tapped(staff, await edit_menu(staff, "Later workshop"), "🕒 Date and time")
    await answer(staff, "2027-03-01 10:00")
    assert (await edit_row(bot, staff))["event_id"] == later
    suspended = await services.members.get_by_telegram_id(staff.id)
    by = await services.members.get_by_telegram_id(colleague.id)
    assert suspended is not None and by is not None
    assert await services.members.suspend(
        suspended.id, services.clock.now(), actor_id=by.id, notice="suspended"
    )
    assert await edit_row(bot, staff) == {}


async def test_a_change_that_no_longer_fits_when_saved_is_asked_again(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 41950)
    members = [await joined_member(emulator, bot, 41951 + n, "community") for n in range(3)]
    event_id = await publish(bot, capacity=5)
    for member in members[:2]:
        await sign_up(member)
    await tapped(staff, await edit_menu(staff), "🎟 Capacity")
    confirm = await answer(staff, "2")
    await sign_up(members[2])  # meanwhile
    asked = await tapped(staff, confirm, "💾 Save")
    assert asked.plain == (
        "Meanwhile more seats were taken. 3 seats are taken (confirmed or offered), so the "
        "event needs at least 3. Please send a number from 3 to 100000.\n\n"
        f"✏️ {TITLE}\nSeats now: 5 · taken (confirmed or offered): 3 · waiting: 0\n"
        "How many seats should it have? Please send a number from 3 to 100000."
    )
    assert (await services.events.get(event_id)).capacity == 5  # type: ignore[union-attr]
    confirm = await answer(staff, "3")
    saved = await tapped(staff, confirm, "💾 Save")
    assert saved.plain == f"✅ The change to “{TITLE}” is saved."
    assert (await services.events.get(event_id)).capacity == 3  # type: ignore[union-attr]

    # A start that has passed by the time Save is tapped.
    await tapped(staff, await edit_menu(staff), "🕒 Date and time")
    await answer(staff, "2027-01-11 10:00")  # 09:00 UTC, an hour ahead
    confirm = await answer(staff, "11:00")
    bot.manual_clock().advance(timedelta(hours=2))
    asked = await tapped(staff, confirm, "💾 Save")
    assert (asked.plain or "").startswith(
        "That is not in the future. Please send a later date and time.\n\n"
        f"✏️ {TITLE}\nIt takes place {OLD_SPAN}. When should it start?"
    )
    event = await services.events.get(event_id)
    assert event is not None and (event.starts_at, event.revision) == (START, 0)
    assert await audit_details(bot) == ["fields=capacity told=0 offered=0"]
