"""Recurrence across Europe/Berlin's DST changes: every local occurrence fires exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.recurrence import Cron, RecurrenceError

BERLIN = ZoneInfo("Europe/Berlin")


def occurrences(expression: str, start: datetime, count: int) -> list[datetime]:
    rule = Cron.parse(expression)
    found, moment = [], start
    for _ in range(count):
        moment = rule.next_after(moment, BERLIN)
        found.append(moment)
    return found


def test_fall_back_fires_an_ambiguous_time_once() -> None:
    # 31 Oct 2027: 02:30 happens twice in Berlin (CEST, then CET).
    fired = occurrences("30 2 * * *", datetime(2027, 10, 30, 12, tzinfo=BERLIN), 3)
    assert fired == [
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first one only
        datetime(2027, 11, 1, 1, 30, tzinfo=UTC),  # 02:30 CET
        datetime(2027, 11, 2, 1, 30, tzinfo=UTC),
    ]


def test_spring_forward_moves_a_missing_time_forward_once() -> None:
    # 28 Mar 2027: 02:00-03:00 does not exist; 02:30 fires at 03:30 CEST.
    fired = occurrences("30 2 * * *", datetime(2027, 3, 27, 12, tzinfo=BERLIN), 2)
    assert fired == [
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2027, 3, 29, 0, 30, tzinfo=UTC),
    ]
    # A gap time and the real time it lands on collapse into one firing.
    both = occurrences("30 2,3 * * *", datetime(2027, 3, 28, 0, tzinfo=BERLIN), 2)
    assert both == [
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2027, 3, 29, 0, 30, tzinfo=UTC),
    ]


def test_second_monday_of_each_quarter() -> None:
    fired = occurrences("0 10 8-14 1,4,7,10 1", datetime(2027, 1, 1, tzinfo=BERLIN), 4)
    assert [m.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for m in fired] == [
        "2027-01-11 10:00",
        "2027-04-12 10:00",
        "2027-07-12 10:00",
        "2027-10-11 10:00",
    ]


@pytest.mark.parametrize(
    "expression", ["* * *", "60 * * * *", "a * * * *", "*/0 * * * *", "0 0 31 2 *"]
)
def test_bad_rules_are_refused(expression: str) -> None:
    with pytest.raises(RecurrenceError):
        occurrences(expression, datetime(2027, 1, 1, tzinfo=BERLIN), 1)
