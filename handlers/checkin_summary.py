"""The summary of a check-in round for staff: every submitted answer grouped by question, with
totals per question type and the round's status counts, as messages (split to fit Telegram's
limit, never cut) and as an XLSX workbook; and the notice the jobs send to staff when a
round's summary is ready (``summary_notice``).

Only submitted answers count: a draft may still change, and staff discuss what projects
handed in. Pure functions of what the caller read from the database.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import pack
from bot.i18n import N_, Translator
from bot.xlsx_export import CellValue, Sheet, workbook_of
from handlers.checkin_values import YES, options, question_text, shown
from handlers.event_format import MESSAGE_LENGTH, visible_length
from storage.checkins import Answer, Round, RoundProject, Status
from storage.questionnaires import Question, QuestionnaireVersion

PREFIX = "ckadm"

STATUS_LABELS = {
    Status.ANSWERED: N_("answered"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.NOT_STARTED: N_("not started"),
    Status.OVERDUE: N_("overdue"),
    Status.MISSED: N_("missed"),
}
TYPE_LABELS = {
    "text": N_("free text"),
    "number": N_("number"),
    "scale": N_("scale 1–5"),
    "yes_no": N_("yes/no"),
    "choice": N_("single choice"),
}
# The order staff read the statuses in: what is done first, what went wrong last.
STATUS_ORDER = (
    Status.ANSWERED,
    Status.IN_PROGRESS,
    Status.NOT_STARTED,
    Status.OVERDUE,
    Status.MISSED,
)


def summary_buttons(t: Translator, round_id: int) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(t._("📊 Summary"), callback_data=pack(PREFIX, "sum", round_id)),
            InlineKeyboardButton(t._("📥 XLSX"), callback_data=pack(PREFIX, "xlsx", round_id)),
        ]
    ]


def summary_notice(t: Translator, round_: Round, answered: int, total: int) -> dict[str, Any]:
    """The sendMessage parameters of the "summary is ready" notice to one staff member."""
    text = t.ngettext(
        "The summary of the check-in round of {date} is ready: {answered} of {total} project "
        "answered.",
        "The summary of the check-in round of {date} is ready: {answered} of {total} projects "
        "answered.",
        total,
    ).format(date=t.date(round_.opens_at), answered=answered, total=total)
    keyboard = InlineKeyboardMarkup(summary_buttons(t, round_.id))
    return {"text": text, "reply_markup": keyboard.to_dict()}


def status_counts(
    round_: Round, projects: Sequence[RoundProject], now: datetime
) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for project in projects:
        counts[project.status(round_, now)] += 1
    return counts


def status_line(t: Translator, counts: Mapping[Status, int]) -> str:
    return " · ".join(
        t._("{status}: {count}").format(status=t._(STATUS_LABELS[s]), count=counts[s])
        for s in STATUS_ORDER
        if counts[s] or s in (Status.ANSWERED, Status.NOT_STARTED)
    )


def answered_by(t: Translator, project: RoundProject) -> str:
    """Who submitted, escaped; a member who erased their data is a former member."""
    if project.submitted_by_name is None:
        return t._("former member")
    return t._("answered by {name}").format(name=html.escape(project.submitted_by_name))


@dataclass(frozen=True)
class Totals:
    """One question's figures over the projects that submitted."""

    answers: int  # submitted answers that are not skips
    total: int | None  # numbers: the sum
    average: float | None  # scales: the mean
    counts: tuple[tuple[str, int], ...]  # yes/no and choices: (shown label, count)


def totals(
    t: Translator,
    question: Question,
    values: Sequence[str],
    language: str,
    default_language: str,
) -> Totals:
    digits = [int(v) for v in values if v.isascii() and v.isdigit()]
    if question.type == "number":
        return Totals(len(values), sum(digits), None, ())
    if question.type == "scale":
        average = sum(digits) / len(digits) if digits else None
        return Totals(len(values), None, average, ())
    if question.type == "yes_no":
        yes = sum(1 for v in values if v == YES)
        return Totals(len(values), None, None, ((t._("Yes"), yes), (t._("No"), len(values) - yes)))
    if question.type == "choice":
        labels = options(question, language, default_language)
        counts = tuple(
            (label, sum(1 for v in values if v == str(index))) for index, label in enumerate(labels)
        )
        return Totals(len(values), None, None, counts)
    return Totals(len(values), None, None, ())


def _submitted(projects: Sequence[RoundProject]) -> list[RoundProject]:
    return [p for p in projects if p.submitted_at is not None]


def _values(
    question: Question,
    submitted: Sequence[RoundProject],
    answers: Mapping[int, Mapping[str, Answer]],
) -> list[str]:
    found = (answers.get(p.project_id, {}).get(question.key) for p in submitted)
    return [a.value for a in found if a is not None and a.value is not None]


def _figures(t: Translator, question: Question, figures: Totals) -> str | None:
    if question.type == "number" and figures.total is not None:
        return t.ngettext(
            "Total: {total} (from {count} project)",
            "Total: {total} (from {count} projects)",
            figures.answers,
        ).format(total=shown(t, question, str(figures.total), "", ""), count=figures.answers)
    if question.type == "scale":
        if figures.average is None:
            return t._("Average: – (no answers)")
        return t.ngettext(
            "Average: {average} of 5 ({count} answer)",
            "Average: {average} of 5 ({count} answers)",
            figures.answers,
        ).format(
            average=format_decimal(figures.average, "0.0", locale=t.language),
            count=figures.answers,
        )
    if figures.counts:
        return " · ".join(f"{html.escape(label)}: {count}" for label, count in figures.counts)
    return None


