"""Check-in rounds' calendar: openings moved off weekends and German public holidays, and a
round's dates counted in local days across Europe/Berlin's DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.checkin_calendar import DEFAULT_CRON, RoundSchedule, timeline
from bot.clock import ManualClock
from bot.scheduling import Scheduler
from storage.schedule import ScheduledItem

BERLIN = ZoneInfo("Europe/Berlin")


def local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M")


def openings(schedule: RoundSchedule, after: datetime, count: int) -> list[datetime]:
    found, moment = [], after
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment)
    return found


def test_default_rule_opens_on_the_second_monday_of_each_quarter() -> None:
    fired = openings(RoundSchedule(DEFAULT_CRON, BERLIN), datetime(2026, 12, 1, tzinfo=UTC), 4)
    assert fired == [
        datetime(2027, 1, 11, 9, 0, tzinfo=UTC),  # 10:00 CET
        datetime(2027, 4, 12, 8, 0, tzinfo=UTC),  # 10:00 CEST
        datetime(2027, 7, 12, 8, 0, tzinfo=UTC),
        datetime(2027, 10, 11, 8, 0, tzinfo=UTC),
    ]
    assert [local(m) for m in fired] == [
        "Mon 2027-01-11 10:00",
        "Mon 2027-04-12 10:00",
        "Mon 2027-07-12 10:00",
        "Mon 2027-10-11 10:00",
    ]
    assert all(m.tzinfo is UTC for m in fired)


def test_easter_monday_moves_the_opening_to_tuesday() -> None:
    schedule = RoundSchedule(DEFAULT_CRON, BERLIN)
    assert schedule.holiday(datetime(2031, 4, 14).date()) is not None  # Easter Monday
    opening = schedule.next_after(datetime(2031, 3, 1, tzinfo=UTC))
    assert local(opening) == "Tue 2031-04-15 10:00"
    assert opening == datetime(2031, 4, 15, 8, 0, tzinfo=UTC)


def test_a_state_holiday_moves_the_opening_only_in_that_state() -> None:
    # 6 January 2027 (a Wednesday) is Epiphany in Bavaria, not nationwide.
    after = datetime(2026, 12, 1, tzinfo=UTC)
    nationwide = RoundSchedule("0 10 6 1 *", BERLIN)
    bavaria = RoundSchedule("0 10 6 1 *", BERLIN, subdivision="BY")
    berlin = RoundSchedule("0 10 6 1 *", BERLIN, subdivision="BE")
    assert nationwide.holiday(datetime(2027, 1, 6).date()) is None
    assert bavaria.holiday(datetime(2027, 1, 6).date()) is not None
    assert local(nationwide.next_after(after)) == "Wed 2027-01-06 10:00"
    assert local(berlin.next_after(after)) == "Wed 2027-01-06 10:00"
    assert local(bavaria.next_after(after)) == "Thu 2027-01-07 10:00"


def test_a_weekend_opening_moves_to_monday() -> None:
    # 2 January 2027 is a Saturday.
    schedule = RoundSchedule("0 10 2 1 *", BERLIN)
    assert local(schedule.next_after(datetime(2026, 12, 1, tzinfo=UTC))) == "Mon 2027-01-04 10:00"


def test_a_holiday_then_a_weekend_moves_past_both() -> None:
    # Good Friday 2027 is 26 March; Easter Monday 29 March.
    schedule = RoundSchedule("0 10 26 3 *", BERLIN)
    assert local(schedule.next_after(datetime(2027, 1, 1, tzinfo=UTC))) == "Tue 2027-03-30 10:00"


def test_next_after_is_strictly_after_its_argument() -> None:
    schedule = RoundSchedule(DEFAULT_CRON, BERLIN)
    first = schedule.next_after(datetime(2026, 12, 1, tzinfo=UTC))
    # Called with an opening itself: the next one, never the same again.
    assert schedule.next_after(first) == datetime(2027, 4, 12, 8, 0, tzinfo=UTC)
    # A shifted opening, too.
    shifted = datetime(2031, 4, 15, 8, 0, tzinfo=UTC)
    assert schedule.next_after(shifted) == datetime(2031, 7, 14, 8, 0, tzinfo=UTC)
    # Between the rule's date (Easter Monday) and the opening it moved to: that opening.
    assert schedule.next_after(datetime(2031, 4, 14, 12, 0, tzinfo=UTC)) == shifted
    # Just before an opening: that opening.
    assert schedule.next_after(shifted - timedelta(seconds=1)) == shifted


def test_a_year_of_openings_never_repeats_or_skips() -> None:
    fired = openings(RoundSchedule(DEFAULT_CRON, BERLIN), datetime(2030, 12, 1, tzinfo=UTC), 4)
    assert [local(m) for m in fired] == [
        "Mon 2031-01-13 10:00",
        "Tue 2031-04-15 10:00",
        "Mon 2031-07-14 10:00",
        "Mon 2031-10-13 10:00",
    ]


def test_timeline_across_the_october_dst_change() -> None:
    # Opens Mon 12 Oct 2026 10:00 CEST; summer time ends on Sun 25 Oct 2026.
    dates = timeline(datetime(2026, 10, 12, 8, 0, tzinfo=UTC), BERLIN)
    assert dates.opens_at == datetime(2026, 10, 12, 8, 0, tzinfo=UTC)
    assert dates.remind_at == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # day 7, 10:00 CEST
    assert dates.last_remind_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # day 13, 10:00 CET
    assert local(dates.last_remind_at) == "Sun 2026-10-25 10:00"
    assert dates.final_at == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # day 14
    assert dates.due_at == datetime(2026, 10, 26, 23, 0, tzinfo=UTC)  # midnight ending day 14
    assert local(dates.due_at) == "Tue 2026-10-27 00:00"
    assert dates.closes_at == datetime(2026, 11, 16, 23, 0, tzinfo=UTC)  # ending day 35
    assert local(dates.closes_at) == "Tue 2026-11-17 00:00"


def test_timeline_across_the_march_dst_change() -> None:
    # Opens Mon 22 Mar 2027 10:00 CET; summer time starts on Sun 28 Mar 2027.
    dates = timeline(datetime(2027, 3, 22, 9, 0, tzinfo=UTC), BERLIN)
    assert dates.remind_at == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # day 7, 10:00 CEST
    assert local(dates.remind_at) == "Mon 2027-03-29 10:00"
    assert dates.last_remind_at == datetime(2027, 4, 4, 8, 0, tzinfo=UTC)  # day 13
    assert dates.final_at == datetime(2027, 4, 5, 8, 0, tzinfo=UTC)  # day 14
    assert dates.due_at == datetime(2027, 4, 5, 22, 0, tzinfo=UTC)
    assert local(dates.due_at) == "Tue 2027-04-06 00:00"
    assert dates.closes_at == datetime(2027, 4, 26, 22, 0, tzinfo=UTC)
    assert local(dates.closes_at) == "Tue 2027-04-27 00:00"


def test_timeline_in_a_zone_given_as_another_offset() -> None:
    # The opening may come in any aware form; the result is in UTC.
    opening = datetime(2027, 1, 11, 10, 0, tzinfo=BERLIN)
    dates = timeline(opening, BERLIN)
    assert dates.opens_at == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert dates.opens_at.tzinfo is UTC
    assert dates.remind_at == datetime(2027, 1, 18, 9, 0, tzinfo=UTC)


def _item(kind: str, due_at: datetime, recurrence: str | None) -> ScheduledItem:
    return ScheduledItem(
        id=1,
        kind=kind,
        ref="round",
        due_at=due_at,
        recurrence=recurrence,
        payload={},
        state="pending",
        failures=0,
    )


async def _noop(*_: Any) -> None:
    return None


@pytest.fixture
def scheduler() -> Scheduler:
    # next_due touches neither the database nor the repository.
    clock = ManualClock(datetime(2031, 1, 1, tzinfo=UTC))
    return Scheduler(cast(Any, None), cast(Any, None), clock, BERLIN)


def test_scheduler_uses_a_kinds_registered_rule(scheduler: Scheduler) -> None:
    schedule = RoundSchedule(DEFAULT_CRON, BERLIN)
    scheduler.register("checkin_round", _noop, next_after=schedule.next_after)
    scheduler.register("plain", _noop)
    january = datetime(2031, 1, 13, 9, 0, tzinfo=UTC)
    now = january + timedelta(seconds=5)  # the tick that runs January's round
    # The round's own rule: Easter Monday moves April's opening to Tuesday.
    ruled = scheduler.next_due(_item("checkin_round", january, DEFAULT_CRON), now)
    assert ruled == datetime(2031, 4, 15, 8, 0, tzinfo=UTC)
    # A kind without a rule follows its cron: Easter Monday itself.
    plain = scheduler.next_due(_item("plain", january, DEFAULT_CRON), now)
    assert plain == datetime(2031, 4, 14, 8, 0, tzinfo=UTC)
    # A one-off item has no next occurrence, rule or not.
    assert scheduler.next_due(_item("checkin_round", january, None), now) is None


def test_scheduler_rule_counts_from_the_later_of_now_and_due(scheduler: Scheduler) -> None:
    schedule = RoundSchedule(DEFAULT_CRON, BERLIN)
    scheduler.register("checkin_round", _noop, next_after=schedule.next_after)
    # Missed while down (due in January, run in May): the next future opening, once.
    item = _item("checkin_round", datetime(2031, 1, 13, 9, 0, tzinfo=UTC), DEFAULT_CRON)
    late = scheduler.next_due(item, datetime(2031, 5, 2, tzinfo=UTC))
    assert late == datetime(2031, 7, 14, 8, 0, tzinfo=UTC)
