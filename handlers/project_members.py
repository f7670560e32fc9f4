"""A project's answering members (staff only): the list with a remove button each, and a paged
list of the partner organisation's active community representatives and police contacts to add.

Only the partner organisation's own people can answer for a project: the check-in answers are
the partner's and must not reach members of other organisations. Every tap re-reads project
and member from the database, so an old or forged button changes nothing.
"""

from __future__ import annotations

import html

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers import projects
from handlers.access import require_staff
from handlers.navigation import answer_stale, replace, show_in_place
from handlers.pickers import paging_row
from storage.projects import NotAnswering, Project, ProjectMember, UnknownProject

PREFIX = projects.MEMBERS_PREFIX
PAGE_SIZE = 8
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4


def _name(t: Translator, member: ProjectMember) -> str:
    return member.display_name or t._("(no name)")


async def _members(
    context: BotContext, project: Project, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    members = await context.services.projects.members(project.id)
    lines = [] if note is None else [note, ""]
    lines += [
        t._("<b>{name}</b>: who answers the check-ins").format(name=html.escape(project.name)),
        t._(
            "Active community representatives and police contacts of {organisation} can answer."
        ).format(organisation=html.escape(project.organisation_name)),
        "",
    ]
    if not members:
        lines.append(t._("Nobody answers for this project yet."))
    lines += [f"• {html.escape(_name(t, m))}" for m in members]
    rows = [
        [
            InlineKeyboardButton(
                t._("➖ {name}").format(name=projects.short(_name(t, m))),
                callback_data=pack(PREFIX, "rm", project.id, m.id),
            )
        ]
        for m in members
    ]
    rows.append(
        [
            InlineKeyboardButton(
                t._("➕ Add member"), callback_data=pack(PREFIX, "cand", project.id, 0)
            )
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                t._("« Back"), callback_data=pack(projects.PREFIX, "show", project.id)
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _candidates(
    context: BotContext, project: Project, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    candidates = await context.services.projects.candidates(project.id)
    pages = max(1, -(-len(candidates) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = candidates[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    organisation = html.escape(project.organisation_name)
    if candidates:
        lines = [t._("Who else answers for “{name}”?").format(name=html.escape(project.name))]
        if pages > 1:
            lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    else:
        lines = [
            t._(
                "No other active community representative or police contact of {organisation} "
                "is a member. Invite them with /invite first."
            ).format(organisation=organisation)
        ]
    rows = [
        [
            InlineKeyboardButton(
                projects.short(_name(t, m)), callback_data=pack(PREFIX, "add", project.id, m.id)
            )
        ]
        for m in shown
    ]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "cand", project.id, n))
    rows.append(
        [InlineKeyboardButton(t._("« Back"), callback_data=pack(PREFIX, "list", project.id))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=projects.members"):
        return
    services, t = context.services, context.t
    one = unpack(query.data, PREFIX, 2)
    two = unpack(query.data, PREFIX, 3)
    parts = one or two
    project_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    project = None if project_id is None else await services.projects.get(project_id)
    if parts is None or project is None:
        await answer_stale(query, t)
        return
    if project.archived:
        await query.answer(t._("This project is archived."), show_alert=True)
        await replace(query, *await projects.card(context, project))
        return
    if one is not None and one[0] == "list":
        await show_in_place(query, *await _members(context, project))
        return
    number = None if two is None else number_part(two[2], _MAX_ID_DIGITS)
    if two is None or number is None:
        await answer_stale(query, t)
    elif two[0] == "cand" and number < 10**_MAX_PAGE_DIGITS:
        await show_in_place(query, *await _candidates(context, project, number))
    elif two[0] in ("add", "rm"):
        await _change(query, context, project, number, add=two[0] == "add")
    else:
        await answer_stale(query, t)


async def _change(
    query: CallbackQuery, context: BotContext, project: Project, member_id: int, *, add: bool
) -> None:
    services, t = context.services, context.t
    now, actor = services.clock.now(), context.member.id
    try:
        if add:
            changed = await services.projects.add_member(project.id, member_id, now, actor_id=actor)
        else:
            changed = await services.projects.remove_member(
                project.id, member_id, now, actor_id=actor
            )
    except NotAnswering:
        await query.answer(
            t._("This person cannot answer for this project (any more). Nothing was changed."),
            show_alert=True,
        )
        await replace(query, *await _candidates(context, project, 0))
        return
    except UnknownProject:
        await answer_stale(query, t)
        return
    if not changed:
        note = t._("Nothing was changed.")
    elif add:
        note = t._("✅ Member added.")
    else:
        note = t._("✅ Removed.")
    current = await services.projects.get(project.id)
    assert current is not None
    await show_in_place(query, *await _members(context, current, note))
