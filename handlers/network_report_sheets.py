"""The network report as a workbook: one sheet per section, every figure of the report, in
the staff member's language, small counts hidden as in the message. Counts only: no name, no
message, no individual answer. Built with bot/xlsx_export.py (run off the event loop)."""

from __future__ import annotations

from collections.abc import Mapping

from babel.numbers import format_decimal

from bot.i18n import Translator
from bot.xlsx_export import CellValue, Sheet
from handlers.labels import REGION_LABELS, ROLE_LABELS, TOPIC_LABELS
from handlers.network_report_text import ROLES, introduction_states
from handlers.report_disclosure import SMALL, protect, protect_list, shown
from storage.contact_stats import ANSWERS
from storage.network_report import NetworkReport
from storage.vocabulary import REGIONS, TOPICS

MEASURES = ("active", "new", "pending", "unreachable")


def cell(text: str) -> CellValue:
    """A shown count as a number (so a spreadsheet can add it up), a hidden one as its mark."""
    return int(text) if text.isdigit() else text


def quarter_label(t: Translator, start_month: int, year: int) -> str:
    return t._("Q{quarter} {year}").format(quarter=(start_month - 1) // 3 + 1, year=year)


def sheets(
    t: Translator, report: NetworkReport, questions: Mapping[str, str] | None = None
) -> list[Sheet]:
    """``questions``: the check-in questions' wording by key, for the sheet's headers."""
    return [
        _members(t, report),
        _events(t, report),
        _introductions(t, report),
        _checkins(t, report, questions or {}),
        _trend(t, report),
    ]


def _region(t: Translator, code: str) -> str:
    return t._(REGION_LABELS[code]) if code in REGION_LABELS else t._("not given")


def _members(t: Translator, report: NetworkReport) -> Sheet:
    regions = [r for r in (*REGIONS, "") if any(row.region == r for row in report.members)]
    measure_labels = {
        "active": t._("active"),
        "new": t._("new in the period"),
        "pending": t._("applications waiting"),
        "unreachable": t._("unreachable"),
    }
    headers = [t._("Region")]
    names: list[CellValue] = [_region(t, r) for r in regions]
    columns: list[list[CellValue]] = [[*names, t._("Total")]]
    for measure in MEASURES:
        table = [
            [
                sum(getattr(row, measure) for row in report.members
                    if row.region == region and row.role == role)
                for role in ROLES
            ]
            for region in regions
        ]  # fmt: skip
        protected = protect(table) if regions else None
        for number, role in enumerate(ROLES):
            headers.append(
                t._("{role}: {measure}").format(
                    role=t._(ROLE_LABELS[role]), measure=measure_labels[measure]
                )
            )
            values = [] if protected is None else [cell(r[number]) for r in protected.cells]
            total = "0" if protected is None else protected.column_totals[number]
            columns.append([*values, cell(total)])
        headers.append(
            t._("{role}: {measure}").format(role=t._("Total"), measure=measure_labels[measure])
        )
        totals = [] if protected is None else [cell(v) for v in protected.row_totals]
        columns.append([*totals, cell("0" if protected is None else protected.grand_total)])
    rows = [list(row) for row in zip(*columns, strict=True)]
    return Sheet(t._("Members"), headers, rows)


def _events(t: Translator, report: NetworkReport) -> Sheet:
    headers = [
        t._("Event"), t._("Start"), t._("Region"), t._("Confirmed"), t._("Police"),
        t._("Community"), t._("Attended"), t._("Feedback answers"),
        t._("“Changed my view of the other side” (1–5), police"),
        t._("“Changed my view of the other side” (1–5), community"),
    ]  # fmt: skip
    protected = protect([[e.confirmed_police, e.confirmed_community] for e in report.events])
    rows: list[list[CellValue]] = []
    for number, event in enumerate(report.events):
        rows.append([
            event.title,
            event.starts_at.astimezone(report.period.start.tzinfo).replace(tzinfo=None),
            _region(t, event.region),
            cell(shown(event.confirmed)),
            cell(protected.cells[number][0]),
            cell(protected.cells[number][1]),
            "" if event.attended is None else cell(shown(event.attended)),
            cell(shown(event.feedback_answers)),
            _average(t, event.changed_view_police, event.changed_view_police_answers),
            _average(t, event.changed_view_community, event.changed_view_community_answers),
        ])  # fmt: skip
    confirmed = sum(e.confirmed for e in report.events)
    rows.append([
        t._("Total"), None, "", cell(shown(confirmed)),
        cell(protected.column_totals[0]) if report.events else 0,
        cell(protected.column_totals[1]) if report.events else 0,
        "", "", "", "",
    ])  # fmt: skip
    return Sheet(t._("Events"), headers, rows)


def _average(t: Translator, value: float | None, answers: int) -> CellValue:
    if value is None or answers < SMALL:
        return ""
    return format_decimal(value, format="0.0", locale=t.locale)


def _introductions(t: Translator, report: NetworkReport) -> Sheet:
    stats = report.introductions
    rows: list[list[CellValue]] = [[t._("Requested"), cell(shown(stats.sent))]]
    state_labels = {
        "introduced": t._("Introduced"),
        "matching": t._("Still being matched"),
        "queued": t._("Waiting in the team's queue"),
        "withdrawn": t._("Withdrawn by the asker"),
        "closed": t._("Closed by the team"),
    }
    rows += [[state_labels[s], cell(v)] for s, v in introduction_states(stats).items()]
    answer_labels = {
        "declined": t._("Declined"),
        "passed": t._("Passed to the team"),
        "expired": t._("No answer in time"),
    }
    rows += [[answer_labels[a], cell(shown(stats.answers[a]))] for a in ANSWERS]
    regions = [r for r in REGIONS if stats.by_region.get(r)]
    by_region, _ = protect_list([stats.by_region[r] for r in regions], total_published=True)
    rows += [[t._("Region: {name}").format(name=_region(t, r)), cell(v)]
             for r, v in zip(regions, by_region, strict=True)]  # fmt: skip
    topics = [c for c in TOPICS if stats.by_topic.get(c)]
    by_topic, _ = protect_list([stats.by_topic[c] for c in topics], total_published=True)
    rows += [[t._("Topic: {name}").format(name=t._(TOPIC_LABELS[c])), cell(v)]
             for c, v in zip(topics, by_topic, strict=True)]  # fmt: skip
    median = stats.median_to_acceptance
    hours = (
        ""
        if median is None or stats.introductions < SMALL
        else round(median.total_seconds() / 3600, 1)
    )
    followups = stats.followups
    rows += [
        [t._("Median hours to acceptance"), hours],
        [t._("Asked how the introduction went"), cell(shown(followups.asked))],
        [t._("Got in touch"), cell(shown(followups.got_in_touch))],
        [t._("Did not get in touch"), cell(shown(followups.not_in_touch))],
        [t._("Usefulness (1–5)"),
         _average(t, followups.usefulness_average, followups.usefulness_answers)],
    ]  # fmt: skip
    return Sheet(t._("Introductions"), [t._("Figure"), t._("Value")], rows)


def _checkins(t: Translator, report: NetworkReport, questions: Mapping[str, str]) -> Sheet:
    keys = sorted({key for round_ in report.checkins for key in round_.totals})
    headers = [
        t._("Round opened"), t._("Projects asked"), t._("Answered"), t._("Response rate"),
        t._("Obstacles named"), t._("Support asked for"), t._("Support followed up"),
        *(t._("Total: {question}").format(question=questions.get(key, key)) for key in keys),
    ]  # fmt: skip
    rows: list[list[CellValue]] = []
    for round_ in report.checkins:
        share = round_.response_rate
        rows.append([
            round_.opens_at.astimezone(report.period.start.tzinfo).replace(tzinfo=None),
            cell(shown(round_.taking_part)), cell(shown(round_.submitted)),
            "" if share is None or round_.taking_part < SMALL else round(share * 100),
            cell(shown(round_.obstacles)), cell(shown(round_.support_needed)),
            cell(shown(round_.followed_up)),
            *(round_.totals.get(key, 0) for key in keys),
        ])  # fmt: skip
    return Sheet(t._("Check-ins"), headers, rows)


def _trend(t: Translator, report: NetworkReport) -> Sheet:
    headers = [
        t._("Quarter"), t._("Active members"), t._("Events held"),
        t._("Introductions requested"), t._("Introductions accepted"),
        t._("Check-in response rate (%)"),
    ]  # fmt: skip
    rows: list[list[CellValue]] = [
        [
            quarter_label(t, q.start.month, q.start.year),
            cell(shown(q.members_active)), q.events_held,
            cell(shown(q.introductions_requested)), cell(shown(q.introductions_accepted)),
            "" if q.checkin_response_rate is None else round(q.checkin_response_rate * 100),
        ]
        for q in report.trend
    ]  # fmt: skip
    return Sheet(t._("Trend"), headers, rows)
