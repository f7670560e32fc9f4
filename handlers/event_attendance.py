"""Staff take attendance at an event (✅ Attendance on the staff event card).

The list holds the event's confirmed registrations, ten to a page, each a button that ticks
the member present or unticks them again; the export's “Attended” column shows the ticks. It
opens a day before the event starts (storage.registrations.attendance_open) and stays open
afterwards, so a list kept on paper can be entered later.

Every tap checks again that the member is active staff and re-reads the event and the
registration: callback data is ``evatt:show:<event id>:<page>`` and
``evatt:tick:<event id>:<page>:<registration id>``; nothing in it is trusted.
"""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff
from handlers.event_draft_view import MAX_ID_DIGITS, title_of
from handlers.event_draft_view import PREFIX as CARD_PREFIX
from handlers.navigation import answer_stale, show_in_place
from handlers.pickers import paging_row
from storage.events import Event
from storage.registrations import Attendee, attendance_open

PREFIX = "evatt"
SHOW, TICK = "show", "tick"
PAGE_SIZE = 10
_MAX_PAGE_DIGITS = 4
_LABEL_LENGTH = 48


def attendance_rows(t: Translator, event: Event, now: datetime) -> list[list[InlineKeyboardButton]]:
    """The staff card's button, from a day before the start of a published event."""
    if not attendance_open(event, now):
        return []
    return [
        [InlineKeyboardButton(t._("✅ Attendance"), callback_data=pack(PREFIX, SHOW, event.id, 0))]
    ]


def _name(t: Translator, attendee: Attendee) -> str:
    name = attendee.name or t._("Member {number}").format(number=attendee.member_id)
    return name if len(name) <= _LABEL_LENGTH else name[: _LABEL_LENGTH - 1] + "…"


async def _page(context: BotContext, event: Event, page: int) -> tuple[str, InlineKeyboardMarkup]:
    services, t = context.services, context.t
    registrations = services.registrations
    listing = await registrations.attendance(event.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    pages = max(1, -(-listing.confirmed // PAGE_SIZE))
    if page >= pages:  # the list shrank since the button was made
        page = pages - 1
        listing = await registrations.attendance(event.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    title = html.escape(title_of(t, event, services.config.default_language))
    lines = [
        t._("<b>Attendance · “{title}”</b>").format(title=title),
        t._("{present} of {confirmed} present").format(
            present=listing.present, confirmed=listing.confirmed
        ),
    ]
    if not listing.confirmed:
        lines.append(t._("Nobody has a confirmed registration for this event."))
    else:
        lines.append(t._("Tap a name to tick who came; tap again to undo."))
        if pages > 1:
            lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    rows = [
        [
            InlineKeyboardButton(
                ("☑ " if a.attended else "☐ ") + _name(t, a),
                callback_data=pack(PREFIX, TICK, event.id, page, a.registration_id),
            )
        ]
        for a in listing.attendees
    ]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, SHOW, event.id, n))
    rows.append(
        [InlineKeyboardButton(t._("« Back"), callback_data=pack(CARD_PREFIX, "show", event.id))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def button(update: Update, context: BotContext) -> None:
    """A page of the list, or a name tapped (ticked or unticked, then the page again)."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=event_attendance"):
        return
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 3) or unpack(query.data, PREFIX, 4)
    event_id = None if parts is None else number_part(parts[1], MAX_ID_DIGITS)
    page = None if parts is None else number_part(parts[2], _MAX_PAGE_DIGITS)
    event = None if event_id is None else await services.events.get(event_id)
    now = services.clock.now()
    if parts is None or page is None or event is None or not attendance_open(event, now):
        await answer_stale(query, t)
        return
    if parts[0] == TICK and len(parts) == 4:
        registration_id = number_part(parts[3], MAX_ID_DIGITS)
        ticked = (
            None
            if registration_id is None
            else await services.registrations.toggle_attendance(
                event.id, registration_id, context.member.id, now
            )
        )
        if ticked is None:  # not a confirmed registration of this event (any more)
            await answer_stale(query, t)
            return
    elif parts[0] != SHOW or len(parts) != 3:
        await answer_stale(query, t)
        return
    await show_in_place(query, *await _page(context, event, page))
