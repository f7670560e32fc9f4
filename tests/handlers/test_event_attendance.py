"""Staff take attendance at an event from its card: from a day before the start, a paged list
of the confirmed registrations where each tap ticks a member present or unticks them, every
tap audited, the ticks in the export's “Attended” column. Nobody else can tick anyone."""

from __future__ import annotations

from datetime import timedelta

from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.timefmt import to_db
from tests.handlers.test_event_export import PLAIN, card_of_event, exported
from tests.handlers.test_events import TITLE, publish
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."
STALE = "This button no longer works. Send /start to open the menu again."
ATTENDANCE = "✅ Attendance"


async def registered(
    bot: InProcessBot, event_id: int, telegram_id: int, name: str | None, state: str = "confirmed"
) -> int:
    """A member registered for the event, written directly (they never need to chat here);
    returns the registration's id."""
    services = bot.running.services
    now = to_db(services.clock.now())
    async with services.db.transaction() as tx:
        member_id = await tx.insert(
            "INSERT INTO members (telegram_user_id, created_at, last_seen_at, role, status,"
            " display_name) VALUES (?, ?, ?, 'community', 'active', ?)",
            (telegram_id, now, now, name),
        )
        registration_id = await tx.insert(
            "INSERT INTO registrations (event_id, member_id, seat, state, created_at,"
            " waiting_since, confirmed_at) VALUES (?, ?, 'general', ?, ?, ?, ?)",
            (event_id, member_id, state, now, None if state == "confirmed" else now,
             now if state == "confirmed" else None),
        )  # fmt: skip
    assert registration_id is not None
    return registration_id


async def attended(bot: InProcessBot, event_id: int) -> dict[str, int | None]:
    """Display name → the stored attended value, of every registration of the event."""
    rows = await bot.running.services.db.fetchall(
        "SELECT coalesce(display_name, '-'), attended FROM registrations"
        " JOIN members ON members.id = member_id WHERE event_id = ?",
        (event_id,),
    )
    return {r[0]: r[1] for r in rows}


def names(message: BotMessage) -> list[str]:
    return [label for label in message.button_labels if label[:1] in "☐☑"]


async def test_staff_tick_who_came_page_by_page_and_the_export_shows_it(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 28000)
    event_id = await publish(bot, starts=services.clock.now() + timedelta(hours=6))
    ids = {}
    for n in range(11, 0, -1):  # registered in reverse: the list goes by name
        ids[f"Attendee {n:02}"] = await registered(bot, event_id, 28500 + n, f"Attendee {n:02}")
    nameless = await registered(bot, event_id, 28520, None)
    member_number = await services.db.fetchone(
        "SELECT member_id FROM registrations WHERE id = ?", (nameless,)
    )
    assert member_number is not None
    waiting = await registered(bot, event_id, 28521, "Wanda Waiting", "waitlisted")
    await registered(bot, event_id, 28522, "Carl Cancelled", "cancelled")
    other_event = await publish(bot, "Another event", starts=services.clock.now())
    elsewhere = await registered(bot, other_event, 28523, "Elsa Elsewhere")

    card = await card_of_event(staff)
    listing = await tapped(staff, card, ATTENDANCE)
    assert (listing.plain or "").splitlines() == [
        f"Attendance · “{TITLE}”",
        "0 of 12 present",
        "Tap a name to tick who came; tap again to undo.",
        "page 1 of 2",
    ]
    assert names(listing) == [f"☐ Attendee {n:02}" for n in range(1, 11)]
    assert listing.button_labels[-2:] == ["Next »", "« Back"]

    listing = await tapped(staff, listing, "☐ Attendee 01")
    assert "1 of 12 present" in (listing.plain or "")
    assert names(listing)[:2] == ["☑ Attendee 01", "☐ Attendee 02"]
    listing = await tapped(staff, listing, "☐ Attendee 02")
    listing = await tapped(staff, listing, "Next »")
    assert names(listing) == ["☐ Attendee 11", f"☐ Member {member_number[0]}"]
    assert "page 2 of 2" in (listing.plain or "")
    listing = await tapped(staff, listing, f"☐ Member {member_number[0]}")
    assert names(listing)[1] == f"☑ Member {member_number[0]}"  # stays on its page
    listing = await tapped(staff, listing, "« Previous")
    listing = await tapped(staff, listing, "☑ Attendee 01")  # a mistake, undone
    assert names(listing)[:2] == ["☐ Attendee 01", "☑ Attendee 02"]
    assert "2 of 12 present" in (listing.plain or "")

    stored = await attended(bot, event_id)
    assert {name for name, value in stored.items() if value is not None} == {"Attendee 02", "-"}
    assert stored["Wanda Waiting"] is None and stored["Attendee 01"] is None
    staff_id = (await services.members.get_by_telegram_id(staff.id)).id  # type: ignore[union-attr]
    audit = await AuditRepository(services.db).entries("event.attendance")
    assert [(e.actor_id, e.object_type, e.object_id, e.detail) for e in audit] == [
        (staff_id, "registration", ids["Attendee 01"], "present"),
        (staff_id, "registration", ids["Attendee 02"], "present"),
        (staff_id, "registration", nameless, "present"),
        (staff_id, "registration", ids["Attendee 01"], "absent"),
    ]

    # Not confirmed, another event's, unknown, or not a number: nothing changes.
    for data in (f"evatt:tick:{event_id}:0:{waiting}", f"evatt:tick:{event_id}:0:{elsewhere}",
                 f"evatt:tick:{event_id}:0:999999", f"evatt:tick:{event_id}:0:²",
                 f"evatt:tick:{event_id}:²:{nameless}", f"evatt:tick:999999:0:{nameless}",
                 f"evatt:zap:{event_id}:0", f"evatt:show:{event_id}", "evatt"):  # fmt: skip
        assert (await forged(emulator, staff, listing, data))["text"] == STALE, data
    assert len(await AuditRepository(services.db).entries("event.attendance")) == 4
    assert await attended(bot, event_id) == stored

    card = await tapped(staff, listing, "« Back")
    assert ATTENDANCE in card.button_labels
    choice = await tapped(staff, card, "📊 Export (XLSX)")
    _, rows = await exported(staff, choice, PLAIN)
    column = rows[0].index("Attended")
    assert {row[0]: row[column] for row in rows[1:]} == {
        **{f"Attendee {n:02}": None for n in range(1, 12)},
        "Attendee 02": "Yes",
        None: "Yes",
        "Wanda Waiting": None,
    }


