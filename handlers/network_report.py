"""/report (staff only, menu "📊 Network report"): the network's evaluation figures for this
quarter, last quarter, this year, or a period given as two dates (``/report 1.1.2026
30.6.2026``), as a message, two charts and a workbook, in the staff member's language.

The figures come from storage/network_report.py; what could single a person out is hidden
(handlers/report_disclosure.py). Charts and workbook are made in a worker thread, so the bot
keeps answering everyone else meanwhile. Callback data ``nr:<period>``; every tap checks
again that the member is active staff, and every report asked for is audited (the period
only).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.callbacks import pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from bot.report_charts import Series, regions_chart, trend_chart
from bot.services import Services
from bot.xlsx_export import workbook_of
from handlers.access import require_staff
from handlers.labels import REGION_LABELS, ROLE_LABELS
from handlers.navigation import answer_stale, show_in_place
from handlers.network_report_sheets import quarter_label, sheets
from handlers.network_report_text import PERIOD_LABELS, report_text
from storage.audit import AuditRepository
from storage.contact_stats import PERIODS, Period, period
from storage.network_report import NetworkReport
from storage.vocabulary import REGIONS

PREFIX = "nr"
CUSTOM = "custom"
SHOW = "open"
OPEN = pack(PREFIX, SHOW)
MAX_DAYS = 5 * 366
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Rendered:
    text: str
    charts: list[tuple[str, bytes]]  # file name, PNG
    workbook: bytes


def render(
    t: Translator, report: NetworkReport, questions: Mapping[str, str] | None = None
) -> Rendered:
    """Everything the staff member gets; CPU-bound, so callers run it in a thread.
    ``questions``: the check-in questions' wording by key, in the staff member's language."""
    return Rendered(
        text=report_text(t, report),
        charts=[("trend.png", _trend(t, report)), ("regions.png", _regions(t, report))],
        workbook=workbook_of(sheets(t, report, questions)),
    )


async def question_texts(services: Services, language: str) -> dict[str, str]:
    """The current questionnaire's wording by question key, in ``language``."""
    version = await services.questionnaires.current()
    if version is None:
        return {}
    default = services.config.default_language
    return {
        q.key: q.texts.get(language) or q.texts[default] for q in version.questionnaire.questions
    }


def _trend(t: Translator, report: NetworkReport) -> bytes:
    quarters = [quarter_label(t, q.start.month, q.start.year) for q in report.trend]
    counts = [
        Series(t._("Introductions requested"), [q.introductions_requested for q in report.trend]),
        Series(t._("Introductions accepted"), [q.introductions_accepted for q in report.trend]),
        Series(t._("Events held"), [q.events_held for q in report.trend]),
    ]
    rate = Series(t._("Check-in response rate"), [q.checkin_response_rate for q in report.trend])
    return trend_chart(t._("The network over the last quarters"), quarters, counts, rate, "%")


def _regions(t: Translator, report: NetworkReport) -> bytes:
    regions = [r for r in REGIONS if any(row.region == r for row in report.members)]
    stacks = [
        Series(
            t._(ROLE_LABELS[role]),
            [sum(m.active for m in report.members if m.region == r and m.role == role)
             for r in regions],
        )
        for role in ("community", "police")
    ]  # fmt: skip
    names = [t._(REGION_LABELS[r]) for r in regions]
    title = t._("Active community representatives and police contacts by Bundesland")
    return regions_chart(title, names, stacks)


async def command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=report"):
        return
    t = context.t
    if context.args:
        custom = _custom_period(context, context.args)
        if isinstance(custom, str):
            await message.reply_text(custom)
            return
        await _send(update, context, custom)
        return
    await message.reply_text(_choice_text(t), reply_markup=_choices(t))


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=report"):
        return
    parts = unpack(query.data, PREFIX, 1)
    if parts is None or parts[0] not in (*PERIODS, CUSTOM, SHOW):
        await answer_stale(query, context.t)
        return
    t = context.t
    if parts[0] == SHOW:
        await show_in_place(query, _choice_text(t), _choices(t))
        return
    if parts[0] == CUSTOM:
        await query.answer()
        assert query.message is not None
        await context.bot.send_message(
            query.message.chat.id,
            t._(
                "Send /report with the first and the last day of the period, for example "
                "/report 1.1.2026 30.6.2026."
            ),
        )
        return
    await query.answer(t._("Preparing the report…"))
    services = context.services
    await _send(update, context, period(parts[0], services.clock.now(), services.config.timezone))


def _choice_text(t: Translator) -> str:
    return "\n".join(
        [
            t._("<b>📊 Network report</b>"),
            t._(
                "Members, events, introductions and check-ins for a period: a message, two "
                "charts and a workbook. Which period?"
            ),
        ]
    )


def _choices(t: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t._(PERIOD_LABELS[kind]), callback_data=pack(PREFIX, kind))
        for kind in PERIODS
    ]
    custom = InlineKeyboardButton(t._("Other period…"), callback_data=pack(PREFIX, CUSTOM))
    return InlineKeyboardMarkup([buttons, [custom]])


def _custom_period(context: BotContext, args: list[str]) -> Period | str:
    """The period of ``/report FIRST LAST``, or the sentence saying what is wrong."""
    t = context.t
    example = t._("Please give two dates, for example /report 1.1.2026 30.6.2026.")
    if len(args) != 2:
        return example
    days = [_day(arg) for arg in args]
    first, last = days
    if first is None or last is None:
        return example
    today = context.services.clock.now().astimezone(context.services.config.timezone).date()
    if last < first:
        return t._("The last day comes before the first. Please swap them.")
    if first > today:
        return t._("The period has not begun yet.")
    if (last - first).days > MAX_DAYS:
        return t._("A report covers at most five years.")
    zone = context.services.config.timezone
    return Period(
        CUSTOM,
        datetime.combine(first, time(), zone),
        datetime.combine(last + timedelta(days=1), time(), zone),
    )


def _day(text: str) -> date | None:
    found = _DATE.match(text.strip())
    if found is None:
        return None
    d, m, y, y2, m2, d2 = found.groups()
    try:
        if y is not None:
            return date(int(y), int(m), int(d))
        return date(int(y2), int(m2), int(d2))
    except ValueError:
        return None


async def _send(update: Update, context: BotContext, of: Period) -> None:
    chat = update.effective_chat
    assert chat is not None
    services, t = context.services, context.t
    now = services.clock.now()
    report = await services.network_report.report(of, now)
    async with services.db.transaction() as tx:
        await AuditRepository.record(
            tx,
            now,
            "report.create",
            actor_id=context.member.id,
            detail=f"{of.kind} {of.start.date().isoformat()}..{of.last_day.isoformat()}",
        )
    questions = await question_texts(services, t.language)
    rendered = await asyncio.to_thread(render, t, report, questions)
    bot = context.bot
    await bot.send_message(chat.id, rendered.text)
    for name, png in rendered.charts:
        await bot.send_photo(chat.id, InputFile(png, filename=name))
    day = of.last_day.isoformat()
    await bot.send_document(
        chat.id,
        InputFile(rendered.workbook, filename=f"network-report-{of.start.date()}-{day}.xlsx"),
        caption=t._("📊 Network report: every figure, one sheet per section."),
    )
