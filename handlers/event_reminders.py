"""Reminders to confirmed attendees before an event starts: REMINDER_OFFSETS before it
(7 days and 1 day), each at most once per registration and offset.

The every-five-minutes job of handlers/events.py queues them through the outbox in the job's
transaction, keyed ``event-reminder:<registration>:<days>@<start>``, so a rerun queues
nothing twice and an event moved to a later start is reminded of again. A reminder whose
moment passed while the bot was down goes out on the next run, as long as the event has not
begun; when a smaller offset is due by then, only its reminder is sent (a
"in 7 days" reminder one day before helps nobody). Which reminders are due is decided in
``RegistrationRepository.reminders_due``.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.i18n import Catalogs, Translator
from handlers.event_format import Do, action_button, place, span, starts, text_in
from storage.db import Transaction
from storage.outbox import OutboxRepository
from storage.registrations import RegistrationRepository, ReminderDue, reminder_key

# When attendees are reminded, before the start. Configure here: whole days (the dedup key
# counts days), at most 30 (settled outbox rows, which hold the keys, are kept 30 days).
REMINDER_OFFSETS = (timedelta(days=7), timedelta(days=1))
assert all(o == timedelta(days=o.days) and 1 <= o.days <= 30 for o in REMINDER_OFFSETS)


def reminder(t: Translator, due: ReminderDue, default_language: str) -> dict[str, Any]:
    """The sendMessage parameters of one reminder, in the member's language."""
    event = due.event
    lines = [
        # Not "tomorrow" or "in 7 days": after downtime a reminder may come later than planned.
        t._("⏰ Reminder: you are registered for <b>{title}</b>.").format(
            title=html.escape(text_in(t, event, default_language).title)
        ),
        "",
        t._("🕒 {when}").format(when=span(t, event)),
        # Only confirmed attendees are reminded, so the online link may be shown.
        place(t, event, True),
        "",
        t._("If you cannot come, please cancel under /events so someone else gets your seat."),
    ]
    keyboard = InlineKeyboardMarkup([[action_button(t._("🔎 Details"), Do.SHOW, event.id)]])
    return {"text": "\n".join(lines), "reply_markup": keyboard.to_dict()}


async def send_due(tx: Transaction, now: datetime, catalogs: Catalogs) -> int:
    """Queue every reminder due now (part of the job); returns how many were queued."""
    queued = 0
    for due in await RegistrationRepository.reminders_due(tx, now, REMINDER_OFFSETS):
        t = catalogs.for_member(due.language, due.app_language)
        added = await OutboxRepository.enqueue(
            tx,
            now,
            due.telegram_user_id,
            "sendMessage",
            reminder(t, due, catalogs.default_language),
            dedup_key=reminder_key(due.registration_id, due.offset, starts(due.event)),
        )
        queued += added is not None
    return queued
