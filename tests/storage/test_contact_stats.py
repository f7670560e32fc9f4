"""Contact-request statistics against a known data set: every figure, the periods' borders in
Europe/Berlin (summer and winter time), and nothing that names anyone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.contact_stats import ContactStatsRepository, FollowUps, period
from storage.db import Database, Transaction
from storage.timefmt import to_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 5, 20, 10, 0, tzinfo=UTC)  # the second quarter of 2027


@dataclass
class Request:
    """One contact request as the statistics see it, and what happened to it."""

    sent: datetime
    region: str = "DE-BE"
    topic: str = "prevention"
    state: str = "withdrawn"
    introduced_after: timedelta | None = None
    queued: str | None = None  # the reason, if it went to the queue
    # Candidates' answers in order; (answer, chosen by staff). None: still being asked.
    answers: list[tuple[str | None, bool]] = field(default_factory=list)
    # Follow-ups: (got in touch, usefulness); None for a question not answered.
    followups: list[tuple[int | None, int | None]] = field(default_factory=list)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Figures of the second quarter of 2027 (Berlin time), checked one by one below.
DATA = [
    # 1: asked, declined, the next accepted after 2 hours; both answered the follow-up.
    Request(at("2027-04-02T08:00"), state="introduced", introduced_after=timedelta(hours=2),
            answers=[("declined", False), ("accepted", False)], followups=[(1, 4), (1, 5)]),
    # 2: accepted after 4 hours; one side did not get in touch, the other found it useful.
    Request(at("2027-04-10T08:00"), state="introduced", introduced_after=timedelta(hours=4),
            answers=[("accepted", False)], followups=[(0, None), (1, 3)]),
    # 3: no answer in time, passed to the team, then assigned by staff: accepted after 30 h.
    Request(at("2027-04-15T00:00"), region="DE-BY", topic="mosque_security",
            state="introduced", introduced_after=timedelta(hours=30), queued="passed",
            answers=[("expired", False), ("passed", False), ("accepted", True)],
            followups=[(None, None)]),
    # 4: straight to the team, closed by them with a message.
    Request(at("2027-04-20T09:00"), topic="network_team", state="closed",
            queued="network_team"),
    # 5: withdrawn while someone was being asked (the asker's request, anonymised later).
    Request(at("2027-05-01T12:00"), region="DE-HH", topic="other", state="withdrawn",
            answers=[("withdrawn", False)]),
    # 6: declined, nobody left: waiting in the queue now.
    Request(at("2027-05-10T12:00"), state="queued", queued="no_candidates",
            answers=[("declined", False)]),
    # 7: someone is being asked right now.
    Request(at("2027-05-19T12:00"), region="DE-BY", state="matching", answers=[(None, False)]),
    # 8: 00:30 on 1 April in Berlin (summer time), still 31 March in UTC: this quarter.
    Request(at("2027-03-31T22:30")),
    # 9: 23:30 on 31 March in Berlin: last quarter.
    Request(at("2027-03-31T21:30"), region="DE-SN", topic="dialogue_planning",
            state="introduced", introduced_after=timedelta(hours=1),
            answers=[("accepted", False)]),
    # 10: 23:59 on New Year's Eve 2026 in Berlin (winter time): last year.
    Request(at("2026-12-31T22:59"), topic="other"),
    # 11: midnight of New Year 2027 in Berlin: this year.
    Request(at("2026-12-31T23:00"), region="DE", topic="other"),
]  # fmt: skip


async def build(db: Database, requests: list[Request]) -> None:
    async with db.transaction() as tx:
        for request in requests:
            await _insert(tx, request)
        # A draft never sent counts nowhere.
        await tx.execute(
            "INSERT INTO contact_requests (asker_role, topic, region, state, step, created_at)"
            " VALUES ('police', 'prevention', 'DE-BE', 'draft', 'message', ?)",
            (to_db(at("2027-05-01T00:00")),),
        )


async def _insert(tx: Transaction, request: Request) -> None:
    sent = request.sent
    introduced = None if request.introduced_after is None else sent + request.introduced_after
    closed = introduced or (sent + timedelta(hours=1) if request.state in ("withdrawn", "closed")
                            else None)  # fmt: skip
    request_id = await tx.insert(
        "INSERT INTO contact_requests (asker_id, asker_role, organisation_type, topic, region,"
        " message, state, queued_reason, created_at, submitted_at, queued_at, closed_at,"
        " introduced_at) VALUES (NULL, 'community', 'mosque_association', ?, ?,"
        " 'A message that must never be counted or shown', ?, ?, ?, ?, ?, ?, ?)",
        (
            request.topic, request.region, request.state, request.queued, to_db(sent),
            to_db(sent), None if request.queued is None else to_db(sent), _db(closed),
            _db(introduced),
        ),
    )  # fmt: skip
    for position, (answer, by_staff) in enumerate(request.answers, start=1):
        await tx.execute(
            "INSERT INTO contact_candidates (request_id, member_id, position, asked_at,"
            " answered_at, answer, assigned_by) VALUES (?, NULL, ?, ?, ?, ?, ?)",
            (request_id, position, to_db(sent), None if answer is None else to_db(sent),
             answer, 1 if by_staff else None),
        )  # fmt: skip
    for side, (in_touch, useful) in zip(("asker", "candidate"), request.followups, strict=False):
        await tx.execute(
            "INSERT INTO contact_followups (request_id, member_id, side, asked_at, got_in_touch,"
            " usefulness, answered_at) VALUES (?, NULL, ?, ?, ?, ?, ?)",
            (request_id, side, to_db(sent), in_touch, useful,
             None if in_touch is None else to_db(sent)),
        )  # fmt: skip


def _db(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment)


def test_periods_are_calendar_quarters_and_years_in_berlin() -> None:
    quarter = period("quarter", NOW, BERLIN)
    assert (quarter.start, quarter.end) == (at("2027-03-31T22:00"), at("2027-06-30T22:00"))
    assert str(quarter.last_day) == "2027-06-30"
    last = period("last_quarter", NOW, BERLIN)
    assert (last.start, last.end) == (at("2026-12-31T23:00"), at("2027-03-31T22:00"))
    year = period("year", NOW, BERLIN)
    assert (year.start, year.end) == (at("2026-12-31T23:00"), at("2027-12-31T23:00"))
    # 00:30 on 1 January in Berlin is still the old year in UTC: the new year's first quarter,
    # whose previous quarter is the old year's last.
    new_year = at("2026-12-31T23:30")
    assert period("quarter", new_year, BERLIN).start == at("2026-12-31T23:00")
    january_last = period("last_quarter", new_year, BERLIN)
    assert (january_last.start, january_last.end) == (
        at("2026-09-30T22:00"),
        at("2026-12-31T23:00"),
    )


async def test_every_figure_of_a_known_data_set(db: Database) -> None:
    await build(db, DATA)
    stats = await ContactStatsRepository(db).stats(period("quarter", NOW, BERLIN))
    assert stats.sent == 8
    assert stats.by_region == {"DE-BE": 5, "DE-BY": 2, "DE-HH": 1}
    assert stats.by_topic == {"prevention": 5, "mosque_security": 1, "network_team": 1, "other": 1}
    assert stats.states == {
        "introduced": 3,
        "matching": 1,
        "queued": 1,
        "withdrawn": 2,
        "closed": 1,
    }
    assert sum(stats.states.values()) == stats.sent
    assert stats.ever_queued == 3
    assert stats.answers == {"declined": 2, "passed": 1, "expired": 1}
    assert stats.assigned == 1
    assert stats.introductions == 3
    assert stats.median_to_acceptance == timedelta(hours=4)  # of 2, 4 and 30 hours
    assert stats.followups == FollowUps(
        asked=5, got_in_touch=3, not_in_touch=1, usefulness_answers=3, usefulness_average=4.0
    )


async def test_the_other_periods(db: Database) -> None:
    await build(db, DATA)
    repo = ContactStatsRepository(db)
    last = await repo.stats(period("last_quarter", NOW, BERLIN))
    assert (last.sent, last.by_region, last.by_topic) == (
        2,
        {"DE-SN": 1, "DE": 1},
        {"dialogue_planning": 1, "other": 1},
    )
    assert last.states == {"introduced": 1, "matching": 0, "queued": 0, "withdrawn": 1,
                           "closed": 0}  # fmt: skip
    assert (last.introductions, last.median_to_acceptance) == (1, timedelta(hours=1))
    assert last.answers == {"declined": 0, "passed": 0, "expired": 0}
    assert last.followups == FollowUps(0, 0, 0, 0, None)
    year = await repo.stats(period("year", NOW, BERLIN))
    assert year.sent == 10  # all but the one on New Year's Eve 2026
    assert year.by_topic["other"] == 2
    assert year.introductions == 4
    # An even number of acceptances: the middle two's mean, (2 h + 4 h) / 2.
    assert year.median_to_acceptance == timedelta(hours=3)


async def test_an_empty_period(db: Database) -> None:
    stats = await ContactStatsRepository(db).stats(period("year", NOW, BERLIN))
    assert (stats.sent, stats.by_region, stats.by_topic, stats.ever_queued) == (0, {}, {}, 0)
    assert set(stats.states.values()) == {0}
    assert (stats.introductions, stats.median_to_acceptance, stats.assigned) == (0, None, 0)
