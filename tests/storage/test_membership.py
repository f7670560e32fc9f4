"""Organisations, regions and the staff bootstrap against the real schema."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from storage.members import MemberRepository
from storage.organisations import OrganisationError, OrganisationRepository
from storage.vocabulary import ORGANISATION_TYPES, REGIONS, ROLES, STATUSES

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


async def test_the_schema_accepts_exactly_the_vocabulary(db: Database) -> None:
    member = await MemberRepository(db).seen(1, NOW)
    for region in REGIONS:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_regions (member_id, region) VALUES (?, ?)", (member.id, region)
            )
    for role in ROLES:
        for status in STATUSES:
            async with db.transaction() as tx:
                await tx.execute(
                    "UPDATE members SET role = ?, status = ? WHERE id = ?",
                    (role, status, member.id),
                )
    for column, value in (("role", "imam"), ("status", "banned")):
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.execute(
                    f"UPDATE members SET {column} = ? WHERE id = ?", (value, member.id)
                )
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_regions (member_id, region) VALUES (?, 'DE-XX')", (member.id,)
            )


async def test_organisations_are_validated_unique_and_audited(db: Database) -> None:
    repo = OrganisationRepository(db)
    for type_ in ORGANISATION_TYPES:
        await repo.add(f"Org {type_}", type_, "DE-NW", NOW, actor_id=None)
    added = await repo.add("  DITIB   Köln  ", "mosque_association", "DE-NW", NOW, actor_id=7)
    assert added.name == "DITIB Köln"
    with pytest.raises(OrganisationError, match="exists already"):
        await repo.add("DITIB Köln", "mosque_association", "DE-NW", NOW, actor_id=7)
    with pytest.raises(OrganisationError, match="type must be one of"):
        await repo.add("X", "club", "DE-NW", NOW, actor_id=7)
    with pytest.raises(OrganisationError, match="Bundesland must be one of"):
        await repo.add("X", "police", "NRW", NOW, actor_id=7)
    with pytest.raises(OrganisationError, match="1 to 200 characters"):
        await repo.add("   ", "police", "DE-NW", NOW, actor_id=7)
    assert len(await repo.all()) == len(ORGANISATION_TYPES) + 1
    audit = await AuditRepository(db).entries("organisation.add")
    assert audit[-1].actor_id == 7 and audit[-1].object_id == added.id
    assert len(audit) == len(ORGANISATION_TYPES) + 1  # refused ones left no trace


async def test_make_staff_is_idempotent_and_audited_once(db: Database) -> None:
    members = MemberRepository(db)
    staff, changed = await members.make_staff(555, NOW)
    assert changed and staff.is_active_staff and staff.role_confirmed_at == NOW
    again, changed_again = await members.make_staff(555, NOW)
    assert not changed_again and again.id == staff.id
    audit = await AuditRepository(db).entries("member.make_staff")
    assert [(e.object_id, e.actor_id) for e in audit] == [(staff.id, None)]
