"""Staff export an event's registrations as a spreadsheet (📊 Export on the staff event card).

Answers to sensitive questions (dietary or accessibility needs can reveal religion or health)
are left out unless the staff member chooses them. The file is sent with protect_content, so
Telegram offers no forwarding or saving from the chat, and every export is audited with how
many rows left and whether sensitive answers were among them.
"""

from __future__ import annotations

import asyncio
import html
from datetime import datetime, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.xlsx_export import CellValue, workbook_bytes
from handlers.access import require_staff
from handlers.event_draft_view import MAX_ID_DIGITS, title_of
from handlers.event_draft_view import PREFIX as CARD_PREFIX
from handlers.labels import ROLE_LABELS
from handlers.navigation import answer_stale, show_in_place
from storage.events import Event, Question
from storage.registrations import ExportRow

PREFIX = "evexp"
ASK, PLAIN, SENSITIVE = "ask", "plain", "full"

REGISTRATION_STATE_LABELS = {
    "confirmed": N_("confirmed"),
    "waitlisted": N_("waiting list"),
    "offered": N_("offered a freed seat"),
}


def export_button(t: Translator, event_id: int) -> InlineKeyboardButton:
    """The button on the staff event card."""
    return InlineKeyboardButton(t._("📊 Export (XLSX)"), callback_data=pack(PREFIX, ASK, event_id))


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=event_export"):
        return
    t = context.t
    parts = unpack(query.data, PREFIX, 2)
    event_id = None if parts is None else number_part(parts[1], MAX_ID_DIGITS)
    event = None if event_id is None else await context.services.events.get(event_id)
    # Drafts have nobody registered; anything else (cancelled included) can be exported.
    if parts is None or event is None or event.state == "draft":
        await answer_stale(query, t)
        return
    if parts[0] == ASK:
        await show_in_place(query, *_choice(context, event))
    elif parts[0] in (PLAIN, SENSITIVE):
        await query.answer()
        await _send(update, context, event, sensitive=parts[0] == SENSITIVE)
    else:
        await answer_stale(query, t)


def _choice(context: BotContext, event: Event) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    title = title_of(t, event, context.services.config.default_language)
    text = t._(
        "📊 Export the registrations of “{title}” as a spreadsheet.\n\n"
        "Answers to sensitive questions (such as dietary or accessibility needs) are left out "
        "unless you include them. The file cannot be forwarded; every export is recorded."
    ).format(title=html.escape(title))
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("Without sensitive answers"), callback_data=pack(PREFIX, PLAIN, event.id)
                )
            ],
            [
                InlineKeyboardButton(
                    t._("With sensitive answers"), callback_data=pack(PREFIX, SENSITIVE, event.id)
                )
            ],
            [
                InlineKeyboardButton(
                    t._("« Back"), callback_data=pack(CARD_PREFIX, "show", event.id)
                )
            ],
        ]
    )
    return text, markup


async def _send(update: Update, context: BotContext, event: Event, *, sensitive: bool) -> None:
    services, t = context.services, context.t
    questions = [
        q for q in await services.events.questions(event.id) if sensitive or not q.sensitive
    ]
    rows = await services.registrations.export(
        event.id, context.member.id, services.clock.now(), sensitive=sensitive
    )
    config = services.config
    headers, cells = _table(t, questions, rows, config.default_language, config.timezone)
    # Building a workbook is CPU work of a few hundred milliseconds for a large event.
    content = await asyncio.to_thread(workbook_bytes, t._("Registrations"), headers, cells)
    title = title_of(t, event, config.default_language)
    caption = (
        t.ngettext(
            "📊 “{title}”: {count} registration, with sensitive answers.",
            "📊 “{title}”: {count} registrations, with sensitive answers.",
            len(rows),
        )
        if sensitive
        else t.ngettext(
            "📊 “{title}”: {count} registration, without sensitive answers.",
            "📊 “{title}”: {count} registrations, without sensitive answers.",
            len(rows),
        )
    ).format(title=html.escape(title), count=len(rows))
    message = update.effective_message
    assert message is not None
    await message.reply_document(
        document=content,
        filename=f"event-{event.id}-registrations.xlsx",
        caption=caption,
        protect_content=True,
    )


def _table(
    t: Translator,
    questions: list[Question],
    rows: list[ExportRow],
    default_language: str,
    timezone: tzinfo,
) -> tuple[list[str], list[list[CellValue]]]:
    headers = [
        t._("Name"),
        t._("Role"),
        t._("Organisation"),
        t._("State"),
        t._("Waiting position"),
        t._("Registered at ({timezone})").format(timezone=timezone),
    ]
    for q in questions:
        prompt = q.prompt.get(default_language) or next(iter(q.prompt.values()), "")
        if q.sensitive:
            prompt = t._("{question} (sensitive)").format(question=prompt)
        headers.append(prompt)
    headers.append(t._("Attended"))
    cells: list[list[CellValue]] = []
    for row in rows:
        line: list[CellValue] = [
            row.name,
            t._(ROLE_LABELS[row.role]) if row.role in ROLE_LABELS else row.role,
            row.organisation,
            t._(REGISTRATION_STATE_LABELS[row.state]),
            row.position,
            _local(row.created_at, timezone),
        ]
        line += [_answer(t, q, row.answers.get(q.id)) for q in questions]
        line.append(t._("Yes") if row.attended else None)  # ticked on the attendance list
        cells.append(line)
    return headers, cells


def _answer(t: Translator, question: Question, answer: str | None) -> str | None:
    if question.kind == "yes_no" and answer in ("yes", "no"):
        return t._("Yes") if answer == "yes" else t._("No")
    return answer


def _local(moment: datetime, timezone: tzinfo) -> datetime:
    """Wall-clock time in the network's timezone, without the zone (spreadsheets have none)."""
    return moment.astimezone(timezone).replace(tzinfo=None)
