"""Feedback after an event, from the attendees staff ticked present: how it was overall, and
whether it changed their view of the other side, each 1 to 5.

The every-five-minutes job of handlers/events.py asks once per registration, after the event
ended and for up to FEEDBACK_WITHIN after it, through the outbox in the member's language
(keyed ``event-feedback:<registration>``). The job records the request in ``event_feedback``
in the same transaction, so a rerun asks nobody twice. The two questions are one message
edited in place: ``evfb:o:<registration>:<n>`` stores the first score and shows the second,
``evfb:v:<registration>:<n>`` stores it and thanks the member. Each tap is checked against
the database (the registration is the tapping member's, ticked present, that score not given
yet); nothing in the data is trusted.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Catalogs, Translator
from handlers.event_format import text_in
from handlers.navigation import answer_stale, show_in_place
from storage.db import Transaction
from storage.events import Event
from storage.outbox import OutboxRepository
from storage.registrations import FeedbackScore, RegistrationRepository, feedback_key

PREFIX = "evfb"
OVERALL, CHANGED_VIEW = "o", "v"
_SCORES = {OVERALL: FeedbackScore.OVERALL, CHANGED_VIEW: FeedbackScore.CHANGED_VIEW}
# Asked until a week after the end: later, a tick entered late asks about an event too far back.
FEEDBACK_WITHIN = timedelta(days=7)


def _title(t: Translator, event: Event, default_language: str) -> str:
    return html.escape(text_in(t, event, default_language).title)


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


async def button(update: Update, context: BotContext) -> None:
    """A score tapped: stored, then the next question or the thanks."""
    query = update.callback_query
    assert query is not None
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 3)
    score = None if parts is None else _SCORES.get(parts[0])
    registration_id = None if parts is None else number_part(parts[1])
    value = None if parts is None else number_part(parts[2], 1)
    if score is None or registration_id is None or value is None or not 1 <= value <= 5:
        await answer_stale(query, t)
        return
    event_id = await services.registrations.give_feedback(
        registration_id, context.member.id, score, value, services.clock.now()
    )
    event = None if event_id is None else await services.events.get(event_id)
    if event is None:
        await answer_stale(query, t)
        return
    title = _title(t, event, services.config.default_language)
    if score is FeedbackScore.OVERALL:
        text = "\n".join(
            [
                t._("Did this event change your view of the other side?"),
                t._("Tap 1 (not at all) to 5 (very much)."),
            ]
        )
        await show_in_place(query, text, _scale(CHANGED_VIEW, registration_id))
    else:
        await show_in_place(
            query, t._("Thank you for your feedback on <b>{title}</b>!").format(title=title)
        )
