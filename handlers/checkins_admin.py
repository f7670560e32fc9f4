"""/checkins and the staff menu's "🗒 Check-ins" (staff only): the open round (or the last
ones) with each project's status, the round's summary and XLSX export, linking the round to
its quarterly meeting, the questionnaire as partners see it, past rounds, and opening a round
now.

Every tap re-checks that the member is active staff and re-reads the round from the
database; the follow-up items are in handlers/checkin_followups.py, the summary's text and
workbook in handlers/checkin_summary.py.
"""

from __future__ import annotations

import asyncio
import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack
from bot.checkin_calendar import timeline
from bot.context import BotContext
from bot.i18n import Translator
from handlers import checkin_followups, checkin_summary
from handlers.access import require_staff
from handlers.checkin_review import day
from handlers.checkin_summary import (
    TYPE_LABELS,
    pack_messages,
    status_counts,
    status_line,
    summary_buttons,
    summary_lines,
    workbook,
)
from handlers.checkin_values import options, question_text
from handlers.event_format import short, text_in
from handlers.navigation import answer_stale, home_button, replace, show_in_place
from handlers.pickers import paging_row
from storage.checkins import (
    NoProjects,
    NoQuestionnaire,
    Round,
    RoundOpen,
    RoundProject,
    Status,
)
from storage.questionnaires import QuestionnaireVersion

PREFIX = checkin_summary.PREFIX  # the summary's buttons are this module's
OPEN = pack(PREFIX)
PROJECTS_PAGE = 20
ROUNDS_PAGE = 8
EVENTS_PAGE = 6
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4
IMPORT_HINT = "kosizu questionnaire import --default"

View = tuple[str, InlineKeyboardMarkup]


def menu_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("🗒 Check-ins"), callback_data=OPEN)


async def show(update: Update, context: BotContext) -> None:
    """/checkins: the open round, or what can be done when none is open."""
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=checkins"):
        return
    text, markup = await overview(context)
    await message.reply_text(text, reply_markup=markup)


async def overview(context: BotContext, note: str | None = None) -> View:
    current = await context.services.checkins.current(context.services.clock.now())
    if current is not None:
        return await round_view(context, current, 0, note)
    return await _no_round(context, note)


# ---------------------------------------------------------------- buttons


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=checkins"):
        return
    t, services = context.t, context.services
    data = query.data if isinstance(query.data, str) else ""
    if data == OPEN:
        await show_in_place(query, *await overview(context))
        return
    head, *parts = data.split(":")
    action = parts[0] if parts else ""
    numbers = [number_part(p, _MAX_ID_DIGITS) for p in parts[1:]]
    if head != PREFIX or None in numbers:
        await answer_stale(query, t)
        return
    args = [n for n in numbers if n is not None]
    if action == "new" and not args:
        await show_in_place(query, *await _confirm_open(context))
        return
    if action == "newok" and not args:
        await _open_now(update, context)
        return
    if action == "past" and len(args) == 1 and args[0] < 10**_MAX_PAGE_DIGITS:
        await show_in_place(query, *await _past(context, args[0]))
        return
    if action == "quest" and len(args) == 1:
        await _questionnaire(update, context, args[0])
        return
    arity = {"round": 2, "sum": 1, "xlsx": 1, "meet": 2, "link": 2, "nolink": 1}
    if arity.get(action) != len(args):
        await answer_stale(query, t)
        return
    round_ = await services.checkins.get(args[0])
    if round_ is None:
        await answer_stale(query, t)
        return
    if action == "round" and args[1] < 10**_MAX_PAGE_DIGITS:
        await show_in_place(query, *await round_view(context, round_, args[1]))
    elif action == "sum":
        await query.answer()
        await _send_summary(update, context, round_)
    elif action == "xlsx":
        await query.answer()
        await _send_workbook(update, context, round_)
    elif action == "meet" and args[1] < 10**_MAX_PAGE_DIGITS:
        if not round_.is_open(services.clock.now()):
            await _closed_meanwhile(update, context, round_)
            return
        await show_in_place(query, *await _meetings(context, round_, args[1]))
    elif action in ("link", "nolink"):
        await _link(update, context, round_, args[1] if action == "link" else None)
    else:
        await answer_stale(query, t)


