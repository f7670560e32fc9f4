"""Invitations: hashed codes, limits on privileged ones, single use, expiry, guessing limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from storage.invites import FAILURES_PER_HOUR, InviteError, InviteRepository, hash_code
from storage.organisations import OrganisationRepository

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


async def test_codes_are_random_and_only_their_hash_is_stored(db: Database) -> None:
    repo = InviteRepository(db)
    codes = {(await repo.create("community", None, 30, 20, NOW, created_by=None))[1]}
    codes.add((await repo.create("community", None, 30, 20, NOW, created_by=None))[1])
    assert len(codes) == 2 and all(len(c) >= 22 for c in codes)
    rows = await db.fetchall("SELECT code_hash FROM invites")
    assert {r[0] for r in rows} == {hash_code(c) for c in codes}


@pytest.mark.parametrize(
    ("role", "days", "uses", "message"),
    [
        ("police", 8, 1, "a police invitation lasts 1 to 7 days"),
        ("staff", 3, 2, "a staff invitation can be used once only"),
        ("community", 0, 1, "a community invitation lasts 1 to 90 days"),
        ("community", 30, 0, "an invitation can be used 1 to 500 times"),
        ("imam", 3, 1, "the role must be one of community, police, staff"),
    ],
)
async def test_limits(db: Database, role: str, days: int, uses: int, message: str) -> None:
    with pytest.raises(InviteError, match=message):
        await InviteRepository(db).create(role, None, days, uses, NOW, created_by=None)
    assert await db.fetchall("SELECT * FROM invites") == []


async def test_unknown_organisation_is_refused(db: Database) -> None:
    with pytest.raises(InviteError, match="there is no organisation 9"):
        await InviteRepository(db).create("police", 9, 7, 1, NOW, created_by=None)


async def test_single_use_and_expiry(db: Database) -> None:
    org = await OrganisationRepository(db).add(
        "Polizei Köln", "police", "DE-NW", NOW, actor_id=None
    )
    repo = InviteRepository(db)
    invite, code = await repo.create("police", org.id, 7, 1, NOW, created_by=None)
    found = await repo.find_usable(code, NOW)
    assert found is not None and found.role == "police" and found.organisation_id == org.id
    assert await repo.find_usable(code + "x", NOW) is None
    assert await repo.find_usable(code, NOW + timedelta(days=7)) is None  # expired
    async with db.transaction() as tx:
        assert await InviteRepository.consume(tx, invite.id, NOW)
    async with db.transaction() as tx:
        assert not await InviteRepository.consume(tx, invite.id, NOW)  # used up
    assert await repo.find_usable(code, NOW) is None
    audit = await AuditRepository(db).entries("invite.create")
    assert [(e.object_id, e.detail) for e in audit] == [(invite.id, "role=police uses=1 days=7")]


async def test_wrong_codes_are_limited_per_person_and_hour(db: Database) -> None:
    repo = InviteRepository(db)
    for minute in range(FAILURES_PER_HOUR):
        assert await repo.may_try(77, NOW + timedelta(minutes=minute))
        await repo.record_failure(77, NOW + timedelta(minutes=minute))
    assert not await repo.may_try(77, NOW + timedelta(minutes=10))
    assert await repo.may_try(78, NOW + timedelta(minutes=10))  # someone else is not affected
    assert await repo.may_try(77, NOW + timedelta(minutes=61))  # an hour after the first