def summary_lines(
    t: Translator,
    round_: Round,
    version: QuestionnaireVersion,
    projects: Sequence[RoundProject],
    answers: Mapping[int, Mapping[str, Answer]],
    now: datetime,
    default_language: str,
) -> list[str]:
    """The summary as lines (each far below Telegram's limit: an answer is at most 2000
    characters), to be packed into messages by ``pack_messages``."""
    counts = status_counts(round_, projects, now)
    submitted = _submitted(projects)
    lines = [
        "<b>"
        + t._("📊 Summary of the check-in round of {date}").format(date=t.date(round_.opens_at))
        + "</b>",
        t.ngettext(
            "{answered} of {total} project answered.",
            "{answered} of {total} projects answered.",
            len(projects),
        ).format(answered=len(submitted), total=len(projects)),
        status_line(t, counts),
    ]
    if not submitted:
        lines += ["", t._("No project has submitted an answer yet.")]
        return lines
    language = t.language
    for number, question in enumerate(version.questions, start=1):
        text = question_text(question, language, default_language)
        lines += ["", f"<b>{number}. {html.escape(text)}</b>"]
        figures = _figures(
            t,
            question,
            totals(t, question, _values(question, submitted, answers), language, default_language),
        )
        if figures is not None:
            lines.append("<i>" + figures + "</i>")
        for project in submitted:
            answer = answers.get(project.project_id, {}).get(question.key)
            value = None if answer is None else answer.value
            by = answered_by(t, project)
            name = html.escape(project.project_name)
            value_shown = html.escape(shown(t, question, value, language, default_language))
            lines.append(f"• <b>{name}</b> ({by}): {value_shown}")
    return lines


def pack_messages(lines: Sequence[str], limit: int = MESSAGE_LENGTH) -> list[str]:
    """Lines joined into as few messages as fit Telegram's limit; nothing is cut."""
    out: list[str] = []
    for line in lines:
        if out and visible_length(out[-1] + "\n" + line) <= limit:
            out[-1] += "\n" + line
        elif not line and out:
            continue  # a blank line never starts a message
        else:
            out.append(line)
    return out


# The workbook -----------------------------------------------------------------------------


def _local(moment: datetime, t: Translator) -> datetime:
    return moment.astimezone(t.timezone).replace(tzinfo=None)


def _cell_value(
    t: Translator, question: Question, value: str | None, default_language: str
) -> CellValue:
    if value is None:
        return None
    if question.type in ("number", "scale") and value.isascii() and value.isdigit():
        return int(value)  # a number cell, so the spreadsheet can add it up
    return shown(t, question, value, t.language, default_language)


def workbook(
    t: Translator,
    round_: Round,
    version: QuestionnaireVersion,
    projects: Sequence[RoundProject],
    answers: Mapping[int, Mapping[str, Answer]],
    now: datetime,
    default_language: str,
) -> bytes:
    """Two sheets: the answers (a row per project) and the totals per question. Pure and
    synchronous: callers run it off the event loop."""
    language = t.language
    texts = [question_text(q, language, default_language) for q in version.questions]
    headers = [
        t._("Project"),
        t._("Organisation"),
        t._("Status"),
        t._("Answered by"),
        t._("Submitted at ({timezone})").format(timezone=t.timezone),
        *texts,
    ]
    rows: list[list[CellValue]] = []
    for project in projects:
        submitted = project.submitted_at is not None
        by: str | None = None
        if submitted:
            by = project.submitted_by_name or t._("former member")
        row: list[CellValue] = [
            project.project_name,
            project.organisation_name,
            t._(STATUS_LABELS[project.status(round_, now)]),
            by,
            None if project.submitted_at is None else _local(project.submitted_at, t),
        ]
        given = answers.get(project.project_id, {}) if submitted else {}
        for question in version.questions:
            answer = given.get(question.key)
            row.append(
                None if answer is None else _cell_value(t, question, answer.value, default_language)
            )
        rows.append(row)

    submitted_projects = _submitted(projects)
    total_headers = [
        t._("Question"),
        t._("Type"),
        t._("Answers"),
        t._("Total"),
        t._("Average"),
        t._("Counts"),
    ]
    total_rows: list[list[CellValue]] = []
    for question, text in zip(version.questions, texts, strict=True):
        values = _values(question, submitted_projects, answers)
        figures = totals(t, question, values, language, default_language)
        average = None if figures.average is None else round(figures.average, 2)
        total_rows.append(
            [
                text,
                t._(TYPE_LABELS.get(question.type, question.type)),
                figures.answers,
                figures.total,
                average,
                ", ".join(f"{label}: {count}" for label, count in figures.counts) or None,
            ]
        )
    total_rows.append([])
    counts = status_counts(round_, projects, now)
    total_rows.append([t._("Projects"), None, len(projects)])
    total_rows += [[t._(STATUS_LABELS[s]), None, counts[s]] for s in STATUS_ORDER]

    return workbook_of(
        [
            Sheet(t._("Answers"), headers, rows),
            Sheet(t._("Totals"), total_headers, total_rows),
        ]
    )
