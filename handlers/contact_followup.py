"""The follow-up after an introduction: 14 days later (KOSIZU_CONTACT_FOLLOWUP_DAYS) both sides
are asked “Did you get in touch?” — Yes / No — and after a Yes “How useful was it?” 1–5.
The question also carries “🚫 Do not introduce me to this person again”.

The job asks through the outbox, each side once (storage/contact_followups.py); every tap is
checked against the database: only the member asked may answer, each question once, and a
rating only after a Yes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Catalogs, Translator
from bot.scheduling import JobHandler
from handlers import do_not_introduce
from handlers.navigation import answer_stale, replace
from storage.contact_followups import USEFULNESS, Answered, Followup, FollowupNotice, ask_due
from storage.db import Transaction
from storage.introductions import Introduced
from storage.schedule import ScheduledItem

log = logging.getLogger(__name__)

PREFIX = "cf"
KIND = "contact_followups"
CRON = "*/5 * * * *"
_MAX_ID_DIGITS = 9


def _button(label: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(PREFIX, *parts))


def _text(t: Translator, view: Introduced, followup: Followup | None) -> str:
    lines = [
        t._("🤝 <b>How did your introduction go?</b>"),
        do_not_introduce.describe_introduced(t, view),
        "",
    ]
    if followup is None or followup.got_in_touch is None:
        lines.append(t._("Did you get in touch?"))
    elif not followup.got_in_touch:
        lines += [t._("Did you get in touch? No"), "", t._("Thank you for telling us.")]
    elif followup.usefulness is None:
        lines += [
            t._("Did you get in touch? Yes"),
            "",
            t._("How useful was the contact for you? 1 = not at all, 5 = very useful."),
        ]
    else:
        lines += [
            t._("Did you get in touch? Yes"),
            t._("How useful it was: {rating} of 5").format(rating=followup.usefulness),
            "",
            t._("Thank you! Your answers help the network team see what works."),
        ]
    return "\n".join(lines)


def _keyboard(t: Translator, view: Introduced, followup: Followup | None) -> InlineKeyboardMarkup:
    request_id = view.request_id
    rows: list[list[InlineKeyboardButton]] = []
    if followup is None or followup.got_in_touch is None:
        rows.append(
            [_button(t._("✅ Yes"), "yes", request_id), _button(t._("No"), "no", request_id)]
        )
    elif followup.got_in_touch and followup.usefulness is None:
        rows.append([_button(str(n), "rate", request_id, n) for n in USEFULNESS])
    rows.append([do_not_introduce.button(t, request_id)])
    return InlineKeyboardMarkup(rows)


def question(catalogs: Catalogs) -> FollowupNotice:
    """The follow-up as the job sends it, in the recipient's language."""

    def build(view: Introduced) -> dict[str, Any]:
        t = catalogs.for_member(view.me.language, view.me.app_language)
        return {
            "text": _text(t, view, None),
            "reply_markup": _keyboard(t, view, None).to_dict(),
        }

    return build


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 2) or unpack(query.data, PREFIX, 3)
    request_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    if parts is None or request_id is None:
        await answer_stale(query, t)
        return
    followups, now = services.contact_followups, services.clock.now()
    match parts:
        case ["yes" | "no" as answer, _]:
            result = await followups.answer(request_id, member.id, answer == "yes", now)
        case ["rate", _, rating] if rating in {str(n) for n in USEFULNESS}:
            result = await followups.rate(request_id, member.id, int(rating), now)
        case _:
            await answer_stale(query, t)
            return
    if result.outcome is Answered.NOT_YOURS or result.followup is None:
        await answer_stale(query, t)
        return
    if result.outcome is Answered.REPEATED:
        await query.answer(t._("You have already answered this."), show_alert=True)
    else:
        await query.answer()
    followup = result.followup
    await replace(
        query,
        _text(t, followup.introduced, followup),
        _keyboard(t, followup.introduced, followup),
    )


def job(catalogs: Catalogs, days: int) -> JobHandler:
    """Every five minutes: asks both sides of each introduction ``days`` old, once each;
    after downtime the first run asks everyone whose follow-up fell due meanwhile."""
    build = question(catalogs)
    after = timedelta(days=days)

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        asked = await ask_due(tx, now, after, build)
        if asked:
            log.info("contact follow-ups: %d asked", asked)

    return run
