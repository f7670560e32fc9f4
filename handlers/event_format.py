"""How events and registrations read to members: shared by browsing (handlers/events.py) and
signing up (handlers/event_signup.py), and by the messages the bot sends about freed seats.

Callback data of both is ``events:<action>[:<event id>[:…]]`` (the ``Do`` actions below).
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from babel.dates import format_date, format_time
from telegram import InlineKeyboardButton

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.labels import ROLE_LABELS
from storage.events import Event, EventText
from storage.registrations import CLAIM_WINDOW, Refusal, Registration, Seats

PREFIX = "events"
MAX_ID_DIGITS = 9
BUTTON_TITLE = 40  # characters of a title shown on a button


class Do:
    """Button actions after the prefix."""

    LIST = "list"
    SHOW = "show"
    MINE = "mine"
    SIGNUP = "signup"
    ANSWER = "ans"
    SKIP = "skip"
    CANCEL = "cancel"  # asks for confirmation
    CANCEL_CONFIRMED = "cancelok"
    ACCEPT = "accept"
    CALENDAR = "ics"


def when(t: Translator, moment: datetime) -> str:
    """Weekday, date and time in the member's locale, in the network's time zone."""
    local = moment.astimezone(t.timezone)
    pattern = str(t.locale.datetime_formats["full"]).replace("'", "")
    return pattern.format(
        format_time(local, "short", tzinfo=t.timezone, locale=t.language),
        format_date(local, "full", locale=t.language),
    )


def span(t: Translator, event: Event) -> str:
    assert event.starts_at is not None and event.ends_at is not None
    start = event.starts_at.astimezone(t.timezone)
    end = event.ends_at.astimezone(t.timezone)
    if start.date() == end.date():
        return (
            f"{when(t, start)} – {format_time(end, 'short', tzinfo=t.timezone, locale=t.language)}"
        )
    return f"{when(t, start)} – {when(t, end)}"


def event_text(context: BotContext, event: Event) -> EventText:
    """The event's title and description in the member's language, else the default."""
    return text_in(context.t, event, context.services.config.default_language)


def text_in(t: Translator, event: Event, default_language: str) -> EventText:
    found = event.text(t.language, default_language)
    return found or EventText(t._("Event #{number}").format(number=event.id), None)


def localised(t: Translator, texts: dict[str, str], default_language: str) -> str:
    """Staff-written text in the member's language, else the default, else any."""
    return texts.get(t.language) or texts.get(default_language) or next(iter(texts.values()), "")


def short(title: str) -> str:
    return title if len(title) <= BUTTON_TITLE else title[: BUTTON_TITLE - 1] + "…"


def seats_line(t: Translator, seats: Seats) -> str:
    if seats.free > 0:
        return t.ngettext(
            "🎟 {count} seat free for you", "🎟 {count} seats free for you", seats.free
        ).format(count=seats.free)
    return t._("🎟 Fully booked – you can join the waiting list")


def place(t: Translator, event: Event, confirmed: bool) -> str:
    if event.venue:
        return t._("📍 {venue}").format(venue=html.escape(event.venue))
    if confirmed and event.online_url:
        return t._("💻 Online: {link}").format(link=html.escape(event.online_url))
    return t._("💻 Online – the link is sent to confirmed attendees")


def state_line(t: Translator, registration: Registration | None, position: int | None) -> str:
    state = registration.state if registration else None
    if state == "confirmed":
        return t._("✅ You are registered.")
    if state == "waitlisted":
        return t._("⏳ You are on the waiting list: position {position}.").format(
            position=position or "?"
        )
    if state == "offered":
        assert registration is not None and registration.offered_until is not None
        return t._("🎁 A seat has become free for you. Accept it by {until}.").format(
            until=when(t, registration.offered_until)
        )
    if state == "answering":
        return t._("✍️ You have begun signing up; tap “Sign up” to go on.")
    return ""


def refusal_text(t: Translator, refusal: Refusal, event: Event | None, role: str | None) -> str:
    if refusal is Refusal.CANCELLED:
        return t._("This event has been cancelled.")
    if refusal is Refusal.STARTED:
        return t._("This event has already begun, so signing up is no longer possible.")
    if refusal is Refusal.AUDIENCE:
        return t._("This event is not open to members with your role ({role}).").format(
            role=t._(ROLE_LABELS.get(role or "", "–"))
        )
    if refusal is Refusal.CLOSED and event is not None and event.registration_deadline:
        return t._("Registration for this event closed on {date}.").format(
            date=when(t, event.registration_deadline)
        )
    if refusal is Refusal.NOT_MEMBER:
        return members_only(t)
    return t._("This event is not available.")


def members_only(t: Translator) -> str:
    return t._(
        "Events are for members of the network. If you received an invitation link, please "
        "open it; otherwise you can apply to join with /apply."
    )


def claim_hours() -> int:
    return int(CLAIM_WINDOW.total_seconds() // 3600)


def action_button(text: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack(PREFIX, *parts))


def all_events_button(t: Translator) -> InlineKeyboardButton:
    return action_button(t._("« All events"), Do.LIST, 0)


def starts(event: Event) -> datetime:
    assert event.starts_at is not None  # published events always have their times
    return event.starts_at


def deadline_passed(event: Event, now: datetime) -> bool:
    return event.registration_deadline is None or event.registration_deadline <= now


def registration_closed(event: Event, now: datetime) -> bool:
    """No more sign-ups or self-cancellations: the deadline passed or the event began."""
    return deadline_passed(event, now) or starts(event) <= now


def parts_of(data: object) -> list[str] | None:
    for arity in range(5):  # up to events:ans:<event>:<question>:<value>
        parts = unpack(data, PREFIX, arity)
        if parts is not None:
            return parts
    return None


async def event_of(context: BotContext, part: str) -> Event | None:
    """The event a button names, if it exists and members may see it (not a draft)."""
    event_id = number_part(part, MAX_ID_DIGITS)
    event = None if event_id is None else await context.services.events.get(event_id)
    return None if event is None or event.state == "draft" else event


# Telegram's limit for one message, counted in UTF-16 code units of the visible text.
MESSAGE_LENGTH = 4096


def visible_length(text: str) -> int:
    """What Telegram counts: the text without tags and entities, in UTF-16 code units."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(plain.encode("utf-16-le")) // 2


def fitted(lines: list[str], at: int) -> str:
    """The lines joined, with line ``at`` (an escaped description) cut short with "…" where
    the message would pass Telegram's limit (a long title, emoji and a venue add up)."""

    def joined(description: str) -> str:
        return "\n".join([*lines[:at], description, *lines[at + 1 :]])

    if visible_length(joined(lines[at])) <= MESSAGE_LENGTH:
        return joined(lines[at])
    plain = html.unescape(lines[at])
    low, high = 0, len(plain)
    while low < high:  # the longest beginning that fits
        middle = (low + high + 1) // 2
        if visible_length(joined(html.escape(plain[:middle]) + "…")) <= MESSAGE_LENGTH:
            low = middle
        else:
            high = middle - 1
    return joined(html.escape(plain[:low]) + "…")
