"""When check-in rounds open, and the dates of a round once it is open.

Rounds open on a cron rule in the network's time zone (by default the second Monday of
January, April, July and October at 10:00). An opening that falls on a weekend or a public
holiday in Germany (the ``holidays`` package; nationwide, or those of one Bundesland) moves to
the next working day at the same local time.

A round's dates are counted in local calendar days from its opening, so a reminder "after
7 days" comes at the same wall-clock time across a change to or from summer time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from bot.recurrence import Cron

DEFAULT_CRON = "0 10 8-14 1,4,7,10 1"
REMIND_DAY = 7
LAST_REMIND_DAY = 13
DUE_DAY = 14
CLOSE_DAY = 35
_SHIFT_LIMIT = 30  # days; no run of holidays and weekends is longer


@dataclass(frozen=True)
class Timeline:
    """A round's moments as UTC instants; ``due_at`` and ``closes_at`` are the ends of the
    due day and the closing day (local midnight after them: handlers/checkin_review.day
    names the day itself)."""

    opens_at: datetime
    remind_at: datetime
    last_remind_at: datetime
    final_at: datetime
    due_at: datetime
    closes_at: datetime

    @property
    def moments(self) -> tuple[datetime, ...]:
        """In the order storage.checkins.CheckinRepository.open_round takes them."""
        return (
            self.opens_at,
            self.remind_at,
            self.last_remind_at,
            self.final_at,
            self.due_at,
            self.closes_at,
        )


def _local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def timeline(opens_at: datetime, tz: ZoneInfo) -> Timeline:
    local = opens_at.astimezone(tz)
    day, wall = local.date(), local.time().replace(tzinfo=None)

    def at(days: int) -> datetime:
        return _local(day + timedelta(days=days), wall, tz)

    def end_of(days: int) -> datetime:
        return _local(day + timedelta(days=days + 1), time(0, 0), tz)

    return Timeline(
        opens_at=opens_at.astimezone(UTC),
        remind_at=at(REMIND_DAY),
        last_remind_at=at(LAST_REMIND_DAY),
        final_at=at(DUE_DAY),
        due_at=end_of(DUE_DAY),
        closes_at=end_of(CLOSE_DAY),
    )


class RoundSchedule:
    """The opening rule: a cron expression, moved off weekends and German public holidays."""

    def __init__(self, cron: str, tz: ZoneInfo, subdivision: str | None = None) -> None:
        self.cron = cron
        self._rule = Cron.parse(cron)
        self._tz = tz
        self._holidays = holidays.country_holidays("DE", subdiv=subdivision)

    def working_day(self, day: date) -> bool:
        return day.isoweekday() <= 5 and day not in self._holidays

    def holiday(self, day: date) -> str | None:
        """The holiday's name (in English), or None."""
        name = self._holidays.get(day)
        return None if name is None else str(name)

    def shifted(self, moment: datetime) -> datetime:
        """The moment itself on a working day, else the same local time on the next one."""
        local = moment.astimezone(self._tz)
        day, wall = local.date(), local.time().replace(tzinfo=None)
        for _ in range(_SHIFT_LIMIT):
            if self.working_day(day):
                return _local(day, wall, self._tz)
            day += timedelta(days=1)
        raise ValueError(f"no working day within {_SHIFT_LIMIT} days of {local.date()}")

    def next_after(self, after: datetime) -> datetime:
        """The first opening strictly after ``after`` (UTC)."""
        # An occurrence moved past `after` by the shift counts even if the rule's own date
        # lies before it: start the search far enough back to see it.
        probe = after - timedelta(days=_SHIFT_LIMIT)
        while True:
            occurrence = self._rule.next_after(probe, self._tz)
            opening = self.shifted(occurrence)
            if opening > after:
                return opening
            probe = occurrence
