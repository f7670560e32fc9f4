"""Check-in rounds in storage: who takes part, the shared draft's lock, submitting, the jobs'
queries (prompts once, reminders, closing, summaries) and erasure of an answering member."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from bot.checkin_calendar import timeline
from storage import checkin_due
from storage.checkins import CheckinRefused, CheckinRepository, Refusal, RoundOpen, Status
from storage.db import Database
from storage.members import MemberRepository
from storage.personal_data import PersonalDataRepository
from storage.projects import ProjectRepository
from storage.questionnaires import QuestionnaireRepository, parse
from storage.timefmt import to_db

BERLIN = ZoneInfo("Europe/Berlin")
OPENS = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # second Monday, 10:00 in Berlin
_next_user = iter(range(46100, 46200))


async def member(db: Database, role: str, organisation_id: int | None, name: str) -> int:
    seen = await MemberRepository(db).seen(next(_next_user), OPENS)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET role = ?, status = 'active', display_name = ?,"
            " organisation_id = ? WHERE id = ?",
            (role, name, organisation_id, seen.id),
        )
    return seen.id


async def setup(db: Database) -> tuple[CheckinRepository, int, int, int, int]:
    """A questionnaire, one project of a mosque association with two answering members, and
    staff; returns the repository, the project and the three members."""
    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    await QuestionnaireRepository(db).store(parse(source, "de"), source, OPENS, actor_id=None)
    async with db.transaction() as tx:
        org = await tx.insert(
            "INSERT INTO organisations (name, type, bundesland, created_at, updated_at)"
            " VALUES ('Moschee Nord', 'mosque_association', 'DE-HH', ?, ?)",
            (to_db(OPENS), to_db(OPENS)),
        )
    assert org is not None
    staff = await member(db, "staff", None, "Staff")
    amira = await member(db, "community", org, "Amira")
    bilal = await member(db, "community", org, "Bilal")
    projects = ProjectRepository(db)
    project = await projects.create(
        "Dialog Nord", org, date(2026, 1, 1), date(2027, 12, 31), OPENS, actor_id=staff
    )
    for who in (amira, bilal):
        await projects.add_member(project.id, who, OPENS, actor_id=staff)
    # An ended project takes no part.
    await projects.create(
        "Old project", org, date(2024, 1, 1), date(2025, 12, 31), OPENS, actor_id=staff
    )
    return CheckinRepository(db), project.id, staff, amira, bilal


def moments(opens: datetime = OPENS) -> tuple[datetime, ...]:
    return timeline(opens, BERLIN).moments


async def test_a_round_takes_the_funded_projects_and_only_one_is_open(db: Database) -> None:
    checkins, project, staff, _, _ = await setup(db)
    round_ = await checkins.open_round(OPENS, moments(), opened_by=staff)
    assert [p.project_name for p in await checkins.projects(round_.id)] == ["Dialog Nord"]
    with pytest.raises(RoundOpen):
        await checkins.open_round(OPENS + timedelta(days=1), moments(), opened_by=staff)
    assert (await checkins.current(OPENS)) == round_
    assert project


async def test_the_draft_is_locked_to_who_started_and_submitting_needs_the_required(
    db: Database,
) -> None:
    checkins, project, staff, amira, bilal = await setup(db)
    round_ = await checkins.open_round(OPENS, moments(), opened_by=staff)
    await checkins.take(round_.id, project, amira, OPENS)
    with pytest.raises(CheckinRefused) as refused:
        await checkins.take(round_.id, project, bilal, OPENS)
    assert refused.value.reason is Refusal.LOCKED and refused.value.holder == "Amira"
    with pytest.raises(CheckinRefused) as refused:
        await checkins.save_answer(round_.id, project, bilal, "obstacles", "x", 2, OPENS)
    assert refused.value.reason is Refusal.NOT_LOCKED
    await checkins.save_answer(round_.id, project, amira, "activities_count", "3", 2, OPENS)
    row = await checkins.project(round_.id, project)
    assert row is not None and row.status(round_, OPENS) is Status.IN_PROGRESS
    with pytest.raises(CheckinRefused) as refused:
        await checkins.submit(round_.id, project, amira, ["activities_count", "obstacles"], OPENS)
    assert refused.value.reason is Refusal.INCOMPLETE
    await checkins.save_answer(round_.id, project, amira, "obstacles", "Rooms", None, OPENS)
    assert await checkins.submit(
        round_.id, project, amira, ["activities_count", "obstacles"], OPENS
    )
    row = await checkins.project(round_.id, project)
    assert row is not None and row.status(round_, OPENS) is Status.ANSWERED
    assert row.answering_id is None and row.submitted_by_name == "Amira"
    # After submitting, another member may change it until the round closes.
    await checkins.take(round_.id, project, bilal, OPENS)
    await checkins.save_answer(round_.id, project, bilal, "obstacles", "None", None, OPENS)
    closed = round_.closes_at
    with pytest.raises(CheckinRefused) as refused:
        await checkins.save_answer(round_.id, project, bilal, "obstacles", "Late", None, closed)
    assert refused.value.reason is Refusal.CLOSED
    answers = await checkins.answers(round_.id, project)
    assert answers["obstacles"].value == "None" and answers["obstacles"].answered_by == bilal


async def test_prompts_once_reminders_latest_only_and_none_after_submitting(db: Database) -> None:
    checkins, project, staff, amira, bilal = await setup(db)
    round_ = await checkins.open_round(OPENS, moments(), opened_by=staff)
    async with db.transaction() as tx:
        first = await checkin_due.prompts_due(tx, OPENS)
        again = await checkin_due.prompts_due(tx, OPENS + timedelta(minutes=5))
    assert sorted(d.addressee.member_id for d in first) == [amira, bilal] and again == []
    # Down from day 6 to day 13: only the day-13 reminder goes.
    async with db.transaction() as tx:
        due = await checkin_due.reminders_due(tx, round_.last_remind_at)
        repeat = await checkin_due.reminders_due(tx, round_.last_remind_at)
    assert {d.level for d in due} == {2} and len(due) == 2 and repeat == []
    await checkins.away(round_.id, project, bilal, OPENS)
    async with db.transaction() as tx:
        final = await checkin_due.reminders_due(tx, round_.final_at)
    assert [(d.addressee.member_id, d.level) for d in final] == [(amira, 3)]


async def test_closing_makes_the_unsubmitted_missed_and_sends_the_summary(db: Database) -> None:
    checkins, project, staff, _, _ = await setup(db)
    round_ = await checkins.open_round(OPENS, moments(), opened_by=staff)
    row = await checkins.project(round_.id, project)
    assert row is not None
    assert row.status(round_, round_.due_at) is Status.OVERDUE
    async with db.transaction() as tx:
        assert await checkin_due.summaries_due(tx, round_.due_at, timedelta(days=7)) == []
        closed = await checkin_due.close_due(tx, round_.closes_at)
        summaries = await checkin_due.summaries_due(tx, round_.closes_at, timedelta(days=7))
    assert [r.id for r in closed] == [round_.id] == [r.id for r in summaries]
    stored = await checkins.get(round_.id)
    assert stored is not None and row.status(stored, round_.closes_at) is Status.MISSED


async def test_an_erased_member_leaves_the_answer_as_a_former_members(db: Database) -> None:
    checkins, project, staff, amira, _ = await setup(db)
    round_ = await checkins.open_round(OPENS, moments(), opened_by=staff)
    await checkins.take(round_.id, project, amira, OPENS)
    await checkins.save_answer(round_.id, project, amira, "obstacles", "Rooms", None, OPENS)
    await checkins.submit(round_.id, project, amira, [], OPENS)
    gone = await MemberRepository(db).get(amira)
    assert gone is not None
    await PersonalDataRepository(db).erase(gone, OPENS)
    row = await checkins.project(round_.id, project)
    answers = await checkins.answers(round_.id, project)
    assert row is not None and row.submitted_at is not None and row.submitted_by is None
    assert answers["obstacles"].value == "Rooms" and answers["obstacles"].answered_by is None
