"""Applications against the real schema: submission, decisions that happen once, the
organisation a proposal becomes, and what the retention erases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage.applications import (
    KEPT_FOR,
    Applicant,
    ApplicationRepository,
    Decision,
    NoteRequired,
)
from storage.audit import AuditRepository
from storage.db import Database
from storage.members import MemberRepository
from storage.organisations import OrganisationRepository

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def staff_text(
    applicant: Applicant, language: str | None, app_language: str | None
) -> dict[str, Any]:
    return {"text": f"application {applicant.application.id}"}


def outcome(applicant: Applicant) -> dict[str, Any]:
    return {"text": f"decided {applicant.application.state}"}


async def applicant(
    db: Database, telegram_user_id: int, role: str, *, organisation: str | None = None
) -> int:
    """A submitted-ready draft of someone without a role; returns the application id."""
    repo = ApplicationRepository(db)
    member = await MemberRepository(db).seen(telegram_user_id, NOW)
    draft = await repo.start(member.id, NOW)
    assert await repo.set_name(member.id, f"Person {telegram_user_id}")
    assert await repo.set_city(member.id, "Köln")
    assert await repo.toggle_region(member.id, "DE") == ("DE",)
    assert await repo.toggle_region(member.id, "DE-NW") == ("DE-NW", "DE")
    assert await repo.claim_role(draft.id, role)
    kind = "police" if role == "police" else "muslim_ngo"
    assert await repo.propose_organisation(draft.id, organisation or "Neue Gruppe", kind)
    return draft.id


async def test_submission_notifies_each_active_staff_member_once(db: Database) -> None:
    members, repo = MemberRepository(db), ApplicationRepository(db)
    await members.make_staff(1, NOW)
    await members.make_staff(2, NOW)
    await members.make_staff(3, NOW)
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'lapsed' WHERE telegram_user_id = 3")
    application_id = await applicant(db, 10, "community")
    assert await repo.submit(application_id, NOW, staff_text) == 2
    assert await repo.submit(application_id, NOW, staff_text) is None  # a double tap
    assert await repo.count_pending() == 1
    rows = await db.fetchall("SELECT chat_id FROM outbox ORDER BY chat_id")
    assert [r[0] for r in rows] == [1, 2]
    member = await members.get_by_telegram_id(10)
    assert member is not None and (member.role, member.status) == (None, "pending")
    # What the flow writes to a member row is for applicants only.
    staff = await members.get_by_telegram_id(1)
    assert staff is not None
    assert not await repo.set_name(staff.id, "Someone Else")


async def test_an_incomplete_draft_is_not_submitted(db: Database) -> None:
    repo = ApplicationRepository(db)
    member = await MemberRepository(db).seen(11, NOW)
    draft = await repo.start(member.id, NOW)
    await repo.claim_role(draft.id, "police")
    assert await repo.submit(draft.id, NOW, staff_text) is None
    with pytest.raises(ValueError, match="nobody may claim"):
        await repo.claim_role(draft.id, "staff")


async def test_approval_reuses_an_organisation_of_the_same_name_and_needs_a_police_note(
    db: Database,
) -> None:
    repo = ApplicationRepository(db)
    staff, _ = await MemberRepository(db).make_staff(1, NOW)
    existing = await OrganisationRepository(db).add(
        "Polizei Köln", "police", "DE-NW", NOW, actor_id=None
    )
    application_id = await applicant(db, 12, "police", organisation="Polizei   Köln")
    await repo.submit(application_id, NOW, staff_text)
    with pytest.raises(NoteRequired):
        await repo.approve(application_id, staff.id, NOW, outcome)
    assert await repo.approve(application_id, staff.id, NOW, outcome, note="called 110") is (
        Decision.DONE
    )
    assert await repo.approve(application_id, staff.id, NOW, outcome, note="again") is (
        Decision.ALREADY_DECIDED
    )
    assert await repo.reject(application_id, staff.id, NOW, outcome) is Decision.ALREADY_DECIDED
    member = await MemberRepository(db).get_by_telegram_id(12)
    assert member is not None
    assert (member.role, member.status, member.organisation_id) == (
        "police",
        "active",
        existing.id,
    )
    assert len(await OrganisationRepository(db).all()) == 1
    assert [e.object_id for e in await AuditRepository(db).entries("organisation.add")] == [
        existing.id
    ]
    rows = await db.fetchall("SELECT payload FROM outbox WHERE chat_id = 12")
    assert [r[0] for r in rows] == ['{"text": "decided approved"}']


async def test_an_applicant_who_joined_otherwise_is_neither_approved_nor_reset(
    db: Database,
) -> None:
    repo = ApplicationRepository(db)
    staff, _ = await MemberRepository(db).make_staff(1, NOW)
    application_id = await applicant(db, 13, "community")
    await repo.submit(application_id, NOW, staff_text)
    async with db.transaction() as tx:  # joined with an invitation meanwhile
        await tx.execute(
            "UPDATE members SET role = 'police', status = 'active' WHERE telegram_user_id = 13"
        )
    assert await repo.approve(application_id, staff.id, NOW, outcome) is (
        Decision.APPLICANT_HAS_ROLE
    )
    assert await repo.reject(application_id, staff.id, NOW, outcome) is Decision.DONE
    member = await MemberRepository(db).get_by_telegram_id(13)
    assert member is not None and (member.role, member.status) == ("police", "active")


async def test_retention_erases_old_refusals_and_drafts_only(db: Database) -> None:
    repo, members = ApplicationRepository(db), MemberRepository(db)
    staff, _ = await members.make_staff(1, NOW)
    refused = await applicant(db, 20, "community")
    refused_but_joined = await applicant(db, 21, "community")
    refused_lately = await applicant(db, 22, "community")
    waiting = await applicant(db, 23, "community")
    for application_id in (refused, refused_but_joined, refused_lately, waiting):
        await repo.submit(application_id, NOW, staff_text)
    for application_id in (refused, refused_but_joined):
        await repo.reject(application_id, staff.id, NOW, outcome)
    await repo.reject(refused_lately, staff.id, NOW + timedelta(days=2), outcome)
    abandoned = await members.seen(24, NOW)
    await repo.start(abandoned.id, NOW)
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET role = 'community' WHERE telegram_user_id = 21")

    later = NOW + KEPT_FOR + timedelta(days=1)
    async with db.transaction() as tx:
        assert await ApplicationRepository.expire(tx, later) == 3
    remaining = await db.fetchall("SELECT telegram_user_id FROM members ORDER BY 1")
    assert [r[0] for r in remaining] == [1, 21, 22, 23]
    states = await db.fetchall(
        "SELECT m.telegram_user_id, a.state FROM applications a"
        " JOIN members m ON m.id = a.member_id ORDER BY 1"
    )
    assert [tuple(r) for r in states] == [(22, "rejected"), (23, "pending")]
    expired = await AuditRepository(db).entries("application.expire")
    assert len(expired) == 2 and all(e.actor_id is None for e in expired)
