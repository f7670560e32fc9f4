"""Statistics of contact requests for the network team: counts by region, topic and outcome
for a period, the median time to an acceptance, and the follow-up answers. Counts and
averages only: no message, no name, no member id leaves this module.

A request belongs to the period in which it was sent (``submitted_at``), whatever happened
to it later, so a period's figures describe the same requests throughout and add up: every
request sent is introduced, still being matched, waiting in the queue, withdrawn or closed by
staff. The candidates' answers (declined, passed to staff, no answer in time, chosen by staff)
are counted per answer, for the requests of the period. Erased members' requests count too:
erasure anonymises them, the statistics never needed to know who asked.

Periods are calendar quarters and years in the network's time zone (Europe/Berlin), each
from its first midnight up to the next period's.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.timefmt import from_db, to_db

PERIODS = ("quarter", "last_quarter", "year")
# A request's state today, for the requests sent in the period.
STATES = ("introduced", "matching", "queued", "withdrawn", "closed")
# The candidates' answers that did not lead to an introduction.
ANSWERS = ("declined", "passed", "expired")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime  # inclusive
    end: datetime  # exclusive

    @property
    def last_day(self) -> date:
        """The period's last calendar day (in the time zone it was made in)."""
        return (self.end - timedelta(microseconds=1)).date()


def period(kind: str, now: datetime, timezone: ZoneInfo) -> Period:
    """This quarter, last quarter or this year, as of ``now`` in ``timezone``."""
    today = now.astimezone(timezone).date()
    if kind == "year":
        first, after = date(today.year, 1, 1), date(today.year + 1, 1, 1)
    elif kind in ("quarter", "last_quarter"):
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if kind == "last_quarter":
            first = _add_months(first, -3)
        after = _add_months(first, 3)
    else:
        raise ValueError(f"unknown period {kind!r}")
    return Period(
        kind,
        datetime.combine(first, time(), timezone),
        datetime.combine(after, time(), timezone),
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class FollowUps:
    asked: int
    got_in_touch: int
    not_in_touch: int
    usefulness_answers: int
    usefulness_average: float | None


@dataclass(frozen=True)
class ContactStats:
    period: Period
    sent: int
    by_region: dict[str, int]  # regions with requests only
    by_topic: dict[str, int]  # topics with requests only
    states: dict[str, int]  # every one of STATES
    ever_queued: int  # requests that went to the team's queue at some point
    answers: dict[str, int]  # every one of ANSWERS
    assigned: int  # candidates chosen by staff
    introductions: int  # the acceptances the median is taken over
    median_to_acceptance: timedelta | None
    followups: FollowUps


class ContactStatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def stats(self, of: Period) -> ContactStats:
        window = (to_db(of.start), to_db(of.end))
        sent_in = "submitted_at >= ? AND submitted_at < ?"
        rows = await self._db.fetchall(
            f"SELECT region, topic, state, queued_at IS NOT NULL AS queued, submitted_at,"
            f" introduced_at FROM contact_requests WHERE {sent_in}",
            window,
        )
        by_region: dict[str, int] = {}
        by_topic: dict[str, int] = {}
        states = dict.fromkeys(STATES, 0)
        waits: list[float] = []
        for row in rows:
            by_region[row["region"]] = by_region.get(row["region"], 0) + 1
            by_topic[row["topic"]] = by_topic.get(row["topic"], 0) + 1
            states[row["state"]] += 1
            if row["state"] == "introduced":
                waited = from_db(row["introduced_at"]) - from_db(row["submitted_at"])
                waits.append(waited.total_seconds())
        answers = await self._db.fetchall(
            "SELECT c.answer, count(*), count(c.assigned_by) FROM contact_candidates c"
            f" JOIN contact_requests q ON q.id = c.request_id WHERE q.{sent_in}"
            " GROUP BY c.answer",
            window,
        )
        by_answer = {row[0]: int(row[1]) for row in answers}
        followups = await self._db.fetchone(
            "SELECT count(*), coalesce(sum(f.got_in_touch = 1), 0),"
            " coalesce(sum(f.got_in_touch = 0), 0), count(f.usefulness), avg(f.usefulness)"
            " FROM contact_followups f JOIN contact_requests q ON q.id = f.request_id"
            f" WHERE q.{sent_in}",
            window,
        )
        assert followups is not None
        return ContactStats(
            period=of,
            sent=len(rows),
            by_region=by_region,
            by_topic=by_topic,
            states=states,
            ever_queued=sum(1 for row in rows if row["queued"]),
            answers={answer: by_answer.get(answer, 0) for answer in ANSWERS},
            assigned=sum(int(row[2]) for row in answers),
            introductions=len(waits),
            median_to_acceptance=(timedelta(seconds=statistics.median(waits)) if waits else None),
            followups=FollowUps(
                asked=int(followups[0]),
                got_in_touch=int(followups[1]),
                not_in_touch=int(followups[2]),
                usefulness_answers=int(followups[3]),
                usefulness_average=None if followups[4] is None else float(followups[4]),
            ),
        )