async def _closed_meanwhile(update: Update, context: BotContext, round_: Round) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.t._("This round has closed meanwhile."), show_alert=True)
    await replace(query, *await round_view(context, round_, 0))


# ---------------------------------------------------------------- the round's status


def _dates(t: Translator, round_: Round) -> str:
    return t._("Opened: {opens} · due: {due} · closes: {closes}").format(
        opens=t.date(round_.opens_at, "medium"),
        due=day(t, round_.due_at, "medium"),
        closes=day(t, round_.closes_at, "medium"),
    )


def _project_status(t: Translator, round_: Round, project: RoundProject, now: datetime) -> str:
    status = project.status(round_, now)
    answering = None if project.answering_name is None else html.escape(project.answering_name)
    if status is Status.ANSWERED:
        if project.submitted_by_name is None:
            return t._("✅ answered by a former member")
        return t._("✅ answered by {name}").format(name=html.escape(project.submitted_by_name))
    if status is Status.MISSED:
        return t._("❌ missed")
    if status is Status.OVERDUE:
        if answering is not None:
            return t._("⚠️ overdue – being answered by {name}").format(name=answering)
        return t._("⚠️ overdue")
    if status is Status.IN_PROGRESS:
        if answering is not None:
            return t._("✍️ in progress by {name}").format(name=answering)
        return t.ngettext(
            "✍️ in progress ({count} answer saved)",
            "✍️ in progress ({count} answers saved)",
            project.answered,
        ).format(count=project.answered)
    return t._("⏳ not started")


async def _meeting_line(context: BotContext, round_: Round) -> str:
    t = context.t
    event = (
        None
        if round_.meeting_event_id is None
        else await context.services.events.get(round_.meeting_event_id)
    )
    if event is None or event.starts_at is None:
        return t._("Quarterly meeting: none linked")
    title = html.escape(text_in(t, event, context.services.config.default_language).title)
    if event.state == "cancelled":
        return t._("Quarterly meeting: {title} on {date} (cancelled)").format(
            title=title, date=t.date(event.starts_at, "medium")
        )
    return t._("Quarterly meeting: {title} on {date}").format(
        title=title, date=t.date(event.starts_at, "medium")
    )


async def round_view(
    context: BotContext, round_: Round, page: int, note: str | None = None
) -> View:
    t, services = context.t, context.services
    now = services.clock.now()
    projects = await services.checkins.projects(round_.id)
    version = await services.questionnaires.get(round_.version_id)
    is_open = round_.is_open(now)
    pages = max(1, -(-len(projects) // PROJECTS_PAGE))
    page = min(page, pages - 1)
    lines = [] if note is None else [note, ""]
    lines += [
        "<b>"
        + (
            t._("🗓 Check-in round of {date} (open)")
            if is_open
            else t._("🗓 Check-in round of {date} (closed)")
        ).format(date=t.date(round_.opens_at))
        + "</b>",
        _dates(t, round_),
    ]
    if version is not None:
        lines.append(
            t._("Questionnaire: “{title}” (version {number})").format(
                title=html.escape(version.title), number=version.number
            )
        )
    lines.append(await _meeting_line(context, round_))
    answered = sum(1 for p in projects if p.submitted_at is not None)
    lines += [
        "",
        t.ngettext(
            "{answered} of {total} project answered.",
            "{answered} of {total} projects answered.",
            len(projects),
        ).format(answered=answered, total=len(projects)),
        status_line(t, status_counts(round_, projects, now)),
    ]
    if not projects:
        lines.append(t._("No project takes part in this round."))
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    lines.append("")
    for project in projects[page * PROJECTS_PAGE : (page + 1) * PROJECTS_PAGE]:
        name = html.escape(project.project_name)
        organisation = html.escape(project.organisation_name)
        lines.append(
            f"• <b>{name}</b> ({organisation}): {_project_status(t, round_, project, now)}"
        )
    rows = summary_buttons(t, round_.id)
    if is_open:
        rows.append(
            [
                InlineKeyboardButton(
                    t._("📅 Link meeting"), callback_data=pack(PREFIX, "meet", round_.id, 0)
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                t._("📋 Questionnaire"), callback_data=pack(PREFIX, "quest", round_.version_id)
            )
        ]
    )
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "round", round_.id, n))
    rows += _common_rows(t, open_now=False)
    return "\n".join(lines).rstrip(), InlineKeyboardMarkup(rows)


