"""Statistics of contact requests for the network team (“📊 Statistics” under the queue,
handlers/contact_queue.py): for this quarter, last quarter or this year, how many requests
were sent, what became of them, what the people asked answered, the median time to an
acceptance, the requests by region and by topic, and the follow-up answers. The figures come
from storage/contact_stats.py; counts only, never a message or a name.

Small numbers could point at a person (one request from Saarland on one topic), so a count of
1 or 2 is shown as “< 3”; a median or an average over fewer than 3 is not shown. A count of 0
is shown: it says nothing about anyone. What became of the requests, and the requests by region
and by topic, add up to the requests sent, which is printed: so where one of them is hidden,
another is too ("–"), and the hidden ones have no known sum.

Callback data is ``cqs:<period>``; every tap checks again that the member is active staff.
"""

from __future__ import annotations

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack, unpack
from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.access import require_staff
from handlers.contact_queue import STATS_PREFIX, queue_button
from handlers.labels import REGION_LABELS, TOPIC_LABELS
from handlers.navigation import answer_stale, show_in_place
from handlers.network_report_text import escaped, introduction_states
from handlers.report_disclosure import HIDDEN_MARK, protect_list
from storage.contact_stats import PERIODS, ContactStats, period
from storage.vocabulary import REGIONS, TOPICS

PREFIX = STATS_PREFIX
SMALL = 3  # counts below this (but above 0) are shown as "< 3"
HIDDEN = "&lt; 3"  # "< 3", escaped for HTML

PERIOD_LABELS = {
    "quarter": N_("This quarter"),
    "last_quarter": N_("Last quarter"),
    "year": N_("This year"),
}
STATE_LABELS = {
    "introduced": N_("✅ Introduced: {count}"),
    "matching": N_("🔎 Still being matched: {count}"),
    "queued": N_("📨 Waiting in the team's queue now: {count}"),
    "withdrawn": N_("✖️ Withdrawn by the asker: {count}"),
    "closed": N_("📪 Closed by the team with a message: {count}"),
}
ANSWER_LABELS = {
    "declined": N_("Declined: {count}"),
    "passed": N_("Passed to the team: {count}"),
    "expired": N_("No answer in time: {count}"),
}


def count_text(count: int) -> str:
    return HIDDEN if 0 < count < SMALL else str(count)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=contact_stats"):
        return
    parts = unpack(query.data, PREFIX, 1)
    if parts is None or parts[0] not in PERIODS:
        await answer_stale(query, context.t)
        return
    services = context.services
    of = period(parts[0], services.clock.now(), services.config.timezone)
    stats = await services.contact_stats.stats(of)
    await show_in_place(query, stats_text(context.t, stats), _keyboard(context.t, parts[0]))


def _keyboard(t: Translator, current: str) -> InlineKeyboardMarkup:
    choices = [
        InlineKeyboardButton(
            ("• " if kind == current else "") + t._(label), callback_data=pack(PREFIX, kind)
        )
        for kind, label in PERIOD_LABELS.items()
    ]
    return InlineKeyboardMarkup([choices, [queue_button(t)]])


def stats_text(t: Translator, stats: ContactStats) -> str:
    of = stats.period
    lines = [
        t._("<b>📊 Contact requests · {period}</b>").format(period=t._(PERIOD_LABELS[of.kind])),
        t._("{first} – {last}, by the day a request was sent.").format(
            first=t.date(of.start.date(), "medium"), last=t.date(of.last_day, "medium")
        ),
        t._(
            "To protect privacy, numbers of 1 or 2 are shown as “{hidden}”, and a number that "
            "would give them away as “{other}”."
        ).format(hidden=HIDDEN, other=HIDDEN_MARK),
        "",
        t._("<b>Requests sent: {count}</b>").format(count=count_text(stats.sent)),
        *(
            t._(STATE_LABELS[state]).format(count=escaped(shown))
            for state, shown in introduction_states(stats).items()
        ),
        t._("Went to the team's queue at some point: {count}").format(
            count=count_text(stats.ever_queued)
        ),
        "",
        t._("<b>Answers of the people asked</b>"),
        *(
            t._(label).format(count=count_text(stats.answers[answer]))
            for answer, label in ANSWER_LABELS.items()
        ),
        t._("Chosen by the team: {count}").format(count=count_text(stats.assigned)),
        _median(t, stats),
        "",
        t._("<b>By region</b>"),
        *_breakdown(t, stats.by_region, REGIONS, REGION_LABELS),
        "",
        t._("<b>By topic</b>"),
        *_breakdown(t, stats.by_topic, TOPICS, TOPIC_LABELS),
        "",
        t._("<b>Follow-up</b>"),
        *_followups(t, stats),
    ]
    return "\n".join(lines)


def _median(t: Translator, stats: ContactStats) -> str:
    if stats.median_to_acceptance is None:
        return t._("Median time to acceptance: no introductions")
    if stats.introductions < SMALL:
        return t._("Median time to acceptance: not shown (fewer than 3 introductions)")
    duration = format_timedelta(stats.median_to_acceptance, threshold=2, locale=t.language)
    return t._("Median time to acceptance: {duration}").format(duration=duration)


def _breakdown(
    t: Translator, counts: dict[str, int], order: tuple[str, ...], labels: dict[str, str]
) -> list[str]:
    """The requests by region or topic. Their total, the requests sent, is printed above, so
    small counts are hidden with one more (handlers/report_disclosure.py)."""
    codes = [code for code in order if counts.get(code)]
    shown, _ = protect_list([counts[code] for code in codes], total_published=True)
    lines = [
        t._("{name}: {count}").format(name=t._(labels[code]), count=escaped(text))
        for code, text in zip(codes, shown, strict=True)
    ]
    return lines or [t._("no requests")]


def _followups(t: Translator, stats: ContactStats) -> list[str]:
    followups = stats.followups
    if not followups.asked:
        return [t._("nobody asked yet")]
    lines = [
        t._("Asked: {count}").format(count=count_text(followups.asked)),
        t._("Got in touch: yes {yes} · no {no}").format(
            yes=count_text(followups.got_in_touch), no=count_text(followups.not_in_touch)
        ),
    ]
    if followups.usefulness_average is None:
        lines.append(t._("Usefulness: no answers yet"))
    elif followups.usefulness_answers < SMALL:
        lines.append(t._("Usefulness: not shown (fewer than 3 answers)"))
    else:
        average = format_decimal(followups.usefulness_average, format="0.0", locale=t.locale)
        lines.append(
            t._("Usefulness (1–5): {average} on average, {count} answers").format(
                average=average, count=followups.usefulness_answers
            )
        )
    return lines
