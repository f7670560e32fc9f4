"""Feedback after an event, from the attendees staff ticked present: how it was overall, and
whether it changed their view of the other side, each 1 to 5, then an optional comment.

The every-five-minutes job of handlers/events.py asks once per registration, after the event
ended and for up to FEEDBACK_WITHIN after it, through the outbox in the member's language
(keyed ``event-feedback:<registration>``). The job records the request in ``event_feedback``
in the same transaction, so a rerun asks nobody twice. The two questions are one message
edited in place: ``evfb:o:<registration>:<n>`` stores the first score and shows the second,
``evfb:v:<registration>:<n>`` stores it, thanks the member and asks for a comment. Each tap
is checked against the database (the registration is the tapping member's, ticked present,
that score not given yet); nothing in the data is trusted.

The comment is the persistent conversation "event_feedback_comment", entered by the second
score: a text (at most COMMENT_MAX characters) or “No comment” (``evfb:nc:<registration>``)
closes the question for good (storage/feedback.py). A typed comment goes to the feedback the
member was asked about last. The member is told that staff see the answers without names
(handlers/event_feedback_report.py shows them so).
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
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
from handlers.cancel import nothing_to_cancel
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.event_format import text_in
from handlers.navigation import answer_stale, drop_buttons, show_in_place
from storage.db import Transaction
from storage.events import Event
from storage.feedback import COMMENT_MAX, NO_COMMENT, Commented
from storage.outbox import OutboxRepository
from storage.registrations import FeedbackScore, RegistrationRepository, feedback_key

PREFIX = "evfb"
OVERALL, CHANGED_VIEW, NO_COMMENT_BUTTON = "o", "v", "nc"
COMMENT = "comment"  # conversation state: the comment question is open
COMMENTED = "commented"  # given: a second text is answered, not added
_SCORES = {OVERALL: FeedbackScore.OVERALL, CHANGED_VIEW: FeedbackScore.CHANGED_VIEW}
# Asked until a week after the end: later, a tick entered late asks about an event too far back.
FEEDBACK_WITHIN = timedelta(days=7)


def _title(t: Translator, event: Event, default_language: str) -> str:
    return html.escape(text_in(t, event, default_language).title)


def _anonymous(t: Translator) -> str:
    return t._("Your answers are shown to the network team without your name.")


def _scale(kind: str, registration_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(n), callback_data=pack(PREFIX, kind, registration_id, n))
                for n in range(1, 6)
            ]
        ]
    )


def first_question(
    t: Translator, event: Event, registration_id: int, default_language: str
) -> dict[str, Any]:
    """The sendMessage parameters of the feedback request, in the member's language."""
    text = "\n".join(
        [
            t._("How was <b>{title}</b>?").format(title=_title(t, event, default_language)),
            t._("Tap 1 (poor) to 5 (excellent)."),
            _anonymous(t),
        ]
    )
    return {"text": text, "reply_markup": _scale(OVERALL, registration_id).to_dict()}


async def send_due(tx: Transaction, now: datetime, catalogs: Catalogs) -> int:
    """Ask every attendee due now (part of the job); returns how many were asked."""
    asked = 0
    for due in await RegistrationRepository.feedback_due(tx, now, FEEDBACK_WITHIN):
        t = catalogs.for_member(due.language, due.app_language)
        await RegistrationRepository.feedback_asked(tx, due.registration_id, now)
        added = await OutboxRepository.enqueue(
            tx,
            now,
            due.telegram_user_id,
            "sendMessage",
            first_question(t, due.event, due.registration_id, catalogs.default_language),
            dedup_key=feedback_key(due.registration_id),
        )
        asked += added is not None
    return asked


def _parts(query: CallbackQuery) -> tuple[str, int, int | None] | None:
    """(action, registration id, score) of a well-formed button; the score only for scores."""
    parts = unpack(query.data, PREFIX, 3) or unpack(query.data, PREFIX, 2)
    registration_id = None if parts is None else number_part(parts[1])
    if parts is None or registration_id is None:
        return None
    if parts[0] in _SCORES and len(parts) == 3:
        value = number_part(parts[2], 1)
        return (parts[0], registration_id, value) if value and 1 <= value <= 5 else None
    if parts[0] == NO_COMMENT_BUTTON and len(parts) == 2:
        return parts[0], registration_id, None
    return None


async def button(update: Update, context: BotContext) -> None:
    """The first score; and “No comment” once its conversation has ended (say, an old one).
    The second score starts the comment conversation (``conversation`` below)."""
    query = update.callback_query
    assert query is not None
    parts = _parts(query)
    if parts is not None and parts[0] == NO_COMMENT_BUTTON:
        await _no_comment(query, context, parts[1])
    elif parts is not None and parts[2] is not None:
        await _score(query, context, parts[0], parts[1], parts[2])
    else:
        await answer_stale(query, context.t)


