"""The network report as a message: the headline figures of each section, in the staff
member's language, with small counts hidden (handlers/report_disclosure.py). Every figure
is in the workbook as well (handlers/network_report_sheets.py)."""

from __future__ import annotations

import html
from datetime import timedelta

from babel.dates import format_timedelta
from babel.numbers import format_decimal, format_percent

from bot.i18n import N_, Translator
from handlers.report_disclosure import HIDDEN_MARK, SMALL, SMALL_MARK, protect_list, shown
from storage.contact_stats import STATES, ContactStats
from storage.network_report import NetworkReport

PERIOD_LABELS = {
    "quarter": N_("This quarter"),
    "last_quarter": N_("Last quarter"),
    "year": N_("This year"),
    "custom": N_("Chosen period"),
}
ROLES = ("community", "police", "staff")


def escaped(mark: str) -> str:
    """A figure for HTML: "< 3" needs its "<" escaped."""
    return mark.replace("<", "&lt;")


def count(value: int) -> str:
    return escaped(shown(value))


def rate(t: Translator, part: int, whole: int) -> str:
    """A share, shown only when both counts are 3 or more (else it could give a person away)."""
    if whole < SMALL or 0 < part < SMALL:
        return t._("not shown")
    return format_percent(part / whole, locale=t.locale)


def average(t: Translator, value: float | None, answers: int) -> str:
    if value is None or answers < SMALL:
        return t._("not shown")
    return format_decimal(value, format="0.0", locale=t.locale)


def period_line(t: Translator, report: NetworkReport) -> str:
    of = report.period
    return t._("{label}: {first} – {last}").format(
        label=t._(PERIOD_LABELS[of.kind]),
        first=t.date(of.start.date(), "medium"),
        last=t.date(of.last_day, "medium"),
    )


def report_text(t: Translator, report: NetworkReport) -> str:
    lines = [
        t._("<b>📊 Network report</b>"),
        period_line(t, report),
        t._(
            "Counts of 1 or 2 are shown as “{small}”, and totals that would give them away as "
            "“{hidden}”."
        ).format(small=escaped(SMALL_MARK), hidden=HIDDEN_MARK),
        "",
        *_members(t, report),
        "",
        *_events(t, report),
        "",
        *_introductions(t, report),
        "",
        *_checkins(t, report),
        "",
        t._("The charts and the workbook with every figure follow."),
    ]
    return "\n".join(lines)


def _members(t: Translator, report: NetworkReport) -> list[str]:
    by_role = {role: 0 for role in ROLES}
    new = pending = unreachable = 0
    for row in report.members:
        by_role[row.role] = by_role.get(row.role, 0) + row.active
        new += row.new
        pending += row.pending
        unreachable += row.unreachable
    cells, total = protect_list([by_role[role] for role in ROLES])
    community, police, staff = (escaped(cell) for cell in cells)
    return [
        t._("<b>Members</b>"),
        t._(
            "Active: {total} ({community} community representatives, {police} police "
            "contacts, {staff} in the network team)"
        ).format(total=escaped(total), community=community, police=police, staff=staff),
        t._("New in the period: {new} · applications waiting: {pending} · unreachable: {gone}")
        .format(new=count(new), pending=count(pending), gone=count(unreachable)),
    ]  # fmt: skip


def _events(t: Translator, report: NetworkReport) -> list[str]:
    events = report.events
    if not events:
        return [t._("<b>Events</b>"), t._("No event was held in the period.")]
    confirmed = sum(e.confirmed for e in events)
    police = sum(e.confirmed_police for e in events)
    community = sum(e.confirmed_community for e in events)
    taken = [e for e in events if e.attended is not None]
    attended = sum(e.attended or 0 for e in taken)
    registered = sum(e.confirmed for e in taken)
    cells, _ = protect_list([police, community], total_published=True)
    return [
        t._("<b>Events</b>"),
        t._("Held: {events} · confirmed registrations: {confirmed} ({police} police, "
            "{community} community)").format(
            events=len(events), confirmed=count(confirmed),
            police=escaped(cells[0]), community=escaped(cells[1]),
        ),
        t._("Attendance where it was taken: {rate}").format(rate=rate(t, attended, registered)),
        *(
            t._("{title}: “changed my view of the other side” (1–5): police {police}, "
                "community {community}").format(
                title=html.escape(e.title),
                police=average(t, e.changed_view_police, e.changed_view_police_answers),
                community=average(t, e.changed_view_community, e.changed_view_community_answers),
            )
            for e in events
            if e.feedback_answers >= SMALL
        ),
    ]  # fmt: skip


def introduction_states(stats: ContactStats) -> dict[str, str]:
    """What became of the requests sent, protected together (their total, the requests sent,
    is printed): the message and the workbook show the same."""
    cells, _ = protect_list([stats.states[s] for s in STATES], total_published=True)
    return dict(zip(STATES, cells, strict=True))


def _introductions(t: Translator, report: NetworkReport) -> list[str]:
    stats = report.introductions
    lines = [
        t._("<b>Introductions</b>"),
        t._("Requested: {sent} · introduced: {introduced} · declined: {declined} · no answer "
            "in time: {expired} · passed to the team: {passed}").format(
            sent=count(stats.sent), introduced=escaped(introduction_states(stats)["introduced"]),
            declined=count(stats.answers["declined"]), expired=count(stats.answers["expired"]),
            passed=count(stats.answers["passed"]),
        ),
        t._("Median time to acceptance: {duration}").format(duration=_median(t, report)),
    ]  # fmt: skip
    followups = stats.followups
    if followups.asked:
        lines.append(
            t._("Follow-up: got in touch {yes} of {asked} · usefulness (1–5): {average}").format(
                yes=count(followups.got_in_touch),
                asked=count(followups.asked),
                average=average(t, followups.usefulness_average, followups.usefulness_answers),
            )
        )
    return lines


def _median(t: Translator, report: NetworkReport) -> str:
    stats = report.introductions
    if stats.median_to_acceptance is None or stats.introductions < SMALL:
        return t._("not shown")
    return format_timedelta(
        max(stats.median_to_acceptance, timedelta(minutes=1)), threshold=2, locale=t.language
    )


def _checkins(t: Translator, report: NetworkReport) -> list[str]:
    lines = [t._("<b>Quarterly check-ins</b>")]
    if not report.checkins:
        return [*lines, t._("No round opened in the period.")]
    for round_ in report.checkins:
        lines.append(
            t.ngettext(
                "Round of {day}: {submitted} of {asked} project answered ({rate}) · obstacles "
                "named: {obstacles} · support asked for: {support} ({done} followed up)",
                "Round of {day}: {submitted} of {asked} projects answered ({rate}) · obstacles "
                "named: {obstacles} · support asked for: {support} ({done} followed up)",
                round_.taking_part,
            ).format(
                day=t.date(round_.opens_at, "medium"), submitted=count(round_.submitted),
                asked=count(round_.taking_part),
                rate=rate(t, round_.submitted, round_.taking_part),
                obstacles=count(round_.obstacles), done=count(round_.followed_up),
                support=count(round_.support_needed),
            )
        )  # fmt: skip
    return lines
