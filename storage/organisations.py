"""Organisations: the mosque associations, NGOs, police units and public bodies of the network."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditRepository
from storage.db import Database
from storage.timefmt import to_db
from storage.vocabulary import ORGANISATION_TYPES, REGIONS

NAME_LENGTH = (1, 200)


class OrganisationError(ValueError):
    """The organisation cannot be stored as given; the message says why, for the operator."""


class DuplicateOrganisation(OrganisationError):
    """Another organisation has the same name in the same Bundesland."""


class UnknownOrganisation(OrganisationError):
    """No organisation has that id (any more)."""


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    type: str
    bundesland: str


@dataclass(frozen=True)
class OrganisationDraft:
    """A staff member adding an organisation (``organisation_id`` None) or renaming one."""

    member_id: int
    organisation_id: int | None
    name: str | None
    type: str | None


def _organisation(row: sqlite3.Row) -> Organisation:
    return Organisation(row["id"], row["name"], row["type"], row["bundesland"])


def _collapse(name: str) -> str | None:
    """The name with its whitespace collapsed, or None when its length is out of bounds."""
    name = " ".join(name.split())
    return name if NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1] else None


def _check(name: str | None, type_: str | None, bundesland: str | None) -> str | None:
    cleaned = None if name is None else _collapse(name)
    if name is not None and cleaned is None:
        raise OrganisationError("the name must have 1 to 200 characters")
    if type_ is not None and type_ not in ORGANISATION_TYPES:
        raise OrganisationError(f"the type must be one of {', '.join(ORGANISATION_TYPES)}")
    if bundesland is not None and bundesland not in REGIONS:
        raise OrganisationError(f"the Bundesland must be one of {', '.join(REGIONS)}")
    return cleaned


class OrganisationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, name: str, type_: str, bundesland: str, now: datetime, *, actor_id: int | None
    ) -> Organisation:
        cleaned = _check(name, type_, bundesland)
        assert cleaned is not None
        name = cleaned
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            new_id = await tx.insert(
                "INSERT OR IGNORE INTO organisations (name, type, bundesland, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?)",
                (name, type_, bundesland, stamp, stamp),
            )
            if new_id is None:
                raise DuplicateOrganisation(f"{name!r} in {bundesland} exists already")
            await AuditRepository.record(
                tx,
                now,
                "organisation.add",
                actor_id=actor_id,
                object_type="organisation",
                object_id=new_id,
            )
        return Organisation(new_id, name, type_, bundesland)

    async def edit(
        self,
        organisation_id: int,
        now: datetime,
        *,
        actor_id: int | None,
        name: str | None = None,
        type_: str | None = None,
        bundesland: str | None = None,
    ) -> tuple[Organisation, list[str]]:
        """Change the given fields; returns the organisation as stored and the fields that
        changed (none when the values were already so, and then nothing is audited)."""
        cleaned = _check(name, type_, bundesland)
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM organisations WHERE id = ?", (organisation_id,))
            if row is None:
                raise UnknownOrganisation(f"there is no organisation {organisation_id}")
            before = _organisation(row)
            after = Organisation(
                before.id,
                before.name if cleaned is None else cleaned,
                type_ or before.type,
                bundesland or before.bundesland,
            )
            changed = [
                field
                for field, old, new in (
                    ("name", before.name, after.name),
                    ("type", before.type, after.type),
                    ("bundesland", before.bundesland, after.bundesland),
                )
                if old != new
            ]
            if not changed:
                return before, []
            clash = await tx.fetchone(
                "SELECT id FROM organisations WHERE name = ? AND bundesland = ? AND id <> ?",
                (after.name, after.bundesland, before.id),
            )
            if clash is not None:
                raise DuplicateOrganisation(f"{after.name!r} in {after.bundesland} exists already")
            await tx.execute(
                "UPDATE organisations SET name = ?, type = ?, bundesland = ?, updated_at = ?"
                " WHERE id = ?",
                (after.name, after.type, after.bundesland, to_db(now), before.id),
            )
            await AuditRepository.record(
                tx,
                now,
                "organisation.edit",
                actor_id=actor_id,
                object_type="organisation",
                object_id=before.id,
                detail="changed=" + ",".join(changed),
            )
        return after, changed

    async def get(self, organisation_id: int) -> Organisation | None:
        row = await self._db.fetchone(
            "SELECT * FROM organisations WHERE id = ?", (organisation_id,)
        )
        return None if row is None else _organisation(row)

    async def all(self) -> list[Organisation]:
        rows = await self._db.fetchall("SELECT * FROM organisations ORDER BY bundesland, name")
        return [_organisation(r) for r in rows]

    # Drafts of the chat conversation that adds or renames an organisation.

    async def start_draft(self, member_id: int, organisation_id: int | None, now: datetime) -> None:
        """Begin adding (``organisation_id`` None) or renaming; an earlier draft is dropped."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO organisation_drafts (member_id, organisation_id, started_at)"
                " VALUES (?, ?, ?) ON CONFLICT (member_id) DO UPDATE"
                " SET organisation_id = excluded.organisation_id, name = NULL, type = NULL,"
                " started_at = excluded.started_at",
                (member_id, organisation_id, to_db(now)),
            )

    async def draft(self, member_id: int) -> OrganisationDraft | None:
        row = await self._db.fetchone(
            "SELECT * FROM organisation_drafts WHERE member_id = ?", (member_id,)
        )
        if row is None:
            return None
        return OrganisationDraft(row["member_id"], row["organisation_id"], row["name"], row["type"])

    async def update_draft(
        self, member_id: int, *, name: str | None = None, type_: str | None = None
    ) -> bool:
        """Store the name or type chosen so far; False when there is no draft any more."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE organisation_drafts SET name = COALESCE(?, name),"
                " type = COALESCE(?, type) WHERE member_id = ?",
                (name, type_, member_id),
            )
        return changed == 1

    async def drop_draft(self, member_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM organisation_drafts WHERE member_id = ?", (member_id,))
