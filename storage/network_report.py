"""The network report's figures for a period: members, events, introductions, check-ins, and
the trend over the last quarters. Counts, sums and averages only: no name, no message, no
answer of an individual member leaves this module (event titles and project-independent
check-in question keys are not personal data). Hiding small counts is the presentation's
job (``handlers/report_disclosure.py``); these are the true figures.

Periods are ``storage.contact_stats.Period`` (quarter, last quarter, year, or a custom one
with kind "custom"); a period holds what happened from its start (inclusive) to its end
(exclusive).

The database keeps a member's current status, not its history: "active" at a past moment is
counted as admitted before it and active now, so members suspended or erased since drop out of
earlier quarters too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from storage.checkins import SUPPORT_KEY
from storage.contact_stats import ContactStats, ContactStatsRepository, Period
from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class MemberRow:
    """Members of one role in one Bundesland ("DE" nationwide, "" not given)."""

    role: str  # "community", "police" or "staff"
    region: str
    active: int  # active members at the end of the period (today for a running period)
    pending: int  # applications waiting for staff now
    new: int  # became active members during the period
    unreachable: int  # active members whom Telegram reports blocked or gone


@dataclass(frozen=True)
class EventRow:
    """An event held in the period (published, not cancelled, started in the period)."""

    event_id: int
    title: str  # in the network's default language
    starts_at: datetime
    region: str
    confirmed: int
    confirmed_police: int
    confirmed_community: int
    attended: int | None  # None: attendance was not taken
    feedback_answers: int
    # The average of "changed my view of the other side" (1-5) per side; None without answers.
    changed_view_police: float | None
    changed_view_community: float | None
    # How many gave that score on each side: an average over one or two answers is theirs.
    changed_view_police_answers: int = 0
    changed_view_community_answers: int = 0


@dataclass(frozen=True)
class CheckinRoundRow:
    """A check-in round that opened in the period."""

    round_id: int
    opens_at: datetime
    taking_part: int  # projects asked
    submitted: int
    totals: dict[str, int]  # numeric question key -> sum over the submitted answers
    obstacles: int  # projects that named obstacles
    support_needed: int  # projects that asked for support
    followed_up: int  # of those items, marked done by staff
    # submitted / taking_part; None when nobody was asked
    response_rate: float | None


@dataclass(frozen=True)
class QuarterTrend:
    """One calendar quarter of the trend charts."""

    start: datetime
    members_active: int  # at the quarter's end
    events_held: int
    introductions_requested: int
    introductions_accepted: int
    checkin_response_rate: float | None  # over the rounds that opened in the quarter


@dataclass(frozen=True)
class NetworkReport:
    period: Period
    members: list[MemberRow]  # every role and region with at least one non-zero figure
    events: list[EventRow]  # by start
    introductions: ContactStats
    checkins: list[CheckinRoundRow]  # by opening
    trend: list[QuarterTrend]  # the last TREND_QUARTERS quarters, the period's last one last


TREND_QUARTERS = 8
# "Admitted before now" includes a member admitted this very instant: the bounds are exclusive.
_INSTANT = timedelta(microseconds=1)


OBSTACLES_KEY = "obstacles"  # the default questionnaire's question about obstacles

# When a member was admitted. The members table keeps only the current status, so this is
# worked out from what admission writes: an approved application's decision; else the first
# consent to the privacy notice (joining by invitation records it in the same step), or the
# role's confirmation if that is earlier (staff made from the command line consent later);
# else the first visit. Reconfirming a role later moves role_confirmed_at, not this.
_ADMITTED = (
    "coalesce(a.decided_at, min(coalesce(c.given_at, m.role_confirmed_at, m.created_at),"
    " coalesce(m.role_confirmed_at, m.created_at)))"
)
# Every member with a role, their admission and the one region they are counted under: the
# region they cover, or, covering several, the first by code ("DE", nationwide, sorts first),
# so each member is counted once and a role's rows add up to its members.
_MEMBERS = (
    "SELECT m.role, m.status, m.unreachable_at,"
    " coalesce((SELECT min(region) FROM member_regions WHERE member_id = m.id), '') AS region,"
    f" {_ADMITTED} AS admitted"
    " FROM members m"
    # Grouped, so SQLite builds a temporary index on member_id: applications has none.
    " LEFT JOIN (SELECT member_id, max(decided_at) AS decided_at FROM applications"
    "            WHERE state = 'approved' GROUP BY member_id) a ON a.member_id = m.id"
    " LEFT JOIN (SELECT member_id, min(given_at) AS given_at FROM consents"
    "            WHERE purpose = 'membership' GROUP BY member_id) c ON c.member_id = m.id"
    " WHERE m.role IS NOT NULL"
)


def quarter_starts(of: Period, count: int) -> list[datetime]:
    """The first moments of ``count`` consecutive calendar quarters in the period's time zone,
    the last one containing the period's last day, followed by the end of that quarter."""
    zone = of.start.tzinfo
    last = of.last_day
    index = last.year * 4 + (last.month - 1) // 3 + 1
    return [
        datetime.combine(date(i // 4, 3 * (i % 4) + 1, 1), time(), zone)
        for i in range(index - count, index + 1)
    ]


class NetworkReportRepository:
    def __init__(self, db: Database, default_language: str) -> None:
        self._db = db
        self._default_language = default_language

    async def report(self, of: Period, now: datetime) -> NetworkReport:
        bounds = quarter_starts(of, TREND_QUARTERS)
        return NetworkReport(
            period=of,
            members=await self._members(of, now),
            events=await self._events(of),
            introductions=await ContactStatsRepository(self._db).stats(of),
            checkins=await self._checkins(of),
            trend=await self._trend(bounds, now),
        )

    async def _members(self, of: Period, now: datetime) -> list[MemberRow]:
        # "Active" is at the end of the period, or now for a period still running; with the
        # current status only, that is: active now and admitted before that moment.
        rows = await self._db.fetchall(
            "SELECT role, region, sum(active) AS active, sum(pending) AS pending,"
            " sum(new) AS new, sum(unreachable) AS unreachable FROM ("
            "  SELECT role, region,"
            "   status = 'active' AND admitted < :active_at AS active, 0 AS pending,"
            "   admitted >= :start AND admitted < :end AS new,"
            "   status = 'active' AND unreachable_at IS NOT NULL AS unreachable"
            f"  FROM ({_MEMBERS})"
            "  UNION ALL"
            "  SELECT a.claimed_role, coalesce((SELECT min(region) FROM member_regions"
            "   WHERE member_id = a.member_id), ''), 0, 1, 0, 0"
            "  FROM applications a WHERE a.state = 'pending' AND a.claimed_role IS NOT NULL)"
            " GROUP BY role, region"
            " HAVING sum(active) + sum(pending) + sum(new) + sum(unreachable) > 0"
            " ORDER BY role, region",
            {
                "active_at": to_db(min(of.end, now + _INSTANT)),
                "start": to_db(of.start),
                "end": to_db(of.end),
            },
        )
        return [
            MemberRow(
                role=r["role"],
                region=r["region"],
                active=int(r["active"]),
                pending=int(r["pending"]),
                new=int(r["new"]),
                unreachable=int(r["unreachable"]),
            )
            for r in rows
        ]

    async def _events(self, of: Period) -> list[EventRow]:
        held = "e.state = 'published' AND e.starts_at >= :start AND e.starts_at < :end"
        rows = await self._db.fetchall(
            "SELECT e.id, e.starts_at, e.region,"
            " coalesce(t.title, (SELECT title FROM event_texts WHERE event_id = e.id"
            "  ORDER BY language LIMIT 1), '') AS title,"
            " coalesce(r.confirmed, 0) AS confirmed, coalesce(r.police, 0) AS police,"
            " coalesce(r.community, 0) AS community, coalesce(r.ticked, 0) AS ticked,"
            " coalesce(r.present, 0) AS present, coalesce(f.answers, 0) AS answers,"
            " f.police_view, f.community_view, coalesce(f.police_views, 0) AS police_views,"
            " coalesce(f.community_views, 0) AS community_views"
            " FROM events e"
            " LEFT JOIN event_texts t ON t.event_id = e.id AND t.language = :language"
            " LEFT JOIN (SELECT r.event_id, count(*) AS confirmed,"
            "   sum(m.role = 'police') AS police, sum(m.role = 'community') AS community,"
            "   count(r.attended) AS ticked, sum(r.attended = 1) AS present"
            "   FROM events e JOIN registrations r ON r.event_id = e.id"
            "   JOIN members m ON m.id = r.member_id"
            f"  WHERE {held} AND r.state = 'confirmed' GROUP BY r.event_id"
            " ) r ON r.event_id = e.id"
            " LEFT JOIN (SELECT f.event_id, count(f.overall) AS answers,"
            "   avg(CASE WHEN m.role = 'police' THEN f.changed_view END) AS police_view,"
            "   avg(CASE WHEN m.role = 'community' THEN f.changed_view END) AS community_view,"
            "   count(CASE WHEN m.role = 'police' THEN f.changed_view END) AS police_views,"
            "   count(CASE WHEN m.role = 'community' THEN f.changed_view END) AS community_views"
            # Through the registrations: event_feedback has no index on event_id.
            "   FROM events e JOIN registrations r ON r.event_id = e.id"
            "   JOIN event_feedback f ON f.registration_id = r.id"
            "   JOIN members m ON m.id = f.member_id"
            f"  WHERE {held} GROUP BY f.event_id"
            " ) f ON f.event_id = e.id"
            f" WHERE {held} ORDER BY e.starts_at, e.id",
            {"start": to_db(of.start), "end": to_db(of.end), "language": self._default_language},
        )
        return [
            EventRow(
                event_id=r["id"],
                title=r["title"],
                starts_at=from_db(r["starts_at"]),
                region=r["region"],
                confirmed=int(r["confirmed"]),
                confirmed_police=int(r["police"]),
                confirmed_community=int(r["community"]),
                # Staff tick attendees present (1) or untick them (NULL): an event with no
                # tick had no attendance taken.
                attended=int(r["present"]) if r["ticked"] else None,
                feedback_answers=int(r["answers"]),
                changed_view_police=_float(r["police_view"]),
                changed_view_community=_float(r["community_view"]),
                changed_view_police_answers=int(r["police_views"]),
                changed_view_community_answers=int(r["community_views"]),
            )
            for r in rows
        ]

    async def _checkins(self, of: Period) -> list[CheckinRoundRow]:
        window = {"start": to_db(of.start), "end": to_db(of.end)}
        opened = "r.opens_at >= :start AND r.opens_at < :end"
        rounds = await self._db.fetchall(
            "SELECT r.id, r.opens_at, count(cp.project_id) AS taking_part,"
            " count(cp.submitted_at) AS submitted"
            " FROM checkin_rounds r LEFT JOIN checkin_projects cp ON cp.round_id = r.id"
            f" WHERE {opened} GROUP BY r.id ORDER BY r.opens_at, r.id",
            window,
        )
        # Per round, each numeric question of its version (answered or not) and the obstacles
        # and support questions: the submitted answers' sum, how many gave one, and how many
        # of those staff marked done.
        figures = await self._db.fetchall(
            "SELECT r.id AS round_id, q.key, q.type,"
            " coalesce(sum(CAST(a.value AS INTEGER)), 0) AS total,"
            " count(a.value) AS given, count(f.done_at) AS done"
            " FROM checkin_rounds r"
            " JOIN questionnaire_questions q ON q.version_id = r.version_id"
            "  AND (q.type = 'number' OR q.key IN (:obstacles, :support))"
            " LEFT JOIN checkin_projects cp ON cp.round_id = r.id"
            "  AND cp.submitted_at IS NOT NULL"
            " LEFT JOIN checkin_answers a ON a.round_id = cp.round_id"
            "  AND a.project_id = cp.project_id AND a.question_key = q.key"
            "  AND a.value IS NOT NULL"
            " LEFT JOIN checkin_followups f ON q.key = :support AND a.value IS NOT NULL"
            "  AND f.round_id = a.round_id AND f.project_id = a.project_id"
            f" WHERE {opened} GROUP BY r.id, q.key ORDER BY r.id, q.position",
            {**window, "obstacles": OBSTACLES_KEY, "support": SUPPORT_KEY},
        )
        totals: dict[int, dict[str, int]] = {}
        named: dict[tuple[int, str], tuple[int, int]] = {}
        for f in figures:
            if f["type"] == "number":
                totals.setdefault(f["round_id"], {})[f["key"]] = int(f["total"])
            else:
                named[(f["round_id"], f["key"])] = (int(f["given"]), int(f["done"]))
        result: list[CheckinRoundRow] = []
        for r in rounds:
            support, done = named.get((r["id"], SUPPORT_KEY), (0, 0))
            result.append(
                CheckinRoundRow(
                    round_id=r["id"],
                    opens_at=from_db(r["opens_at"]),
                    taking_part=int(r["taking_part"]),
                    submitted=int(r["submitted"]),
                    totals=totals.get(r["id"], {}),
                    obstacles=named.get((r["id"], OBSTACLES_KEY), (0, 0))[0],
                    support_needed=support,
                    followed_up=done,
                    response_rate=_rate(r["submitted"], r["taking_part"]),
                )
            )
        return result

    async def _trend(self, bounds: list[datetime], now: datetime) -> list[QuarterTrend]:
        quarters = list(pairwise(bounds))
        ends = {f"e{i}": to_db(min(end, now + _INSTANT)) for i, (_, end) in enumerate(quarters)}
        active_sums = ", ".join(f"coalesce(sum(admitted < :e{i}), 0)" for i in range(len(quarters)))
        active = await self._db.fetchone(
            f"SELECT {active_sums} FROM ({_MEMBERS}) WHERE status = 'active'", ends
        )
        assert active is not None  # an aggregate always yields a row
        values = ", ".join(f"({i}, ?, ?)" for i in range(len(quarters)))
        in_quarter = ">= q.qs AND {0} < q.qe"
        rows = await self._db.fetchall(
            f"WITH q(i, qs, qe) AS (VALUES {values}) SELECT q.i,"
            " (SELECT count(*) FROM events e WHERE e.state = 'published'"
            f"  AND e.starts_at {in_quarter.format('e.starts_at')}) AS events,"
            " (SELECT count(*) FROM contact_requests c"
            f"  WHERE c.submitted_at {in_quarter.format('c.submitted_at')}) AS requested,"
            " (SELECT count(*) FROM contact_requests c WHERE c.state = 'introduced'"
            f"  AND c.introduced_at {in_quarter.format('c.introduced_at')}) AS accepted,"
            " (SELECT count(*) FROM checkin_rounds r JOIN checkin_projects cp"
            "  ON cp.round_id = r.id"
            f"  WHERE r.opens_at {in_quarter.format('r.opens_at')}) AS taking_part,"
            " (SELECT count(cp.submitted_at) FROM checkin_rounds r JOIN checkin_projects cp"
            "  ON cp.round_id = r.id"
            f"  WHERE r.opens_at {in_quarter.format('r.opens_at')}) AS submitted"
            " FROM q ORDER BY q.i",
            [to_db(moment) for pair in quarters for moment in pair],
        )
        return [
            QuarterTrend(
                start=quarters[r["i"]][0],
                members_active=int(active[r["i"]]),
                events_held=int(r["events"]),
                introductions_requested=int(r["requested"]),
                introductions_accepted=int(r["accepted"]),
                checkin_response_rate=_rate(r["submitted"], r["taking_part"]),
            )
            for r in rows
        ]


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
