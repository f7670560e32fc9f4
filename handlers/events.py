"""/events: members see the events they may attend, their details and their registrations;
they cancel, and accept a freed seat offered to them. Signing up is handlers/event_signup.py.

The list and the details are one message edited in place. Every button re-reads the member,
the event and the registration, so an old or forged one can do no more than a fresh one, and
one for a cancelled, begun or closed event says so. The seat rules are in
storage/registrations.py.

A job every five minutes passes on offered seats nobody accepted in time and sends the reminders
before an event; its messages, like the offer made when a member cancels, go through the outbox
in the member's language.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.calendar_file import calendar_file, file_name
from bot.callbacks import number_part, pack
from bot.context import BotContext
from bot.i18n import Catalogs
from bot.scheduling import JobHandler
from handlers import event_feedback, event_reminders
from handlers.event_format import (
    PREFIX as PREFIX,  # the menu and bot/app.py know the feature by it
)
from handlers.event_format import (
    Do,
    action_button,
    all_events_button,
    event_of,
    event_text,
    fitted,
    members_only,
    parts_of,
    place,
    refusal_text,
    registration_closed,
    seats_line,
    short,
    span,
    starts,
    state_line,
    text_in,
    when,
)
from handlers.labels import REGION_LABELS
from handlers.navigation import answer_stale, home_button, replace, show_in_place
from handlers.pickers import paging_row
from storage.db import Transaction
from storage.events import Event
from storage.registrations import (
    Addressee,
    Change,
    Notices,
    Refusal,
    Registration,
    RegistrationRepository,
    signup_refusal,
)
from storage.schedule import ScheduledItem

OPEN = pack(PREFIX)
PAGE_SIZE = 5
KIND = "event_offers"
# Every five minutes: an offer of a seat lasts a day, so it passes on at most five minutes
# late, and the schedule keeps 288 run records a day instead of 1440.
CRON = "*/5 * * * *"
_MAX_PAGE_DIGITS = 4


# ---------------------------------------------------------------- screens


async def _list_screen(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    events, total = await services.events.upcoming(
        member.role, now, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if not events and page > 0:  # the list got shorter since this page was offered
        page = pages - 1
        events, total = await services.events.upcoming(
            member.role, now, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
    lines = [t._("<b>Upcoming events</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    if not events:
        lines.append(t._("There are no upcoming events for you at the moment."))
    else:
        if pages > 1:
            lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
        seats = await services.registrations.seats_of(events, member.role)
        mine = await services.registrations.of_member(member.id, [e.id for e in events])
        for number, event in enumerate(events, start=page * PAGE_SIZE + 1):
            title = event_text(context, event).title
            entry = [
                "",
                f"<b>{number}. {html.escape(title)}</b>",
                t._("🕒 {when}").format(when=when(t, starts(event))),
                t._("🗺 {region}").format(region=t._(REGION_LABELS.get(event.region or "", "–"))),
            ]
            registration = mine.get(event.id)
            state = state_line(
                t,
                registration,
                await services.registrations.position(registration) if registration else None,
            )
            if state:
                entry.append(state)
            elif registration_closed(event, now):
                entry.append(t._("Registration is closed."))
            else:
                entry.append(seats_line(t, seats[event.id]))
            lines += entry
            rows.append([action_button(f"{number}. {short(title)}", Do.SHOW, event.id)])
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, Do.LIST, n))
    rows.append([action_button(t._("🎟 My registrations"), Do.MINE)])
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def details_screen(
    context: BotContext, event: Event, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    registration = await services.registrations.get(event.id, member.id)
    state = registration.state if registration else None
    text = event_text(context, event)
    seats = await services.registrations.seats(event, event.seat_for(member.role))
    lines = [note, ""] if note else []
    lines.append(f"<b>{html.escape(text.title)}</b>")
    description_at = len(lines)
    lines.append(html.escape(text.description or ""))
    lines += [
        "",
        t._("🕒 {span}").format(span=span(t, event)),
        place(t, event, state == "confirmed"),
        t._("🗺 {region}").format(region=t._(REGION_LABELS.get(event.region or "", "–"))),
    ]
    if state not in ("confirmed", "offered"):
        closed = registration_closed(event, now)
        lines.append(t._("Registration is closed.") if closed else seats_line(t, seats))
    if event.registration_deadline is not None:
        lines.append(
            t._("⏰ Registration until {date}").format(date=when(t, event.registration_deadline))
        )
    position = await services.registrations.position(registration) if registration else None
    standing = state_line(t, registration, position)
    if standing:
        lines += ["", standing]
    rows: list[list[InlineKeyboardButton]] = []
    if state == "offered":
        rows.append([action_button(t._("✅ Accept the seat"), Do.ACCEPT, event.id)])
        rows.append([action_button(t._("✖️ Decline the seat"), Do.CANCEL, event.id)])
    elif state in ("confirmed", "waitlisted"):
        if state == "confirmed":
            rows.append([action_button(t._("📅 Calendar file"), Do.CALENDAR, event.id)])
        if event.state == "published" and not registration_closed(event, now):
            rows.append([action_button(t._("❌ Cancel my registration"), Do.CANCEL, event.id)])
    elif signup_refusal(event, member.role, now) is None:
        # A sign-up begun earlier goes on where it stopped.
        if state == "answering" or seats.free > 0:
            label = t._("✍️ Sign up")
        else:
            label = t._("⏳ Join the waiting list")
        rows.append([action_button(label, Do.SIGNUP, event.id)])
    rows.append([all_events_button(t), action_button(t._("🎟 My registrations"), Do.MINE)])
    rows.append([home_button(t)])
    if not text.description:
        del lines[description_at]
        return "\n".join(lines), InlineKeyboardMarkup(rows)
    return fitted(lines, description_at), InlineKeyboardMarkup(rows)


async def _mine_screen(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    registrations, total = await services.registrations.upcoming_of_member(
        member.id, now, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if not registrations and page > 0:  # fewer than when this page was offered
        page = pages - 1
        registrations, total = await services.registrations.upcoming_of_member(
            member.id, now, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
    lines = [t._("<b>My registrations</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    if not registrations:
        lines.append(t._("You are not registered for any upcoming event."))
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    for number, registration in enumerate(registrations, start=page * PAGE_SIZE + 1):
        event = await services.events.get(registration.event_id)
        if event is None:
            continue
        title = event_text(context, event).title
        position = await services.registrations.position(registration)
        lines += [
            "",
            f"<b>{number}. {html.escape(title)}</b>",
            t._("🕒 {when}").format(when=when(t, starts(event))),
            state_line(t, registration, position),
        ]
        rows.append([action_button(f"{number}. {short(title)}", Do.SHOW, event.id)])
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, Do.MINE, n))
    rows.append([all_events_button(t)])
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- browsing


async def show_list(update: Update, context: BotContext) -> None:
    """/events."""
    message = update.effective_message
    assert message is not None
    if not context.member.is_active:
        await message.reply_text(members_only(context.t))
        return
    text, markup = await _list_screen(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def button(update: Update, context: BotContext) -> None:
    """Every events button outside the sign-up questions."""
    query = update.callback_query
    assert query is not None
    t, member = context.t, context.member
    parts = parts_of(query.data)
    if parts is None:
        await answer_stale(query, t)
        return
    if not member.is_active:
        await query.answer(members_only(t), show_alert=True)
        return
    match parts:
        case [] | [Do.LIST]:
            await show_in_place(query, *await _list_screen(context, 0))
            return
        case [Do.LIST, page_part] if (page := number_part(page_part, _MAX_PAGE_DIGITS)) is not None:
            await show_in_place(query, *await _list_screen(context, page))
            return
        case [Do.MINE]:
            await show_in_place(query, *await _mine_screen(context, 0))
            return
        case [Do.MINE, page_part] if (page := number_part(page_part, _MAX_PAGE_DIGITS)) is not None:
            await show_in_place(query, *await _mine_screen(context, page))
            return
        case [action, event_part] if action in (
            Do.SHOW,
            Do.CANCEL,
            Do.CANCEL_CONFIRMED,
            Do.ACCEPT,
            Do.CALENDAR,
        ):
            event = await event_of(context, event_part)
            if event is not None:
                await _event_action(update, query, context, action, event)
                return
    await answer_stale(query, t)


async def _event_action(
    update: Update, query: CallbackQuery, context: BotContext, action: str, event: Event
) -> None:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    registration = await services.registrations.get(event.id, member.id)
    if event.state == "cancelled":
        await query.answer(refusal_text(t, Refusal.CANCELLED, event, member.role), show_alert=True)
        return
    if not event.admits(member.role) and registration is None:
        await query.answer(refusal_text(t, Refusal.AUDIENCE, event, member.role), show_alert=True)
        return
    if action == Do.SHOW:
        await show_in_place(query, *await details_screen(context, event))
    elif action == Do.CANCEL:
        await _ask_to_cancel(query, context, event, registration)
    elif action == Do.CANCEL_CONFIRMED:
        change = await services.registrations.cancel(
            event.id, member.id, now, notices(services.catalogs)
        )
        await _cancelled(query, context, event, change, registration)
    elif action == Do.ACCEPT:
        await _accept(update, query, context, event, registration)
    elif registration is not None and registration.state == "confirmed":  # the calendar file
        await query.answer()
        assert update.effective_message is not None
        await send_calendar(update.effective_message, context, event)
    else:
        await query.answer(t._("The calendar file is for confirmed attendees."), show_alert=True)


# ---------------------------------------------------------------- cancelling, accepting


async def _ask_to_cancel(
    query: CallbackQuery, context: BotContext, event: Event, registration: Registration | None
) -> None:
    t = context.t
    state = registration.state if registration else None
    if state not in ("confirmed", "waitlisted", "offered"):
        await query.answer(t._("You are not registered for this event."), show_alert=True)
        return
    title = html.escape(event_text(context, event).title)
    if state == "offered":
        question = t._("Decline the seat offered to you at <b>{title}</b>?").format(title=title)
        yes = t._("✖️ Yes, decline it")
    else:
        question = t._("Cancel your registration for <b>{title}</b>?").format(title=title)
        yes = t._("✖️ Yes, cancel it")
    lines = [question]
    if state in ("confirmed", "offered"):
        lines.append(t._("Your seat goes to the next person on the waiting list."))
    else:
        lines.append(t._("You leave the waiting list."))
    markup = InlineKeyboardMarkup(
        [
            [action_button(yes, Do.CANCEL_CONFIRMED, event.id)],
            [action_button(t._("« Back"), Do.SHOW, event.id)],
        ]
    )
    await show_in_place(query, "\n".join(lines), markup)


async def _cancelled(
    query: CallbackQuery,
    context: BotContext,
    event: Event,
    change: Change,
    before: Registration | None,
) -> None:
    t = context.t
    if change is Change.NOT_REGISTERED:
        await query.answer(t._("You are not registered for this event."), show_alert=True)
        return
    if change is Change.CLOSED:
        await query.answer(
            t._(
                "Your registration can no longer be cancelled here. If you cannot come, please "
                "tell the network team."
            ),
            show_alert=True,
        )
        return
    title = html.escape(event_text(context, event).title)
    if before is not None and before.state == "offered":
        done = t._("You declined the seat at <b>{title}</b>.").format(title=title)
    else:
        done = t._("Your registration for <b>{title}</b> is cancelled.").format(title=title)
    await show_in_place(query, *await details_screen(context, event, done))


async def _accept(
    update: Update,
    query: CallbackQuery,
    context: BotContext,
    event: Event,
    registration: Registration | None,
) -> None:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    change = await services.registrations.accept(event.id, member.id, now)
    if change is Change.DONE:
        await query.answer()
        title = html.escape(event_text(context, event).title)
        note = t._("✅ The seat is yours: you are registered for <b>{title}</b>.").format(
            title=title
        )
        await replace(query, *await details_screen(context, event, note))
        assert update.effective_message is not None
        await send_calendar(update.effective_message, context, event)
        return
    until = registration.offered_until if registration is not None else None
    # Expired, whether or not the job has passed the seat on yet.
    expired = change is Change.EXPIRED or (
        change is Change.NOT_REGISTERED and until is not None and until <= now
    )
    if expired and until is not None:
        text = t._(
            "Sorry, this offer expired on {date}; the seat goes to the next person on the "
            "waiting list."
        ).format(date=when(t, until))
    elif change is Change.CLOSED:
        text = t._("This event has already begun, so the seat can no longer be taken.")
    elif registration is not None and registration.state == "confirmed":
        text = t._("You have this seat already.")
    else:
        text = t._("There is no seat offered to you for this event (any more).")
    await query.answer(text, show_alert=True)


async def send_calendar(message: Message, context: BotContext, event: Event) -> None:
    """The .ics file; only for a confirmed attendee (it carries the online link)."""
    text = event_text(context, event)
    content = calendar_file(event, text.title, text.description, context.services.clock.now())
    await message.reply_document(
        content,
        filename=file_name(event.id),
        caption=context.t._("📅 Open this file to add the event to your calendar."),
    )


# ---------------------------------------------------------------- messages the bot sends


def notices(catalogs: Catalogs) -> Notices:
    """The messages about freed seats, in each member's language (through the outbox)."""
    default = catalogs.default_language

    def offer(event: Event, who: Addressee, registration: Registration) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        assert registration.offered_until is not None
        text = t._(
            "🎁 A seat has become free at <b>{title}</b> ({when}). It is yours if you accept "
            "it by {until}; after that it goes to the next person on the waiting list."
        ).format(
            title=html.escape(text_in(t, event, default).title),
            when=when(t, starts(event)),
            until=when(t, registration.offered_until),
        )
        keyboard = InlineKeyboardMarkup(
            [
                [action_button(t._("✅ Accept the seat"), Do.ACCEPT, event.id)],
                [action_button(t._("✖️ Decline the seat"), Do.CANCEL, event.id)],
            ]
        )
        return {"text": text, "reply_markup": keyboard.to_dict()}

    def expired(event: Event, who: Addressee, registration: Registration) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        lines = [
            t._(
                "The seat offered to you at <b>{title}</b> was not accepted in time, so it goes "
                "to the next person on the waiting list, and your registration is cancelled."
            ).format(title=html.escape(text_in(t, event, default).title))
        ]
        deadline = event.registration_deadline
        offered_until = registration.offered_until
        if deadline is not None and offered_until is not None and deadline > offered_until:
            lines.append(
                t._(
                    "You can sign up again under /events until {date}, at the end of the "
                    "waiting list."
                ).format(date=when(t, deadline))
            )
        return {"text": "\n".join(lines)}

    return Notices(offer=offer, expired=expired)


def job(catalogs: Catalogs) -> JobHandler:
    """Every five minutes: expired offers pass on, open seats go to those waiting, and due
    reminders go to attendees (handlers/event_reminders.py), and those who came are asked
    for feedback (handlers/event_feedback.py)."""
    the_notices = notices(catalogs)

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        await RegistrationRepository.pass_on_expired_offers(tx, now, the_notices)
        await event_reminders.send_due(tx, now, catalogs)
        await event_feedback.send_due(tx, now, catalogs)

    return run