def _common_rows(t: Translator, *, open_now: bool) -> list[list[InlineKeyboardButton]]:
    rows = [
        [
            InlineKeyboardButton(t._("🗂 Past rounds"), callback_data=pack(PREFIX, "past", 0)),
            InlineKeyboardButton(t._("🧾 Follow-up items"), callback_data=checkin_followups.OPEN),
        ]
    ]
    if open_now:
        rows.append(
            [InlineKeyboardButton(t._("▶️ Open a round now"), callback_data=pack(PREFIX, "new"))]
        )
    rows.append([home_button(t)])
    return rows


async def _no_round(context: BotContext, note: str | None = None) -> View:
    t, services = context.t, context.services
    lines = [] if note is None else [note, ""]
    lines.append("<b>" + t._("🗓 Quarterly check-ins") + "</b>")
    lines.append(t._("No check-in round is open."))
    latest, _ = await services.checkins.rounds(0, 1)
    if latest:
        lines.append(
            t._("The last round opened on {date}; see it under Past rounds.").format(
                date=t.date(latest[0].opens_at)
            )
        )
    version = await services.questionnaires.current()
    rows: list[list[InlineKeyboardButton]] = []
    if version is None:
        lines.append(_no_questionnaire(t))
    else:
        lines.append(
            t._("Current questionnaire: “{title}” (version {number})").format(
                title=html.escape(version.title), number=version.number
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t._("📋 Questionnaire"), callback_data=pack(PREFIX, "quest", version.number)
                )
            ]
        )
    rows += _common_rows(t, open_now=True)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _no_questionnaire(t: Translator) -> str:
    return t._(
        "No questionnaire has been imported yet. Import one on the server with: {command}"
    ).format(command=f"<code>{IMPORT_HINT}</code>")


# ---------------------------------------------------------------- opening a round now


def _back(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t._("« Check-ins"), callback_data=OPEN)]