async def test_attendance_opens_a_day_before_the_start_and_not_for_cancelled_events(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    now = clock.now()
    staff = await staff_member(emulator, bot, 28100)
    event_id = await publish(bot, starts=now + timedelta(days=1, minutes=30))
    registration = await registered(bot, event_id, 28600, "Early Bird")
    called_off = await publish(bot, "Called off", starts=now, state="cancelled",
                               cancelled_at=to_db(now))  # fmt: skip

    card = await card_of_event(staff)
    assert ATTENDANCE not in card.button_labels
    for data in (f"evatt:show:{event_id}:0", f"evatt:tick:{event_id}:0:{registration}",
                 f"evatt:show:{called_off}:0"):  # fmt: skip
        assert (await forged(emulator, staff, card, data))["text"] == STALE, data
    assert (await attended(bot, event_id))["Early Bird"] is None

    clock.advance(timedelta(minutes=31))
    card = await card_of_event(staff)
    listing = await tapped(staff, card, ATTENDANCE)
    assert (listing.plain or "").splitlines()[1] == "0 of 1 present"
    assert names(listing) == ["☐ Early Bird"]
    assert "page" not in (listing.plain or "")
    await tapped(staff, listing, "☐ Early Bird")
    assert (await attended(bot, event_id))["Early Bird"] == 1

    # Once the event is over the list stays open, to enter a list kept on paper.
    clock.advance(timedelta(days=2))
    listing = await tapped(staff, listing, "☑ Early Bird")
    assert (listing.plain or "").splitlines()[1] == "0 of 1 present"


async def test_an_event_without_confirmed_registrations_says_so(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 28200)
    event_id = await publish(bot, starts=bot.running.services.clock.now())
    await registered(bot, event_id, 28700, "Wanda Waiting", "waitlisted")
    listing = await tapped(staff, await card_of_event(staff), ATTENDANCE)
    assert (listing.plain or "").splitlines()[1:] == [
        "0 of 0 present",
        "Nobody has a confirmed registration for this event.",
    ]
    assert listing.button_labels == ["« Back"]


async def test_nobody_but_staff_takes_attendance(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    member = await joined_member(emulator, bot, 28300, "community")
    event_id = await publish(bot, starts=services.clock.now())
    registration = await registered(bot, event_id, 28800, "Ticked By Nobody")
    member.send_text("/help")
    own = await member.wait_for_message()
    for data in (f"evatt:show:{event_id}:0", f"evatt:tick:{event_id}:0:{registration}"):
        reply = await forged(emulator, member, own, data)
        assert reply["text"] == STAFF_ONLY and reply["show_alert"] is True, data
    assert (await attended(bot, event_id))["Ticked By Nobody"] is None
    assert await AuditRepository(services.db).entries("event.attendance") == []
    denied = await AuditRepository(services.db).entries("access.denied")
    assert [e.detail for e in denied] == ["button=event_attendance"] * 2
