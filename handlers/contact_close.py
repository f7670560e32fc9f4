"""Closing a queued contact request with a message to the asker (“✉️ Close with a message” on
the request's card, handlers/contact_queue.py).

The staff member types the message (the persistent conversation "contact_close"; the text is
kept in ``contact_close_drafts`` until sent, so /cancel or a restart loses nothing but the
question), sees it as the asker will, and taps “Send and close”. The asker receives it
through the outbox under a line in their own language naming their request's topic, and the
request is closed (audited ``contact.close``). If someone else in the team assigned, closed,
or the asker withdrew the request meanwhile, nothing is sent and the staff member is told.

Callback data: ``cqc:write:<id>`` (start), ``cqc:send:<id>`` and ``cqc:drop:<id>`` (under the
preview); every button and typed text checks again that the member is active staff.
"""

from __future__ import annotations

import html
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
from bot.i18n import Catalogs, Translator
from handlers.access import require_staff, still_staff
from handlers.contact_consent import region_line, topic_line
from handlers.contact_queue import CLOSE_PREFIX, card_button, left_queue_text, queue_button
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import ROLE_LABELS, TOPIC_LABELS
from handlers.message_input import message_problem, message_rule
from handlers.navigation import answer_stale, drop_buttons, show_in_place, unless_unchanged
from storage.contact_queue import CLOSE_MESSAGE_MAX, Closed, CloseMessage
from storage.contacts import ContactRequest
from storage.members import Addressee

PREFIX = CLOSE_PREFIX
WRITING = "writing"
_MAX_ID_DIGITS = 9


def close_message(catalogs: Catalogs) -> CloseMessage:
    """The staff member's text as the asker sees it: a line in their language naming their
    request, then the text exactly as typed (escaped: shown, never interpreted)."""

    def render(request: ContactRequest, asker: Addressee, text: str) -> dict[str, Any]:
        t = catalogs.for_member(asker.language, asker.app_language)
        return {"text": _message_text(t, request, text)}

    return render


def _message_text(t: Translator, request: ContactRequest, text: str) -> str:
    header = t._("Message from the network team about your contact request “{topic}”:").format(
        topic=t._(TOPIC_LABELS[request.topic])
    )
    footer = t._("The request is closed with this message. /contact starts a new one.")
    return f"<b>{html.escape(header)}</b>\n\n{html.escape(text)}\n\n{footer}"


async def _request_of(context: BotContext, part: str) -> ContactRequest | None:
    request_id = number_part(part, _MAX_ID_DIGITS)
    request = None if request_id is None else await context.services.contacts.get(request_id)
    return None if request is None or request.state == "draft" else request


