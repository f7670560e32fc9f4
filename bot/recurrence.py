"""Recurrence rules for scheduled items: five-field cron expressions in a local time zone.

Fields: minute hour day-of-month month day-of-week (0 or 7 = Sunday), each ``*``, a number,
a range ``a-b``, a list ``a,b`` or a step ``*/n`` / ``a-b/n``. Unlike classic cron, when both
day fields are restricted a day must match **both**, so "the second Monday" is
``0 10 8-14 1,4,7,10 1``.

DST is resolved on local wall-clock times: a time that does not exist (spring forward) fires
at the same instant as one hour later; a time that exists twice (fall back) fires once, at its
first occurrence. APScheduler 3's CronTrigger fires twice in the latter case, hence this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_RANGES = {
    "minute": (0, 59),
    "hour": (0, 23),
    "day": (1, 31),
    "month": (1, 12),
    "weekday": (0, 7),
}
_SEARCH_DAYS = 366 * 8  # covers 29 February in a leap-year-only rule


class RecurrenceError(ValueError):
    pass


def _parse_field(text: str, name: str) -> frozenset[int]:
    low, high = _RANGES[name]
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise RecurrenceError(f"bad step in {name} field: {text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise RecurrenceError(f"bad range in {name} field: {text!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
        else:
            raise RecurrenceError(f"bad {name} field: {text!r}")
        if not (low <= start <= end <= high):
            raise RecurrenceError(f"{name} field out of range {low}-{high}: {text!r}")
        values.update(range(start, end + 1, step))
    if name == "weekday" and 7 in values:
        values.discard(7)
        values.add(0)
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: any day
    months: frozenset[int]
    weekdays: frozenset[int] | None  # cron numbering, 0 = Sunday; None: any

    @classmethod
    def parse(cls, expression: str) -> Cron:
        fields = expression.split()
        if len(fields) != 5:
            raise RecurrenceError(
                f"a cron expression has five fields (minute hour day month weekday): {expression!r}"
            )
        minute, hour, day, month, weekday = fields
        return cls(
            minutes=_parse_field(minute, "minute"),
            hours=_parse_field(hour, "hour"),
            days=None if day == "*" else _parse_field(day, "day"),
            months=_parse_field(month, "month"),
            weekdays=None if weekday == "*" else _parse_field(weekday, "weekday"),
        )

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        if self.days is not None and day.day not in self.days:
            return False
        return self.weekdays is None or (day.isoweekday() % 7) in self.weekdays

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime:
        """The first occurrence strictly after ``after``, as an aware UTC datetime."""
        if after.tzinfo is None:
            raise ValueError("after must be timezone-aware")
        after_utc = after.astimezone(UTC)
        # Start a day early: a local time whose UTC instant lies after `after` can sit on the
        # previous local date across a DST gap.
        day = after.astimezone(tz).date() - timedelta(days=1)
        wall_times = sorted(time(h, m) for h in self.hours for m in self.minutes)
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day):
                for wall in wall_times:
                    # fold=0: an ambiguous time means its first occurrence; a missing one
                    # is read with the offset before the gap, i.e. it moves forward.
                    moment = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
                    if moment > after_utc:
                        return moment
            day += timedelta(days=1)
        raise RecurrenceError("the rule never fires")


def validate(expression: str) -> None:
    Cron.parse(expression)
