"""Staff manage a published event from its card: cancel it, or message its registrants.

Cancelling asks once, then cancels the event and every confirmed, waiting and offered
registration in one transaction, and tells each of those members in their language through
the outbox (essential: it goes out whatever their announcement settings). A second tap, or an
old button, changes nothing and says the event was cancelled already.

A message goes to the confirmed attendees or to the waiting list (offered seats included): the
staff member types it (the conversation "event_message", the text kept in the database until
sent), sees a preview with the number of recipients, and taps Send. Each recipient gets the
text as written, escaped, under a line in their own language naming the event.

Every button and typed text checks again that the member is active staff, and every button
re-reads the event: callback data is ``evman:<action>:<event id>[:<audience>]``.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import N_, Catalogs, Translator
from handlers.access import require_staff, still_staff
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.event_draft_view import OPEN as EVENTS_OPEN
from handlers.event_draft_view import PREFIX as ADMIN_PREFIX
from handlers.event_draft_view import title_of
from handlers.event_format import starts, text_in, when
from handlers.message_input import message_problem, message_rule
from handlers.navigation import answer_stale, drop_buttons, show_in_place
from storage.events import Event
from storage.registrations import (
    MESSAGE_AUDIENCES,
    MESSAGE_MAX,
    Addressee,
    Notice,
    Registration,
    StaffMessage,
)

PREFIX = "evman"
MAX_ID_DIGITS = 9
WRITING = "writing"


class Do:
    CANCEL = "cancel"  # asks for confirmation
    CANCEL_CONFIRMED = "cancelok"
    MESSAGE = "msg"  # choose the audience
    TO = "to"  # audience chosen: the conversation asks for the text
    SEND = "send"
    DROP = "drop"


AUDIENCE_LABELS = {
    "confirmed": N_("✅ Confirmed ({count})"),
    "waiting": N_("⏳ Waiting list ({count})"),
}
AUDIENCE_NAMES = {
    "confirmed": N_("the confirmed attendees"),
    "waiting": N_("the waiting list"),
}


def _button(text: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack(PREFIX, *parts))


def _card_button(t: Translator, event_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("« Back"), callback_data=pack(ADMIN_PREFIX, "show", event_id))


def _open(event: Event, now: datetime) -> bool:
    return event.state == "published" and event.ends_at is not None and event.ends_at > now


def manage_rows(t: Translator, event: Event, now: datetime) -> list[list[InlineKeyboardButton]]:
    """The staff card's buttons for a published event not yet ended."""
    if not _open(event, now):
        return []
    return [
        [_button(t._("✉️ Message registrants"), Do.MESSAGE, event.id)],
        [_button(t._("❌ Cancel event"), Do.CANCEL, event.id)],
    ]


async def _event_of(context: BotContext, part: str) -> Event | None:
    event_id = number_part(part, MAX_ID_DIGITS)
    event = None if event_id is None else await context.services.events.get(event_id)
    return None if event is None or event.state == "draft" else event


async def _not_open(query: CallbackQuery, t: Translator, event: Event) -> None:
    """A button for an event that was cancelled or is over."""
    if event.state == "cancelled":
        text = t._("This event was cancelled already.")
    else:
        text = t._("This event is over; it can no longer be changed.")
    await query.answer(text, show_alert=True)


# ---------------------------------------------------------------- cancelling the event