async def begin(update: Update, context: BotContext) -> str | int:
    """“✉️ Close with a message”: the conversation asks for the text."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=contact_close"):
        return ConversationHandler.END
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    request = None if parts is None else await _request_of(context, parts[1])
    if parts is None or parts[0] != "write" or request is None:
        await answer_stale(query, t)
        return ConversationHandler.END
    started = await services.contact_queue.start_close(
        context.member.id, request.id, services.clock.now()
    )
    if not started:
        await query.answer(left_queue_text(t), show_alert=True)
        with unless_unchanged():
            await query.edit_message_reply_markup(InlineKeyboardMarkup([[queue_button(t)]]))
        return ConversationHandler.END
    text = "\n".join(
        [
            t._("<b>✉️ Close request {number} with a message</b>").format(number=request.id),
            topic_line(t, request),
            region_line(t, request),
            "",
            t._(
                "Please send the message for the person who asked ({role}), at most {limit} "
                "characters, or /cancel to stop. They receive it with a line naming their "
                "request, and the request is then closed."
            ).format(role=t._(ROLE_LABELS[request.asker_role]), limit=CLOSE_MESSAGE_MAX),
        ]
    )
    await show_in_place(query, text, InlineKeyboardMarkup([[card_button(t, request.id)]]))
    return WRITING


async def typed(update: Update, context: BotContext) -> str | int:
    """The text: kept, and shown as the asker will see it, with Send and close."""
    message = update.effective_message
    assert message is not None and message.text is not None
    services, t = context.services, context.t
    if not await still_staff(
        update, context, "conversation=contact_close", services.contact_queue.drop_close
    ):
        return ConversationHandler.END
    draft = await services.contact_queue.close_draft(context.member.id)
    request = None if draft is None else await services.contacts.get(draft.request_id)
    if draft is None or request is None:
        await message.reply_text(t._("This was interrupted. Please start again from the request."))
        return ConversationHandler.END
    text = message.text
    problem = message_problem(t, text, CLOSE_MESSAGE_MAX)
    if problem is not None:
        await message.reply_text(problem)
        return WRITING
    await services.contact_queue.set_close_text(context.member.id, text)
    preview = "\n".join(
        [
            t._("<b>Preview</b> · to the person who asked ({role})").format(
                role=t._(ROLE_LABELS[request.asker_role])
            ),
            t._("They see the first line in their own language."),
            "",
            _message_text(t, request, text),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("📤 Send and close"), callback_data=pack(PREFIX, "send", request.id)
                )
            ],
            [
                InlineKeyboardButton(
                    t._("✖️ Don't send"), callback_data=pack(PREFIX, "drop", request.id)
                )
            ],
        ]
    )
    await message.reply_text(preview, reply_markup=markup)
    return WRITING


async def preview_button(update: Update, context: BotContext) -> str | int:
    """Send and close, or Don't send, under the preview (in the conversation or after it)."""
    query = update.callback_query
    assert query is not None
    services, t = context.services, context.t
    if not await require_staff(update, context, "button=contact_close"):
        await services.contact_queue.drop_close(context.member.id)
        return ConversationHandler.END
    parts = unpack(query.data, PREFIX, 2)
    request = None if parts is None else await _request_of(context, parts[1])
    if parts is None or request is None or parts[0] not in ("send", "drop"):
        await answer_stale(query, t)
        return WRITING
    return await _send_or_drop(query, context, parts[0], request)


async def _send_or_drop(
    query: CallbackQuery, context: BotContext, action: str, request: ContactRequest
) -> int:
    services, t, member = context.services, context.t, context.member
    draft = await services.contact_queue.close_draft(member.id)
    if draft is None or draft.request_id != request.id or draft.text is None:
        await query.answer(t._("This message was sent already, or dropped."), show_alert=True)
        await drop_buttons(query)
        return ConversationHandler.END
    assert query.message is not None
    if action == "drop":
        await services.contact_queue.drop_close(member.id)
        await query.answer()
        await drop_buttons(query)
        await query.message.chat.send_message(
            t._("Not sent. The request stays in the queue."),
            reply_markup=InlineKeyboardMarkup([[queue_button(t)]]),
        )
        return ConversationHandler.END
    result = await services.contact_queue.close(
        member.id, request.id, services.clock.now(), close_message(services.catalogs)
    )
    if result.outcome is Closed.NO_DRAFT:
        await query.answer(t._("This message was sent already, or dropped."), show_alert=True)
        await drop_buttons(query)
        return ConversationHandler.END
    if result.outcome is Closed.HANDLED:
        await query.answer(
            left_queue_text(t) + " " + t._("Your message was not sent."), show_alert=True
        )
        await drop_buttons(query)
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(query)
    if result.told:
        text = t._("📤 Request {number} is closed; the message is on its way.")
    else:
        text = t._(
            "Request {number} is closed. The member who asked has left the network, so "
            "nobody received the message."
        )
    await query.message.chat.send_message(
        text.format(number=request.id), reply_markup=InlineKeyboardMarkup([[queue_button(t)]])
    )
    return ConversationHandler.END


async def other_content(update: Update, context: BotContext) -> str:
    """A photo, sticker or the like where the text is expected; the state stays."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(message_rule(context.t, CLOSE_MESSAGE_MAX))
    return WRITING


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await context.services.contact_queue.drop_close(context.member.id)
    await update.effective_message.reply_text(
        context.t._("Cancelled. No message was sent; the request stays in the queue.")
    )
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[CallbackQueryHandler(begin, pattern=rf"^{PREFIX}:write:")],
        states={
            WRITING: [
                CallbackQueryHandler(preview_button, pattern=rf"^{PREFIX}:(send|drop):"),
                MessageHandler(NEW_MESSAGE & filters.TEXT, typed),
                MessageHandler(NEW_MESSAGE, other_content),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="contact_close",
    )
