"""/projects (staff only): the funded projects whose partners answer the quarterly check-ins.

The list shows the active projects (archived ones on a page of their own); a project's card
offers Edit name, Edit period, Members (handlers/project_members.py) and Archive or Restore.
Creating a project asks for the name (typed), the partner organisation (a paged list), and
the start and end of the funding period (typed); changing the name or period asks again for
those. These are one persistent conversation whose typed values live in SQLite, so a restart
loses nothing. Every step checks again that the member is active staff.
"""

from __future__ import annotations

import html
import re
from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff, still_staff
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import REGION_LABELS
from handlers.navigation import answer_stale, home_button, replace, show_in_place, stale_button
from handlers.pickers import paging_row
from handlers.text_input import clean_name
from storage.organisations import Organisation
from storage.projects import (
    NAME_LENGTH,
    DuplicateProject,
    InvalidPeriod,
    Project,
    ProjectDraft,
    UnknownProject,
)

PREFIX = "proj"
OPEN = pack(PREFIX)
# The members screen's buttons (handlers/project_members.py, which imports this module).
MEMBERS_PREFIX = "projm"
NEW = pack(PREFIX, "new")
PAGE_SIZE = 8
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4
_LABEL_LENGTH = 50
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Buttons that belong to a step of the conversation.
PICK_ORG = "porg"
ORG_PAGE = "popage"
EDIT_NAME = "ename"
EDIT_PERIOD = "eperiod"

# Conversation states.
NAME = "name"
ORGANISATION = "organisation"
START = "start"
END = "end"


# ---------------------------------------------------------------- list and card


async def show(update: Update, context: BotContext) -> None:
    """/projects: the first page of the active projects."""
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=projects"):
        return
    text, markup = await _list(context, 0, archived=False)
    await message.reply_text(text, reply_markup=markup)


def period(t: Translator, project: Project) -> str:
    return t._("{start} – {end}").format(
        start=t.date(project.starts_on, "medium"), end=t.date(project.ends_on, "medium")
    )


def short(name: str) -> str:
    return name if len(name) <= _LABEL_LENGTH else name[: _LABEL_LENGTH - 1] + "…"


