"""“🏖 Out of office this round” (``ckin:away:<round>:<project>``): confirmed with Yes or
Cancel, then the member gets no reminders, their hold on the draft is released, and the
project's other members get the check-in handed over in their language through the outbox;
when nobody is left, every active staff member is told (storage/checkins.py
``away_and_tell``)."""

from __future__ import annotations

import html
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack
from bot.context import BotContext
from handlers.checkin_answer import check_tap, ids_of, tell_refused
from handlers.checkin_review import AWAY, AWAY_NO, AWAY_YES, PREFIX, day, entry_buttons
from handlers.navigation import answer_stale, drop_buttons
from storage.checkins import CheckinRefused, Round, RoundProject
from storage.members import Addressee

AWAY_PATTERN = rf"^{PREFIX}:({AWAY}|{AWAY_YES}|{AWAY_NO}):"


async def away_button(update: Update, context: BotContext) -> None:
    """``ckin:away`` asks to confirm; ``ckin:awy`` confirms, ``ckin:awn`` cancels."""
    query = update.callback_query
    assert query is not None and query.message is not None
    t = context.t
    if (ids := ids_of(query, AWAY_NO)) is not None:
        await query.answer()
        await drop_buttons(query)
        await context.bot.send_message(query.message.chat.id, t._("Nothing was changed."))
        return
    ids = ids_of(query, AWAY)
    confirmed = ids is None and (ids := ids_of(query, AWAY_YES)) is not None
    if ids is None:
        await answer_stale(query, t)
        return
    allowed = await check_tap(query, context, *ids)
    if allowed is None:
        return
    round_, project = allowed
    chat_id = query.message.chat.id
    name = html.escape(project.project_name)
    if project.submitted_at is not None:
        await query.answer()
        await context.bot.send_message(
            chat_id,
            t._(
                "The check-in of {project} has been submitted already; nothing to hand over."
            ).format(project=name),
        )
        return
    if not confirmed:
        await query.answer()
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(t._("Yes"), callback_data=pack(PREFIX, AWAY_YES, *ids)),
                    InlineKeyboardButton(t._("Cancel"), callback_data=pack(PREFIX, AWAY_NO, *ids)),
                ]
            ]
        )
        await context.bot.send_message(
            chat_id,
            t._(
                "Are you out of office this round? The check-in of {project} then goes to the "
                "project's other members; if there are none, the network team is told."
            ).format(project=name),
            reply_markup=markup,
        )
        return
    await _away(query, context, round_, project)


async def _away(
    query: CallbackQuery, context: BotContext, round_: Round, project: RoundProject
) -> None:
    services, t, member = context.services, context.t, context.member
    assert query.message is not None
    catalogs = services.catalogs
    who = html.escape(member.display_name or "")
    project_name = html.escape(project.project_name)

    def hand_over(to: Addressee) -> dict[str, Any]:
        theirs = catalogs.for_member(to.language, to.app_language)
        text = theirs._(
            "{name} is out of office this round and handed the check-in of {project} to you. "
            "Due {date}."
        ).format(name=who, project=project_name, date=day(theirs, round_.due_at))
        markup = entry_buttons(theirs, round_.id, project.project_id)
        return {"text": text, "reply_markup": markup.to_dict()}

    def nobody_left(to: Addressee) -> dict[str, Any]:
        theirs = catalogs.for_member(to.language, to.app_language)
        return {
            "text": theirs._(
                "Nobody can answer the check-in of {project} this round ({name} is out of "
                "office and no other member of the project can answer). Due {date}."
            ).format(name=who, project=project_name, date=day(theirs, round_.due_at))
        }

    try:
        others, _ = await services.checkins.away_and_tell(
            round_.id,
            project.project_id,
            member.id,
            services.clock.now(),
            hand_over=hand_over,
            nobody_left=nobody_left,
        )
    except CheckinRefused as exc:
        await query.answer()
        await tell_refused(context, query.message.chat.id, exc, round_, project)
        return
    await query.answer()
    await drop_buttons(query)
    if others:
        text = t.ngettext(
            "Noted: you are out of office this round. The check-in of {project} went to "
            "{count} other member of the project.",
            "Noted: you are out of office this round. The check-in of {project} went to "
            "{count} other members of the project.",
            len(others),
        ).format(project=project_name, count=len(others))
    else:
        text = t._(
            "Noted: you are out of office this round. Nobody else can answer for {project}, "
            "so the network team has been told."
        ).format(project=project_name)
    await context.bot.send_message(query.message.chat.id, text)