async def button(update: Update, context: BotContext) -> None:
    """Cancel (asked, then done) and the choice of audience for a message."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=event_manage"):
        return
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    event = None if parts is None else await _event_of(context, parts[1])
    if parts is None or event is None:
        await answer_stale(query, t)
        return
    action = parts[0]
    now = services.clock.now()
    if action in (Do.SEND, Do.DROP):  # a preview's button after the conversation ended
        await _send_or_drop(query, context, action, event)
        return
    if not _open(event, now):
        await _not_open(query, t, event)
        return
    title = html.escape(title_of(t, event, services.config.default_language))
    if action == Do.CANCEL:
        counts = await services.registrations.state_counts(event.id)
        text = "\n".join(
            [
                t._("<b>Cancel “{title}”?</b>").format(title=title),
                t._(
                    "Everyone registered is told, each in their language (confirmed: "
                    "{confirmed}, waiting: {waiting}, offered a seat: {offered}). This cannot "
                    "be undone."
                ).format(
                    confirmed=counts.get("confirmed", 0),
                    waiting=counts.get("waitlisted", 0),
                    offered=counts.get("offered", 0),
                ),
            ]
        )
        markup = InlineKeyboardMarkup(
            [
                [_button(t._("❌ Yes, cancel it"), Do.CANCEL_CONFIRMED, event.id)],
                [_card_button(t, event.id)],
            ]
        )
        await show_in_place(query, text, markup)
        return
    if action == Do.CANCEL_CONFIRMED:
        result = await services.registrations.cancel_event(
            event.id, context.member.id, now, cancel_notice(services.catalogs)
        )
        if not result.done:
            if result.event is None:
                await answer_stale(query, t)
            else:
                await _not_open(query, t, result.event)
            return
        told = result.confirmed + result.waiting + result.offered
        text = "\n".join(
            [
                t._("❌ “{title}” is cancelled.").format(title=title),
                t.ngettext(
                    "{count} member is being told.", "{count} members are being told.", told
                ).format(count=told),
            ]
        )
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t._("« Events"), callback_data=EVENTS_OPEN)]]
        )
        await show_in_place(query, text, markup)
        return
    if action == Do.MESSAGE:
        rows = []
        for audience, label in AUDIENCE_LABELS.items():
            count = await services.registrations.recipients(event.id, audience)
            rows.append([_button(t._(label).format(count=count), Do.TO, event.id, audience)])
        rows.append([_card_button(t, event.id)])
        text = t._("<b>Message about “{title}”</b>\nWho should receive it?").format(title=title)
        await show_in_place(query, text, InlineKeyboardMarkup(rows))
        return
    await answer_stale(query, t)


def cancel_notice(catalogs: Catalogs) -> Notice:
    """The message telling a registered or waiting member that the event was cancelled."""
    default = catalogs.default_language

    def notice(event: Event, who: Addressee, registration: Registration) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        text = t._(
            "❌ <b>{title}</b> on {date} was cancelled by the network team. Your registration "
            "is cancelled with it; there is nothing more you need to do."
        ).format(title=html.escape(text_in(t, event, default).title), date=when(t, starts(event)))
        return {"text": text}

    return notice


# ---------------------------------------------------------------- messaging registrants


def staff_message(catalogs: Catalogs) -> StaffMessage:
    """A staff member's text as one recipient sees it: a line in their language naming the
    event, then the text exactly as typed (escaped: it is shown, never interpreted)."""
    default = catalogs.default_language

    def render(event: Event, who: Addressee, text: str) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        return {"text": _message_text(t, event, default, text)}

    return render


def _message_text(t: Translator, event: Event, default: str, text: str) -> str:
    header = t._("Message from the network team about “{title}”:").format(
        title=html.escape(text_in(t, event, default).title)
    )
    return f"<b>{header}</b>\n\n{html.escape(text)}"


async def choose_audience(update: Update, context: BotContext) -> str | int:
    """An audience tapped: the conversation asks for the text."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=event_manage.message"):
        return ConversationHandler.END
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 3)
    event = None if parts is None else await _event_of(context, parts[1])
    if parts is None or event is None or parts[2] not in MESSAGE_AUDIENCES:
        await answer_stale(query, t)
        return ConversationHandler.END
    now = services.clock.now()
    if not _open(event, now):
        await _not_open(query, t, event)
        return ConversationHandler.END
    audience = parts[2]
    if not await services.registrations.recipients(event.id, audience):
        await query.answer(t._("Nobody is in this group at the moment."), show_alert=True)
        return ConversationHandler.END
    await services.registrations.start_message(context.member.id, event.id, audience, now)
    title = html.escape(title_of(t, event, services.config.default_language))
    await show_in_place(
        query,
        t._(
            "Please send the message for {audience} of “{title}” (at most {limit} characters), "
            "or /cancel to stop."
        ).format(audience=t._(AUDIENCE_NAMES[audience]), title=title, limit=MESSAGE_MAX),
    )
    return WRITING