async def _confirm_open(context: BotContext) -> View:
    t, services = context.t, context.services
    now = services.clock.now()
    current = await services.checkins.current(now)
    if current is not None:
        return await round_view(context, current, 0, _already_open(t, current))
    version = await services.questionnaires.current()
    if version is None:
        return _no_questionnaire(t), InlineKeyboardMarkup([_back(t)])
    moments = timeline(now, services.config.timezone)
    count = await services.checkins.taking_part(moments.opens_at, moments.closes_at)
    if not count:
        return _no_projects(t), InlineKeyboardMarkup([_back(t)])
    lines = [
        "<b>" + t._("Open a check-in round now?") + "</b>",
        "",
        t._("It uses the questionnaire “{title}” (version {number}).").format(
            title=html.escape(version.title), number=version.number
        ),
        t.ngettext(
            "{count} project takes part (the active projects funded during the round).",
            "{count} projects take part (the active projects funded during the round).",
            count,
        ).format(count=count),
        t._("Answers are due on {due}; the round closes on {closes}.").format(
            due=day(t, moments.due_at), closes=day(t, moments.closes_at)
        ),
        t._("The partners get their prompts within a minute or two."),
    ]
    rows = [
        [InlineKeyboardButton(t._("✅ Open the round"), callback_data=pack(PREFIX, "newok"))],
        _back(t),
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _no_projects(t: Translator) -> str:
    return t._(
        "No round was opened: no active project is funded at this time, so nobody would be "
        "asked. Add the funded projects and their members under /projects first."
    )


def _already_open(t: Translator, round_: Round) -> str:
    return t._("A round is open already (since {date}); no second one was opened.").format(
        date=t.date(round_.opens_at)
    )


async def _open_now(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    t, services = context.t, context.services
    now = services.clock.now()
    moments = timeline(now, services.config.timezone)
    try:
        round_ = await services.checkins.open_round(
            now,
            moments.moments,
            opened_by=context.member.id,
        )
    except RoundOpen as exc:
        # Also a double tap on the confirmation: the first tap opened it.
        await show_in_place(
            query, *await round_view(context, exc.round, 0, _already_open(t, exc.round))
        )
        return
    except NoQuestionnaire:
        await show_in_place(query, _no_questionnaire(t), InlineKeyboardMarkup([_back(t)]))
        return
    except NoProjects:
        await show_in_place(query, _no_projects(t), InlineKeyboardMarkup([_back(t)]))
        return
    note = t._("✅ The round is open. The partners get their prompts within a minute or two.")
    await show_in_place(query, *await round_view(context, round_, 0, note))


# ---------------------------------------------------------------- past rounds


async def _past(context: BotContext, page: int) -> View:
    t, services = context.t, context.services
    now = services.clock.now()
    rounds, total = await services.checkins.rounds(page * ROUNDS_PAGE, ROUNDS_PAGE)
    pages = max(1, -(-total // ROUNDS_PAGE))
    if not rounds and page > 0:
        page = pages - 1
        rounds, total = await services.checkins.rounds(page * ROUNDS_PAGE, ROUNDS_PAGE)
    lines = ["<b>" + t._("🗂 Check-in rounds") + "</b>"]
    if not rounds:
        lines.append(t._("No round has been opened yet."))
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    rows: list[list[InlineKeyboardButton]] = []
    for round_ in rounds:
        projects = await services.checkins.projects(round_.id)
        answered = sum(1 for p in projects if p.submitted_at is not None)
        state = t._("open") if round_.is_open(now) else t._("closed")
        lines.append(
            t.ngettext(
                "• {date} ({state}): {answered} of {total} project answered",
                "• {date} ({state}): {answered} of {total} projects answered",
                len(projects),
            ).format(
                date=t.date(round_.opens_at), state=state, answered=answered, total=len(projects)
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t.date(round_.opens_at), callback_data=pack(PREFIX, "round", round_.id, 0)
                )
            ]
        )
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "past", n))
    rows.append(_back(t))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- the quarterly meeting


async def _meetings(context: BotContext, round_: Round, page: int) -> View:
    t, services = context.t, context.services
    now = services.clock.now()
    ids, total = await services.checkins.meeting_candidates(now, page * EVENTS_PAGE, EVENTS_PAGE)
    pages = max(1, -(-total // EVENTS_PAGE))
    if not ids and page > 0:
        page = pages - 1
        ids, total = await services.checkins.meeting_candidates(
            now, page * EVENTS_PAGE, EVENTS_PAGE
        )
    default_language = services.config.default_language
    lines = [
        "<b>" + t._("📅 Link the quarterly meeting") + "</b>",
        t._(
            "Which online event is the quarterly meeting of the round of {date}? The summary "
            "goes to staff 7 days before it."
        ).format(date=t.date(round_.opens_at)),
        await _meeting_line(context, round_),
    ]
    if not ids:
        lines.append(
            t._(
                "There is no upcoming published online event. Create one with an online link "
                "under Manage events, then link it here."
            )
        )
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    rows: list[list[InlineKeyboardButton]] = []
    for event_id in ids:
        event = await services.events.get(event_id)
        if event is None or event.starts_at is None:
            continue
        label = "{title} – {date}".format(
            title=short(text_in(t, event, default_language).title),
            date=t.date(event.starts_at, "short"),
        )
        rows.append(
            [InlineKeyboardButton(label, callback_data=pack(PREFIX, "link", round_.id, event_id))]
        )
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "meet", round_.id, n))
    rows.append(
        [InlineKeyboardButton(t._("No meeting"), callback_data=pack(PREFIX, "nolink", round_.id))]
    )
    rows.append(
        [InlineKeyboardButton(t._("« Back"), callback_data=pack(PREFIX, "round", round_.id, 0))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _link(update: Update, context: BotContext, round_: Round, event_id: int | None) -> None:
    query = update.callback_query
    assert query is not None
    t, services = context.t, context.services
    now = services.clock.now()
    if not round_.is_open(now):
        await _closed_meanwhile(update, context, round_)
        return
    if event_id is not None:
        event = await services.events.get(event_id)
        if event is None or not event.online_url:
            await answer_stale(query, t)
            return
    linked = await services.checkins.link_meeting(
        round_.id, event_id, now, actor_id=context.member.id
    )
    fresh = await services.checkins.get(round_.id)
    assert fresh is not None
    if not linked:
        await query.answer(
            t._("That event is no longer upcoming, or the round has closed."), show_alert=True
        )
        await replace(query, *await round_view(context, fresh, 0))
        return
    note = (
        t._("✅ No meeting is linked any more; the summary comes when the round closes.")
        if event_id is None
        else t._("✅ Linked. The summary goes to staff 7 days before the meeting.")
    )
    await show_in_place(query, *await round_view(context, fresh, 0, note))


# ---------------------------------------------------------------- the questionnaire


def questionnaire_lines(
    t: Translator, version: QuestionnaireVersion, default_language: str
) -> list[str]:
    lines = [
        "<b>📋 " + html.escape(version.title) + "</b>",
        t._("Version {number}, imported on {date}").format(
            number=version.number, date=t.date(version.imported_at)
        ),
    ]
    for number, question in enumerate(version.questions, start=1):
        kind = t._(TYPE_LABELS.get(question.type, question.type))
        need = t._("required") if question.required else t._("optional")
        lines += [
            "",
            f"<b>{number}. "
            + html.escape(question_text(question, t.language, default_language))
            + "</b>",
            f"<i>{kind} · {need}</i>",
        ]
        choices = options(question, t.language, default_language)
        if choices:
            lines.append(
                t._("Options: {options}").format(
                    options=" / ".join(html.escape(c) for c in choices)
                )
            )
    return lines


async def _questionnaire(update: Update, context: BotContext, number: int) -> None:
    query = update.callback_query
    assert query is not None
    t, services = context.t, context.services
    version = await services.questionnaires.get(number)
    if version is None:
        await answer_stale(query, t)
        return
    messages = pack_messages(questionnaire_lines(t, version, services.config.default_language))
    markup = InlineKeyboardMarkup([_back(t)])
    if len(messages) == 1:
        await show_in_place(query, messages[0], markup)
        return
    # Too long for one message: the first replaces the screen, the rest follow it.
    await query.answer()
    await replace(query, messages[0])
    for index, text in enumerate(messages[1:], start=2):
        await context.bot.send_message(
            _chat_id(update), text, reply_markup=markup if index == len(messages) else None
        )


# ---------------------------------------------------------------- summary and export


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def _send_summary(update: Update, context: BotContext, round_: Round) -> None:
    t, services = context.t, context.services
    version = await services.questionnaires.get(round_.version_id)
    assert version is not None  # a round keeps its version (foreign key)
    projects = await services.checkins.projects(round_.id)
    answers = await services.checkins.round_answers(round_.id)
    lines = summary_lines(
        t,
        round_,
        version,
        projects,
        answers,
        services.clock.now(),
        services.config.default_language,
    )
    messages = pack_messages(lines)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("📥 XLSX"), callback_data=pack(PREFIX, "xlsx", round_.id))],
            [
                InlineKeyboardButton(
                    t._("« Round"), callback_data=pack(PREFIX, "round", round_.id, 0)
                )
            ],
        ]
    )
    for index, text in enumerate(messages, start=1):
        await context.bot.send_message(
            _chat_id(update), text, reply_markup=markup if index == len(messages) else None
        )


