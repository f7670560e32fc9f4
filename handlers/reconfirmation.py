"""The yearly reconfirmation of police and staff roles.

A daily job asks each police contact and staff member 30 days before their year is up, and
makes the role lapse when the year passes unconfirmed. The member confirms with one tap (on
the reminder or in the menu of a lapsed member); staff can also confirm on their behalf in
/members. A lapsed member keeps /profile, /mydata and /deleteme until then.

Self-confirmation is enough because the person was verified when they joined; the reminder
asks them to tell the network when they no longer hold the role, and staff see who lapsed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack
from bot.context import BotContext
from bot.i18n import Catalogs, Translator
from bot.scheduling import JobHandler
from handlers.labels import ROLE_LABELS
from handlers.navigation import answer_stale, show_in_place
from storage.db import Transaction
from storage.outbox import OutboxRepository
from storage.reconfirmation import ROLE_VALID_FOR, Due, ReconfirmationRepository
from storage.schedule import ScheduledItem
from storage.timefmt import to_db

PREFIX = "reconfirm"
CONFIRM = pack(PREFIX, "yes")
KIND = "reconfirmation"
CRON = "0 10 * * *"  # daily at 10:00 Berlin time, an hour people read messages


def confirm_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("✅ I still hold this role"), callback_data=CONFIRM)


def _ask_text(t: Translator, role: str) -> str:
    return t._(
        "Once a year the network asks police contacts and team members to confirm their role. "
        "Are you still a {role}? Please confirm within 30 days. If you no longer hold this "
        "role, please tell the network team."
    ).format(role=t._(ROLE_LABELS[role]))


def lapsed_text(t: Translator, role: str) -> str:
    return t._(
        "Your role as {role} has not been confirmed for a year and is paused. If you still "
        "hold it, confirm it below. Until then you can use /profile, /mydata and /deleteme."
    ).format(role=t._(ROLE_LABELS[role]))


def job(catalogs: Catalogs) -> JobHandler:
    """The daily job; messages go through the outbox in the same transaction."""

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        for due in await ReconfirmationRepository.lapse_due(tx, now):
            await _notify(tx, now, due, lapsed_text, catalogs, "lapsed")
        for due in await ReconfirmationRepository.ask_due(tx, now):
            await _notify(tx, now, due, _ask_text, catalogs, "ask")

    return run


async def _notify(
    tx: Transaction,
    now: datetime,
    due: Due,
    text: Callable[[Translator, str], str],
    catalogs: Catalogs,
    what: str,
) -> None:
    t = catalogs.for_member(due.language, due.app_language)
    await OutboxRepository.enqueue(
        tx,
        now,
        due.telegram_user_id,
        "sendMessage",
        {
            "text": text(t, due.role),
            "reply_markup": InlineKeyboardMarkup([[confirm_button(t)]]).to_dict(),
        },
        dedup_key=f"reconfirm:{what}:{due.member_id}:{to_db(now)[:10]}",
    )


async def confirm(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    if query.data != CONFIRM or not await services.reconfirmation.confirm_own(
        member.id, services.clock.now()
    ):
        await answer_stale(query, t)
        return
    await show_in_place(
        query,
        t._("Thank you. Your role is confirmed until {date}. Send /start to open the menu.").format(
            date=t.date(services.clock.now() + ROLE_VALID_FOR)
        ),
    )
