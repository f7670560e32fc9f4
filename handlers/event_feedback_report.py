"""Staff read the feedback on an event (📊 Feedback on the staff event card, once the event has
ended and someone answered): how many were asked and answered, the average of each score for
everyone and per side (the member's role), and the comments, newest first.

Feedback is anonymous to staff, as the members were told when asked: no names, no list of
who answered what, only counts, averages and the comment texts (escaped). The comments are
paged so that each page fits one Telegram message.

Callback data is ``evfbs:<event id>:<page>``; every tap checks again that the member is
active staff and re-reads the event and its feedback.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff
from handlers.event_draft_view import MAX_ID_DIGITS, title_of
from handlers.event_draft_view import PREFIX as CARD_PREFIX
from handlers.event_format import MESSAGE_LENGTH, visible_length
from handlers.labels import AUDIENCE_LABELS
from handlers.navigation import answer_stale, show_in_place
from handlers.pickers import paging_row
from storage.events import Event
from storage.feedback import ALL, FeedbackReport, Scores
from storage.vocabulary import ROLES

PREFIX = "evfbs"
_MAX_PAGE_DIGITS = 4
# Averages of fewer answers than this are not shown (see _hidden).
MIN_GROUP = 3
# Room kept on every page for the line that says which page it is.
_PAGE_LINE = 64


async def feedback_rows(context: BotContext, event: Event) -> list[list[InlineKeyboardButton]]:
    """The staff card's button: after the event, once someone answered."""
    answered = await _answered(context, event)
    if not answered:
        return []
    label = context.t._("📊 Feedback ({count})").format(count=answered)
    return [[InlineKeyboardButton(label, callback_data=pack(PREFIX, event.id, 0))]]


async def _answered(context: BotContext, event: Event) -> int:
    """How many answered, once the event has ended; 0 before (nothing to read yet)."""
    ended = event.ends_at is not None and event.ends_at <= context.services.clock.now()
    if event.state == "draft" or not ended:
        return 0
    return await context.services.feedback.answered(event.id)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=event_feedback_report"):
        return
    parts = unpack(query.data, PREFIX, 2)
    event_id = None if parts is None else number_part(parts[0], MAX_ID_DIGITS)
    page = None if parts is None else number_part(parts[1], _MAX_PAGE_DIGITS)
    event = None if event_id is None else await context.services.events.get(event_id)
    if event is None or page is None or not await _answered(context, event):
        await answer_stale(query, context.t)
        return
    await show_in_place(query, *await _screen(context, event, page))


async def _screen(context: BotContext, event: Event, page: int) -> tuple[str, InlineKeyboardMarkup]:
    services, t = context.services, context.t
    report = await services.feedback.report(event.id)
    title = html.escape(title_of(t, event, services.config.default_language))
    head = t._("<b>📊 Feedback · “{title}”</b>").format(title=title)
    sides = [role for role in ROLES if event.admits(role) or role in report.overall]
    first = [
        "\n".join(
            [
                head,
                t._("Asked: {asked} · answered: {answered}").format(
                    asked=report.asked, answered=report.answered
                ),
                t._("The answers are anonymous: no names are shown."),
            ]
        ),
        _scores(t, t._("<b>How was it?</b> 1 (poor) to 5 (excellent)"), report.overall, sides),
        _scores(
            t,
            t._(
                "<b>Did it change their view of the other side?</b> 1 (not at all) to 5 (very much)"
            ),
            report.changed_view,
            sides,
        ),
        _comments_heading(t, report),
    ]
    pages = _pages(first, [head], ["💬 " + html.escape(c) for c in report.comments])
    page = min(page, len(pages) - 1)  # fewer comments than when the button was made
    blocks = pages[page]
    if len(pages) > 1:
        line = t._("page {page} of {pages}").format(page=page + 1, pages=len(pages))
        blocks = [blocks[0] + "\n" + line, *blocks[1:]]
    rows = paging_row(t, page, len(pages), lambda n: pack(PREFIX, event.id, n))
    rows.append(
        [InlineKeyboardButton(t._("« Back"), callback_data=pack(CARD_PREFIX, "show", event.id))]
    )
    return "\n\n".join(blocks), InlineKeyboardMarkup(rows)


def _hidden(scores: dict[str, Scores], sides: Sequence[str]) -> set[str]:
    """The groups whose average is not shown: fewer than MIN_GROUP answers would let staff
    who know who came tell a person's score, and so would everyone's average next to the
    other sides' when exactly one side is hidden."""
    hidden = {g for g in sides if 0 < scores.get(g, Scores(0, None)).count < MIN_GROUP}
    if len(hidden) == 1 or scores.get(ALL, Scores(0, None)).count < MIN_GROUP:
        hidden.add(ALL)
    return hidden


def _scores(t: Translator, heading: str, scores: dict[str, Scores], sides: Sequence[str]) -> str:
    lines = [heading]
    hidden = _hidden(scores, sides)
    for group in (ALL, *sides):
        name = t._("Everyone") if group == ALL else t._(AUDIENCE_LABELS[group])
        score = scores.get(group, Scores(0, None))
        if score.average is None:
            lines.append(t._("{group}: no answers").format(group=name))
            continue
        if group in hidden:
            lines.append(
                t._("{group}: not shown, so that nobody can be recognised").format(group=name)
            )
            continue
        average = format_decimal(score.average, format="0.0", locale=t.locale)
        lines.append(
            t.ngettext(
                "{group}: {average} ({count} answer)",
                "{group}: {average} ({count} answers)",
                score.count,
            ).format(group=name, average=average, count=score.count)
        )
    return "\n".join(lines)


def _comments_heading(t: Translator, report: FeedbackReport) -> str:
    count = len(report.comments)
    if not count:
        return t._("No comments.")
    return t.ngettext(
        "<b>{count} comment</b>, newest first:", "<b>{count} comments</b>, newest first:", count
    ).format(count=count)


def _pages(first: list[str], later: list[str], comments: list[str]) -> list[list[str]]:
    """Blocks per message: ``first`` and as many comments as fit, then ``later`` (a heading)
    and as many as fit on each further page. A comment (at most 1000 characters) always fits
    a page of its own."""
    pages = [list(first)]
    heading = len(first)
    for comment in comments:
        candidate = "\n\n".join([*pages[-1], comment])
        if len(pages[-1]) > heading and visible_length(candidate) + _PAGE_LINE > MESSAGE_LENGTH:
            pages.append([*later, comment])
            heading = len(later)
        else:
            pages[-1].append(comment)
    return pages
