"""/checkin and the main menu's "📝 Quarterly check-in": the member's projects in the open
round, their status and what the member can do (answer, continue, change, out of office).
Only the projects the member answers for are listed; nothing of any answer is shown here."""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.checkin_review import PREFIX, away_data, day, go_data, short
from handlers.navigation import home_button
from storage.checkins import Round, RoundProject, Status

LIST_OPEN = pack(PREFIX, "list")


async def menu_applies(context: BotContext) -> bool:
    """Whether the main menu offers the check-in: an active partner with a project in the
    open round."""
    member = context.member
    if not member.is_active or member.role not in ("community", "police"):
        return False
    services = context.services
    round_ = await services.checkins.current(services.clock.now())
    return round_ is not None and bool(
        await services.checkins.member_projects(round_.id, member.id)
    )


def _status_line(t: Translator, round_: Round, project: RoundProject, now: datetime) -> str:
    status = project.status(round_, now)
    due = day(t, round_.due_at)
    if status is Status.ANSWERED:
        assert project.submitted_at is not None
        return t._("answered by {name} on {date}").format(
            name=html.escape(project.submitted_by_name or t._("a former member")),
            date=t.date(project.submitted_at),
        )
    if project.answering_name is not None:
        line = t._("in progress by {name}").format(name=html.escape(project.answering_name))
    elif status is Status.OVERDUE:
        line = t._("not submitted yet")
    elif status is Status.IN_PROGRESS:
        line = t._("in progress")
    else:
        line = t._("not started")
    if status is Status.OVERDUE:
        return t._("{state} – overdue since {date}").format(state=line, date=due)
    return t._("{state} – due {date}").format(state=line, date=due)


async def _listing(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    round_ = await services.checkins.current(now)
    mine: list[RoundProject] = []
    if round_ is not None and member.is_active and member.role in ("community", "police"):
        mine = await services.checkins.member_projects(round_.id, member.id)
    if round_ is None or not mine:
        text = t._(
            "There is no quarterly check-in for you to answer right now. When a round opens "
            "for a project you answer for, the bot writes to you."
        )
        return text, InlineKeyboardMarkup([[home_button(t)]])
    lines = [
        t._("<b>Quarterly check-in</b>"),
        t._("Answers are due on {due}; they can be changed until {closes}.").format(
            due=day(t, round_.due_at), closes=day(t, round_.closes_at)
        ),
        "",
    ]
    rows: list[list[InlineKeyboardButton]] = []
    for project in mine:
        away = await services.checkins.is_away(round_.id, project.project_id, member.id)
        state = _status_line(t, round_, project, now)
        if away and project.submitted_at is None:
            state += " " + t._("(you are out of office this round)")
        lines.append(
            f"<b>{html.escape(project.project_name)}</b> ({html.escape(project.organisation_name)})"
        )
        lines.append(state)
        name = short(project.project_name)
        go = go_data(round_.id, project.project_id)
        if project.answering_id is not None and project.answering_id != member.id:
            pass  # another member holds the draft: the line says who
        elif project.submitted_at is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("✏️ Change: {project}").format(project=name), callback_data=go
                    )
                ]
            )
        elif project.answered or project.answering_id == member.id:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("▶️ Continue: {project}").format(project=name), callback_data=go
                    )
                ]
            )
        else:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("📝 Answer: {project}").format(project=name), callback_data=go
                    )
                ]
            )
        if project.submitted_at is None and not away:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("🏖 Out of office: {project}").format(project=name),
                        callback_data=away_data(round_.id, project.project_id),
                    )
                ]
            )
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show_list(update: Update, context: BotContext) -> None:
    """/checkin: the member's projects in the open round."""
    assert update.effective_message is not None
    text, markup = await _listing(context)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def list_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    text, markup = await _listing(context)
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)