async def _score(
    query: CallbackQuery, context: BotContext, kind: str, registration_id: int, value: int
) -> bool:
    """Store a score and show what follows; False (the member told) when it cannot be."""
    services, t = context.services, context.t
    score = _SCORES[kind]
    event_id = await services.registrations.give_feedback(
        registration_id, context.member.id, score, value, services.clock.now()
    )
    event = None if event_id is None else await services.events.get(event_id)
    if event is None:
        await answer_stale(query, t)
        return False
    if score is FeedbackScore.OVERALL:
        text = "\n".join(
            [
                t._("Did this event change your view of the other side?"),
                t._("Tap 1 (not at all) to 5 (very much)."),
            ]
        )
        await show_in_place(query, text, _scale(CHANGED_VIEW, registration_id))
        return True
    title = _title(t, event, services.config.default_language)
    text = "\n".join(
        [
            t._("Thank you for your feedback on <b>{title}</b>!").format(title=title),
            "",
            t._(
                "Anything you would like to tell the network team? Send it as a message (at "
                "most {count} characters), or tap “No comment”."
            ).format(count=COMMENT_MAX),
            _anonymous(t),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("No comment"),
                    callback_data=pack(PREFIX, NO_COMMENT_BUTTON, registration_id),
                )
            ]
        ]
    )
    await show_in_place(query, text, markup)
    return True


async def second_score(update: Update, context: BotContext) -> str | None:
    """The second score tapped: stored, and the comment asked for. A button that does not
    work leaves whatever question was open as it was."""
    query = update.callback_query
    assert query is not None
    parts = _parts(query)
    if parts is None or parts[0] != CHANGED_VIEW or parts[2] is None:
        await answer_stale(query, context.t)
        return None
    return COMMENT if await _score(query, context, *parts[:2], parts[2]) else None


async def _no_comment(query: CallbackQuery, context: BotContext, registration_id: int) -> bool:
    """“No comment”: the question closed; False when it was closed already or is not theirs."""
    services, t = context.services, context.t
    outcome = await services.feedback.comment(
        registration_id, context.member.id, NO_COMMENT, services.clock.now()
    )
    event = None if outcome.event_id is None else await services.events.get(outcome.event_id)
    if outcome.result is Commented.NOT_ASKED or event is None:
        await answer_stale(query, t)
        return False
    if outcome.result is Commented.CLOSED:
        await query.answer(_complete(t), show_alert=True)
        await drop_buttons(query)
        return False
    title = _title(t, event, services.config.default_language)
    await show_in_place(
        query, t._("Thank you for your feedback on <b>{title}</b>!").format(title=title)
    )
    return True


async def no_comment_button(update: Update, context: BotContext) -> str | int | None:
    """“No comment” while the question is open; one of an older question changes that one
    only, and the open question stays."""
    query = update.callback_query
    assert query is not None
    parts = _parts(query)
    if parts is None or parts[0] != NO_COMMENT_BUTTON:
        await answer_stale(query, context.t)
        return None
    asked = await context.services.feedback.open_comment(context.member.id)
    closed = await _no_comment(query, context, parts[1])
    return ConversationHandler.END if closed and asked == parts[1] else None


def _complete(t: Translator) -> str:
    return t._("Your feedback is complete already; nothing was changed.")


def _comment_rule(t: Translator) -> str:
    return t._(
        "Please send your comment as a text message (at most {count} characters), or tap "
        "“No comment”."
    ).format(count=COMMENT_MAX)


async def comment_typed(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    services, t = context.services, context.t
    text = message.text.strip()
    if not text:
        await message.reply_text(_comment_rule(t))
        return COMMENT
    if len(text) > COMMENT_MAX:
        await message.reply_text(
            t._(
                "That is too long: at most {count} characters, and yours has {length}. Please "
                "shorten it, or tap “No comment”."
            ).format(count=COMMENT_MAX, length=len(text))
        )
        return COMMENT
    registration_id = await services.feedback.open_comment(context.member.id)
    outcome = None
    if registration_id is not None:
        outcome = await services.feedback.comment(
            registration_id, context.member.id, text, services.clock.now()
        )
    if outcome is None or outcome.result is not Commented.STORED:
        # Closed meanwhile (“No comment” tapped on another device, say).
        await message.reply_text(_complete(t))
        return ConversationHandler.END
    await message.reply_text(
        t._("Thank you! Your comment is passed on to the network team without your name.")
    )
    return COMMENTED


async def comment_other(update: Update, context: BotContext) -> str:
    """A photo, sticker or the like where the comment is expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(_comment_rule(context.t))
    return COMMENT


async def again(update: Update, context: BotContext) -> None:
    """Anything sent after the comment: it is not added (the state stays, so it is said again
    until the member moves on)."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._(
            "Your comment has been passed on already; this message was not added to it. "
            "Send /start to open the menu."
        )
    )


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel while the comment is asked for: no comment, then."""
    message = update.effective_message
    assert message is not None
    services, t = context.services, context.t
    registration_id = await services.feedback.open_comment(context.member.id)
    if registration_id is None:
        await nothing_to_cancel(update, context)
        return ConversationHandler.END
    await services.feedback.comment(
        registration_id, context.member.id, NO_COMMENT, services.clock.now()
    )
    await message.reply_text(t._("No comment, then. Thank you for your feedback!"))
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    no_comment = rf"^{PREFIX}:{NO_COMMENT_BUTTON}:"
    # Tracked per chat, not per message, on purpose: one open comment question at a time
    # (a newer second score asks about that event instead).
    return persistent_conversation(
        entry_points=[CallbackQueryHandler(second_score, pattern=rf"^{PREFIX}:{CHANGED_VIEW}:")],
        states={
            COMMENT: [
                CallbackQueryHandler(no_comment_button, pattern=no_comment),
                MessageHandler(NEW_MESSAGE & filters.TEXT, comment_typed),
                MessageHandler(NEW_MESSAGE, comment_other),
            ],
            COMMENTED: [
                CallbackQueryHandler(no_comment_button, pattern=no_comment),
                MessageHandler(NEW_MESSAGE, again),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="event_feedback_comment",
    )
