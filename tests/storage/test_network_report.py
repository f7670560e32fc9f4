"""The network report's figures over a known data set: every figure of every section, the
period's edges, a custom period in another time zone, cancelled and draft events, erased
members, and an empty database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from bot.checkin_calendar import timeline
from storage.checkin_followups import CheckinFollowupRepository
from storage.checkins import CheckinRepository
from storage.consents import ConsentRepository
from storage.contact_stats import ContactStatsRepository, Period, period
from storage.db import Database
from storage.members import MemberRepository
from storage.network_report import (
    TREND_QUARTERS,
    CheckinRoundRow,
    EventRow,
    MemberRow,
    NetworkReportRepository,
    QuarterTrend,
)
from storage.personal_data import PersonalDataRepository
from storage.projects import ProjectRepository
from storage.questionnaires import QuestionnaireRepository, parse
from storage.reconfirmation import ReconfirmationRepository
from storage.timefmt import to_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
Q1 = period("quarter", NOW, BERLIN)  # 2027-01-01 00:00 to 2027-04-01 00:00 in Berlin
Q4 = period("last_quarter", NOW, BERLIN)
START = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # Q1's first moment, in UTC
END = datetime(2027, 3, 31, 22, 0, tzinfo=UTC)  # Q1's end (exclusive), in UTC
_next_user = iter(range(94000, 94100))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def berlin_quarters(first: date, count: int) -> list[datetime]:
    starts = []
    year, month = first.year, first.month
    for _ in range(count):
        starts.append(datetime(year, month, 1, tzinfo=BERLIN))
        year, month = (year + 1, 1) if month == 10 else (year, month + 3)
    return starts


async def member(
    db: Database,
    role: str,
    status: str,
    regions: tuple[str, ...],
    admitted: datetime,
    *,
    via: str = "invite",
) -> int:
    """A member admitted at ``admitted`` by invitation (consent given then) or by an approved
    application (consent given when applying, a month earlier)."""
    applied = admitted - timedelta(days=30)
    seen = await MemberRepository(db).seen(next(_next_user), applied)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET role = ?, status = ?, role_confirmed_at = ? WHERE id = ?",
            (role, status, to_db(admitted), seen.id),
        )
        for region in regions:
            await tx.execute(
                "INSERT INTO member_regions (member_id, region) VALUES (?, ?)", (seen.id, region)
            )
        if via == "invite":
            await tx.execute(
                "INSERT INTO consents (member_id, purpose, notice_version, given_at)"
                " VALUES (?, 'membership', 'v1', ?)",
                (seen.id, to_db(admitted)),
            )
        else:
            await tx.execute(
                "INSERT INTO consents (member_id, purpose, notice_version, given_at)"
                " VALUES (?, 'membership', 'v1', ?)",
                (seen.id, to_db(applied)),
            )
            await tx.execute(
                "INSERT INTO applications (member_id, state, claimed_role, started_at,"
                " submitted_at, decided_at, decided_by) VALUES (?, 'approved', ?, ?, ?, ?, 1)",
                (seen.id, role, to_db(applied), to_db(applied), to_db(admitted)),
            )
    return seen.id


async def event(
    db: Database,
    starts: datetime | None,
    *,
    state: str = "published",
    region: str = "DE-BE",
    titles: dict[str, str] | None = None,
) -> int:
    async with db.transaction() as tx:
        event_id = await tx.insert(
            "INSERT INTO events (state, starts_at, ends_at, venue, region, capacity,"
            " registration_deadline, created_at, updated_at)"
            " VALUES (?, ?, ?, 'Rathaus', ?, 50, ?, ?, ?)",
            (
                state,
                None if starts is None else to_db(starts),
                None if starts is None else to_db(starts + timedelta(hours=2)),
                region,
                None if starts is None else to_db(starts - timedelta(days=1)),
                to_db(NOW),
                to_db(NOW),
            ),
        )
        assert event_id is not None
        for language, title in (titles or {"de": "Veranstaltung"}).items():
            await tx.execute(
                "INSERT INTO event_texts (event_id, language, title) VALUES (?, ?, ?)",
                (event_id, language, title),
            )
    return event_id


async def register(
    db: Database,
    event_id: int,
    member_id: int,
    *,
    state: str = "confirmed",
    attended: bool = False,
    feedback: tuple[int | None, int | None] | None = None,
) -> None:
    """A registration; ``feedback`` (overall, changed view) when the attendee was asked."""
    async with db.transaction() as tx:
        registration = await tx.insert(
            "INSERT INTO registrations (event_id, member_id, seat, state, created_at,"
            " waiting_since, attended) VALUES (?, ?, 'general', ?, ?, ?, ?)",
            (
                event_id,
                member_id,
                state,
                to_db(NOW),
                to_db(NOW) if state == "waitlisted" else None,
                1 if attended else None,
            ),
        )
        if feedback is not None:
            await tx.execute(
                "INSERT INTO event_feedback (registration_id, member_id, event_id, overall,"
                " changed_view, asked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (registration, member_id, event_id, *feedback, to_db(NOW)),
            )


async def contact_request(
    db: Database, submitted: datetime | None, state: str, introduced: datetime | None = None
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO contact_requests (asker_role, topic, region, state, step, created_at,"
            " submitted_at, introduced_at, closed_at) VALUES ('community', 'prevention',"
            " 'DE-BE', ?, ?, ?, ?, ?, ?)",
            (
                state,
                "region" if state == "draft" else None,
                to_db(submitted or NOW),
                None if submitted is None else to_db(submitted),
                None if introduced is None else to_db(introduced),
                None if introduced is None else to_db(introduced),
            ),
        )


async def answer(
    db: Database, round_id: int, project_id: int, values: dict[str, str | None], *, submit: bool
) -> None:
    async with db.transaction() as tx:
        for key, value in values.items():
            await tx.execute(
                "INSERT INTO checkin_answers (round_id, project_id, question_key, value,"
                " answered_at) VALUES (?, ?, ?, ?, ?)",
                (round_id, project_id, key, value, to_db(NOW)),
            )
        if submit:
            await tx.execute(
                "UPDATE checkin_projects SET submitted_at = ? WHERE round_id = ?"
                " AND project_id = ?",
                (to_db(NOW), round_id, project_id),
            )


@dataclass
class Seeded:
    events: dict[str, int]
    rounds: tuple[int, int]  # Q4 2026's and Q1 2027's


async def seed(db: Database) -> Seeded:
    """The known data set every test below reads."""
    # Members ------------------------------------------------------------------------------
    amira = await member(db, "community", "active", ("DE-BE",), at("2026-06-01T10:00"))
    # New in Q1, and Telegram says she blocked the bot.
    bilal = await member(db, "community", "active", ("DE-BE",), at("2027-02-01T10:00"))
    blocked = await MemberRepository(db).get(bilal)
    assert blocked is not None
    await MemberRepository(db).mark_unreachable(blocked.telegram_user_id, at("2027-03-01T10:00"))
    # Applied (and consented) in December, approved in January: new in Q1.
    cem = await member(
        db, "community", "active", ("DE-BE",), at("2027-01-05T10:00"), via="application"
    )
    # Covers two lands, counted once under the first by code; admitted at Q1's first moment.
    dana = await member(db, "police", "active", ("DE-NW", "DE-NI"), START)
    # Admitted in Q1 and suspended since: new, not active.
    emil = await member(db, "police", "suspended", ("DE-NI",), at("2027-02-10T10:00"))
    # Staff made from the command line in 2025, who agreed to the notice only in Q1.
    staff, _ = await MemberRepository(db).make_staff(next(_next_user), at("2025-01-01T10:00"))
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO member_regions VALUES (?, 'DE')", (staff.id,))
    await ConsentRepository(db).give(staff.id, "v2", at("2027-02-01T10:00"))
    # A police officer of 2025 who reconfirmed the role in Q1: not new.
    gert = await member(db, "police", "active", ("DE-NI",), at("2025-05-01T10:00"))
    assert await ReconfirmationRepository(db).confirm_own(gert, at("2027-02-15T10:00"))
    # An application waiting for staff, claiming the police role.
    applicant = await MemberRepository(db).seen(next(_next_user), at("2027-03-01T10:00"))
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'pending' WHERE id = ?", (applicant.id,))
        await tx.execute("INSERT INTO member_regions VALUES (?, 'DE-NW')", (applicant.id,))
        await tx.execute(
            "INSERT INTO applications (member_id, state, claimed_role, started_at, submitted_at)"
            " VALUES (?, 'pending', 'police', ?, ?)",
            (applicant.id, to_db(NOW), to_db(NOW)),
        )
    # Someone who only wrote to the bot.
    await MemberRepository(db).seen(next(_next_user), at("2027-02-01T10:00"))
    # A member without regions, admitted in November 2025.
    kim = await member(db, "community", "active", (), at("2025-11-15T10:00"))
    # Admitted in Q1, registered, attended and gave feedback, then erased: gone everywhere.
    ines = await member(db, "community", "active", ("DE-BE",), at("2027-02-01T10:00"))

    # Events -------------------------------------------------------------------------------
    events = {
        "forum": await event(
            db,
            at("2027-02-10T17:00"),
            titles={"de": "Dialogforum Berlin", "en": "Dialogue forum Berlin"},
        ),
        "talk": await event(db, at("2027-03-01T17:00"), region="DE-NW", titles={"de": "Vortrag"}),
        "first": await event(db, START, region="DE", titles={"de": "Neujahr"}),
        "at_end": await event(db, END),
        "before": await event(db, START - timedelta(seconds=1)),
        "cancelled": await event(db, at("2027-02-15T17:00"), state="cancelled"),
        "draft": await event(db, at("2027-02-16T17:00"), state="draft"),
        "q2_2025": await event(db, at("2025-05-05T17:00")),
        # 23:59 in Berlin on 31 March 2025: the quarter before the trend's first one.
        "q1_2025": await event(db, at("2025-03-31T21:59")),
    }
    forum = events["forum"]
    await register(db, forum, amira, attended=True, feedback=(4, 5))
    await register(db, forum, bilal)
    await register(db, forum, cem, attended=True, feedback=(None, None))
    await register(db, forum, dana, attended=True, feedback=(3, 2))
    await register(db, forum, gert, attended=True, feedback=(5, None))
    await register(db, forum, staff.id, attended=True, feedback=(4, 1))
    await register(db, forum, kim, state="waitlisted")
    await register(db, forum, emil, state="cancelled")
    await register(db, forum, ines, attended=True, feedback=(1, 1))
    await register(db, events["talk"], amira)
    await register(db, events["talk"], dana)
    await register(db, events["cancelled"], amira, attended=True)
    erased = await MemberRepository(db).get(ines)
    assert erased is not None
    await PersonalDataRepository(db).erase(erased, at("2027-03-10T10:00"))

    # Introductions ------------------------------------------------------------------------
    await contact_request(db, at("2026-11-01T10:00"), "introduced", at("2027-01-03T10:00"))
    await contact_request(db, at("2027-02-01T10:00"), "matching")
    await contact_request(db, at("2027-02-02T10:00"), "closed")
    await contact_request(db, None, "draft")
    await contact_request(db, at("2025-06-01T10:00"), "introduced", at("2025-06-02T10:00"))

    # Check-ins ----------------------------------------------------------------------------
    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    await QuestionnaireRepository(db).store(
        parse(source, "de"), source, at("2026-01-01T10:00"), actor_id=None
    )
    async with db.transaction() as tx:
        org = await tx.insert(
            "INSERT INTO organisations (name, type, bundesland, created_at, updated_at)"
            " VALUES ('Moschee Nord', 'mosque_association', 'DE-HH', ?, ?)",
            (to_db(NOW), to_db(NOW)),
        )
    assert org is not None
    projects = ProjectRepository(db)
    p1, p2, p3 = [
        (
            await projects.create(
                name, org, date(2026, 1, 1), date(2027, 12, 31), NOW, actor_id=staff.id
            )
        ).id
        for name in ("Dialog Nord", "Dialog Süd", "Dialog West")
    ]
    checkins = CheckinRepository(db)
    q4_opens, q1_opens = at("2026-10-12T08:00"), at("2027-01-11T09:00")
    q4 = await checkins.open_round(q4_opens, timeline(q4_opens, BERLIN).moments, opened_by=staff.id)
    q1 = await checkins.open_round(q1_opens, timeline(q1_opens, BERLIN).moments, opened_by=staff.id)
    numbers = {"activities_count": "4", "people_reached": "120"}
    await answer(
        db, q4.id, p1, {**numbers, "obstacles": "Räume", "support_needed": "Geld"}, submit=True
    )
    await answer(
        db,
        q1.id,
        p1,
        {**numbers, "obstacles": "Räume fehlen", "support_needed": "Hilfe bei Anträgen"},
        submit=True,
    )
    skipped_support: dict[str, str | None] = {
        "activities_count": "2",
        "people_reached": "30",
        "obstacles": "keine",
        "support_needed": None,
    }
    await answer(db, q1.id, p2, skipped_support, submit=True)
    # A draft not submitted counts nowhere.
    await answer(db, q1.id, p3, {"activities_count": "100", "support_needed": "Mehr"}, submit=False)
    followups = CheckinFollowupRepository(db)
    assert await followups.mark(q1.id, p1, True, NOW, actor_id=staff.id)
    return Seeded(events, (q4.id, q1.id))


async def test_every_figure_of_a_quarter(db: Database) -> None:
    seeded = await seed(db)
    report = await NetworkReportRepository(db, "de").report(Q1, NOW)
    assert report.period == Q1

    assert report.members == [
        MemberRow("community", "", active=1, pending=0, new=0, unreachable=0),
        MemberRow("community", "DE-BE", active=3, pending=0, new=2, unreachable=1),
        MemberRow("police", "DE-NI", active=2, pending=0, new=2, unreachable=0),
        MemberRow("police", "DE-NW", active=0, pending=1, new=0, unreachable=0),
        MemberRow("staff", "DE", active=1, pending=0, new=0, unreachable=0),
    ]

    ids = seeded.events
    assert report.events == [
        EventRow(
            event_id=ids["first"],
            title="Neujahr",
            starts_at=START,
            region="DE",
            confirmed=0,
            confirmed_police=0,
            confirmed_community=0,
            attended=None,
            feedback_answers=0,
            changed_view_police=None,
            changed_view_community=None,
        ),
        EventRow(
            event_id=ids["forum"],
            title="Dialogforum Berlin",
            starts_at=at("2027-02-10T17:00"),
            region="DE-BE",
            # Amira, Bilal, Cem, Dana, Gert and staff: not the waiting, cancelled or erased.
            confirmed=6,
            confirmed_police=2,
            confirmed_community=3,
            attended=5,
            # Everyone who gave the first score, staff included; Cem was asked, did not answer.
            feedback_answers=4,
            changed_view_police=2.0,  # Dana; Gert gave the first score only
            changed_view_community=5.0,  # Amira
            changed_view_police_answers=1,
            changed_view_community_answers=1,
        ),
        EventRow(
            event_id=ids["talk"],
            title="Vortrag",
            starts_at=at("2027-03-01T17:00"),
            region="DE-NW",
            confirmed=2,
            confirmed_police=1,
            confirmed_community=1,
            attended=None,
            feedback_answers=0,
            changed_view_police=None,
            changed_view_community=None,
        ),
    ]

    assert report.introductions == await ContactStatsRepository(db).stats(Q1)
    assert report.introductions.sent == 2

    q4_round, q1_round = seeded.rounds
    assert report.checkins == [
        CheckinRoundRow(
            round_id=q1_round,
            opens_at=at("2027-01-11T09:00"),
            taking_part=3,
            submitted=2,
            totals={"activities_count": 6, "people_reached": 150},
            obstacles=2,
            support_needed=1,
            followed_up=1,
            response_rate=2 / 3,
        )
    ]
    assert q4_round != q1_round

    assert report.trend == [
        QuarterTrend(start, active, events, requested, accepted, rate)
        for start, active, events, requested, accepted, rate in zip(
            berlin_quarters(date(2025, 4, 1), TREND_QUARTERS),
            [2, 2, 3, 3, 4, 4, 4, 7],
            [1, 0, 0, 0, 0, 0, 1, 3],
            [1, 0, 0, 0, 0, 0, 1, 2],
            [1, 0, 0, 0, 0, 0, 0, 1],
            [None, None, None, None, None, None, 1 / 3, 2 / 3],
            strict=True,
        )
    ]


async def test_last_quarter_counts_members_active_at_its_end(db: Database) -> None:
    seeded = await seed(db)
    report = await NetworkReportRepository(db, "en").report(Q4, NOW)
    # Admitted before 1 January (Dana at its first moment is not) and active now.
    assert report.members == [
        MemberRow("community", "", active=1, pending=0, new=0, unreachable=0),
        MemberRow("community", "DE-BE", active=1, pending=0, new=0, unreachable=1),
        MemberRow("police", "DE-NI", active=1, pending=0, new=0, unreachable=0),
        MemberRow("police", "DE-NW", active=0, pending=1, new=0, unreachable=0),
        MemberRow("staff", "DE", active=1, pending=0, new=0, unreachable=0),
    ]
    # One second before Q1 is Q4; no title in English: the title of another language.
    assert [(e.event_id, e.title) for e in report.events] == [
        (seeded.events["before"], "Veranstaltung")
    ]
    [round_] = report.checkins
    assert (round_.round_id, round_.taking_part, round_.submitted) == (seeded.rounds[0], 3, 1)
    assert round_.totals == {"activities_count": 4, "people_reached": 120}
    assert (round_.obstacles, round_.support_needed, round_.followed_up) == (1, 1, 0)
    assert round_.response_rate == 1 / 3
    assert report.introductions.sent == 1
    assert [t.start for t in report.trend] == berlin_quarters(date(2025, 1, 1), TREND_QUARTERS)
    assert [t.events_held for t in report.trend] == [1, 1, 0, 0, 0, 0, 0, 1]
    assert [t.members_active for t in report.trend] == [1, 2, 2, 3, 3, 4, 4, 4]


async def test_a_custom_period_in_another_time_zone(db: Database) -> None:
    seeded = await seed(db)
    # 1 February to 11 February, exclusive, in UTC.
    custom = Period("custom", at("2027-02-01T00:00"), at("2027-02-11T00:00"))
    report = await NetworkReportRepository(db, "de").report(custom, NOW)
    # Bilal and the erased Ines on 1 February (she is gone), Emil on 10 February.
    assert [(r.role, r.region, r.new) for r in report.members if r.new] == [
        ("community", "DE-BE", 1),
        ("police", "DE-NI", 1),
    ]
    assert [e.event_id for e in report.events] == [seeded.events["forum"]]
    assert report.checkins == []
    assert report.introductions.sent == 2
    # Quarters in UTC: the events at 23:00 UTC on 31 December and 22:00 UTC on 31 March are
    # in the fourth and the first quarter there.
    starts = [t.start for t in report.trend]
    assert starts[-1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert starts[0] == datetime(2025, 4, 1, tzinfo=UTC)
    assert [t.events_held for t in report.trend][-2:] == [2, 3]


async def test_an_empty_database(db: Database) -> None:
    report = await NetworkReportRepository(db, "de").report(Q1, NOW)
    assert report.members == []
    assert report.events == []
    assert report.checkins == []
    assert report.introductions.sent == 0
    assert report.trend == [
        QuarterTrend(start, 0, 0, 0, 0, None)
        for start in berlin_quarters(date(2025, 4, 1), TREND_QUARTERS)
    ]


async def test_a_year_ends_its_trend_with_the_years_last_quarter(db: Database) -> None:
    await seed(db)
    year = period("year", NOW, BERLIN)
    report = await NetworkReportRepository(db, "de").report(year, NOW)
    # The quarters after today: nobody admitted after now, nothing held yet.
    assert [t.start for t in report.trend][-1] == datetime(2027, 10, 1, tzinfo=BERLIN)
    assert [t.members_active for t in report.trend][-4:] == [7, 7, 7, 7]
    assert [t.events_held for t in report.trend][-4:] == [3, 1, 0, 0]
    assert len(report.events) == 3 + 1  # the event at Q1's end is in the year