async def typed(update: Update, context: BotContext) -> str | int:
    """The text: kept, and shown as the recipients will see it, with Send."""
    message = update.effective_message
    assert message is not None and message.text is not None
    drop = context.services.registrations.drop_message
    if not await still_staff(update, context, "conversation=event_message", drop):
        return ConversationHandler.END
    services, t = context.services, context.t
    draft = await services.registrations.message_draft(context.member.id)
    event = None if draft is None else await services.events.get(draft.event_id)
    if draft is None or event is None:
        await message.reply_text(t._("This was interrupted. Please start again from the event."))
        return ConversationHandler.END
    text = message.text
    problem = message_problem(t, text, MESSAGE_MAX)
    if problem is not None:
        await message.reply_text(problem)
        return WRITING
    await services.registrations.set_message_text(context.member.id, text)
    count = await services.registrations.recipients(event.id, draft.audience)
    preview = "\n".join(
        [
            t.ngettext(
                "<b>Preview</b> · to {count} member ({audience})",
                "<b>Preview</b> · to {count} members ({audience})",
                count,
            ).format(count=count, audience=t._(AUDIENCE_NAMES[draft.audience])),
            t._("Each recipient sees the first line in their own language."),
            "",
            _message_text(t, event, services.config.default_language, text),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [_button(t._("📤 Send"), Do.SEND, event.id)],
            [_button(t._("✖️ Don't send"), Do.DROP, event.id)],
        ]
    )
    await message.reply_text(preview, reply_markup=markup)
    return WRITING


async def preview_button(update: Update, context: BotContext) -> str | int:
    """Send or Don't send under the preview."""
    query = update.callback_query
    assert query is not None
    drop = context.services.registrations.drop_message
    if not await still_staff(update, context, "conversation=event_message", drop):
        return ConversationHandler.END
    parts = unpack(query.data, PREFIX, 2)
    event = None if parts is None else await _event_of(context, parts[1])
    if parts is None or event is None or parts[0] not in (Do.SEND, Do.DROP):
        await answer_stale(query, context.t)
        return WRITING
    return await _send_or_drop(query, context, parts[0], event)


async def _send_or_drop(
    query: CallbackQuery, context: BotContext, action: str, event: Event
) -> int:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    draft = await services.registrations.message_draft(member.id)
    if draft is None or draft.event_id != event.id or draft.text is None:
        await query.answer(t._("This message was sent already, or dropped."), show_alert=True)
        await drop_buttons(query)
        return ConversationHandler.END
    if action == Do.DROP:
        await services.registrations.drop_message(member.id)
        await query.answer()
        await drop_buttons(query)
        assert query.message is not None
        await query.message.chat.send_message(t._("Not sent. The message is dropped."))
        return ConversationHandler.END
    sent = await services.registrations.send_message(
        member.id, event.id, now, staff_message(services.catalogs)
    )
    if sent is None:
        await query.answer(
            t._("This event was cancelled or is over, so the message was not sent."),
            show_alert=True,
        )
        await drop_buttons(query)
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(query)
    assert query.message is not None
    await query.message.chat.send_message(
        t.ngettext(
            "📤 The message is on its way to {count} member.",
            "📤 The message is on its way to {count} members.",
            sent,
        ).format(count=sent),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(t._("« Events"), callback_data=EVENTS_OPEN)]]
        ),
    )
    return ConversationHandler.END


async def other_content(update: Update, context: BotContext) -> str:
    """A photo, sticker or the like where the text is expected; the state stays."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(message_rule(context.t, MESSAGE_MAX))
    return WRITING


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await context.services.registrations.drop_message(context.member.id)
    await update.effective_message.reply_text(context.t._("Cancelled. No message was sent."))
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[CallbackQueryHandler(choose_audience, pattern=rf"^{PREFIX}:{Do.TO}:")],
        states={
            WRITING: [
                CallbackQueryHandler(preview_button, pattern=rf"^{PREFIX}:({Do.SEND}|{Do.DROP}):"),
                MessageHandler(NEW_MESSAGE & filters.TEXT, typed),
                MessageHandler(NEW_MESSAGE, other_content),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="event_message",
    )