async def _send_workbook(update: Update, context: BotContext, round_: Round) -> None:
    t, services = context.t, context.services
    now = services.clock.now()
    version = await services.questionnaires.get(round_.version_id)
    assert version is not None
    projects = await services.checkins.projects(round_.id)
    answers = await services.checkins.round_answers(round_.id)
    answered = sum(1 for p in projects if p.submitted_at is not None)
    # Building a workbook is CPU work; keep the event loop free meanwhile.
    content = await asyncio.to_thread(
        workbook, t, round_, version, projects, answers, now, services.config.default_language
    )
    await services.audit.log(
        now,
        "checkin.export",
        actor_id=context.member.id,
        detail=f"round={round_.id} projects={len(projects)} answered={answered}",
    )
    day = round_.opens_at.astimezone(services.config.timezone).date().isoformat()
    caption = t.ngettext(
        "📥 Check-in round of {date}: {answered} of {total} project answered.",
        "📥 Check-in round of {date}: {answered} of {total} projects answered.",
        len(projects),
    ).format(date=t.date(round_.opens_at), answered=answered, total=len(projects))
    await context.bot.send_document(
        _chat_id(update),
        document=content,
        filename=f"checkin-round-{round_.id}-{day}.xlsx",
        caption=caption,
        protect_content=True,
    )