async def _list(
    context: BotContext, page: int, *, archived: bool, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    projects = await context.services.projects.listed(archived=archived)
    pages = max(1, -(-len(projects) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = projects[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [] if note is None else [note, ""]
    lines.append("<b>" + (t._("Archived projects") if archived else t._("Projects")) + "</b>")
    if not projects:
        lines.append(
            t._("No project is archived.") if archived else t._("There are no active projects.")
        )
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    for project in shown:
        lines += [
            "",
            f"<b>{html.escape(project.name)}</b>",
            html.escape(project.organisation_name) + " · " + period(t, project),
            t.ngettext(
                "{count} answering member", "{count} answering members", project.member_count
            ).format(count=project.member_count),
        ]
    rows = [
        [InlineKeyboardButton(short(p.name), callback_data=pack(PREFIX, "show", p.id))]
        for p in shown
    ]
    rows += paging_row(
        t, page, pages, lambda n: pack(PREFIX, "archived" if archived else "page", n)
    )
    if archived:
        rows.append([InlineKeyboardButton(t._("« Projects"), callback_data=OPEN)])
    else:
        rows.append([InlineKeyboardButton(t._("➕ New project"), callback_data=NEW)])
        rows.append(
            [
                InlineKeyboardButton(
                    t._("🗄 Archived projects"), callback_data=pack(PREFIX, "archived", 0)
                )
            ]
        )
        rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _page_of(context: BotContext, project: Project) -> int:
    ids = [p.id for p in await context.services.projects.listed(archived=project.archived)]
    return ids.index(project.id) // PAGE_SIZE if project.id in ids else 0


async def card(
    context: BotContext, project: Project, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    lines = [] if note is None else [note, ""]
    lines += [
        f"<b>{html.escape(project.name)}</b>",
        t._("Partner organisation: {name}").format(name=html.escape(project.organisation_name)),
        t._("Funding period: {period}").format(period=period(t, project)),
        t.ngettext(
            "{count} answering member", "{count} answering members", project.member_count
        ).format(count=project.member_count),
    ]
    page = await _page_of(context, project)
    if project.archived:
        lines.append(t._("This project is archived."))
        rows = [
            [
                InlineKeyboardButton(
                    t._("♻️ Restore"), callback_data=pack(PREFIX, "restore", project.id)
                )
            ],
            [
                InlineKeyboardButton(
                    t._("« Archived projects"), callback_data=pack(PREFIX, "archived", page)
                )
            ],
        ]
    else:
        rows = [
            [
                InlineKeyboardButton(
                    t._("✏️ Edit name"), callback_data=pack(PREFIX, EDIT_NAME, project.id)
                ),
                InlineKeyboardButton(
                    t._("✏️ Edit period"), callback_data=pack(PREFIX, EDIT_PERIOD, project.id)
                ),
            ],
            [
                InlineKeyboardButton(
                    t._("👥 Members"), callback_data=pack(MEMBERS_PREFIX, "list", project.id)
                )
            ],
            [
                InlineKeyboardButton(
                    t._("🗄 Archive"), callback_data=pack(PREFIX, "arch", project.id)
                )
            ],
            [InlineKeyboardButton(t._("« Projects"), callback_data=pack(PREFIX, "page", page))],
        ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def button(update: Update, context: BotContext) -> None:
    """The list's and the card's buttons (creating and editing are the conversation's)."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=projects"):
        return
    services, t = context.services, context.t
    if query.data == OPEN:
        await show_in_place(query, *await _list(context, 0, archived=False))
        return
    parts = unpack(query.data, PREFIX, 2)
    number = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    if parts is None or number is None:
        await answer_stale(query, t)
        return
    what = parts[0]
    if what in ("page", "archived") and number < 10**_MAX_PAGE_DIGITS:
        await show_in_place(query, *await _list(context, number, archived=what == "archived"))
        return
    project = await services.projects.get(number)
    if project is None or what not in ("show", "arch", "archok", "restore"):
        await answer_stale(query, t)
        return
    if what == "show":
        await show_in_place(query, *await card(context, project))
    elif project.archived != (what == "restore"):
        # Archiving an archived project, or restoring an active one: the button is old.
        await query.answer(t._("This was changed meanwhile."), show_alert=True)
        await replace(query, *await card(context, project))
    elif what == "arch":
        await show_in_place(query, *_confirm_archive(t, project))
    else:
        await _set_archived(query, context, project, archived=what == "archok")


def _confirm_archive(t: Translator, project: Project) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "Archive “{name}”? Its partners get no more check-ins for it. You can restore it "
        "from the archived projects."
    ).format(name=html.escape(project.name))
    return text, InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("🗄 Yes, archive"), callback_data=pack(PREFIX, "archok", project.id)
                )
            ],
            [InlineKeyboardButton(t._("« Back"), callback_data=pack(PREFIX, "show", project.id))],
        ]
    )


async def _set_archived(
    query: CallbackQuery, context: BotContext, project: Project, *, archived: bool
) -> None:
    services, t = context.services, context.t
    try:
        await services.projects.set_archived(
            project.id, archived, services.clock.now(), actor_id=context.member.id
        )
    except DuplicateProject:
        note = (
            _duplicate(t, project.name)
            + " "
            + t._("Rename the active one first. Nothing was changed.")
        )
        await show_in_place(query, *await card(context, project, note))
        return
    except UnknownProject:
        await answer_stale(query, t)
        return
    if archived:
        note = t._("🗄 “{name}” is archived.").format(name=html.escape(project.name))
        await show_in_place(query, *await _list(context, 0, archived=False, note=note))
        return
    restored = await services.projects.get(project.id)
    assert restored is not None
    await show_in_place(query, *await card(context, restored, t._("✅ Restored.")))


def _duplicate(t: Translator, name: str) -> str:
    return t._("There is already an active project called “{name}”.").format(name=html.escape(name))


# ---------------------------------------------------------------- creating and editing


async def new_start(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=projects.new"):
        return ConversationHandler.END
    services, t = context.services, context.t
    await services.projects.start_draft(context.member.id, None, services.clock.now())
    await show_in_place(
        query,
        t._("<b>New project</b>\nPlease send its name, or /cancel to stop."),
    )
    return NAME


async def edit_start(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=projects.edit"):
        return ConversationHandler.END
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    project_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    project = None if project_id is None else await services.projects.get(project_id)
    if parts is None or project is None or project.archived:
        await answer_stale(query, t)
        return ConversationHandler.END
    await services.projects.start_draft(context.member.id, project.id, services.clock.now())
    name = html.escape(project.name)
    if parts[0] == EDIT_NAME:
        await show_in_place(
            query,
            t._("Please send the new name for “{name}”, or /cancel to keep it.").format(name=name),
        )
        return NAME
    await show_in_place(
        query,
        t._("“{name}” is funded {period}.").format(name=name, period=period(t, project))
        + "\n"
        + _start_question(t),
    )
    return START


async def got_name(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    draft = await services.projects.draft(member.id)
    if draft is None:
        return await _draft_lost(update, context)
    name = clean_name(message.text, NAME_LENGTH)
    if name is None:
        await message.reply_text(_name_rule(t))
        return NAME
    if draft.project_id is None:
        if await services.projects.name_taken(name):
            await message.reply_text(_duplicate(t, name) + " " + t._("Please send another name."))
            return NAME
        await services.projects.update_draft(member.id, name=name)
        text, markup = await _organisation_page(context, name, 0)
        await message.reply_text(text, reply_markup=markup)
        return ORGANISATION
    try:
        changed = await services.projects.rename(
            draft.project_id, name, services.clock.now(), actor_id=member.id
        )
    except DuplicateProject:
        await message.reply_text(
            _duplicate(t, name)
            + " "
            + t._("Please send another name, or /cancel to keep the old one.")
        )
        return NAME
    except UnknownProject:
        return await _gone(message, context)
    return await _saved(message, context, draft.project_id, changed)


async def _organisation_page(
    context: BotContext, name: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    organisations = await context.services.organisations.all()
    pages = max(1, -(-len(organisations) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = organisations[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [t._("Which partner organisation runs “{name}”?").format(name=html.escape(name))]
    if not organisations:
        lines.append(
            t._(
                "No organisation is listed yet. Add it under /organisations first, "
                "then /cancel this."
            )
        )
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    rows = [
        [
            InlineKeyboardButton(
                _organisation_label(t, o), callback_data=pack(PREFIX, PICK_ORG, o.id)
            )
        ]
        for o in shown
    ]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, ORG_PAGE, n))
    # Telegram refuses an empty keyboard.
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def _organisation_label(t: Translator, organisation: Organisation) -> str:
    return t._("{name} ({region})").format(
        name=short(organisation.name), region=t._(REGION_LABELS[organisation.bundesland])
    )


async def organisation_button(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 2)
    number = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    draft = await services.projects.draft(member.id)
    if draft is None or draft.project_id is not None or draft.name is None:
        return await _draft_lost(update, context)
    if (
        parts is not None
        and number is not None
        and parts[0] == ORG_PAGE
        and number < 10**_MAX_PAGE_DIGITS
    ):
        await show_in_place(query, *await _organisation_page(context, draft.name, number))
        return ORGANISATION
    organisation = None
    if parts is not None and number is not None and parts[0] == PICK_ORG:
        organisation = await services.organisations.get(number)
    if organisation is None:
        await answer_stale(query, t)
        return ORGANISATION
    await services.projects.update_draft(member.id, organisation_id=organisation.id)
    await show_in_place(
        query,
        t._("“{name}” – {organisation}.").format(
            name=html.escape(draft.name), organisation=html.escape(organisation.name)
        )
        + "\n"
        + _start_question(t),
    )
    return START


async def got_start(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t = context.services, context.t
    day = await _date_or_explain(message, t)
    if day is None:
        return START
    if not await services.projects.update_draft(context.member.id, starts_on=day):
        return await _draft_lost(update, context)
    await message.reply_text(
        t._(
            "The funding starts on {date}. On which day does it end? "
            "Please send a date like 2027-12-31."
        ).format(date=t.date(day, "medium"))
    )
    return END


async def got_end(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    day = await _date_or_explain(message, t)
    if day is None:
        return END
    draft = await services.projects.draft(member.id)
    if draft is None or draft.starts_on is None:
        return await _draft_lost(update, context)
    if day <= draft.starts_on:
        await message.reply_text(
            t._("The end must come after the start ({date}). Please send a later date.").format(
                date=t.date(draft.starts_on, "medium")
            )
        )
        return END
    if draft.project_id is not None:
        try:
            changed = await services.projects.set_period(
                draft.project_id, draft.starts_on, day, services.clock.now(), actor_id=member.id
            )
        except UnknownProject:
            return await _gone(message, context)
        return await _saved(message, context, draft.project_id, changed)
    return await _create(message, context, draft, day)


async def _create(message: Message, context: BotContext, draft: ProjectDraft, ends_on: date) -> int:
    services, t, member = context.services, context.t, context.member
    if draft.name is None or draft.organisation_id is None or draft.starts_on is None:
        return await _draft_lost_message(message, context)
    try:
        project = await services.projects.create(
            draft.name,
            draft.organisation_id,
            draft.starts_on,
            ends_on,
            services.clock.now(),
            actor_id=member.id,
        )
    except DuplicateProject:
        await services.projects.drop_draft(member.id)
        await message.reply_text(_duplicate(t, draft.name) + " " + t._("Nothing was added."))
        return ConversationHandler.END
    except (UnknownProject, InvalidPeriod):
        return await _draft_lost_message(message, context)
    await services.projects.drop_draft(member.id)
    text, markup = await card(context, project, t._("✅ Project added."))
    await message.reply_text(text, reply_markup=markup)
    return ConversationHandler.END


async def _saved(message: Message, context: BotContext, project_id: int, changed: bool) -> int:
    services, t = context.services, context.t
    await services.projects.drop_draft(context.member.id)
    project = await services.projects.get(project_id)
    if project is None:
        return await _gone(message, context)
    note = t._("✅ Saved.") if changed else t._("Nothing was changed.")
    text, markup = await card(context, project, note)
    await message.reply_text(text, reply_markup=markup)
    return ConversationHandler.END


async def _gone(message: Message, context: BotContext) -> int:
    await context.services.projects.drop_draft(context.member.id)
    await message.reply_text(
        context.t._("This project was archived meanwhile. Nothing was changed.")
    )
    return ConversationHandler.END


def _start_question(t: Translator) -> str:
    return t._("On which day does the funding start? Please send a date like 2027-01-01.")


async def _date_or_explain(message: Message, t: Translator) -> date | None:
    text = (message.text or "").strip()
    if _DATE.fullmatch(text) is None:
        await message.reply_text(
            t._("Please send the date as year-month-day, like 2027-01-01, or /cancel to stop.")
        )
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        await message.reply_text(
            t._("{date} is not a day in the calendar. Please send a date like 2027-01-01.").format(
                date=text
            )
        )
        return None


# ---------------------------------------------------------------- wrong input, /cancel


async def text_reminder(update: Update, context: BotContext) -> None:
    """A photo, sticker or the like where a name or date is to be typed; the state stays."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("Please send it as a text message, or /cancel to stop.")
    )


async def organisation_reminder(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("Please tap one of the organisations above, or send /cancel to stop.")
    )


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await context.services.projects.drop_draft(context.member.id)
    await update.effective_message.reply_text(context.t._("Cancelled. Nothing was changed."))
    return ConversationHandler.END


async def _still_staff(update: Update, context: BotContext) -> bool:
    """A step of a conversation begun as staff: the role may have gone since."""
    drop = context.services.projects.drop_draft
    return await still_staff(update, context, "conversation=projects", drop)


async def _draft_lost(update: Update, context: BotContext) -> int:
    if update.callback_query is not None:
        await update.callback_query.answer(_lost_text(context.t), show_alert=True)
        return ConversationHandler.END
    assert update.effective_message is not None
    return await _draft_lost_message(update.effective_message, context)


async def _draft_lost_message(message: Message, context: BotContext) -> int:
    await context.services.projects.drop_draft(context.member.id)
    await message.reply_text(_lost_text(context.t))
    return ConversationHandler.END


def _lost_text(t: Translator) -> str:
    return t._("This was interrupted. Please start again from /projects.")


def _name_rule(t: Translator) -> str:
    return t._(
        "Please send a name of {low} to {high} characters on one line, or /cancel to stop."
    ).format(low=NAME_LENGTH[0], high=NAME_LENGTH[1])


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[
            CallbackQueryHandler(new_start, pattern=f"^{NEW}$"),
            CallbackQueryHandler(edit_start, pattern=rf"^{PREFIX}:({EDIT_NAME}|{EDIT_PERIOD}):"),
        ],
        states={
            NAME: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, got_name),
                MessageHandler(NEW_MESSAGE, text_reminder),
            ],
            ORGANISATION: [
                CallbackQueryHandler(
                    organisation_button, pattern=rf"^{PREFIX}:({PICK_ORG}|{ORG_PAGE}):"
                ),
                MessageHandler(NEW_MESSAGE, organisation_reminder),
            ],
            START: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, got_start),
                MessageHandler(NEW_MESSAGE, text_reminder),
            ],
            END: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, got_end),
                MessageHandler(NEW_MESSAGE, text_reminder),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(stale_button, pattern=rf"^{PREFIX}:({PICK_ORG}|{ORG_PAGE}):"),
        ],
        name="projects",
    )
